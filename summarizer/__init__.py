"""summarizer: verified, structured summaries of Chinese government work reports.

Pipeline (one module per step; each is public):

    load -> clean -> sections -> chunks -> numbers -> extract -> merge -> verify -> render

>>> from summarizer import summarize                                   # doctest: +SKIP
>>> summary = summarize("report.txt", backend="offline")              # doctest: +SKIP
>>> summary.verification.grounded_share                               # doctest: +SKIP
"""

from __future__ import annotations

from .across import SeriesRow, TargetRow, series, targets
from .api import Analysis, Result, Summarizer, analyze, summarize
from .chunks import Chunk, make_chunks
from .clean import CleanText, clean
from .config import Settings
from .errors import InputError, LLMError, LoadError, ReplayMissError, SummarizerError, VerificationError
from .load import Document, discover, load_bytes, load_path, load_text
from .models import SCHEMA_VERSION, ReportSummary
from .numbers import NumberMention, find_numbers
from .sections import Outline, Section, parse_sections
from .verify import verify

__all__ = [
    "SCHEMA_VERSION",
    "Analysis",
    "Chunk",
    "CleanText",
    "Document",
    "InputError",
    "LLMError",
    "LoadError",
    "NumberMention",
    "Outline",
    "ReplayMissError",
    "ReportSummary",
    "Result",
    "Section",
    "SeriesRow",
    "Settings",
    "Summarizer",
    "SummarizerError",
    "TargetRow",
    "VerificationError",
    "analyze",
    "clean",
    "discover",
    "find_numbers",
    "load_bytes",
    "load_path",
    "load_text",
    "make_chunks",
    "parse_sections",
    "series",
    "summarize",
    "targets",
    "verify",
]
