"""``--dry-run``: how many calls and roughly how many tokens a run would take, and how many are cached.

Nothing is sent anywhere: the chunk prompts are rendered exactly as a real run would render them, their
cache keys are looked up, and tokens are estimated offline (see ``tokens.py``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from .api import Summarizer, analyze, is_trivial, overview_head, overview_points
from .extract import ChunkResult, LLMExtractor, part_labels
from .load import Document
from .models import ChunkExtraction, OverviewDraft
from .prompts import extract_messages
from .tokens import estimate_tokens

# An overview call sends the document head and item texts; its answer is a few sentences.
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
            f"{self.name}: {self.calls} calls ({self.cached} from cache), ~{self.prompt_tokens} prompt + "
            f"~{self.completion_tokens} completion tokens to send, {cost} [{self.backend}]"
        )


def dry_run(summarizer: Summarizer, document: Document) -> DryRunPlan:
    from .cost import estimate_cost

    analysis = analyze(document, summarizer.settings)
    if summarizer.backend == "offline":
        return DryRunPlan(document.name, "offline", 0, 0, 0, 0, None)
    extractor = summarizer.extractor_for(analysis)
    assert isinstance(extractor, LLMExtractor)
    schema_tokens = estimate_tokens(json.dumps(ChunkExtraction.model_json_schema(), ensure_ascii=False))
    calls = cached = prompt = completion = 0
    results: list[ChunkResult] = []
    for chunk in analysis.chunks:
        if is_trivial(chunk, analysis.mentions):
            results.append(ChunkResult.skipped(chunk))
            continue
        messages = extract_messages(chunk.text, part_labels(chunk))
        calls += 1
        hit = extractor.cache.get(extractor.cache_key(messages, ChunkExtraction))
        if hit is not None:
            cached += 1
            results.append(ChunkResult(chunk, ChunkExtraction.model_validate(hit["value"])))
            continue
        tokens = sum(estimate_tokens(m["content"]) for m in messages) + schema_tokens
        prompt += tokens
        completion += int(estimate_tokens(chunk.text) * COMPLETION_PER_PROMPT)
    calls += 1  # the overview
    if len(results) == len(analysis.chunks):
        points = overview_points(analysis.outline, results)
        from .prompts import overview_messages

        head = overview_head(analysis)
        messages = overview_messages(head, points)
        if extractor.is_cached(messages, OverviewDraft):
            cached += 1
        else:
            prompt += sum(estimate_tokens(m["content"]) for m in messages)
            completion += OVERVIEW_COMPLETION_TOKENS
    else:
        # Items are not known yet: estimate the overview prompt from the headings and a typical item load.
        prompt += 300 + 40 * len(analysis.chunks) * 6
        completion += OVERVIEW_COMPLETION_TOKENS
    cost = estimate_cost(summarizer.settings.model, prompt, completion, summarizer.settings.prices)
    return DryRunPlan(document.name, summarizer.backend, calls, cached, prompt, completion, cost)
