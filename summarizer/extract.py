"""extract: one chunk -> ``ChunkExtraction`` through an LLM (instructor), behind the result cache.

The cache key covers everything that can change an answer (endpoint, model, mode, prompt version, schema,
messages, sampling) and never the API key. Only validated results are written, so a run killed half way
resumes from the cache with nothing recomputed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel

from .cache import ResultCache
from .chunks import Chunk
from .config import Settings
from .llm.client import LLMClient
from .models import ChunkExtraction, OverviewDraft, ReportExtraction
from .prompts import PROMPT_VERSION, extract_messages, overview_messages

M = TypeVar("M", bound=BaseModel)


@dataclass
class CallStats:
    """Usage of one or more calls; summed per document and per batch."""

    calls: int = 0
    cache_hits: int = 0
    attempts: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def add(self, other: CallStats) -> None:
        self.calls += other.calls
        self.cache_hits += other.cache_hits
        self.attempts += other.attempts
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens


@dataclass(frozen=True)
class ChunkResult:
    chunk: Chunk
    extraction: ChunkExtraction
    stats: CallStats = field(default_factory=CallStats)

    @classmethod
    def skipped(cls, chunk: Chunk) -> ChunkResult:
        """A chunk not worth a call (``api.is_trivial``): nothing extracted, nothing spent."""
        return cls(chunk, ChunkExtraction(summaries=[]))


class Extractor(Protocol):
    """What the pipeline needs from a backend (LLM, replay, offline)."""

    backend: str
    model: str | None

    def extract(self, chunk: Chunk, label: str) -> ChunkResult: ...

    def extract_whole(self, chunk: Chunk, facts: list[str], label: str) -> tuple[ChunkResult, OverviewDraft] | None:
        """For a report that is one chunk: the chunk and the overview in one call; None where a backend
        has nothing to save by it (then ``extract`` and ``overview`` are called)."""

    def overview(self, head: str, points: list[dict[str, Any]], label: str) -> tuple[OverviewDraft, CallStats]: ...


@cache
def schema_hash(model: type[BaseModel]) -> str:
    """Changes whenever the response schema (fields, descriptions) changes."""
    blob = json.dumps(model.model_json_schema(), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def part_labels(chunk: Chunk) -> list[str]:
    """How the prompt names each summary part in the chunk: its heading path, marked when the part began
    in an earlier chunk (its heading is then not in the text)."""
    labels = []
    for part in chunk.summarized:
        label = part.path[-1] if part.path else "报告开头"
        labels.append(f"{label}(接上文)" if part.start < chunk.start and part.path else label)
    return labels


def extraction_request(
    chunk: Chunk, whole_report_facts: list[str] | None = None
) -> tuple[list[dict[str, str]], type[ChunkExtraction]]:
    """The messages and response model of a chunk's call; with ``whole_report_facts`` the chunk is the whole
    report and the call also writes the overview (``ReportExtraction``), which saves the overview call."""
    messages = extract_messages(chunk.text, part_labels(chunk), whole_report_facts)
    return messages, ChunkExtraction if whole_report_facts is None else ReportExtraction


def extraction_context(chunk: Chunk) -> dict[str, Any]:
    """What an extraction answer is validated against: the chunk's text and how many summaries it owes."""
    return {"chunk": chunk.text, "parts": len(chunk.summarized)}


def overview_context(head: str, points: list[dict[str, Any]]) -> str:
    """The material the overview call sees; also what its answer is validated against."""
    lines = [head]
    for section in points:
        lines.append(str(section["heading"]))
        lines.extend(str(p) for p in section["points"])
    return "\n".join(lines)


class LLMExtractor:
    """Extraction through any OpenAI-compatible endpoint (or its recorded responses)."""

    def __init__(
        self,
        client: LLMClient,
        cache: ResultCache,
        settings: Settings,
        *,
        backend: str = "llm",
    ) -> None:
        self.client = client
        self.cache = cache
        self.settings = settings
        self.backend = backend
        self.model: str | None = settings.model

    def cache_key(self, messages: list[dict[str, str]], response_model: type[BaseModel]) -> str:
        s = self.settings
        return ResultCache.key(
            endpoint=self.client.endpoint_id(),
            model=s.model,
            mode=s.mode,
            prompt_version=PROMPT_VERSION,
            schema=schema_hash(response_model),
            messages=messages,
            temperature=s.temperature,
            max_tokens=s.max_tokens,
        )

    def _call(
        self, messages: list[dict[str, str]], response_model: type[M], context: dict[str, Any], label: str
    ) -> tuple[M, CallStats]:
        key = self.cache_key(messages, response_model)
        cached = self.cache.get(key)
        if cached is not None:
            value = response_model.model_validate(cached["value"], context=context)
            return value, CallStats(cache_hits=1)
        # Requests in flight are bounded by the client (LLMSettings.max_in_flight), across every document.
        result = self.client.complete(messages, response_model, context=context, label=label)
        if result.grounded:  # only validated answers are cached; an ungrounded one is asked again next run
            self.cache.set(key, {"value": result.value.model_dump(mode="json"), "mode": result.mode})
        stats = CallStats(
            calls=1,
            attempts=result.attempts,
            prompt_tokens=result.prompt_tokens,
            completion_tokens=result.completion_tokens,
        )
        return result.value, stats

    def is_cached(self, messages: list[dict[str, str]], response_model: type[BaseModel]) -> bool:
        return self.cache.get(self.cache_key(messages, response_model)) is not None

    def extract(self, chunk: Chunk, label: str) -> ChunkResult:
        messages, model = extraction_request(chunk)
        value, stats = self._call(messages, model, extraction_context(chunk), label)
        return ChunkResult(chunk=chunk, extraction=value, stats=stats)

    def extract_whole(self, chunk: Chunk, facts: list[str], label: str) -> tuple[ChunkResult, OverviewDraft]:
        messages, model = extraction_request(chunk, facts)
        value, stats = self._call(messages, model, extraction_context(chunk), label)
        assert isinstance(value, ReportExtraction)
        return ChunkResult(chunk=chunk, extraction=value, stats=stats), value.draft()

    def overview(self, head: str, points: list[dict[str, Any]], label: str) -> tuple[OverviewDraft, CallStats]:
        messages = overview_messages(head, points)
        return self._call(messages, OverviewDraft, {"chunk": overview_context(head, points)}, label)
