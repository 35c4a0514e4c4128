"""The deterministic core of one document: load -> clean -> sections -> chunks -> numbers.

Everything a plan, a backend, merge and verify read about a document is computed once, here, with no model
and no I/O beyond reading the input.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .chunks import Chunk, make_chunks
from .clean import CleanText, clean, has_report_text
from .config import Settings
from .errors import InputError
from .load import Document, LoadLimits, load_path, load_text
from .numbers import NumberMention, find_numbers
from .sections import Outline, parse_sections


@dataclass
class Analysis:
    """Everything the deterministic core produces for one document."""

    document: Document
    clean: CleanText
    outline: Outline
    chunks: list[Chunk]
    mentions: list[NumberMention]


def analyze(document: Document, settings: Settings | None = None) -> Analysis:
    settings = settings or Settings()
    cleaned = clean(document.text, to_simplified=settings.to_simplified)
    if not has_report_text(cleaned.text):
        raise InputError(f"no report text found in {document.name}")
    outline = parse_sections(cleaned.text)
    chunks = make_chunks(cleaned.text, outline, budget=settings.chunk_budget)
    return Analysis(document, cleaned, outline, chunks, find_numbers(cleaned.text))


def as_document(
    source: str | Path | Document, name: str | None = None, limits: LoadLimits | None = None
) -> Document:
    """A path (str or Path) that exists is loaded; any other str is taken as the report text itself."""
    if isinstance(source, Document):
        return source
    if isinstance(source, Path):
        return load_path(source, limits)
    if "\n" not in source and len(source) < 1024 and Path(source).is_file():
        return load_path(source, limits)
    return load_text(source, name=name or "<text>")
