"""The deterministic core of one document: load -> clean -> sections -> chunks -> numbers.

Everything a plan, a backend, merge and verify read about a document is computed once, here, with no model
and no I/O beyond reading the input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .chunks import Chunk, make_chunks
from .clean import CleanText, clean, has_report_text
from .config import Settings
from .errors import InputError
from .load import SUPPORTED_SUFFIXES, Document, LoadLimits, load_bytes, load_path, load_text, sniff_suffix
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


# A one-line string is taken for a path when it looks like one: a supported suffix, or a start that only a path
# has. ``summarize("/no/such/report.txt")`` must fail, not summarize its own name.
_PATH_START_RE = re.compile(r"^(?:/|~|\.{1,2}[/\\]|[A-Za-z]:[/\\]|\\\\)")
Source = str | Path | bytes | Document


def looks_like_path(source: str) -> bool:
    """Whether a string is meant as a path (see ``as_document``)."""
    if "\n" in source or len(source) >= 4096 or not source.strip():
        return False
    return bool(_PATH_START_RE.match(source)) or source.lower().endswith(SUPPORTED_SUFFIXES) or Path(source).exists()


def as_document(
    source: Source | None = None,
    name: str | None = None,
    limits: LoadLimits | None = None,
    *,
    text: str | None = None,
) -> Document:
    """The rule for what a source is, explicit so a mistyped path is an error and never a summary of its name:

    * a ``Path`` is a path; a ``str`` that looks like one (one line, and it exists, ends with a supported suffix
      or starts like a path: ``/``, ``~``, ``./``, ``C:\\``) is a path too: it must name an existing file
      (``LoadError``: file not found, is a directory);
    * ``bytes`` are a file's content, decoded like a file (the format sniffed from its magic number);
    * ``text=`` is the report text itself. Any other ``str`` (several lines) is taken as text as well.
    """
    if text is not None:
        if source is not None:
            raise TypeError("pass either a source (path, bytes, Document) or text=, not both")
        return load_text(text, name=name or "<text>", limits=limits)
    if source is None:
        raise TypeError("nothing to summarize: pass a path, bytes, a Document or text=")
    if isinstance(source, Document):
        return source
    if isinstance(source, Path):
        return load_path(source.expanduser(), limits)
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        return load_bytes(data, name or "<bytes>", sniff_suffix(data), limits)
    if looks_like_path(source):
        return load_path(Path(source).expanduser(), limits)
    return load_text(source, name=name or "<text>", limits=limits)
