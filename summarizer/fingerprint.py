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
  the hash of every schema a model fills (in the form the mode sends: compact, and strict for the modes that
  send the strict form), and whether the extraction prompt carries the worked example (``worked_example``
  resolved for the model: ``prefix.decide``).

The mode is the *requested* one (``mode_id``). ``auto`` settles on a mode only when the endpoint first answers
(json_schema, or a fallback), after every key of the plan was computed, and a key that changed with that choice
would make each run look its answers up under ``auto``'s first rung and miss those stored after a fallback.
So ``auto`` is keyed as ``auto`` together with the order it tries (``auto:json_schema>tools>json>md_json``): a
new order is a new key, an endpoint's fallback is not, and the mode that produced each answer is stored beside
it in the cache (``plan.Request.store``). An explicit mode is keyed as itself.

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
ANSWER_FIELDS_MODEL = (
    "base_url",
    "model",
    "mode",
    "temperature",
    "max_tokens",
    "validation_retries",
    "worked_example",
)
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


@cache
def strict_schema_hash(model: type[BaseModel]) -> str:
    """Changes whenever the strict form of a response schema changes (``models.strict_json_schema``)."""
    from .models import strict_json_schema

    blob = json.dumps(strict_json_schema(model), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def prompt_schemas_hash(*, strict: bool = False) -> str:
    """One hash over every schema a model is asked to fill (``strict``: and over their strict forms)."""
    from .models import ChunkExtraction, OverviewDraft, ReportExtraction

    models = (ChunkExtraction, ReportExtraction, OverviewDraft)
    hashes = [schema_hash(m) for m in models]
    if strict:
        hashes += [strict_schema_hash(m) for m in models]
    return "-".join(hashes)


def mode_id(mode: str) -> str:
    """The mode as the fingerprint keys it: an explicit mode as itself, ``auto`` with the order it tries."""
    from .config import AUTO_MODES

    return f"auto:{'>'.join(AUTO_MODES)}" if mode == "auto" else mode


def sends_strict_schema(mode: str) -> bool:
    """Does ``mode`` (possibly, for ``auto``) send the strict form of the schemas?"""
    from .config import AUTO_MODES

    return mode in ("json_schema", "tools_strict") or (mode == "auto" and "json_schema" in AUTO_MODES)


@dataclass(frozen=True)
class Fingerprint:
    """What every answer of a run depends on besides its own request (see the module docstring)."""

    parts: Mapping[str, Any]

    @property
    def worked_example(self) -> bool:
        """Do the extraction requests carry the worked example (``prefix.py``)? Read by ``plan.request_for``,
        which the synchronous and the batch API paths both build their requests with."""
        return bool(self.parts.get("worked_example", False))

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
            mode=mode_id(settings.mode),
            temperature=settings.temperature,
            max_tokens=settings.max_tokens,
            validation_retries=settings.validation_retries,
            prompt_version=prompts.PROMPT_VERSION,
            schema=prompt_schemas_hash(strict=sends_strict_schema(settings.mode)),
        )
        from .prefix import decide

        # The resolved choice, not the setting: "auto" and "on" ask the same where auto resolves to on. Keyed
        # only when on, so the keys of every run without the example are those it had before the option existed.
        if decide(settings).on:
            parts["worked_example"] = True
    return Fingerprint(parts)
