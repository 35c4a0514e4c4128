"""Composes the steps; no logic of its own.

    load -> clean -> sections -> chunks -> numbers -> extract (LLM | replay | offline) -> merge -> verify

``Summarizer`` holds what is worth reusing across documents (the LLM client, the cache, the bound on
calls in flight); ``summarize`` is the one-call convenience.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cache import ResultCache
from .chunks import Chunk, make_chunks
from .clean import CleanText, clean, has_report_text, source_facts
from .config import Settings
from .cost import estimate_cost
from .errors import InputError
from .extract import CallStats, ChunkResult, Extractor, LLMExtractor
from .load import Document, LoadLimits, load_path, load_text
from .merge import RunInfo, merge, part_summaries, placed_items
from .models import ReportSummary, Usage
from .numbers import NumberMention, find_numbers
from .offline import OfflineExtractor
from .prompts import PROMPT_VERSION
from .sections import Outline, Part, PartKey, parse_sections
from .verify import verify

OVERVIEW_HEAD_CHARS = 200
# A chunk this short with no figure and no finished sentence in it (a lone heading, "现将…汇报如下:") is
# not worth a call: it carries no item the headings do not already show, and the overview sees the head.
TRIVIAL_CHUNK_CHARS = 80
SENTENCE_ENDS = frozenset("。！？；!?;")
FIGURE_KINDS = frozenset({"count", "money", "percent", "percent_point", "ratio"})
POINTS_PER_SECTION = 3  # items per part in the overview material, for a part without a summary
LEAD_CHARS = 80  # the prompt asks for at most 50; a model that writes more is cut at a clause end
_LEAD_END_RE = re.compile(r"[。！？!?]")
_CLAUSE_END_RE = re.compile(r"[；;，,：:]")

# Called after each chunk finishes: (document name, chunk result). Used by the batch progress bar.
ChunkCallback = Callable[[str, ChunkResult], None]


@dataclass
class Analysis:
    """Everything the deterministic core produces for one document."""

    document: Document
    clean: CleanText
    outline: Outline
    chunks: list[Chunk]
    mentions: list[NumberMention]


@dataclass
class Result:
    """A summary with the texts it points into (the HTML report needs both)."""

    analysis: Analysis
    summary: ReportSummary
    stats: CallStats = field(default_factory=CallStats)


def analyze(document: Document, settings: Settings | None = None) -> Analysis:
    settings = settings or Settings()
    cleaned = clean(document.text, to_simplified=settings.to_simplified)
    if not has_report_text(cleaned.text):
        raise InputError(f"no report text found in {document.name}")
    outline = parse_sections(cleaned.text)
    chunks = make_chunks(cleaned.text, outline, budget=settings.chunk_budget)
    return Analysis(document, cleaned, outline, chunks, find_numbers(cleaned.text))


def is_trivial(chunk: Chunk, mentions: list[NumberMention]) -> bool:
    if len(chunk.text) >= TRIVIAL_CHUNK_CHARS or not SENTENCE_ENDS.isdisjoint(chunk.text):
        return False
    return not any(chunk.start <= m.start < chunk.end and (m.kind in FIGURE_KINDS or m.redacted) for m in mentions)


def whole_report_chunk(analysis: Analysis) -> Chunk | None:
    """The chunk of a report that is one chunk (worth a call): its call writes the overview too, one request
    instead of two."""
    if len(analysis.chunks) == 1 and not is_trivial(analysis.chunks[0], analysis.mentions):
        return analysis.chunks[0]
    return None


def as_document(
    source: str | Path | Document, name: str | None = None, limits: LoadLimits | None = None
) -> Document:
    """A path (str or Path) that exists is loaded; any other str is taken as the report text itself."""
    if isinstance(source, Document):
        return source
    if isinstance(source, Path):
        return load_path(source, limits)
    if "\n" not in source and len(source) < 1024 and Path(source).is_file():
        return load_path(source, limits)
    return load_text(source, name=name or "<text>")


def lead(text: str, limit: int = LEAD_CHARS) -> str:
    """The first sentence of ``text``, cut at a clause end when it is longer than ``limit``."""
    end = _LEAD_END_RE.search(text)
    first = text[: end.end()] if end else text
    if len(first) <= limit:
        return first
    cut = max((m.start() for m in _CLAUSE_END_RE.finditer(first, 0, limit)), default=limit)
    return first[:cut] + "…"


def overview_points(outline: Outline, results: list[ChunkResult]) -> list[dict[str, Any]]:
    """The overview call's material: per summary part, its heading and the lead sentence of each chunk's
    summary of it (its first items when it has none). The extraction prompt asks every summary to open with
    a short sentence holding the part's most important content and figures, so the leads carry what an
    overview needs for a fraction of the tokens of whole summaries or item lists. The preamble is left out:
    the call sees it as the document head."""
    summaries: dict[PartKey, list[str]] = {}
    items: dict[PartKey, list[str]] = {}
    parts: dict[PartKey, Part] = {}
    for r in results:
        for part, text in part_summaries(r):
            parts[part.key] = part
            if text:
                summaries.setdefault(part.key, []).append(lead(text))
        for item, _, part in placed_items(r):
            parts[part.key] = part
            items.setdefault(part.key, []).append(item.text)
    points = []
    for key, part in sorted(parts.items(), key=lambda kv: kv[1].start):
        if not part.path:  # the preamble: the call sees it as the document head
            continue
        texts = summaries.get(key) or [lead(t) for t in items.get(key, [])[:POINTS_PER_SECTION]]
        if texts:
            points.append({"heading": " › ".join(part.path), "points": texts})
    return points


def overview_head(analysis: Analysis) -> str:
    """What the overview call sees of the document itself, for title, organization and period: the
    metadata block's issuing body and date, and the text before the first heading (where titles live)."""
    facts = source_facts(analysis.document.text)
    start, end = analysis.outline.preamble
    head = analysis.clean.text[start : min(end, start + OVERVIEW_HEAD_CHARS)].strip()
    if not head:  # the report opens with a heading
        head = analysis.clean.text[: OVERVIEW_HEAD_CHARS // 2].strip()
    return "\n".join([*facts, head]) if facts else head


class Summarizer:
    """Reusable across many documents: one client, one cache, one bound on calls in flight."""

    def __init__(self, settings: Settings | None = None, **overrides: Any) -> None:
        self.settings = settings or Settings.from_env(**overrides)
        if settings is not None and overrides:
            self.settings = settings.model_copy(update=overrides)
        self.backend = self.settings.resolved_backend()
        self._client: Any = None
        self._cache: ResultCache | None = None
        self._lock = threading.Lock()

    # -- edges ------------------------------------------------------------------------------------
    def _llm(self) -> tuple[Any, ResultCache]:
        with self._lock:
            if self._client is None:
                from .llm.client import LLMClient, LLMSettings  # the only place the LLM edge is built

                s = self.settings
                self._client = LLMClient(
                    LLMSettings(
                        model=s.model,
                        base_url=s.base_url,
                        api_key=s.api_key_value(),
                        mode=s.mode,
                        timeout=s.timeout,
                        transport_retries=s.transport_retries,
                        validation_retries=s.validation_retries,
                        backoff_initial=s.backoff_initial,
                        backoff_max=s.backoff_max,
                        temperature=s.temperature,
                        max_tokens=s.max_tokens,
                        max_in_flight=s.concurrency,
                        cassettes=s.cassettes if self.backend == "replay" else None,
                        record_dir=s.record_dir,
                    )
                )
                self._cache = ResultCache(
                    self.settings.cache_dir, enabled=self.settings.use_cache, refresh=self.settings.refresh
                )
            assert self._cache is not None
            return self._client, self._cache

    def extractor_for(self, analysis: Analysis) -> Extractor:
        if self.backend == "offline":
            return OfflineExtractor(
                analysis.clean.text, analysis.outline, analysis.mentions, original=analysis.document.text
            )
        client, cache = self._llm()
        return LLMExtractor(client, cache, self.settings, backend=self.backend)

    # -- pipeline ---------------------------------------------------------------------------------
    def run(self, source: str | Path | Document, *, on_chunk: ChunkCallback | None = None) -> Result:
        analysis = analyze(as_document(source, limits=self.settings.load_limits()), self.settings)
        extractor = self.extractor_for(analysis)
        name = analysis.document.name
        total = len(analysis.chunks)

        def label(chunk: Chunk) -> str:
            return f"{name} chunk {chunk.index + 1}/{total}"

        def one(chunk: Chunk) -> ChunkResult:
            result = (
                ChunkResult.skipped(chunk)
                if is_trivial(chunk, analysis.mentions)
                else extractor.extract(chunk, label(chunk))
            )
            if on_chunk is not None:
                on_chunk(name, result)
            return result

        single = whole_report_chunk(analysis)
        whole = extractor.extract_whole(single, source_facts(analysis.document.text), label(single)) if single else None
        if whole is not None:
            results, draft = [whole[0]], whole[1]
            if on_chunk is not None:
                on_chunk(name, whole[0])
        elif total > 1 and self.backend != "offline":
            with ThreadPoolExecutor(max_workers=min(self.settings.concurrency, total)) as pool:
                results = list(pool.map(one, analysis.chunks))  # map keeps source order
        else:
            results = [one(c) for c in analysis.chunks]

        stats = CallStats()
        for r in results:
            stats.add(r.stats)
        if whole is None:
            head = overview_head(analysis)
            draft, overview_stats = extractor.overview(
                head, overview_points(analysis.outline, results), f"{name} overview"
            )
            stats.add(overview_stats)
        usage = Usage(
            calls=stats.calls,
            cache_hits=stats.cache_hits,
            attempts=stats.attempts,
            prompt_tokens=stats.prompt_tokens,
            completion_tokens=stats.completion_tokens,
            cost_usd=estimate_cost(extractor.model, stats.prompt_tokens, stats.completion_tokens, self.settings.prices)
            if extractor.model
            else None,
        )
        summary = merge(
            document=analysis.document,
            clean=analysis.clean,
            outline=analysis.outline,
            results=results,
            overview=draft,
            run=RunInfo(backend=extractor.backend, model=extractor.model, prompt_version=PROMPT_VERSION),
            usage=usage,
        )
        summary = verify(summary, analysis.mentions, drop_unverified=self.settings.drop_unverified)
        return Result(analysis=analysis, summary=summary, stats=stats)

    def summarize(self, source: str | Path | Document) -> ReportSummary:
        return self.run(source).summary

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
            if self._cache is not None:
                self._cache.close()
            self._client = self._cache = None

    def __enter__(self) -> Summarizer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def summarize(source: str | Path | Document, **options: Any) -> ReportSummary:
    """Summarize one report (a path or the text itself) with settings from the environment and ``options``."""
    with Summarizer(**options) as summarizer:
        return summarizer.summarize(source)
