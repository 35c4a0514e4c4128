"""Model backends: a document's steps answered by a model, behind the result cache.

``ModelBackend`` sends each step as its request (``plan.request_for``: messages, response model, grounding,
cache key), answers it from the cache when it can, and otherwise through a ``ModelClient``; only validated
answers are cached, so a run killed half way resumes with nothing paid for twice. A client is whatever has
``complete(messages, response_model, context=, label=) -> CallResult`` (``llm/call.py``): ``llm/client.py``'s
``LLMClient`` (any OpenAI-compatible endpoint, live, recorded or replayed) is the one built in, and a provider's
native API would be another. The client is built on the first request the cache cannot answer, so a run served from
the cache never imports openai.

``openai_backend`` and ``replay_backend`` are the factories ``backends.py`` registers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..extract import ChunkResult, ChunkStep, OverviewStep
from ..models import ChunkExtraction, OverviewDraft, ReportExtraction, Usage
from ..plan import Request, request_for
from .call import ModelClient

if TYPE_CHECKING:
    from ..cache import ResultCache
    from ..config import Settings
    from ..fingerprint import Fingerprint


class ModelBackend:
    """Steps -> requests -> cache or client. Thread-safe: one backend serves a whole batch."""

    def __init__(self, fingerprint: Fingerprint, cache: ResultCache | None, connect: Callable[[], ModelClient]) -> None:
        self.fingerprint = fingerprint
        self.cache = cache
        self._connect = connect
        self._client: ModelClient | None = None
        self._lock = threading.Lock()

    def client(self) -> ModelClient:
        with self._lock:
            if self._client is None:
                self._client = self._connect()
            return self._client

    def call(self, request: Request) -> tuple[Any, Usage]:
        """The request's validated answer and what it cost."""
        value, usage, _ = self.answer(request)
        return value, usage

    def answer(self, request: Request) -> tuple[Any, Usage, bool]:
        """The request's answer, what it cost, and whether it passed its grounding check (an answer that did not
        is kept for verification to flag, never cached)."""
        if self.cache is not None:
            cached = request.cached(self.cache)
            if cached is not None:
                return cached, Usage(cache_hits=1), True
        # Requests in flight are bounded by the client (the concurrency setting), across every document.
        result = self.client().complete(
            request.messages, request.response_model, context=request.grounding, label=request.label
        )
        if result.grounded and self.cache is not None:  # an ungrounded answer is asked again next run
            request.store(self.cache, result.value, result.mode)
        usage = Usage(
            calls=1,
            attempts=result.attempts,
            prompt_tokens=result.prompt_tokens,
            cached_tokens=result.cached_tokens,
            completion_tokens=result.completion_tokens,
        )
        return result.value, usage, result.grounded

    def extract(self, step: ChunkStep) -> ChunkResult:
        value, usage, grounded = self.answer(request_for(step, self.fingerprint))
        assert isinstance(value, ChunkExtraction)
        overview = value.draft() if isinstance(value, ReportExtraction) else None
        return ChunkResult(step.chunk, value, usage, overview, grounded=grounded)

    def overview(self, step: OverviewStep) -> tuple[OverviewDraft, Usage]:
        # An overview has no grounding validators (``OverviewDraft``): its answers are always kept.
        value, usage = self.call(request_for(step, self.fingerprint))
        assert isinstance(value, OverviewDraft)
        return value, usage

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
            self._client = None


def openai_backend(settings: Settings, *, fingerprint: Fingerprint, cache: ResultCache | None) -> ModelBackend:
    """Any OpenAI-compatible endpoint (recording cassettes with ``record_dir``)."""

    def connect() -> ModelClient:
        from .client import LLMClient  # openai and instructor are imported here, on the first real request

        return LLMClient(settings)

    return ModelBackend(fingerprint, cache, connect)


def replay_backend(settings: Settings, *, fingerprint: Fingerprint, cache: ResultCache | None) -> ModelBackend:
    """The same client, its HTTP answers served from ``settings.cassettes``: the live code path minus the network."""

    def connect() -> ModelClient:
        from .client import LLMClient

        return LLMClient(settings, cassettes=settings.cassettes)

    return ModelBackend(fingerprint, cache, connect)
