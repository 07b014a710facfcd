"""Adding articles from the web chat: the checks on an upload, the copy, the index swap.

An upload goes the way ``python -m assistant add`` goes (``corpus/adding.py``),
with the web's own rules first:

- at most ``UploadLimits.files`` files of at most ``file_bytes`` each (Gradio's
  ``max_file_size`` refuses bigger ones before they are stored) and ``total_bytes``
  in all; a suffix some source reads; content that fits the suffix
  (``corpus/sniffing.py``);
- the name the browser sent is never a path: each file is copied into a private
  staging folder under ``adding.unique_name``'s safe name, and that copy is added;
- nothing is ever overwritten: a copy in the corpus has a name no file had, and
  when the index cannot be updated the copies just made are removed again;
- one batch is indexed at a time, by a model of its own, so questions never wait
  for it; the new index is loaded beside the old one and put in place whole
  (``live.LiveAssistant``), and other chats keep answering meanwhile;
- pasted links are fetched before that turn is taken, into the batch's own staging
  folder, and only then added to the corpus (with their fetch records) under the
  lock: a slow server, up to ``FetchLimits.total`` a link, holds up its own batch,
  never the other users' (the panel lets ``ADD_CONCURRENCY`` batches run at once).
"""

from __future__ import annotations

import logging
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from ..corpus.adding import Addition, Known, add_bytes, add_files, unique_name
from ..corpus.chunking import chunk_article
from ..corpus.loading import load_corpus
from ..corpus.records import record_path
from ..corpus.sources import ARTICLE_SUFFIXES, source_for
from ..encoding.embedder import Embedder
from ..pipeline import Assistant
from ..store.build import build_index
from ..store.storage import load_index
from .links import NO_FETCHER, LinkAdder, parse_links
from .live import LiveAssistant
from .policy import WRONG_TOKEN_DELAY, AddPolicy, UploadLimits
from .reports import FileReport, Outcome, article_report

# Seconds a replaced cluster assistant keeps its shard actors for the questions in flight.
RETIRE_AFTER = 30.0

logger = logging.getLogger(__name__)

Progress = Callable[[float, str], None]


class UploadRefused(Exception):
    """A whole batch refused (too many files, a wrong token); the message says why."""


