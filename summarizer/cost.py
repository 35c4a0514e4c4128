"""Token prices. A small built-in table (USD per 1M tokens), overridable per run.

Prices change; the table is a convenience for estimates, and ``--price MODEL=IN,OUT[,CACHED]`` overrides it
(the rates a run is billed at: for a batch API run, the batch rates).

Two discounts are modelled because both are how large corpora get cheap:

* **cached input**: a provider that caches prompt prefixes bills the prompt tokens it served from that cache
  (``usage.prompt_tokens_details.cached_tokens``, DeepSeek's ``prompt_cache_hit_tokens``) at a lower rate.
  Every request of this project starts with the same rules and schema, so that prefix is what hits. The
  rate is the provider's published one; ``None`` where the table does not know it (billed at the full rate).
* **batch**: the OpenAI-format batch APIs (OpenAI, Azure OpenAI Global Batch, Qwen/DashScope) sell at half
  the synchronous price. ``batch`` is that factor, applied to every rate, the cached one included; ``None``
  where the provider has no batch API (DeepSeek). Whether a provider stacks the two discounts is its own
  policy: third-party pricing summaries say OpenAI's do; for DashScope this is an assumption.

A cache also has a **minimum prefix**: below it nothing is cached at all. ``cache_min_tokens`` records it where
it decides whether this project's static prefix (schema and system prompt, about 509 o200k tokens) can hit:
OpenAI caches prompts of 1,024 tokens and more (then in 128-token steps), Qwen/DashScope's implicit cache
starts at 256 tokens, DeepSeek's disk cache has no minimum that matters here (64-token units), so ``None``
("no minimum known"). ``prefix.example_pays`` reads it: for a model whose minimum our prefix misses,
a worked example appended to the system prompt can lift the prefix over it, so that every request but the
first bills it at the cached rate.

The GPT-5 family caches at 10% of the input price (90% off), against 50% for gpt-4o and 75% for gpt-4.1.

Sources (read 2026-12; the GPT-5 rates and OpenAI's 1,024-token minimum from OpenAI's pricing and
prompt-caching pages): OpenAI's and DeepSeek's pricing pages, Alibaba Model Studio's "Context cache" page
(implicit cache hits at 20% of the input price); the figures are for estimates only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Price:
    """USD per 1M tokens."""

    prompt: float
    completion: float
    cached_prompt: float | None = None  # prompt tokens served from the provider's prefix cache
    batch: float | None = None  # factor of every rate through the provider's batch API
    # Shortest prompt prefix the provider caches at all (OpenAI 1,024); None: no minimum known or none that
    # matters. The batch rates keep it (it is the provider's cache, whichever API the request came through).
    cache_min_tokens: int | None = None

    @classmethod
    def of(cls, value: Price | Sequence[float]) -> Price:
        """A table entry or an override (prompt, completion[, cached prompt])."""
        if isinstance(value, Price):
            return value
        values = tuple(float(v) for v in value)
        return cls(values[0], values[1], values[2] if len(values) > 2 else None)

    def batched(self) -> Price | None:
        """The rates through the provider's batch API; None when it has none (or the table does not know)."""
        if self.batch is None:
            return None
        f = self.batch
        cached = None if self.cached_prompt is None else self.cached_prompt * f
        return Price(self.prompt * f, self.completion * f, cached, None, self.cache_min_tokens)

    def caches(self, prefix_tokens: int) -> bool:
        """Would the provider bill a repeated prefix this long at its cached rate? It needs a cached rate and a
        prefix of at least its minimum (none known: any length)."""
        return self.cached_prompt is not None and prefix_tokens >= (self.cache_min_tokens or 0)

    def cost(self, prompt_tokens: int, completion_tokens: int, cached_tokens: int = 0) -> float:
        """USD for these tokens; ``cached_tokens`` are part of ``prompt_tokens``."""
        cached = min(max(cached_tokens, 0), prompt_tokens) if self.cached_prompt is not None else 0
        return round(
            (prompt_tokens - cached) * self.prompt / 1e6
            + cached * (self.cached_prompt or 0.0) / 1e6
            + completion_tokens * self.completion / 1e6,
            6,
        )


OPENAI_BATCH = 0.5  # OpenAI, Azure OpenAI (Global Batch) and DashScope's batch: half the synchronous price
OPENAI_CACHE_MIN = 1024  # OpenAI caches prompts of 1,024 tokens and more, in 128-token steps
QWEN_CACHE_MIN = 256  # DashScope's implicit cache

BUILTIN_PRICES: dict[str, Price] = {
    "gpt-5": Price(1.25, 10.00, 0.125, OPENAI_BATCH, OPENAI_CACHE_MIN),  # GPT-5 family: cached input 90% off
    "gpt-5-mini": Price(0.25, 2.00, 0.025, OPENAI_BATCH, OPENAI_CACHE_MIN),
    "gpt-5-nano": Price(0.05, 0.40, 0.005, OPENAI_BATCH, OPENAI_CACHE_MIN),
    "gpt-4o-mini": Price(0.15, 0.60, 0.075, OPENAI_BATCH, OPENAI_CACHE_MIN),
    "gpt-4o": Price(2.50, 10.00, 1.25, OPENAI_BATCH, OPENAI_CACHE_MIN),
    "gpt-4.1-mini": Price(0.40, 1.60, 0.10, OPENAI_BATCH, OPENAI_CACHE_MIN),
    "gpt-4.1": Price(2.00, 8.00, 0.50, OPENAI_BATCH, OPENAI_CACHE_MIN),
    "deepseek-chat": Price(0.27, 1.10, 0.07, None),  # no batch API; cache in 64-token units, no minimum
    "qwen-plus": Price(0.40, 1.20, 0.08, OPENAI_BATCH, QWEN_CACHE_MIN),  # implicit cache: 20% of the input price
    "qwen-turbo": Price(0.05, 0.20, 0.01, OPENAI_BATCH, QWEN_CACHE_MIN),
    "qwen-max": Price(1.60, 6.40, 0.32, OPENAI_BATCH, QWEN_CACHE_MIN),
}


def price_for(model: str | None, overrides: Mapping[str, Sequence[float] | Price] | None = None) -> Price | None:
    """The model's rates: an override wins over the built-in table; None when neither knows the model."""
    if model is None:
        return None
    if overrides and model in overrides:
        return Price.of(overrides[model])
    return BUILTIN_PRICES.get(model)


def batch_price_for(
    model: str | None, overrides: Mapping[str, Sequence[float] | Price] | None = None
) -> Price | None:
    """The rates of a batch API run: an override is taken as what the run is billed at; the table's entry
    at its batch factor; None when unknown (a model without a batch API in the table included)."""
    if model is None:
        return None
    if overrides and model in overrides:
        return Price.of(overrides[model])
    price = BUILTIN_PRICES.get(model)
    return price.batched() if price is not None else None


def estimate_cost(
    model: str | None,
    prompt_tokens: int,
    completion_tokens: int,
    overrides: Mapping[str, Sequence[float] | Price] | None = None,
    *,
    cached_tokens: int = 0,
    batch: bool = False,
) -> float | None:
    """USD, or None when the model's price is unknown (never a made-up figure). ``cached_tokens`` (part of
    ``prompt_tokens``) are billed at the cached rate; ``batch``: at the batch API's rates."""
    price = batch_price_for(model, overrides) if batch else price_for(model, overrides)
    if price is None:
        return None
    return price.cost(prompt_tokens, completion_tokens, cached_tokens)
