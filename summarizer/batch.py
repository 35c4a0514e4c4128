"""Batch runs over a corpus: bounded concurrency, each result written as soon as it is ready, resumable.

``OUT/index.json`` records every document with its status and a *done key*: the source's hash with the
answer fingerprint (``fingerprint.py``, the same settings the LLM cache keys on) and the output options. A
rerun skips what is finished under the same key and resumes the rest from the LLM cache; a rerun whose
answers would differ (another endpoint, model, temperature…) redoes it. One bad document is reported and
never stops the others.
"""

from __future__ import annotations

import csv
import json
import os
import queue
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import IO, Any, TextIO

from .api import Summarizer
from .errors import Cancelled, InputError, SummarizerError
from .extract import ChunkResult
from .load import display_name, load_path
from .models import SCHEMA_VERSION, ReportSummary, Usage
from .render import render, suffix
from .safety import neutralise_cell, neutralised_cells, safe_error
from .workers import DaemonPool, collector_for_batch

__all__ = ["LOCK_NAME", "Batch", "BatchTotals", "DocStatus", "neutralise_cell", "output_stem", "output_stems"]

JOURNAL = ".index.journal.jsonl"
LOCK_NAME = ".summarize.lock"
INDEX_EVERY_SECONDS = 2.0
PARQUET_ROWS = 5_000
# After Ctrl-C, documents about to write their outputs get this long; those waiting on the endpoint are abandoned.
INTERRUPT_GRACE_SECONDS = 0.5
# The batch's own files in OUT: no input's output may take one of these names.
BATCH_FILES = (
    "index.json", "index.html", "metrics.csv", "metrics.parquet", "series.csv", "targets.csv", JOURNAL, LOCK_NAME,
)  # fmt: skip
# Temporary files this module (and across.py) writes before an atomic rename: ".<name>.<pid>[.<thread>].tmp".
# A run killed with -9 leaves them behind; the next run, holding the lock, removes them.
_ORPHAN_RE = re.compile(r"^\..+\.\d+(?:\.\d+)?\.tmp$|^\.metrics\.parquet\.tmp$|^metrics\.csv\.tmp$")

METRIC_COLUMNS = (
    "document",
    "organization",
    "report_period",
    "period",
    "period_start",
    "period_end",
    "section_path",
    "name",
    "indicator",
    "value",
    "number",
    "unit",
    "kind",
    "approx",
    "redacted",
    "check",
    "quote",
)


@dataclass
class DocStatus:
    source: str
    status: str  # ok | failed | skipped
    outputs: list[str] = field(default_factory=list)
    reason: str | None = None
    done_key: str | None = None
    grounded_share: float | None = None
    metrics: int | None = None
    calls: int = 0
    cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None


@dataclass
class BatchTotals:
    """The batch's document counts and its call usage (summed with ``Usage.add``)."""

    documents: int = 0
    done: int = 0
    failed: int = 0
    skipped: int = 0
    chunks: int = 0
    cost_usd: float = 0.0
    usage: Usage = field(default_factory=Usage)

    def as_json(self) -> dict[str, Any]:
        counts = {k: v for k, v in vars(self).items() if k != "usage"}
        return {**self.usage.model_dump(exclude={"cost_usd"}), **counts}


def exit_code(statuses: Iterable[DocStatus], *, strict: bool) -> int:
    """The CLI's exit code for a finished batch, on the synchronous and the batch-API path alike: 2 when a
    document failed; under --strict 1 when a document has a figure its source does not ground; else 0."""
    statuses = list(statuses)
    if any(s.status == "failed" for s in statuses):
        return 2
    if strict and any(s.grounded_share is not None and s.grounded_share < 1.0 for s in statuses):
        return 1
    return 0


def output_options(summarizer: Summarizer, formats: Iterable[str]) -> dict[str, Any]:
    """What shapes a batch's written files beyond the answers themselves (part of its done keys)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "drop_unverified": summarizer.settings.drop_unverified,
        "formats": sorted(formats),
    }


def output_stem(path: Path, root: Path | None) -> str:
    """Output name mirroring the input's place under the input folder (a/b.txt -> a/b); ``output_stems`` makes
    the names of a whole batch unique."""
    rel = path.relative_to(root) if root is not None and path.is_relative_to(root) else Path(path.name)
    return str(rel.with_suffix(""))


def common_root(files: Iterable[Path]) -> Path | None:
    """The deepest folder holding every file: outputs keep each input's path below it."""
    parents = [os.path.dirname(os.path.abspath(f)) for f in files]
    if not parents:
        return None
    try:
        return Path(os.path.commonpath(parents))
    except ValueError:  # different drives (Windows)
        return None


