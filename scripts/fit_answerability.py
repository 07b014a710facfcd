"""Fit the answerability model: logistic regression on the first passage's signals.

Run from the repository root (scikit-learn comes with sentence-transformers):

    python scripts/fit_answerability.py            # the similarity model
    python scripts/fit_answerability.py --reader   # the model with the reader's logits
    python scripts/fit_answerability.py --band     # where "may answer" ends, for the shipped model
    python scripts/fit_answerability.py --extend other_countries [--reader]
        # one new signal's weight, the shipped model's others and threshold kept
    python scripts/fit_answerability.py --threshold-only [--reader]
        # the shipped model kept whole, its threshold chosen again by the same rule
        # (after a change to retrieval moved the dev questions' signals)

It prints the coefficients to paste into ``assistant/search/answerability.py`` and,
as a Markdown table and as the plot ``docs/abstention.png`` (matplotlib, from
requirements-dev.txt), the trade-off between abstaining on unanswerable
questions and wrongly abstaining on answerable ones, on the dev split and the
test split. Only the dev split is used for fitting and for choosing the
threshold. With ``--reader``, the SQuAD questions fitted on are those of the
articles held out from the reader's training (``reader_pairs.valid_titles``):
on the articles it was trained on, its logits are surer than they will be on
new text.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant import Assistant, Settings  # noqa: E402
from assistant.config import DEFAULT_K  # noqa: E402
from assistant.encoding.reader import Reader  # noqa: E402
from assistant.evaluation import reader_pairs  # noqa: E402
from assistant.evaluation.datasets import (  # noqa: E402
    load_own_questions,
    load_squad_corpus,
    load_squad_questions,
    load_squad_unanswerable,
)
from assistant.evaluation.runner import open_assistant, select  # noqa: E402
from assistant.search import answerability  # noqa: E402
from assistant.search.answerability import (  # noqa: E402
    FEATURES,
    READER_FEATURES,
    features,
    reader_features,
)

SQUAD_PER_KIND = 1000
OWN_WEIGHT = 3.0
FALSE_ABSTENTION_BUDGET = 0.05
# "Answers" (rather than "may answer") for at most 20% of unanswerable dev questions.
ANSWERS_BUDGET = 0.20
REGULARISATION = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
# The losses of C = 0.03 and 0.1 differ by about 0.001: with 3 shuffles of the
# folds, one question changing its signals moved the choice from one to the other.
CV_SHUFFLES = 10
TABLE_THRESHOLDS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
PLOT = Path("docs") / "abstention.png"


def signals(bot: Assistant, questions, reader=None) -> tuple[np.ndarray, np.ndarray]:
    # The query, the follow-up's own words, the hits and their reading exactly as
    # Assistant.ask prepares them (the reader reads the first ``reader_passages``).
    prepared = [bot._prepare(q.question, q.history) for q in questions]
    vectors = bot.embedder.encode_queries([p.text for p in prepared])
    if reader is not None:
        every = bot.settings.replace(reader=True, read_from=0.0, read_until=1.0)
        bot = Assistant(bot.stored, bot.embedder, every, reader=reader)
    rows = []
    for p, vector in zip(prepared, vectors, strict=True):
        allowed = bot._rows_for(p, None)
        hits = bot.retriever.search(p.text, vector, k=DEFAULT_K, rows=allowed, focus=p.focus)
        if reader is None:
            rows.append(features(hits, p.text))
            continue
        hits, reading = bot._read(p.text, hits)
        if reading is None:
            rows.append([0.0] * len(READER_FEATURES))
        else:
            rows.append(reader_features(hits, p.text, reading))
    return np.array(rows), np.array([q.answerable for q in questions])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reader", action="store_true", help="fit the model with the reader")
    parser.add_argument(
        "--reader-folder",
        type=Path,
        default=None,
        help="with another reader model (a folder as train_reader.py writes; implies --reader)",
    )
    parser.add_argument(
        "--plot", type=Path, default=None, help="where the trade-off plot goes (default: docs/)"
    )
    parser.add_argument(
        "--band", action="store_true", help='choose the "may answer" band on the own dev split'
    )
    parser.add_argument(
        "--extend",
        metavar="SIGNAL",
        default=None,
        help="fit only this signal's weight, keeping the shipped model's other weights, bias "
        "and threshold (a signal added to a fitted model changes nothing else)",
    )
    parser.add_argument(
        "--threshold-only",
        action="store_true",
        help="keep the shipped weights and bias; choose only the threshold again, on dev",
    )
    parser.add_argument("--index", default="index", help="index folder (default: index)")
    args = parser.parse_args(argv)
    if args.threshold_only and args.extend is not None:
        parser.error("--threshold-only keeps every weight: it does not go with --extend")
    if args.band:
        return fit_band(args.index)
    if args.reader_folder is not None:
        reader = Reader.load(args.reader_folder)
    else:
        reader = Reader.load() if args.reader else None
    names = READER_FEATURES if reader is not None else FEATURES
    settings = Settings()
    own = Assistant.load("corpus", args.index, settings=settings)
    squad = open_assistant(load_squad_corpus(), Path(args.index) / "eval-squad-v1.1", settings)
    squad_questions = load_squad_questions() + load_squad_unanswerable()
    held_out = reader_pairs.held_out_titles() if reader is not None else None
    data = {}
    for split in ("dev", "test"):
        own_x, own_y = signals(own, select(load_own_questions(), split=split), reader)
        chosen = squad_questions
        if held_out is not None and split == "dev":
            chosen = [q for q in squad_questions if q.key in held_out]
        squad_x, squad_y = signals(squad, select(chosen, split=split, limit=SQUAD_PER_KIND), reader)
        data[split] = (own_x, own_y, squad_x, squad_y)
    own_x, own_y, squad_x, squad_y = data["dev"]
    # Our own questions are few but are the product's real case: weigh them up
    # so that they count three times as much as the SQuAD sample.
    own_weight = OWN_WEIGHT * len(squad_y) / max(len(own_y), 1)
    weight = np.r_[np.full(len(own_y), own_weight), np.ones(len(squad_y))]
    x, y = np.r_[own_x, squad_x], np.r_[own_y, squad_y]
    strata = 2 * y + np.r_[np.ones(len(own_y)), np.zeros(len(squad_y))]
    prefix = "READER_" if reader is not None else ""
    if args.threshold_only:
        model = shipped(LogisticRegression(), names, reader is not None)
    else:
        c = choose_regularisation(x, y, weight, strata)
        print(f"C = {c} (5-fold cross-validated log loss on the dev split)")
        model = LogisticRegression(C=c, max_iter=2000)
        model.fit(x, y, sample_weight=weight)
    if args.extend is not None:
        model = extended(model, names, args.extend, reader is not None, x, y, weight, c)
    print(f"{prefix}WEIGHTS = {{")
    for name, value in zip(names, model.coef_[0], strict=True):
        print(f'    "{name}": {value:.4f},')
    print("}")
    print(f"{prefix}BIAS = {model.intercept_[0]:.4f}")
    if args.extend is not None:
        chosen = settings.reader_threshold if reader is not None else settings.found_threshold
        print(f"threshold kept: {chosen:.2f}")
    else:
        chosen = choose_threshold(
            model.predict_proba(own_x)[:, 1], own_y, model.predict_proba(squad_x)[:, 1], squad_y
        )
        print(f"{'reader' if reader is not None else 'found'}_threshold = {chosen:.2f}")
    curves = {}
    print(
        "\n| split | threshold | own: abstains | own: false abst. "
        "| SQuAD: abstains | SQuAD: false abst. |\n|---|---|---|---|---|---|"
    )
    for split, (own_x, own_y, squad_x, squad_y) in data.items():
        own_p = model.predict_proba(own_x)[:, 1]
        squad_p = model.predict_proba(squad_x)[:, 1]
        for threshold in sorted({*TABLE_THRESHOLDS, round(chosen, 2)}):
            print(
                f"| {split} | {threshold:.2f} | {np.mean(own_p[~own_y] < threshold):.3f} | "
                f"{np.mean(own_p[own_y] < threshold):.3f} | "
                f"{np.mean(squad_p[~squad_y] < threshold):.3f} | "
                f"{np.mean(squad_p[squad_y] < threshold):.3f} |"
            )
        grid = np.linspace(0, 1, 101)
        for name, p, y in (("own", own_p, own_y), ("SQuAD", squad_p, squad_y)):
            curves[f"{name} {split}"] = (
                [np.mean(p[y] < t) for t in grid],
                [np.mean(p[~y] < t) for t in grid],
            )
    default = PLOT.with_name("abstention-reader.png") if reader is not None else PLOT
    plot(curves, args.plot or default)


def shipped(model, names, reading: bool):
    """``model`` set to the shipped weights and bias (answerability.py), to predict with."""
    weights = answerability.READER_WEIGHTS if reading else answerability.WEIGHTS
    bias = answerability.READER_BIAS if reading else answerability.BIAS
    model.coef_ = np.array([[weights[n] for n in names]])
    model.intercept_ = np.array([bias])
    model.classes_ = np.array([False, True])
    return model


def extended(model, names, signal: str, reading: bool, x, y, weight, c: float):
    """``model`` set to the shipped weights, with only ``signal``'s weight fitted on x, y.

    The shipped model's logit for every other signal is a fixed offset; the one
    weight minimises the same objective scikit-learn's L2 logistic regression does,
    ``0.5 w^2 + C * sum(weight * log loss)``, with the C chosen for the full fit.
    """
    from scipy.optimize import minimize_scalar

    shipped = answerability.READER_WEIGHTS if reading else answerability.WEIGHTS
    bias = answerability.READER_BIAS if reading else answerability.BIAS
    where = names.index(signal)
    fixed = np.array([0.0 if n == signal else shipped[n] for n in names])
    offset = bias + x @ fixed

    def objective(w: float) -> float:
        z = offset + w * x[:, where]
        loss = np.logaddexp(0.0, -z) * y + np.logaddexp(0.0, z) * (1 - y)
        return 0.5 * w * w + c * float(np.sum(weight * loss))

    w = float(minimize_scalar(objective, bounds=(-20.0, 20.0), method="bounded").x)
    print(f'"{signal}": {w:.4f}  (the other weights and the bias: the shipped ones)')
    coef = fixed.copy()
    coef[where] = w
    model.coef_ = coef[None, :]
    model.intercept_ = np.array([bias])
    return model


def fit_band(index: str) -> None:
    """Choose ``answers_from`` on the own dev split; show both splits."""
    settings = Settings()
    bot = Assistant.load("corpus", index, settings=settings)
    verdicts = {}
    for split in ("dev", "test"):
        questions = select(load_own_questions(), split=split)
        answers = [bot.ask(q.question, history=list(q.history)) for q in questions]
        verdicts[split] = (
            np.array([a.confidence for a in answers]),
            np.array([a.found for a in answers]),
            np.array([q.answerable for q in questions]),
        )
    p, found, y = verdicts["dev"]
    high = choose_band(p, found, y)
    print(f"answers_from = {high:.2f}")
    print(
        "\n| split | answerable: answers / may answer / not found "
        "| unanswerable: answers / may answer / not found |\n|---|---|---|"
    )
    for split, (p, found, y) in verdicts.items():
        cells = [
            " / ".join(f"{np.mean(band):.3f}" for band in (f & (q >= high), f & (q < high), ~f))
            for q, f in ((p[y], found[y]), (p[~y], found[~y]))
        ]
        print(f"| {split} | {cells[0]} | {cells[1]} |")


def choose_band(p, found, y) -> float:
    """``answers_from``: found answers below it are shown as "may answer", chosen on dev.

    At or above it at most ``ANSWERS_BUDGET`` of the unanswerable questions reach.
    """
    grid = np.round(np.arange(0.0, 1.001, 0.01), 2)
    unanswerable = p[~y] * found[~y]  # a refused question never reaches "answers"
    return float(min(t for t in grid if np.mean(unanswerable >= t) <= ANSWERS_BUDGET))


def choose_regularisation(x, y, weight, strata) -> float:
    """The C with the lowest weighted log loss in 5-fold cross-validation (10 shuffles).

    The signals are correlated (a sentence's terms and its passage's): without
    enough regularisation their weights swing from one fit to the next.
    """
    losses = {}
    for c in REGULARISATION:
        fold_losses = []
        for seed in range(CV_SHUFFLES):
            folds = StratifiedKFold(5, shuffle=True, random_state=seed)
            for train, held in folds.split(x, strata):
                model = LogisticRegression(C=c, max_iter=2000)
                model.fit(x[train], y[train], sample_weight=weight[train])
                p = np.clip(model.predict_proba(x[held])[:, 1], 1e-6, 1 - 1e-6)
                loss = -(y[held] * np.log(p) + (1 - y[held]) * np.log(1 - p))
                fold_losses.append(np.sum(loss * weight[held]) / np.sum(weight[held]))
        losses[c] = float(np.mean(fold_losses))
    return min(losses, key=losses.__getitem__)


def choose_threshold(own_p, own_y, squad_p, squad_y) -> float:
    """The dev threshold: most abstention on our questions within the budget.

    Among the thresholds that keep false abstention within the budget on both
    dev sets, those that abstain on the most of our unanswerable questions
    form a plateau; the middle of it is taken, not its upper edge: with 48
    answerable dev questions, one more question wrongly refused is 2 points,
    and the edge is where the next one falls.
    """
    grid = np.round(np.arange(0.05, 0.951, 0.01), 2)
    within = [
        t
        for t in grid
        if np.mean(own_p[own_y] < t) <= FALSE_ABSTENTION_BUDGET
        and np.mean(squad_p[squad_y] < t) <= FALSE_ABSTENTION_BUDGET
    ]
    abstention = {t: np.mean(own_p[~own_y] < t) for t in within}
    best = max(abstention.values())
    plateau = [t for t in within if abstention[t] == best]
    return float(plateau[len(plateau) // 2])


def plot(curves: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 4.5))
    for label, (false_abstention, abstention) in curves.items():
        axes.plot(false_abstention, abstention, label=label)
    axes.axvline(0.05, color="grey", linestyle=":", linewidth=1)
    axes.set_xlabel("false abstention (answerable questions answered 'not found')")
    axes.set_ylabel("abstention on unanswerable questions")
    axes.set_title("Answerability threshold trade-off")
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
