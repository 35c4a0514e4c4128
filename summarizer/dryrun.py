"""``--dry-run``: how many calls and roughly how many tokens a run would take, and how many are cached.

Nothing is sent anywhere: the chunk prompts are rendered exactly as a real run would render them, their
cache keys are looked up, and tokens are estimated offline (see ``tokens.py``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from .api import Summarizer, analyze, is_trivial, overview_head, overview_points, whole_report_chunk
from .clean import source_facts
from .extract import ChunkResult, LLMExtractor, extraction_request
from .load import Document
from .models import OverviewDraft
from .prompts import overview_messages
from .tokens import estimate_tokens

# An overview call sends the document head and the summaries' lead sentences; its answer is a few sentences.
OVERVIEW_COMPLETION_TOKENS = 250
COMPLETION_PER_PROMPT = 0.6  # observed shape of extraction answers: quotes repeat much of the chunk


@dataclass
class DryRunPlan:
    name: str
    backend: str
    calls: int
    cached: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None

    def line(self) -> str:
        cost = "unknown price" if self.cost_usd is None else f"~${self.cost_usd:.4f}"
        return (
            f"{self.name}: {self.calls} call{'' if self.calls == 1 else 's'} ({self.cached} from cache), "
            f"~{self.prompt_tokens} prompt + ~{self.completion_tokens} completion tokens to send, {cost} "
            f"[{self.backend}]"
        )


def dry_run(summarizer: Summarizer, document: Document) -> DryRunPlan:
    from .cost import estimate_cost

    analysis = analyze(document, summarizer.settings)
    if summarizer.backend == "offline":
        return DryRunPlan(document.name, "offline", 0, 0, 0, 0, None)
    extractor = summarizer.extractor_for(analysis)
    assert isinstance(extractor, LLMExtractor)
    calls = cached = prompt = completion = 0
    results: list[ChunkResult] = []
    # As Summarizer.run: a report that is one chunk gets one call that also writes the overview.
    facts = source_facts(document.text) if whole_report_chunk(analysis) else None
    for chunk in analysis.chunks:
        if is_trivial(chunk, analysis.mentions):
            results.append(ChunkResult.skipped(chunk))
            continue
        messages, model = extraction_request(chunk, facts)
        calls += 1
        hit = extractor.cache.get(extractor.cache_key(messages, model))
        if hit is not None:
            cached += 1
            results.append(ChunkResult(chunk, model.model_validate(hit["value"])))
            continue
        schema_tokens = estimate_tokens(json.dumps(model.model_json_schema(), ensure_ascii=False))
        prompt += sum(estimate_tokens(m["content"]) for m in messages) + schema_tokens
        completion += int(estimate_tokens(chunk.text) * COMPLETION_PER_PROMPT)
        if facts is not None:
            completion += OVERVIEW_COMPLETION_TOKENS
    if facts is None:  # the overview call (a one-chunk report's overview came with its chunk)
        calls += 1
        if len(results) == len(analysis.chunks):
            messages = overview_messages(overview_head(analysis), overview_points(analysis.outline, results))
            if extractor.is_cached(messages, OverviewDraft):
                cached += 1
            else:
                prompt += sum(estimate_tokens(m["content"]) for m in messages)
                completion += OVERVIEW_COMPLETION_TOKENS
        else:
            # Summaries are not known yet: estimate the overview prompt from a typical lead sentence per chunk.
            prompt += 300 + 40 * len(analysis.chunks)
            completion += OVERVIEW_COMPLETION_TOKENS
    cost = estimate_cost(summarizer.settings.model, prompt, completion, summarizer.settings.prices)
    return DryRunPlan(document.name, summarizer.backend, calls, cached, prompt, completion, cost)