def output_stems(files: list[Path], root: Path | None, out: Path, formats: Iterable[str]) -> dict[Path, str]:
    """Each input's output name without the format's suffix, unique across the batch (``OUT/<stem>.json``).

    The stem is the input's path below ``root`` without its suffix (a/b.txt -> a/b). Where two inputs would share
    an output (a/report.txt and a/report.md), or an output would take the name of one of the batch's own files
    (index.txt -> index.json) or of an input inside OUT (x.md summarized as Markdown into its own folder), the input
    keeps its suffix (a/report.txt.json). Names are compared case-folded, as a case-insensitive file system would.
    What still collides is refused before anything runs, in one line."""
    formats = list(formats)
    root = root if root is not None else common_root(files)
    out_abs = os.path.abspath(out)
    rel: dict[Path, str] = {}
    for f in files:
        path = os.path.abspath(f)
        base = os.path.relpath(path, root) if root is not None else os.path.basename(path)
        if base.startswith(".."):
            base = os.path.basename(path)
        rel[f] = display_name(Path(base).as_posix())  # a name that is not UTF-8 is written with its escapes
    # Names already taken in OUT: the batch's files, and inputs that live inside OUT.
    taken = {n.casefold() for n in BATCH_FILES}
    for f in files:
        path = os.path.abspath(f)
        if os.path.commonpath([path, out_abs]) == out_abs:
            taken.add(Path(os.path.relpath(path, out_abs)).as_posix().casefold())

    def names(stem: str) -> list[str]:
        return [(stem + suffix(fmt)).casefold() for fmt in formats]

    plain = {f: str(Path(r).with_suffix("")) if Path(r).suffix else r for f, r in rel.items()}
    plain = {f: Path(st).as_posix() for f, st in plain.items()}
    count: dict[str, int] = {}
    for st in plain.values():
        for n in names(st):
            count[n] = count.get(n, 0) + 1
    stems = {
        f: (rel[f] if any(count[n] > 1 or n in taken for n in names(st)) else st) for f, st in plain.items()
    }
    owner: dict[str, Path] = {}
    for f, st in stems.items():
        for n in names(st):
            if n in taken or n in owner:
                other = owner.get(n)
                clash = f"{display_name(other)} and {display_name(f)}" if other else display_name(f)
                raise InputError(f"{clash}: would write the same output {out / (st + n[len(st):])}; rename one")
            owner[n] = f
    return stems


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def remove_orphans(out: Path) -> int:
    """Remove temporary files a killed run left in OUT (only names this module writes). Call with the lock held."""
    removed = 0
    for folder, _dirs, names in os.walk(out):
        for name in names:
            if _ORPHAN_RE.match(name):
                try:
                    os.unlink(os.path.join(folder, name))
                    removed += 1
                except OSError:
                    continue
    return removed


class OutLock:
    """One run per output folder: an exclusive ``fcntl`` lock on ``OUT/.summarize.lock``.

    Why fcntl (flock) and not a lock file's existence or the ``filelock`` package: the kernel drops the lock when
    its process dies, kill -9 included, so a stale lock can never block the next run, and it is the standard
    library. Where fcntl does not exist (Windows) runs are not locked."""

    def __init__(self, out: Path, *, wait: bool = False) -> None:
        self.path = out / LOCK_NAME
        self.wait = wait
        self._fh: IO[str] | None = None

    def __enter__(self) -> OutLock:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            return self
        fh = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not self.wait:
                fh.seek(0)
                holder = fh.read().strip()
                fh.close()
                who = f" (pid {holder})" if holder.isdigit() else ""
                raise InputError(
                    f"{self.path.parent}: another summarize run{who} is writing into this folder; "
                    "wait for it to finish, or pass --wait"
                ) from None
            fcntl.flock(fh, fcntl.LOCK_EX)  # Ctrl-C interrupts the wait
        except BaseException:
            fh.close()
            raise
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        self._fh = fh
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fh is not None:
            self._fh.close()  # closing the file releases the lock
            self._fh = None


_DOC_FIELDS = frozenset(f.name for f in fields(DocStatus))


