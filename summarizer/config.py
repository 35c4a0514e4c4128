"""Settings: one options object handed to every stage (trafilatura-style), resolved defaults < env < flags.

The API key is kept as a ``SecretStr`` so it never shows up in a repr, a log line or a dumped settings
object; it is also never part of a cache key.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from .load import LoadLimits

Backend = Literal["auto", "llm", "offline", "replay"]
Mode = Literal["auto", "tools", "json", "md_json"]

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
}


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    backend: Backend = "auto"
    base_url: str | None = None
    api_key: SecretStr | None = None
    model: str = DEFAULT_MODEL
    mode: Mode = "auto"
    timeout: float = 60.0
    transport_retries: int = Field(default=4, ge=0, le=20)
    validation_retries: int = Field(default=2, ge=0, le=10)
    backoff_initial: float = 1.0
    backoff_max: float = 30.0
    temperature: float = 0.0
    max_tokens: int | None = None
    cassettes: Path | None = None
    record_dir: Path | None = None
    cache_dir: Path | None = None
    use_cache: bool = True
    refresh: bool = False
    concurrency: int = Field(default=4, ge=1, le=256)
    chunk_budget: int = Field(default=1500, ge=200, le=100_000)
    to_simplified: bool = True
    drop_unverified: bool = False
    # USD per 1M tokens, (prompt, completion); merged over the built-in table in cost.py.
    prices: dict[str, tuple[float, float]] = Field(default_factory=dict)
    # Caps on one input (load.LoadLimits): the file's size, a PDF's pages, what a container inflates to.
    max_input_mb: float = Field(default=LoadLimits.max_input_mb, gt=0)
    max_pages: int = Field(default=LoadLimits.max_pages, ge=1)
    max_unpacked_mb: float = Field(default=LoadLimits.max_unpacked_mb, gt=0)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, then environment, then explicit overrides (None means 'not given')."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for var, name in ENV_VARS.items():
            if env.get(var):
                values[name] = env[var]
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def resolved_backend(self) -> Literal["llm", "offline", "replay"]:
        """``auto`` means: replay if cassettes are given, llm if an endpoint is configured, else offline."""
        if self.backend != "auto":
            return self.backend
        if self.cassettes is not None:
            return "replay"
        if self.base_url or self.api_key:
            return "llm"
        return "offline"

    def load_limits(self) -> LoadLimits:
        return LoadLimits(
            max_input_mb=self.max_input_mb, max_pages=self.max_pages, max_unpacked_mb=self.max_unpacked_mb
        )

    def api_key_value(self) -> str | None:
        return self.api_key.get_secret_value() if self.api_key is not None else None
