"""The backend seam: a small registry of the ways a document's extraction steps can be answered.

A backend answers the steps of a document's plan (``extract.Backend``: ``extract`` for a chunk, ``overview`` for
the overview). Each is registered here under a name with a factory and its capabilities, and the rest of the
package asks the registry (``resolve``, ``BackendSpec.capabilities``), never compares backend names. Built in:

* ``replay``: a model backend whose HTTP answers come from recorded cassettes (no network);
* ``llm``: a model backend on any OpenAI-compatible endpoint (``llm/``);
* ``offline``: the deterministic backend (``offline.py``).

A new backend (a provider's own API, a batch API) is one module with a factory
``create(settings, *, fingerprint, cache) -> Backend`` plus one ``register(...)`` line below (or in the
caller's code, for a backend that lives outside this package). A model backend usually needs only a client:
``llm.backend.ModelBackend`` turns steps into requests and handles the result cache.

Factories are named as ``"module:function"`` and imported when a backend is built, so listing, validating and
choosing backends (``--help``, ``Settings``) never imports openai.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from .errors import SettingsError

if TYPE_CHECKING:
    from .cache import ResultCache
    from .config import Settings
    from .extract import Backend
    from .fingerprint import Fingerprint


AUTO = "auto"  # the backend setting that lets the registry choose (``resolve``)


class Factory(Protocol):
    def __call__(self, settings: Settings, *, fingerprint: Fingerprint, cache: ResultCache | None) -> Backend: ...


@dataclass(frozen=True)
class Capabilities:
    # Answers come from a model: endpoint, model and sampling are part of the answer fingerprint, --dry-run
    # counts its calls, and a document's chunks are sent concurrently.
    calls_model: bool
    cacheable: bool  # validated answers are kept in the result cache (the factory gets one)
    needs_endpoint: bool  # refuses to run without a base URL or an API key
    needs_cassettes: bool  # answers come from recorded cassettes (--cassettes), so it cannot record
    supports_batch: bool = False  # can send a corpus plan's requests through a provider batch API


@dataclass(frozen=True)
class BackendSpec:
    name: str
    factory: str | Factory  # "module:function", imported when the backend is built
    capabilities: Capabilities
    summary: str  # one line for --help
    auto_when: Callable[[Settings], bool] | None = None  # 'auto' takes the first registered backend this holds for
    auto_hint: str = ""  # when auto_when holds, in words

    def create(self, settings: Settings, *, fingerprint: Fingerprint, cache: ResultCache | None) -> Backend:
        factory = self.factory
        if isinstance(factory, str):
            module, _, attr = factory.partition(":")
            factory = getattr(importlib.import_module(module), attr)
        assert not isinstance(factory, str)
        return factory(settings, fingerprint=fingerprint, cache=cache)


_REGISTRY: dict[str, BackendSpec] = {}


def register(spec: BackendSpec) -> None:
    """Add (or replace) a backend; registration order is the order 'auto' tries them in."""
    if spec.name == AUTO:
        raise ValueError(f"{AUTO!r} is not a backend name: it asks the registry to choose")
    _REGISTRY[spec.name] = spec


def names() -> tuple[str, ...]:
    return tuple(_REGISTRY)


def specs() -> tuple[BackendSpec, ...]:
    return tuple(_REGISTRY.values())


def resolve(settings: Settings) -> BackendSpec:
    """The backend ``settings`` ask for ('auto': the first whose ``auto_when`` holds), checked against what it
    needs; a ``SettingsError`` in one line otherwise."""
    if settings.backend == AUTO:
        spec = next((s for s in _REGISTRY.values() if s.auto_when is not None and s.auto_when(settings)), None)
        if spec is None:
            raise SettingsError("no registered backend applies to these settings")
    elif settings.backend in _REGISTRY:
        spec = _REGISTRY[settings.backend]
    else:
        known = ", ".join(_REGISTRY)
        raise SettingsError(f"backend: unknown backend {settings.backend!r}; expected {AUTO} or one of {known}")
    caps = spec.capabilities
    if caps.needs_cassettes and settings.cassettes is None:
        raise SettingsError(f"--backend {spec.name} needs --cassettes DIR")
    if caps.needs_cassettes and settings.record_dir is not None:
        raise SettingsError(f"--record cannot be used with --backend {spec.name}: it replays, it sends nothing")
    if caps.needs_endpoint and not (settings.base_url or settings.api_key):
        raise SettingsError(
            f"--backend {spec.name} needs an endpoint: --base-url (OPENAI_BASE_URL) or --api-key (OPENAI_API_KEY)"
        )
    return spec


def auto_rule() -> str:
    """How 'auto' chooses, in words, for --help."""
    rules = [f"{s.name} {s.auto_hint}".strip() for s in _REGISTRY.values() if s.auto_when is not None]
    return ", else ".join(rules)


def _has_endpoint(settings: Settings) -> bool:
    return bool(settings.base_url or settings.api_key)


register(
    BackendSpec(
        "replay",
        "summarizer.llm.backend:replay_backend",
        Capabilities(calls_model=True, cacheable=True, needs_endpoint=False, needs_cassettes=True),
        "answers recorded as HTTP cassettes (--cassettes DIR); sends nothing",
        auto_when=lambda s: s.cassettes is not None,
        auto_hint="with --cassettes",
    )
)
register(
    BackendSpec(
        "llm",
        "summarizer.llm.backend:openai_backend",
        Capabilities(calls_model=True, cacheable=True, needs_endpoint=True, needs_cassettes=False, supports_batch=True),
        "any OpenAI-compatible endpoint (--base-url, --api-key, --model)",
        auto_when=_has_endpoint,
        auto_hint="when an endpoint is configured",
    )
)
register(
    BackendSpec(
        "offline",
        "summarizer.offline:offline_backend",
        Capabilities(calls_model=False, cacheable=False, needs_endpoint=False, needs_cassettes=False),
        "deterministic: headings, enumerations and number mentions; no model",
        auto_when=lambda s: True,
    )
)
