"""summarizer: verified, structured summaries of Chinese government work reports.

Pipeline (one module per step; each is public):

    load -> clean -> sections -> chunks -> numbers -> plan -> extract -> merge -> verify -> render

>>> from summarizer import summarize                                   # doctest: +SKIP
>>> summary = summarize("report.txt", backend="offline")              # doctest: +SKIP
>>> summary.verification.grounded_share                               # doctest: +SKIP

The names below are imported on first use, so ``import summarizer`` (and ``summarize --help``, whose module
lives in this package) costs next to nothing, and only a run that calls a model imports openai.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .across import SeriesRow as SeriesRow
    from .across import TargetRow as TargetRow
    from .across import series as series
    from .across import targets as targets
    from .analysis import Analysis as Analysis
    from .analysis import analyze as analyze
    from .api import Result as Result
    from .api import Summarizer as Summarizer
    from .api import summarize as summarize
    from .chunks import Chunk as Chunk
    from .chunks import make_chunks as make_chunks
    from .clean import CleanText as CleanText
    from .clean import clean as clean
    from .config import Settings as Settings
    from .errors import InputError as InputError
    from .errors import LLMError as LLMError
    from .errors import LoadError as LoadError
    from .errors import ReplayMissError as ReplayMissError
    from .errors import SettingsError as SettingsError
    from .errors import SummarizerError as SummarizerError
    from .errors import VerificationError as VerificationError
    from .load import Document as Document
    from .load import discover as discover
    from .load import load_bytes as load_bytes
    from .load import load_path as load_path
    from .load import load_text as load_text
    from .models import SCHEMA_VERSION as SCHEMA_VERSION
    from .models import ReportSummary as ReportSummary
    from .numbers import NumberMention as NumberMention
    from .numbers import find_numbers as find_numbers
    from .sections import Outline as Outline
    from .sections import Section as Section
    from .sections import parse_sections as parse_sections
    from .verify import verify as verify

_HOMES: dict[str, str] = {
    "SeriesRow": "across",
    "TargetRow": "across",
    "series": "across",
    "targets": "across",
    "Analysis": "analysis",
    "analyze": "analysis",
    "Result": "api",
    "Summarizer": "api",
    "summarize": "api",
    "Chunk": "chunks",
    "make_chunks": "chunks",
    "CleanText": "clean",
    "clean": "clean",
    "Settings": "config",
    "InputError": "errors",
    "LLMError": "errors",
    "LoadError": "errors",
    "ReplayMissError": "errors",
    "SettingsError": "errors",
    "SummarizerError": "errors",
    "VerificationError": "errors",
    "Document": "load",
    "discover": "load",
    "load_bytes": "load",
    "load_path": "load",
    "load_text": "load",
    "SCHEMA_VERSION": "models",
    "ReportSummary": "models",
    "NumberMention": "numbers",
    "find_numbers": "numbers",
    "Outline": "sections",
    "Section": "sections",
    "parse_sections": "sections",
    "verify": "verify",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})


class _Package(types.ModuleType):
    """``summarizer.clean`` and ``summarizer.verify`` are public functions named like their modules. Importing
    a submodule binds it on the package, which would hide the function once the module is first imported
    lazily; the binding is refused for those names (the module stays in ``sys.modules``), so the package's
    attribute is the function, as it always was."""

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and _HOMES.get(name) == name:
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
