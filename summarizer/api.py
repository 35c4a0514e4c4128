"""Composes the steps; no logic of its own.

    load -> clean -> sections -> chunks -> numbers -> plan -> extract (a registered backend) -> merge -> verify

``Summarizer`` holds what is worth reusing across documents (the settings, validated once; the backend with
its client and the bound on requests in flight; the result cache); ``summarize`` is the one-call convenience.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import wait
from functools import cached_property
from typing import TYPE_CHECKING, Any

from . import backends
from .analysis import Analysis, Source, analyze, as_document
from .config import Settings
from .cost import estimate_cost
from .errors import Cancelled
from .extract import Backend, ChunkResult, ChunkStep
from .fingerprint import Fingerprint, answer_fingerprint
from .load import Document
from .merge import RunInfo, merge
from .models import OverviewDraft, ReportSummary, Usage
from .plan import DocumentPlan, plan_document
from .prompts import PROMPT_VERSION
from .safety import register_secrets
from .verify import verify
from .workers import DaemonPool

if TYPE_CHECKING:
    from .cache import ResultCache
    from .summaries import SummaryCache

__all__ = ["Analysis", "ChunkCallback", "Result", "Summarizer", "analyze", "as_document", "summarize"]

# Called after each chunk finishes: (document name, chunk result). Used by the batch progress bar.
ChunkCallback = Callable[[str, ChunkResult], None]


class Result:
    """A summary with the texts it points into (the HTML report needs both).

    A summary served by the document cache comes without its analysis (the deterministic core is what a
    lookup saves): ``analysis`` is then worked out from the document on first use, once."""

    def __init__(
        self, analysis: Analysis | Callable[[], Analysis], summary: ReportSummary, *, from_cache: bool = False
    ) -> None:
        self._analysis = analysis
        self._lock = threading.Lock()
        self.summary = summary
        self.from_cache = from_cache  # served by the document cache

    @property
    def analysis(self) -> Analysis:
        with self._lock:
            if not isinstance(self._analysis, Analysis):
                self._analysis = self._analysis()
            return self._analysis

    def __repr__(self) -> str:
        return f"Result(summary={self.summary.source.name!r}, from_cache={self.from_cache})"


class _Run(Result):
    """A summary the pipeline just made, and whether every answer in it passed its grounding check."""

    def __init__(self, analysis: Analysis, summary: ReportSummary, *, grounded: bool) -> None:
        super().__init__(analysis, summary)
        self.grounded = grounded


class Summarizer:
    """Reusable across many documents: one backend (one client), one cache, one bound on requests in flight."""

    def __init__(self, settings: Settings | None = None, **overrides: Any) -> None:
        """``overrides`` are validated together with ``settings`` (or the environment's, when none are given);
        a bad or unknown one raises ``SettingsError``, as does a backend whose needs are not met."""
        self.settings = settings.with_overrides(**overrides) if settings else Settings.from_env(**overrides)
        self.spec = backends.resolve(self.settings)
        # Whatever this run shows or stores (errors, logs, index.json) hides the key (safety.redact).
        register_secrets(self.settings.api_key_value(), self.settings.base_url)
        self._backend: Backend | None = None
        self._cache: ResultCache | None = None
        self._opened_cache: ResultCache | None = None  # kept after close, for ``release_thread``
        self._pool: DaemonPool | None = None
        self._lock = threading.Lock()

    @property
    def backend(self) -> str:
        return self.spec.name

    @cached_property
    def fingerprint(self) -> Fingerprint:
        """What every answer of this summarizer depends on: its cache keys and batch done keys read it."""
        return answer_fingerprint(self.settings, self.spec.name, calls_model=self.spec.capabilities.calls_model)

    # -- edges ------------------------------------------------------------------------------------
    @property
    def cache(self) -> ResultCache | None:
        """The result cache of a backend that keeps one (disabled with use_cache=False); None otherwise."""
        if not self.spec.capabilities.cacheable:
            return None
        with self._lock:
            if self._cache is None:
                from .cache import ResultCache

                s = self.settings
                self._cache = self._opened_cache = ResultCache(s.cache_dir, enabled=s.use_cache, refresh=s.refresh)
            return self._cache

    def release_thread(self) -> None:
        """Close what the calling thread holds open for this summarizer (its result-cache connection): for a
        worker thread about to end (``workers.DaemonPool``'s ``on_exit``)."""
        cache = self._opened_cache  # not ``_cache``: ``close`` clears it before the pool's threads have ended
        if cache is not None:
            cache.release_thread()

    def use_backend(self, backend: Backend) -> None:
        """Answer this summarizer's steps with ``backend`` from now on, under the same fingerprint (so the same
        cache keys and batch done keys). The batch API assembles its documents this way: every answer comes
        from its rounds, through the same merge, verify and render as a synchronous run."""
        with self._lock:
            if self._backend is not None and self._backend is not backend:
                self._backend.close()
            self._backend = backend

    @property
    def summaries(self) -> SummaryCache | None:
        """The document cache (``summaries.py``): with the result cache of a backend that keeps one, unless
        ``document_cache`` is off."""
        cache = self.cache
        if cache is None or not cache.enabled or not self.settings.document_cache:
            return None
        from .summaries import SummaryCache

        return SummaryCache(cache, self.fingerprint, drop_unverified=self.settings.drop_unverified)

    def backend_for_run(self) -> Backend:
        cache = self.cache
        with self._lock:
            if self._backend is None:
                self._backend = self.spec.create(self.settings, fingerprint=self.fingerprint, cache=cache)
            return self._backend

    # -- pipeline ---------------------------------------------------------------------------------
    def plan(self, source: Source | None = None, *, text: str | None = None) -> DocumentPlan:
        """The requests a run would send. ``source`` and ``text`` as for ``run``."""
        document = as_document(source, limits=self.settings.load_limits(), text=text)
        return plan_document(analyze(document, self.settings))

    def run(
        self,
        source: Source | None = None,
        *,
        text: str | None = None,
        on_chunk: ChunkCallback | None = None,
        stop: threading.Event | None = None,
    ) -> Result:
        """Summarize one report: a path (``Path``, or a one-line ``str`` that looks like a path: it must exist),
        a file's ``bytes``, a ``Document``, or the report text itself as ``text=`` (``analysis.as_document``).

        A document summarized before with the same settings and code is served by the document cache
        (``summaries.py``): no request, no pipeline.

        ``stop``: once set, no further request is sent and the run raises ``Cancelled`` (a batch sets it on Ctrl-C).
        Ctrl-C in the calling thread stops the run at once: requests in flight are abandoned, never waited for."""
        document = as_document(source, limits=self.settings.load_limits(), text=text)
        summaries = self.summaries
        key = summaries.key(document) if summaries is not None else ""
        if summaries is not None:
            stored = summaries.get(key)
            if stored is not None:
                return self._served(document, stored)
        result = self._run(document, on_chunk, stop or threading.Event())
        if summaries is not None and result.grounded:
            summaries.put(key, result.summary)
        return result

    def _served(self, document: Document, stored: ReportSummary) -> Result:
        from .summaries import as_served

        model = self.settings.model if self.spec.capabilities.calls_model else None
        cost = estimate_cost(model, 0, 0, self.settings.prices) if model is not None else None
        settings = self.settings
        return Result(lambda: analyze(document, settings), as_served(stored, document, cost), from_cache=True)

    def _run(self, document: Document, on_chunk: ChunkCallback | None, stop: threading.Event) -> _Run:
        plan = plan_document(analyze(document, self.settings))
        backend = self.backend_for_run()
        results = self._answer_chunks(plan, backend, on_chunk, stop)
        usage = Usage()
        for r in results:
            usage.add(r.usage)
        if stop.is_set():
            raise Cancelled(plan.name)
        draft = self._overview(plan, results, backend, usage)
        model = self.settings.model if self.spec.capabilities.calls_model else None
        if model is not None:
            usage.cost_usd = estimate_cost(
                model,
                usage.prompt_tokens,
                usage.completion_tokens,
                self.settings.prices,
                cached_tokens=usage.cached_tokens,
            )
        analysis = plan.analysis
        summary = merge(
            document=analysis.document,
            clean=analysis.clean,
            outline=analysis.outline,
            results=results,
            overview=draft,
            run=RunInfo(backend=self.spec.name, model=model, prompt_version=PROMPT_VERSION),
            usage=usage,
        )
        summary = verify(
            summary,
            analysis.mentions,
            text=analysis.clean.text,
            outline=analysis.outline,
            drop_unverified=self.settings.drop_unverified,
        )
        return _Run(analysis, summary, grounded=all(r.grounded for r in results))

    def _answer_chunks(
        self, plan: DocumentPlan, backend: Backend, on_chunk: ChunkCallback | None, stop: threading.Event
    ) -> list[ChunkResult]:
        """Every chunk's answer, in source order (a skipped chunk's is empty); a model's concurrently, on daemon
        threads (``workers.DaemonPool``) so that Ctrl-C never waits for a request in flight."""

        def one(step: ChunkStep) -> ChunkResult:
            if stop.is_set():
                raise Cancelled(plan.name)
            result = ChunkResult.skipped(step.chunk) if step.skip else backend.extract(step)
            if on_chunk is not None:
                on_chunk(plan.name, result)
            return result

        if not (len(plan.chunks) > 1 and self.spec.capabilities.calls_model):
            return [one(step) for step in plan.chunks]
        futures = [self._chunk_pool().submit(one, step) for step in plan.chunks]
        try:
            # Every chunk runs to its end (an answered chunk is cached even when a sibling fails), then the
            # first error in source order is raised, as a map would.
            wait(futures)
            return [f.result() for f in futures]
        except KeyboardInterrupt:
            stop.set()
            raise
        finally:
            for f in futures:  # this document's steps not yet started (the pool is the summarizer's)
                f.cancel()

    def _chunk_pool(self) -> DaemonPool:
        """One pool for every document's chunk steps, for the summarizer's lifetime. A pool per document
        started new threads for every document, and each new thread opened its own SQLite connection to the
        result cache (diskcache keeps one per thread, set up with a dozen pragmas, each with its own page
        cache and memory map): measured, a third of a cached run's CPU per document. Twice ``concurrency``
        workers, so that answers are parsed and validated while the transport's limit keeps ``concurrency``
        requests on the wire (``llm/client.py``, ``InFlightLimit``); chunk steps never wait on one another,
        so documents sharing the pool cannot deadlock it. Daemon threads (``workers.DaemonPool``), so that
        Ctrl-C never waits for a request in flight."""
        with self._lock:
            if self._pool is None:
                self._pool = DaemonPool(
                    2 * self.settings.concurrency, name="summarizer-chunk", on_exit=self.release_thread
                )
            return self._pool

    def _overview(
        self, plan: DocumentPlan, results: list[ChunkResult], backend: Backend, usage: Usage
    ) -> OverviewDraft:
        step = plan.overview(results)
        if step is None:  # the one chunk's answer wrote it
            draft = results[0].overview
            assert draft is not None, "a whole-report step's answer carries the overview"
            return draft
        draft, spent = backend.overview(step)
        usage.add(spent)
        return draft

    def summarize(self, source: Source | None = None, *, text: str | None = None) -> ReportSummary:
        return self.run(source, text=text).summary

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        with self._lock:
            if self._backend is not None:
                self._backend.close()
            if self._cache is not None:
                self._cache.close()
            self._backend = self._cache = None

    def __enter__(self) -> Summarizer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def summarize(source: Source | None = None, *, text: str | None = None, **options: Any) -> ReportSummary:
    """Summarize one report with settings from the environment and ``options``.

    ``source`` is a path (a ``Path``, or a one-line ``str`` that looks like a path: it must name an existing
    file, else ``LoadError``), a file's ``bytes`` (decoded like a file), or a ``Document``; the report text
    itself goes through ``text=``. See ``analysis.as_document`` for the rule."""
    with Summarizer(**options) as summarizer:
        return summarizer.summarize(source, text=text)
