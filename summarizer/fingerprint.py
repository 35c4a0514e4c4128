"""The answer fingerprint: every setting that can change an answer, gathered by one function.

The result cache keys each request by it (with the request's own messages and response schema), and a batch
skips a finished document only when its done key (the source's hash with this fingerprint and the output
options) is unchanged. Both read the same fingerprint, so a setting that changes answers can never change
one key and not the other: a batch rerun against another endpoint, model, temperature, token limit or
number of re-asks redoes its documents, as the cache would.

What changes an answer:

* the text a model is asked about: the chunk budget and the cleaning switches (``ANSWER_FIELDS_TEXT``);
* for a backend that calls a model: the endpoint (scheme, host, port, path; never credentials), model, mode,
  sampling and token limit, how many re-asks an answer gets (``ANSWER_FIELDS_MODEL``), the prompt version and
  the hash of every schema a model fills.

Everything else (API key, timeouts, transport retries, backoff, concurrency, cache folder, prices) changes how
an answer is fetched, kept or priced, never what it says; a test holds this split against ``Settings``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from . import prompts
from .cache import ResultCache

if TYPE_CHECKING:
    from pydantic import BaseModel

    from .config import Settings

DEFAULT_BASE_URL = "https://api.openai.com/v1"

ANSWER_FIELDS_TEXT = ("chunk_budget", "to_simplified")
ANSWER_FIELDS_MODEL = ("base_url", "model", "mode", "temperature", "max_tokens", "validation_retries")
ANSWER_FIELDS = ANSWER_FIELDS_TEXT + ANSWER_FIELDS_MODEL


def endpoint_id(base_url: str | None) -> str:
    """Scheme, host, port and path of the endpoint: no credentials, query or trailing slash."""
    parts = urlsplit((base_url or DEFAULT_BASE_URL).rstrip("/"))
    host = (parts.hostname or "").lower()
    port = f":{parts.port}" if parts.port is not None else ""
    return f"{parts.scheme.lower()}://{host}{port}{parts.path.rstrip('/')}"


@cache
def schema_hash(model: type[BaseModel]) -> str:
    """Changes whenever a response schema (fields, descriptions) changes."""
    blob = json.dumps(model.model_json_schema(), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def prompt_schemas_hash() -> str:
    """One hash over every schema a model is asked to fill."""
    from .models import ChunkExtraction, OverviewDraft, ReportExtraction

    return "-".join(schema_hash(m) for m in (ChunkExtraction, ReportExtraction, OverviewDraft))


@dataclass(frozen=True)
class Fingerprint:
    """What every answer of a run depends on besides its own request (see the module docstring)."""

    parts: Mapping[str, Any]

    def request_key(self, messages: list[dict[str, str]], response_model: type[BaseModel]) -> str:
        """The result cache's key of one request."""
        return ResultCache.key(answer=dict(self.parts), schema=schema_hash(response_model), messages=messages)

    def settings_id(self, output: Mapping[str, Any]) -> str:
        """This fingerprint with the options that shape the written output (schema version, formats…)."""
        return ResultCache.key(answer=dict(self.parts), output=dict(output))[:16]

    def done_key(self, source_sha256: str, output: Mapping[str, Any]) -> str:
        """A batch's key for one finished document: a rerun skips the document only while it is unchanged."""
        return f"{source_sha256[:16]}-{self.settings_id(output)}"


def answer_fingerprint(settings: Settings, backend: str, *, calls_model: bool) -> Fingerprint:
    """The one function that says which settings change an answer. ``calls_model``: the backend's answers
    come from a model (``backends.Capabilities.calls_model``), so the model's settings count too."""
    parts: dict[str, Any] = {"backend": backend, **{f: getattr(settings, f) for f in ANSWER_FIELDS_TEXT}}
    if calls_model:
        parts.update(
            endpoint=endpoint_id(settings.base_url),
            model=settings.model,
            mode=settings.mode,
            temperature=settings.temperature,
            max_tokens=settings.max_tokens,
            validation_retries=settings.validation_retries,
            prompt_version=prompts.PROMPT_VERSION,
            schema=prompt_schemas_hash(),
        )
    return Fingerprint(parts)