def metric_rows(summary: ReportSummary) -> list[dict[str, Any]]:
    return [
        {
            "document": summary.source.name,
            "organization": summary.organization or "",
            "report_period": summary.period or "",
            "period": m.period or "",  # the figure's own period (a 2012 result in the 2013 report is 2012年)
            "period_start": m.period_start or "",
            "period_end": m.period_end or "",
            "section_path": " > ".join(m.section_path),
            "name": m.name,
            "indicator": m.indicator or "",  # the indicators.json id, empty when unknown
            "value": m.value or "",
            "number": m.number,  # None is an empty cell in the CSV, null in parquet
            "unit": m.unit,
            "kind": m.kind,
            "approx": m.approx or "",
            "redacted": m.redacted,
            "check": m.check,
            "quote": m.evidence.quote,
        }
        for m in summary.metrics
    ]


class Batch:
    """One batch run: ``run()`` returns the per-document statuses; progress goes to ``on_event``.

    What it promises (README, "Guarantees"): each input gets its own outputs (``output_stems``), no input is ever
    overwritten, one run at a time writes into OUT (``OutLock``; ``wait`` waits for the other), every file is
    written atomically, Ctrl-C stops within about a second keeping every finished document in the index, and a
    rerun skips what is finished (unless ``settings.refresh``)."""

    def __init__(
        self,
        summarizer: Summarizer,
        files: list[Path],
        out: Path,
        *,
        root: Path | None = None,
        formats: tuple[str, ...] = ("json",),
        on_event: Callable[[str, BatchTotals], None] | None = None,
        wait: bool = False,
    ) -> None:
        self.summarizer = summarizer
        self.files = files
        self.out = out
        self.root = root
        self.formats = formats
        self.wait = wait
        self.on_event = on_event or (lambda _e, _t: None)
        self.totals = BatchTotals(documents=len(files))
        self.output = output_options(summarizer, formats)
        self.fingerprint = summarizer.fingerprint.settings_id(self.output)
        self.stems = output_stems(files, root, out, formats)  # a collision is refused here, before any work
        self.sources = {f: display_name(f) for f in files}  # the index's names: valid Unicode, whatever the bytes
        self._lock = threading.Lock()
        # Held while a document's outputs are written and recorded; ``_stopped`` set under it closes the index to
        # latecomers, so no output is ever written that the index does not list.
        self._output_lock = threading.Lock()
        self._stopped = False
        self._stop = threading.Event()
        self.statuses: dict[str, DocStatus] = {}
        self._previous: dict[str, dict[str, Any]] = {}
        self._journal: TextIO | None = None
        self._index_written = 0.0

    # -- index ------------------------------------------------------------------------------------
    def _read_index(self) -> dict[str, dict[str, Any]]:
        """index.json, overlaid with the journal of a run that was killed before it rewrote the index."""
        previous: dict[str, dict[str, Any]] = {}
        try:
            data = json.loads((self.out / "index.json").read_text(encoding="utf-8"))
            previous = {d["source"]: d for d in data.get("documents", []) if isinstance(d, dict)}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass
        try:
            lines = (self.out / JOURNAL).read_text(encoding="utf-8").splitlines()
        except (OSError, ValueError):
            lines = []
        for line in lines:
            try:
                entry = json.loads(line)
                previous[entry["source"]] = entry
            except (ValueError, KeyError, TypeError):
                continue  # a line torn by a kill
        return previous

    def _write_index(self) -> None:
        docs = [vars(self.statuses[src]) for src in self.sources.values() if src in self.statuses]
        # Keep entries of earlier runs for files not part of this run.
        current = {d["source"] for d in docs}
        docs += [d for s, d in self._previous.items() if s not in current]
        payload = {
            "settings": self.fingerprint,
            "totals": self.totals.as_json(),
            "documents": sorted(docs, key=lambda d: str(d.get("source"))),
        }
        _atomic_write(self.out / "index.json", json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        self._index_written = time.monotonic()

    def done_key(self, sha256: str) -> str:
        return self.summarizer.fingerprint.done_key(sha256, self.output)

    def _finished_before(self, source: str, key: str) -> DocStatus | None:
        if self.summarizer.settings.refresh:  # --refresh: every answer is asked again, so every document redone
            return None
        prev = self._previous.get(source)
        if not prev or prev.get("status") not in ("ok", "skipped") or prev.get("done_key") != key:
            return None
        outputs = prev.get("outputs") or []
        if not outputs or not all(isinstance(o, str) and (self.out / o).is_file() for o in outputs):
            return None
        # Keys a newer (or older) version wrote are dropped, not fatal.
        known = {k: v for k, v in prev.items() if k in _DOC_FIELDS}
        try:
            return DocStatus(**{**known, "source": source, "status": "skipped"})
        except TypeError:
            return None

    # -- work -------------------------------------------------------------------------------------
    def _on_chunk(self, _name: str, result: ChunkResult) -> None:
        with self._lock:
            self.totals.chunks += 1
            self.totals.usage.add(result.usage)
        self.on_event("chunk", self.totals)

    def _one(self, path: Path) -> DocStatus | None:
        """Summarize, write and record one document (on a worker thread); None when the run was stopped first."""
        source = self.sources[path]
        rendered: list[tuple[str, str]] = []
        try:
            if self._stop.is_set():
                return None
            document = load_path(path, self.summarizer.settings.load_limits())
            key = self.done_key(document.sha256)
            status = self._finished_before(source, key)
            if status is None:
                result = self.summarizer.run(document, on_chunk=self._on_chunk, stop=self._stop)
                if result.from_cache:  # served by the document cache: no chunk was asked, every answer was cached
                    with self._lock:
                        self.totals.usage.add(result.summary.usage)
                stem = self.stems[path]
                rendered = [(stem + suffix(fmt), render(result, fmt)) for fmt in self.formats]
                status = _ok_status(source, [rel for rel, _ in rendered], key, result.summary)
        except Cancelled:
            return None
        except SummarizerError as exc:
            status = DocStatus(source=source, status="failed", reason=safe_error(str(exc)))
        except Exception as exc:  # a bug on one document must not lose the others
            status = DocStatus(source=source, status="failed", reason=safe_error(f"internal error: {_describe(exc)}"))
        with self._output_lock:
            if self._stopped:
                return None  # the index is closed: write nothing it would not list
            try:
                for rel, text in rendered:
                    _atomic_write(self.out / rel, text)
            except OSError as exc:
                status = DocStatus(source=source, status="failed", reason=safe_error(f"cannot write output: {exc}"))
            self._record(status)
        return status

    def _record(self, status: DocStatus) -> None:
        with self._lock:
            self.statuses[status.source] = status
            if status.status == "ok":
                self.totals.done += 1
                self.totals.cost_usd += status.cost_usd or 0.0
            elif status.status == "skipped":
                self.totals.skipped += 1
            else:
                self.totals.failed += 1
            # One appended line per document; the whole index is rewritten at most every few seconds
            # (rewriting it per document made a 10,000-document batch quadratic).
            if self._journal is not None:
                self._journal.write(json.dumps(vars(status), ensure_ascii=False) + "\n")
                self._journal.flush()
            if time.monotonic() - self._index_written >= INDEX_EVERY_SECONDS:
                self._write_index()
        self.on_event("document", self.totals)

    def run(self) -> list[DocStatus]:
        self.out.mkdir(parents=True, exist_ok=True)
        with OutLock(self.out, wait=self.wait), collector_for_batch():
            remove_orphans(self.out)
            self._previous = self._read_index()
            self._run_locked()
        return [self.statuses[src] for src in self.sources.values() if src in self.statuses]

    def _run_locked(self) -> None:
        self._journal = (self.out / JOURNAL).open("a", encoding="utf-8")
        workers = self.summarizer.settings.concurrency
        # Daemon workers (workers.DaemonPool): after Ctrl-C nothing waits for a request in flight.
        pool = DaemonPool(workers, name="summarizer-doc", on_exit=self.summarizer.release_thread)
        done: queue.Queue[Future[DocStatus | None]] = queue.Queue()
        todo = iter(self.files)
        pending: set[Future[DocStatus | None]] = set()

        def submit_next() -> bool:
            path = next(todo, None)
            if path is None:
                return False
            fut = pool.submit(self._one, path)
            pending.add(fut)
            fut.add_done_callback(done.put)
            return True

        interrupted = False
        try:
            # A sliding window of documents in flight (not 10,000 futures at once); each worker records its own
            # document as it finishes.
            for _ in range(2 * workers):
                if not submit_next():
                    break
            while pending:
                try:
                    fut = done.get(timeout=0.2)
                except queue.Empty:
                    continue
                pending.discard(fut)
                submit_next()
        except KeyboardInterrupt:
            interrupted = True
            self._stop.set()  # no document sends another request
            pool.shutdown(cancel_futures=True)
            wait_futures(pending, timeout=INTERRUPT_GRACE_SECONDS)  # those writing their outputs finish
            raise
        finally:
            pool.shutdown(cancel_futures=True)
            with self._output_lock:
                self._stopped = True
            with self._lock:
                self._write_index()
                self._journal.close()
                self._journal = None
                (self.out / JOURNAL).unlink(missing_ok=True)  # the index now holds every entry
            if not interrupted or self.statuses:
                # One reading of every output feeds both (parsing a summary is most of their time).
                self.write_metrics_table(also=self._write_across)

    def _finished_summaries(self) -> Iterator[ReportSummary]:
        for src in self.sources.values():
            st = self.statuses.get(src)
            if st is None or st.status not in ("ok", "skipped"):
                continue
            json_out = next((o for o in st.outputs if o.endswith(".json")), None)
            if json_out is None:
                continue
            try:
                yield ReportSummary.model_validate_json((self.out / json_out).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue

    def write_metrics_table(self, also: Callable[[Iterable[ReportSummary]], None] | None = None) -> Path | None:
        """OUT/metrics.csv (and .parquet with pyarrow): one row per metric across every finished report.

        Streamed a report at a time (rows are never all in memory), so a 10,000-report batch ends flat.
        ``also``: another reader of the finished summaries, handed them as this table reads them, so every
        output is parsed once; whatever it leaves unread still goes into the table.
        """
        try:
            import pyarrow as pa  # optional extra
            import pyarrow.parquet as pq
        except ImportError:
            pa = pq = None
        path = self.out / "metrics.csv"
        tmp = path.with_name(f".metrics.csv.{os.getpid()}.tmp")
        parquet_tmp = self.out / ".metrics.parquet.tmp"
        parquet: Any = None
        pending: list[dict[str, Any]] = []

        def flush() -> None:
            # Row groups of PARQUET_ROWS rows: a group per report would make the footer metadata grow
            # with the batch.
            nonlocal parquet
            if pa is None or not pending:
                return
            if parquet is None:
                parquet = pq.ParquetWriter(parquet_tmp, _parquet_schema(pa))
            parquet.write_table(pa.Table.from_pylist(pending, schema=_parquet_schema(pa)))
            pending.clear()

        with tmp.open("w", encoding="utf-8-sig", newline="") as fh:  # BOM: Excel opens Chinese CSV right
            writer = csv.writer(fh)
            writer.writerow(METRIC_COLUMNS)

            def tabled() -> Iterator[ReportSummary]:
                for summary in self._finished_summaries():
                    rows = metric_rows(summary)
                    # The parquet file keeps the values as they are.
                    writer.writerows([neutralised_cells(r, METRIC_COLUMNS) for r in rows])
                    if pa is not None:
                        pending.extend(rows)
                        if len(pending) >= PARQUET_ROWS:
                            flush()
                    yield summary

            summaries = tabled()
            try:
                if also is not None:
                    also(summaries)
            finally:
                for _ in summaries:
                    pass
        flush()
        os.replace(tmp, path)
        if parquet is not None:
            parquet.close()
            os.replace(parquet_tmp, self.out / "metrics.parquet")
        return path

    def write_across_reports(self) -> None:
        """OUT/series.csv, OUT/targets.csv and OUT/index.html from the finished summaries (``across.py``)."""
        self._write_across(self._finished_summaries())

    def _write_across(self, summaries: Iterable[ReportSummary]) -> None:
        from .across import write_across_reports

        write_across_reports(self.out, summaries)


def _parquet_schema(pa: Any) -> Any:
    """Fixed column types, so every report's batch of rows appends to one file."""
    types = {"number": pa.float64(), "redacted": pa.bool_()}
    return pa.schema([(name, types.get(name, pa.string())) for name in METRIC_COLUMNS])


def _ok_status(source: str, outputs: list[str], key: str, summary: ReportSummary) -> DocStatus:
    return DocStatus(
        source=source,
        status="ok",
        outputs=outputs,
        done_key=key,
        grounded_share=summary.verification.grounded_share,
        metrics=len(summary.metrics),
        calls=summary.usage.calls,
        cache_hits=summary.usage.cache_hits,
        prompt_tokens=summary.usage.prompt_tokens,
        completion_tokens=summary.usage.completion_tokens,
        cost_usd=summary.usage.cost_usd,
    )


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"
