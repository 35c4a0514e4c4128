"""``--dry-run``: how many calls and roughly how many tokens a run would take, and how many are cached.

Nothing is sent anywhere and no client is built: the document's plan (``plan.py``, the same one a run asks)
is turned into its requests, exactly as a run renders them, their cache keys are looked up, and tokens are
estimated offline (see ``tokens.py``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from .api import Summarizer
from .cost import estimate_cost, price_for
from .extract import ChunkResult, ChunkStep
from .fingerprint import sends_strict_schema
from .load import Document
from .models import ChunkExtraction, strict_json_schema
from .plan import DocumentPlan, Request, request_for
from .tokens import estimate_tokens

# An overview call sends the document head and the summaries' lead sentences; its answer is a few sentences.
OVERVIEW_COMPLETION_TOKENS = 250
COMPLETION_PER_PROMPT = 0.6  # observed shape of extraction answers: quotes repeat much of the chunk


@dataclass
class DryRunPlan:
    name: str
    backend: str
    calls: int = 0
    cached: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    # Of ``prompt_tokens``, the static prefix of each extraction request to send (schema and system prompt),
    # where the model's provider caches a prefix that long (``cost.Price.cache_min_tokens``): billed at the
    # cached rate. Every request is counted a hit: over a corpus, only the run's first one is not.
    cached_prompt_tokens: int = 0
    extractions: int = 0  # extraction requests to send (not answered by the cache)
    cost_usd: float | None = None
    batch_cost_usd: float | None = None  # the same tokens at the batch API's rates (--batch-api)

    def line(self) -> str:
        cost = "unknown price" if self.cost_usd is None else f"~${self.cost_usd:.4f}"
        if self.batch_cost_usd not in (None, self.cost_usd) and self.calls > self.cached:
            cost += f" (~${self.batch_cost_usd:.4f} through the batch API)"
        hits = f" (~{self.cached_prompt_tokens} of them a cached prefix)" if self.cached_prompt_tokens else ""
        return (
            f"{self.name}: {self.calls} call{'' if self.calls == 1 else 's'} ({self.cached} from cache), "
            f"~{self.prompt_tokens} prompt{hits} + ~{self.completion_tokens} completion tokens to send, {cost} "
            f"[{self.backend}]"
        )


def dry_run(summarizer: Summarizer, document: Document) -> DryRunPlan:
    plan = summarizer.plan(document)
    out = DryRunPlan(document.name, summarizer.spec.name)
    if not summarizer.spec.capabilities.calls_model:
        return out  # answers cost no call
    results = [_chunk(summarizer, step, out) for step in plan.chunks]
    _overview(summarizer, plan, results, out)
    settings = summarizer.settings
    out.cached_prompt_tokens = _prefix_hits(summarizer, out.extractions)
    tokens = (settings.model, out.prompt_tokens, out.completion_tokens, settings.prices)
    out.cost_usd = estimate_cost(*tokens, cached_tokens=out.cached_prompt_tokens)
    out.batch_cost_usd = estimate_cost(*tokens, cached_tokens=out.cached_prompt_tokens, batch=True)
    return out


def _prefix_hits(summarizer: Summarizer, extractions: int) -> int:
    """Prompt tokens of ``extractions`` requests a prefix cache would serve: their static prefix, where the
    model's price entry knows a cached rate and the prefix reaches the cache's minimum (none known: any
    length). The estimate ``prefix.decide`` made its choice with, so the two agree."""
    settings = summarizer.settings
    price = price_for(settings.model, settings.prices)
    if price is None or price.cached_prompt is None or not extractions:
        return 0
    from .prefix import static_prefix_tokens

    prefix = static_prefix_tokens(settings.mode, summarizer.fingerprint.worked_example)
    return extractions * prefix if price.caches(prefix) else 0


def _cached(summarizer: Summarizer, request: Request) -> object | None:
    cache = summarizer.cache
    return request.cached(cache) if cache is not None else None


def _chunk(summarizer: Summarizer, step: ChunkStep, out: DryRunPlan) -> ChunkResult | None:
    """The chunk's answer when the cache has it (a skipped chunk's is empty); the call counted either way."""
    if step.skip:
        return ChunkResult.skipped(step.chunk)
    request = request_for(step, summarizer.fingerprint)
    out.calls += 1
    hit = _cached(summarizer, request)
    if isinstance(hit, ChunkExtraction):
        out.cached += 1
        return ChunkResult(step.chunk, hit)
    # The schema as the mode sends it (auto starts with json_schema, which sends the strict form).
    strict = sends_strict_schema(summarizer.settings.mode)
    schema = strict_json_schema(request.response_model) if strict else request.response_model.model_json_schema()
    schema_tokens = estimate_tokens(json.dumps(schema, ensure_ascii=False))
    out.prompt_tokens += _message_tokens(request) + schema_tokens
    out.extractions += 1
    out.completion_tokens += int(estimate_tokens(step.chunk.text) * COMPLETION_PER_PROMPT)
    if step.whole:
        out.completion_tokens += OVERVIEW_COMPLETION_TOKENS
    return None


def _overview(summarizer: Summarizer, plan: DocumentPlan, results: list[ChunkResult | None], out: DryRunPlan) -> None:
    if plan.whole:  # a one-chunk report's overview comes with its chunk
        return
    out.calls += 1
    answered = [r for r in results if r is not None]
    step = plan.overview(answered) if len(answered) == len(results) else None
    if step is None:
        # Summaries are not known yet: estimate the overview prompt from a typical lead sentence per chunk.
        out.prompt_tokens += 300 + 40 * len(plan.chunks)
        out.completion_tokens += OVERVIEW_COMPLETION_TOKENS
        return
    request = request_for(step, summarizer.fingerprint)
    if _cached(summarizer, request) is not None:
        out.cached += 1
        return
    out.prompt_tokens += _message_tokens(request)
    out.completion_tokens += OVERVIEW_COMPLETION_TOKENS


def _message_tokens(request: Request) -> int:
    return sum(estimate_tokens(m["content"]) for m in request.messages)
