"""The static prefix of an extraction request, and whether the worked example pays for itself (issue 15).

Every extraction request starts with the same schema and system prompt, and a provider with a prefix cache
bills that part of every request but the first at its cached rate. OpenAI caches nothing below 1,024 prompt
tokens, and our prefix is about 509 o200k tokens: on OpenAI it is billed in full every time. Appending the
worked example (``prompts/*/extract_example.j2``) to the system message lifts the prefix over that minimum; it
then costs ``with * cached_rate`` instead of ``without * prompt_rate`` per request. That is a saving where the
cached rate is low enough (GPT-5 family: 10% of the input price) and a loss where it is not (gpt-4o-mini: 50%,
the example more than doubles the prefix).

``worked_example="auto"`` (the default) decides it per model from the built-in price table (``cost.py``):
on iff the model's entry has a minimum cacheable prefix, the prefix without the example is below it, the
prefix with it reaches it, and the prefix with it costs less at the cached rate than the one without at the
full rate. ``on``/``off`` force it. The resolved boolean is part of the answer fingerprint
(``fingerprint.py``): a run with the example asks differently and may be answered differently.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .cost import BUILTIN_PRICES, Price
from .tokens import estimate_tokens

if TYPE_CHECKING:
    from .config import Settings


@dataclass(frozen=True)
class ExampleDecision:
    """Whether the extraction requests carry the worked example, and the figures the choice was made on."""

    on: bool
    without_tokens: int  # estimated static prefix (schema + system prompt) of an extraction request
    with_tokens: int  # the same with the worked example
    reason: str

    def line(self, price: Price | None = None) -> str:
        """One line for ``--dry-run``: the choice, the prefix's size with and without the example and, with
        the model's ``price``, what the prefix costs per 1,000 extraction requests either way."""
        state = "on" if self.on else "off"
        text = (
            f"worked example: {state} ({self.reason}); static prefix of an extraction request ~{self.without_tokens} "
            f"tokens without it, ~{self.with_tokens} with it (estimated)"
        )
        if price is None:
            return text + "; unknown price"
        with_cost, without_cost = prefix_cost(price, self.with_tokens), prefix_cost(price, self.without_tokens)
        return (
            f"{text}; the prefix of 1,000 extraction requests ~${with_cost * 1000:.4f} with it, "
            f"~${without_cost * 1000:.4f} without (cache hits assumed after the first request)"
        )


def prefix_cost(price: Price, tokens: int) -> float:
    """USD of a static prefix of ``tokens`` in one request served from the provider's cache when it is long
    enough to be cached at all (``Price.cache_min_tokens``), at the full rate otherwise."""
    return tokens * ((price.cached_prompt or 0.0) if price.caches(tokens) else price.prompt) / 1e6


def static_prefix_tokens(mode: str, worked_example: bool) -> int:
    """Estimated tokens of the part every chunk extraction request shares: the schema as ``mode`` sends it
    (``auto`` starts with json_schema, the strict form) and the system message."""
    from .fingerprint import sends_strict_schema
    from .models import ChunkExtraction, strict_json_schema
    from .prompts import extract_system

    schema = strict_json_schema(ChunkExtraction) if sends_strict_schema(mode) else ChunkExtraction.model_json_schema()
    return estimate_tokens(json.dumps(schema, ensure_ascii=False)) + estimate_tokens(extract_system(worked_example))


def example_pays(price: Price | None, without: int, with_example: int) -> str | None:
    """Why the example lowers the bill of the static prefix (a reason for the dry run), or None when it
    does not. Pure: the token counts are given."""
    if price is None or price.cache_min_tokens is None or price.cached_prompt is None:
        return None
    if without >= price.cache_min_tokens or with_example < price.cache_min_tokens:
        return None
    if with_example * price.cached_prompt >= without * price.prompt:
        return None
    return (
        f"the model's cache starts at {price.cache_min_tokens:,} tokens; cached input at "
        f"${price.cached_prompt:g} of ${price.prompt:g} per 1M"
    )


def decide(settings: Settings) -> ExampleDecision:
    """Resolve ``settings.worked_example`` for ``settings.model`` and ``settings.mode``."""
    without = static_prefix_tokens(settings.mode, False)
    with_example = static_prefix_tokens(settings.mode, True)
    if settings.worked_example != "auto":
        return ExampleDecision(settings.worked_example == "on", without, with_example, "set")
    # The offline estimate (tokens.py), not the provider's tokenizer, decides: it is what is at hand without
    # the tokenizer files, and it errs high for o200k (about 709 and 1,610 against 511 and 1,057 for
    # ChunkExtraction in json_schema mode; bench/README.md), which the thresholds below tolerate for the
    # models of the table (tests/test_prefix.py holds the decisions).
    reason = example_pays(BUILTIN_PRICES.get(settings.model), without, with_example)
    return ExampleDecision(reason is not None, without, with_example, f"auto: {reason or 'no saving for this model'}")
