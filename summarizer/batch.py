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
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from .api import Summarizer
from .errors import SummarizerError
from .extract import ChunkResult
from .load import load_path
from .models import SCHEMA_VERSION, ReportSummary, Usage
from .render import render, suffix

JOURNAL = ".index.journal.jsonl"
INDEX_EVERY_SECONDS = 2.0
PARQUET_ROWS = 5_000

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


def output_options(summarizer: Summarizer, formats: Iterable[str]) -> dict[str, Any]:
    """What shapes a batch's written files beyond the answers themselves (part of its done keys)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "drop_unverified": summarizer.settings.drop_unverified,
        "formats": sorted(formats),
    }


def output_stem(path: Path, root: Path | None) -> str:
    """Output name mirroring the input's place under the input folder (a/b.txt -> a/b)."""
    rel = path.relative_to(root) if root is not None and path.is_relative_to(root) else Path(path.name)
    return str(rel.with_suffix(""))


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


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
    """One batch run: ``run()`` returns the per-document statuses; progress goes to ``on_event``."""

    def __init__(
        self,
        summarizer: Summarizer,
        files: list[Path],
        out: Path,
        *,
        root: Path | None = None,
        formats: tuple[str, ...] = ("json",),
        on_event: Callable[[str, BatchTotals], None] | None = None,
    ) -> None:
        self.summarizer = summarizer
        self.files = files
        self.out = out
        self.root = root
        self.formats = formats
        self.on_event = on_event or (lambda _e, _t: None)
        self.totals = BatchTotals(documents=len(files))
        self.output = output_options(summarizer, formats)
        self.fingerprint = summarizer.fingerprint.settings_id(self.output)
        self._lock = threading.Lock()
        self.statuses: dict[str, DocStatus] = {}
        self._previous = self._read_index()
        self._journal: TextIO | None = None
        self._index_written = 0.0

    # -- index ------------------------------------------------------------------------------------
    def _read_index(self) -> dict[str, dict[str, Any]]:
        """index.json, overlaid with the journal of a run that was killed before it rewrote the index."""
        previous: dict[str, dict[str, Any]] = {}
        try:
            data = json.loads((self.out / "index.json").read_text(encoding="utf-8"))
            previous = {d["source"]: d for d in data.get("documents", [])}
        except (OSError, ValueError, KeyError, TypeError):
            pass
        try:
            lines = (self.out / JOURNAL).read_text(encoding="utf-8").splitlines()
        except OSError:
            lines = []
        for line in lines:
            try:
                entry = json.loads(line)
                previous[entry["source"]] = entry
            except (ValueError, KeyError, TypeError):
                continue  # a line torn by a kill
        return previous

    def _write_index(self) -> None:
        docs = [vars(self.statuses[str(f)]) for f in self.files if str(f) in self.statuses]
        # Keep entries of earlier runs for files not part of this run.
        current = {d["source"] for d in docs}
        docs += [d for s, d in self._previous.items() if s not in current]
        payload = {
            "settings": self.fingerprint,
            "totals": self.totals.as_json(),
            "documents": sorted(docs, key=lambda d: d["source"]),
        }
        _atomic_write(self.out / "index.json", json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        self._index_written = time.monotonic()

    def done_key(self, sha256: str) -> str:
        return self.summarizer.fingerprint.done_key(sha256, self.output)

    def _finished_before(self, path: Path, key: str) -> DocStatus | None:
        prev = self._previous.get(str(path))
        if not prev or prev.get("status") not in ("ok", "skipped") or prev.get("done_key") != key:
            return None
        outputs = prev.get("outputs") or []
        if not outputs or not all((self.out / o).is_file() for o in outputs):
            return None
        return DocStatus(**{**prev, "status": "skipped"})

    # -- work -------------------------------------------------------------------------------------
    def _on_chunk(self, _name: str, result: ChunkResult) -> None:
        with self._lock:
            self.totals.chunks += 1
            self.totals.usage.add(result.usage)
        self.on_event("chunk", self.totals)

    def _one(self, path: Path) -> DocStatus:
        try:
            document = load_path(path, self.summarizer.settings.load_limits())
            key = self.done_key(document.sha256)
            earlier = self._finished_before(path, key)
            if earlier is not None:
                return earlier
            result = self.summarizer.run(document, on_chunk=self._on_chunk)
        except SummarizerError as exc:
            return DocStatus(source=str(path), status="failed", reason=str(exc))
        except Exception as exc:  # a bug on one document must not lose the others
            return DocStatus(source=str(path), status="failed", reason=f"internal error: {type(exc).__name__}: {exc}")
        stem = output_stem(path, self.root)
        outputs = []
        for fmt in self.formats:
            rel = stem + suffix(fmt)
            _atomic_write(self.out / rel, render(result, fmt))
            outputs.append(rel)
        summary = result.summary
        return DocStatus(
            source=str(path),
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
        self._journal = (self.out / JOURNAL).open("a", encoding="utf-8")
        workers = self.summarizer.settings.concurrency
        pool = ThreadPoolExecutor(max_workers=workers)
        done: queue.Queue[Future[DocStatus]] = queue.Queue()
        todo = iter(self.files)
        pending: set[Future[DocStatus]] = set()

        def submit_next() -> bool:
            path = next(todo, None)
            if path is None:
                return False
            fut = pool.submit(self._one, path)
            pending.add(fut)
            fut.add_done_callback(done.put)
            return True

        try:
            # A sliding window of documents in flight (not 10,000 futures at once), each finished one
            # recorded as it arrives, in O(1).
            for _ in range(2 * workers):
                if not submit_next():
                    break
            while pending:
                try:
                    fut = done.get(timeout=0.2)
                except queue.Empty:
                    continue
                pending.discard(fut)
                self._record(fut.result())
                submit_next()
        except KeyboardInterrupt:
            for fut in pending:
                fut.cancel()
            # Documents already being summarized finish (their calls are paid for): keep them in the index.
            pool.shutdown(wait=True, cancel_futures=True)
            for fut in pending:
                if fut.done() and not fut.cancelled() and fut.exception() is None:
                    self._record(fut.result())
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            with self._lock:
                self._write_index()
                self._journal.close()
                self._journal = None
                (self.out / JOURNAL).unlink(missing_ok=True)  # the index now holds every entry
            self.write_metrics_table()
            self.write_across_reports()
        return [self.statuses[str(f)] for f in self.files if str(f) in self.statuses]

    def _finished_summaries(self) -> Iterator[ReportSummary]:
        for f in self.files:
            st = self.statuses.get(str(f))
            if st is None or st.status not in ("ok", "skipped"):
                continue
            json_out = next((o for o in st.outputs if o.endswith(".json")), None)
            if json_out is None:
                continue
            try:
                yield ReportSummary.model_validate_json((self.out / json_out).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue

    def write_metrics_table(self) -> Path | None:
        """OUT/metrics.csv (and .parquet with pyarrow): one row per metric across every finished report.

        Streamed a report at a time (rows are never all in memory), so a 10,000-report batch ends flat.
        """
        try:
            import pyarrow as pa  # optional extra
            import pyarrow.parquet as pq
        except ImportError:
            pa = pq = None
        path = self.out / "metrics.csv"
        tmp = path.with_suffix(".csv.tmp")
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
            writer = csv.DictWriter(fh, fieldnames=METRIC_COLUMNS)
            writer.writeheader()
            for summary in self._finished_summaries():
                rows = metric_rows(summary)
                writer.writerows(rows)
                if pa is not None:
                    pending.extend(rows)
                    if len(pending) >= PARQUET_ROWS:
                        flush()
        flush()
        os.replace(tmp, path)
        if parquet is not None:
            parquet.close()
            os.replace(parquet_tmp, self.out / "metrics.parquet")
        return path

    def write_across_reports(self) -> None:
        """OUT/series.csv, OUT/targets.csv and OUT/index.html from the finished summaries (``across.py``)."""
        from .across import write_across_reports

        write_across_reports(self.out, self._finished_summaries())


def _parquet_schema(pa: Any) -> Any:
    """Fixed column types, so every report's batch of rows appends to one file."""
    types = {"number": pa.float64(), "redacted": pa.bool_()}
    return pa.schema([(name, types.get(name, pa.string())) for name in METRIC_COLUMNS])