class Uploader:
    """Checks uploads, copies them into the corpus and puts the updated index in place.

    Args:
        assistant: the app's assistant; replaced by one over the new index.
        corpus_dir, index_dir: the folders the app serves.
        policy: who may add (``AddPolicy.for_server``).
        limits: how much one batch may hold.
        add_links: the fetcher for pasted links; None while there is none.
        cluster: the Ray cluster's address when the app serves a sharded
            index there (``app.py --cluster``); additions then update it there.

    Example:
        >>> uploader = Uploader(live, "corpus", "index", policy=AddPolicy.for_server("127.0.0.1"))
        >>> outcome = uploader.add(["/tmp/gradio/ab12/page.html"])
        >>> outcome.reports[0].status, outcome.reports[0].articles[0].title
    """

    def __init__(
        self,
        assistant: LiveAssistant,
        corpus_dir: str | Path,
        index_dir: str | Path,
        *,
        policy: AddPolicy,
        limits: UploadLimits | None = None,
        add_links: LinkAdder | None = None,
        cluster: str | None = None,
    ) -> None:
        self.assistant = assistant
        self.cluster = cluster
        self.corpus_dir = Path(corpus_dir)
        self.index_dir = Path(index_dir)
        self.policy = policy
        self.limits = limits or UploadLimits()
        self.add_links = add_links
        self._lock = threading.Lock()
        self._embedder: Embedder | None = None

    @property
    def suffixes(self) -> list[str]:
        """The suffixes the file picker offers: every one a source reads."""
        return list(ARTICLE_SUFFIXES)

    def check(self, files: Sequence[str] | None, *, token: str | None = None) -> Outcome:
        """What each file would give, without copying anything (a dry run of ``add``)."""
        if refusal := self._refusal(token):
            return Outcome(message=refusal)
        try:
            with tempfile.TemporaryDirectory(prefix="upload-") as folder:
                staged, reports = self._stage(files, Path(folder))
                additions = add_files(list(staged), self.corpus_dir, dry_run=True)
                reports += [self._report(staged, a, self._chunk_counts(a)) for a in additions]
        except UploadRefused as error:
            return Outcome(message=str(error))
        ready = sum(report.status == "ready" for report in reports)
        message = f"{ready} of {len(reports)} files can be added." if reports else ""
        return Outcome(reports, message)

    def add(
        self,
        files: Sequence[str] | None,
        links: str | None = None,
        *,
        token: str | None = None,
        progress: Progress | None = None,
    ) -> Outcome:
        """Copy the files (and fetch the links) into the corpus, and index them.

        Never raises: a refused batch or a failed update is the outcome's message.
        """
        progress = progress or (lambda fraction, text: None)
        if refusal := self._refusal(token):
            return Outcome(message=refusal)
        try:
            with tempfile.TemporaryDirectory(prefix="upload-") as folder:
                # Fetched outside the lock, into this batch's own folder: the network's
                # waits are this batch's, and the lock is held only for local work.
                progress(0.02, "Checking the files")
                staged, reports = self._stage(files, Path(folder))
                fetched = self._fetch(links, Path(folder) / "links", progress)
                with self._lock:
                    known = Known.of(self.corpus_dir)
                    additions = add_files(list(staged), self.corpus_dir, known=known)
                    additions += [self._from_staging(addition, known) for addition in fetched]
                    return self._index(staged, reports, additions, progress)
        except UploadRefused as error:
            return Outcome(message=str(error))

    # -- the steps ------------------------------------------------------------

    def _refusal(self, token: str | None) -> str | None:
        if self.policy.enabled and self.policy.token and not token:
            return "Enter the operator's add token to check and add files."
        refusal = self.policy.refusal(token)
        if refusal is not None and self.policy.enabled:
            time.sleep(WRONG_TOKEN_DELAY)
        return refusal

    def _stage(
        self, files: Sequence[str] | None, folder: Path
    ) -> tuple[dict[Path, str], list[FileReport]]:
        """Copy each upload that passes the web's checks into ``folder`` under a safe name.

        Returns:
            The staged copies (mapped to the names the browser sent), and a
            report for each upload refused here.
        """
        files = [str(file) for file in (files or []) if file]
        if len(files) > self.limits.files:
            raise UploadRefused(
                f"{len(files)} files given: add at most {self.limits.files} at a time."
            )
        staged: dict[Path, str] = {}
        reports: list[FileReport] = []
        total = 0
        for file in files:
            name = Path(file).name
            problem, raw = self._read_upload(Path(file))
            if problem is None:
                total += len(raw)
                if total > self.limits.total_bytes:
                    raise UploadRefused(
                        f"the files hold more than {self.limits.total_bytes:,} bytes in all: "
                        "add them in smaller batches."
                    )
                target = folder / unique_name(Path(name), folder)
                target.write_bytes(raw)
                staged[target] = name
            else:
                source = source_for(Path(name))
                reports.append(FileReport(name, "skipped", source.name if source else "", problem))
        return staged, reports

    def _read_upload(self, path: Path) -> tuple[str | None, bytes]:
        """The bytes of an upload, or why it is refused before any source reads it."""
        if source_for(path) is None:
            return (
                f"no source reads {path.suffix or 'files without a suffix'!r} files "
                f"(only {', '.join(ARTICLE_SUFFIXES)})",
                b"",
            )
        try:
            with path.open("rb") as handle:
                raw = handle.read(self.limits.file_bytes + 1)
        except OSError as error:
            logger.warning("cannot read the upload %s: %s", path, error)
            return "the upload cannot be read: send it again", b""
        if len(raw) > self.limits.file_bytes:
            return f"the file is bigger than {self.limits.file_bytes:,} bytes, the limit here", b""
        return None, raw

    def _fetch(self, links: str | None, folder: Path, progress: Progress) -> list[Addition]:
        """The pasted links fetched into ``folder`` (made here), or skipped with why."""
        if not links or not links.strip():
            return []
        if not self.policy.allow_links:
            return [Addition("links", "skipped", reason="fetching links is off on this server")]
        urls, refused = parse_links_or_refuse(links)
        if urls and self.add_links is None:
            refused += [Addition(url, "skipped", reason=NO_FETCHER) for url in urls]
        elif urls:
            progress(0.05, f"Fetching {len(urls)} links")
            folder.mkdir()
            try:
                refused += self.add_links(urls, folder)
            except Exception as error:  # the fetcher's contract is to raise nothing
                logger.exception("fetching %d links failed", len(urls))
                reason = f"fetching failed ({type(error).__name__}); the details were logged"
                refused += [Addition(url, "skipped", reason=reason) for url in urls]
        return refused

    def _from_staging(self, fetched: Addition, known: Known) -> Addition:
        """A link's copy in the staging folder, added to the corpus with its fetch record."""
        if fetched.status != "added":
            return fetched
        copy = Path(fetched.copy)
        record = record_path(copy)
        try:
            raw = copy.read_bytes()
            data = record.read_bytes() if record.is_file() else b""
        except OSError as error:
            logger.warning("cannot read the fetched copy %s: %s", copy, error)
            return Addition(fetched.source, "skipped", reason="its fetched copy cannot be read")
        name = Path(copy.name)
        return add_bytes(fetched.source, raw, name, self.corpus_dir, known, record=data)

    def _index(
        self,
        staged: dict[Path, str],
        reports: list[FileReport],
        additions: list[Addition],
        progress: Progress,
    ) -> Outcome:
        """Update the index with the copies just made and put it in place."""
        added = [addition for addition in additions if addition.status == "added"]
        if not added:
            reports += [self._report(staged, a, {}) for a in additions]
            return Outcome(reports, "Nothing was added.")
        progress(0.3, f"Indexing {sum(len(a.articles) for a in added)} articles")
        try:
            fresh = self._rebuild(progress)
        except Exception as error:
            logger.exception("updating the index with %d new files failed", len(added))
            # Removed, so the corpus holds what the chat's index holds (a version
            # built before loading failed is rebuilt at the next start).
            for addition in added:
                Path(addition.copy).unlink(missing_ok=True)
                addition.status, addition.copy, addition.reason = (
                    "skipped",
                    "",
                    f"the index could not be updated ({type(error).__name__}); it was not added",
                )
            reports += [self._report(staged, a, {}) for a in additions]
            return Outcome(reports, "The index could not be updated; nothing was added.")
        counts: dict[str, int] = {}
        for chunk in fresh.stored.chunks:
            counts[chunk.article_id] = counts.get(chunk.article_id, 0) + 1
        left_out = {Path(s["path"]).name: s["reason"] for s in fresh.info()["skipped_files"]}
        for addition in additions:
            if addition.status == "added" and Path(addition.copy).name in left_out:
                reason = left_out[Path(addition.copy).name]
                addition.status, addition.reason = "skipped", f"the index left it out: {reason}"
            reports.append(self._report(staged, addition, counts))
        indexed = sum(report.status == "added" for report in reports)
        logger.info("added %d files from the web chat", indexed)
        message = f"Added {indexed} of {len(reports)}; they can be asked about now."
        return Outcome(reports, message, True)

    def _rebuild(self, progress: Progress) -> Assistant:
        """Build the index of the corpus as it is now, load it, and put it in place."""
        current = self.assistant.current
        if self.cluster:
            fresh = Assistant.build_sharded(
                self.cluster,
                corpus_dir=self.corpus_dir,
                index_dir=self.index_dir,
                settings=current.settings,
            )
        else:
            embedder = self._indexing_embedder(current)
            corpus = load_corpus(self.corpus_dir)
            build_index(corpus, self.index_dir, current.settings, embedder, progress=True)
            progress(0.9, "Loading the new index")
            fresh = Assistant(
                load_index(self.index_dir),
                current.embedder,
                current.settings,
                reader=current.loaded_reader,
            )
        self.assistant.replace(fresh)
        if self.cluster:
            # The old shard actors finish the questions they hold, then go.
            timer = threading.Timer(RETIRE_AFTER, current.close)
            timer.daemon = True
            timer.start()
        return fresh

    def _indexing_embedder(self, current: Assistant) -> Embedder:
        """A model of the uploader's own: the questions' one is never held by a build."""
        if self._embedder is None:
            settings = current.settings
            self._embedder = Embedder(settings.model, encoder=settings.encoder)
        return self._embedder

    def _chunk_counts(self, addition: Addition) -> dict[str, int]:
        settings = self.assistant.current.settings
        return {
            article.id: len(
                chunk_article(article, min_words=settings.min_words, max_words=settings.max_words)
            )
            for article in addition.articles
        }

    @staticmethod
    def _report(staged: dict[Path, str], addition: Addition, counts: dict[str, int]) -> FileReport:
        return FileReport(
            name=staged.get(Path(addition.source), addition.source),
            status=addition.status,
            format=addition.format,
            reason=addition.reason,
            stored_as=Path(addition.copy).name if addition.copy else "",
            articles=tuple(article_report(a, counts) for a in addition.articles),
        )


def parse_links_or_refuse(text: str) -> tuple[list[str], list[Addition]]:
    """``links.parse_links``, its too-many error as a refused batch."""
    try:
        return parse_links(text)
    except ValueError as error:
        raise UploadRefused(f"{error}.") from error
