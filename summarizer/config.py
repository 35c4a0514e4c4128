"""Settings: one options object handed to every stage (trafilatura-style), resolved defaults < env < flags.

Settings are validated as a whole wherever they come from (the environment, ``Settings(...)``,
``Summarizer(settings, **overrides)``), so an override can never slip past a bound the way ``model_copy``
lets it (``concurrency=0`` once deadlocked a run), and an unknown key is refused rather than ignored. A bad
value is one line naming the setting (``SettingsError``), never a pydantic dump.

The API key is kept as a ``SecretStr`` so it never shows up in a repr, a log line or a dumped settings
object; it is also never part of a cache key.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from .errors import SettingsError
from .load import LoadLimits

# How an answer is asked for (instructor's mode names): ``json_schema`` sends the response model's strict schema as
# ``response_format`` (OpenAI Structured Outputs; vLLM, llama.cpp and Ollama compile it into a grammar), so the
# endpoint *enforces* it; ``tools_strict`` sends it as a strict tool; ``tools`` a plain tool; ``json`` asks for a JSON
# object with the schema in the prompt; ``md_json`` for a fenced JSON block. ``auto`` tries ``AUTO_MODES`` in order.
Mode = Literal["auto", "json_schema", "tools_strict", "tools", "json", "md_json"]
# The strongest first: an endpoint that rejects one (or accepts a schema without enforcing it) gets the next, once.
AUTO_MODES: tuple[str, ...] = ("json_schema", "tools", "json", "md_json")

DEFAULT_MODEL = "gpt-4o-mini"

# Env variable -> settings field. OPENAI_* are the names every OpenAI-compatible client already uses.
ENV_VARS: dict[str, str] = {
    "OPENAI_BASE_URL": "base_url",
    "OPENAI_API_KEY": "api_key",
    "SUMMARIZER_MODEL": "model",
    "SUMMARIZER_MODE": "mode",
    "SUMMARIZER_BACKEND": "backend",
    "SUMMARIZER_CACHE_DIR": "cache_dir",
    "SUMMARIZER_CONCURRENCY": "concurrency",
    "SUMMARIZER_WORKED_EXAMPLE": "worked_example",
}
_SECRET_FIELDS = frozenset({"api_key"})


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    backend: str = "auto"  # "auto" or a registered backend: summarizer.backends.resolve checks and chooses
    base_url: str | None = None
    api_key: SecretStr | None = None
    model: str = DEFAULT_MODEL
    mode: Mode = "auto"
    timeout: float = Field(default=60.0, gt=0)
    transport_retries: int = Field(default=4, ge=0, le=20)
    validation_retries: int = Field(default=2, ge=0, le=10)
    backoff_initial: float = Field(default=1.0, ge=0)
    backoff_max: float = Field(default=30.0, ge=0)
    temperature: float = Field(default=0.0, ge=0, le=2)
    max_tokens: int | None = Field(default=None, ge=1)
    cassettes: Path | None = None
    record_dir: Path | None = None
    cache_dir: Path | None = None
    use_cache: bool = True
    refresh: bool = False
    # Keep finished summaries too (summaries.py): a document summarized before with the same settings and code
    # costs a lookup. Off: every document runs the pipeline, its answers still from the call cache.
    document_cache: bool = True
    concurrency: int = Field(default=4, ge=1, le=256)
    chunk_budget: int = Field(default=1500, ge=200, le=100_000)
    # A worked example in the extraction system prompt, so that the static prefix reaches the provider's minimum
    # cacheable length (OpenAI: 1,024 tokens); "auto": only where that makes the prefix cheaper (prefix.py).
    worked_example: Literal["auto", "on", "off"] = "auto"
    to_simplified: bool = True
    drop_unverified: bool = False
    # USD per 1M tokens, (prompt, completion[, cached prompt]); merged over the built-in table in cost.py.
    prices: dict[str, tuple[float, float] | tuple[float, float, float]] = Field(default_factory=dict)
    # Caps on one input (load.LoadLimits): the file's size, a PDF's pages, what a container inflates to.
    max_input_mb: float = Field(default=LoadLimits.max_input_mb, gt=0)
    max_pages: int = Field(default=LoadLimits.max_pages, ge=1)
    max_unpacked_mb: float = Field(default=LoadLimits.max_unpacked_mb, gt=0)
    max_text_mb: float = Field(default=LoadLimits.max_text_mb, gt=0)

    @field_validator("base_url")
    @classmethod
    def _endpoint(cls, value: str | None) -> str | None:
        """An http(s) URL with a host: anything else fails every request later, after retries (exit 3)."""
        if value is None:
            return None
        from urllib.parse import urlsplit

        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018  (raises on a port that is not a number)
        except ValueError as exc:
            raise ValueError(f"not a valid URL ({exc})") from None
        if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in value):
            raise ValueError("expected an http:// or https:// URL with a host, e.g. http://127.0.0.1:8000/v1")
        return value

    @field_validator(
        "timeout", "backoff_initial", "backoff_max", "temperature", "max_input_mb", "max_unpacked_mb", "max_text_mb"
    )
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("must be a finite number")
        return value

    @field_validator("prices")
    @classmethod
    def _prices(cls, value: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
        """USD per 1M tokens: finite and not negative (a NaN once printed "$nan" as a run's cost)."""
        for model, pair in value.items():
            if not all(math.isfinite(p) and p >= 0 for p in pair):
                raise ValueError(f"{model}: prices must be finite and not negative (got {pair[0]:g}, {pair[1]:g})")
        return value

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, then environment, then explicit overrides (None means 'not given')."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        sources: dict[str, str] = {}
        for var, name in ENV_VARS.items():
            if env.get(var):
                values[name] = env[var]
                sources[name] = var
        given = {k: v for k, v in overrides.items() if v is not None}
        values.update(given)
        return cls.validated(values, {k: v for k, v in sources.items() if k not in given})

    def with_overrides(self, **overrides: Any) -> Settings:
        """A copy with ``overrides`` applied (None means 'not given'), validated together with the rest."""
        given = {k: v for k, v in overrides.items() if v is not None}
        if not given:
            return self
        return Settings.validated({**self.model_dump(), **given})

    @classmethod
    def validated(cls, values: Mapping[str, Any], sources: Mapping[str, str] | None = None) -> Settings:
        """``Settings(**values)``, with a one-line ``SettingsError`` instead of a pydantic report.
        ``sources`` names the environment variable a value came from, for the message."""
        try:
            return cls(**values)
        except ValidationError as exc:
            raise SettingsError(describe(exc, sources or {})) from None

    def load_limits(self) -> LoadLimits:
        return LoadLimits(
            max_input_mb=self.max_input_mb,
            max_pages=self.max_pages,
            max_unpacked_mb=self.max_unpacked_mb,
            max_text_mb=self.max_text_mb,
        )

    def api_key_value(self) -> str | None:
        return self.api_key.get_secret_value() if self.api_key is not None else None


def describe(exc: ValidationError, sources: Mapping[str, str]) -> str:
    """One line per problem, joined: the setting, what is wrong, the value given (never a secret)."""
    problems = []
    for err in exc.errors(include_url=False):
        name = str(err["loc"][0]) if err.get("loc") else "settings"
        if err["type"] == "extra_forbidden":
            import difflib  # only a typo needs it

            close = difflib.get_close_matches(name, list(Settings.model_fields), n=1)
            problems.append(f"unknown setting {name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
            continue
        message = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        shown = "" if name in _SECRET_FIELDS else f" (got {err.get('input')!r}"
        if shown and name in sources:
            shown += f" from {sources[name]}"
        problems.append(f"{name}: {message}{shown + ')' if shown else ''}")
    return "; ".join(" ".join(p.split()) for p in problems)
