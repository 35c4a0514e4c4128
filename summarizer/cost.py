"""Token prices. A small built-in table (USD per 1M tokens, prompt/completion), overridable per run.

Prices change; the table is a convenience for estimates, and ``--price MODEL=IN,OUT`` overrides it.
"""

from __future__ import annotations

from collections.abc import Mapping

BUILTIN_PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1": (2.00, 8.00),
    "deepseek-chat": (0.27, 1.10),
    "qwen-plus": (0.40, 1.20),
    "qwen-turbo": (0.05, 0.20),
    "qwen-max": (1.60, 6.40),
}


def price_for(
    model: str | None, overrides: Mapping[str, tuple[float, float]] | None = None
) -> tuple[float, float] | None:
    if model is None:
        return None
    table = {**BUILTIN_PRICES, **(overrides or {})}
    return table.get(model)


def estimate_cost(
    model: str | None,
    prompt_tokens: int,
    completion_tokens: int,
    overrides: Mapping[str, tuple[float, float]] | None = None,
) -> float | None:
    """USD, or None when the model's price is unknown (never a made-up figure)."""
    price = price_for(model, overrides)
    if price is None:
        return None
    return round(prompt_tokens * price[0] / 1e6 + completion_tokens * price[1] / 1e6, 6)
