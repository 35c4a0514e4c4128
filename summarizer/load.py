"""load: path / directory / stdin / bytes -> ``Document`` (decoded text + provenance).

TODO(helper): implement. Contract below is fixed; other modules rely on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SUPPORTED_SUFFIXES: tuple[str, ...] = (".txt", ".md", ".html", ".htm", ".docx")


@dataclass(frozen=True)
class Document:
    """A decoded report. ``text`` is the *original* all offsets refer to (newlines normalised to \\n)."""

    name: str  # the path as given, or "<stdin>" / "<text>"
    text: str
    sha256: str  # of the raw bytes (of the UTF-8 text for load_text)
    encoding: str  # e.g. "utf_8", "gb18030", "big5", "utf_16"; "docx"/"unicode" where not applicable
    format: str  # "txt" | "md" | "html" | "docx" | "text"
    path: str | None = None


def load_path(path: str | Path) -> Document:
    raise NotImplementedError


def load_bytes(data: bytes, name: str, suffix: str = ".txt") -> Document:
    raise NotImplementedError


def load_text(text: str, name: str = "<text>") -> Document:
    raise NotImplementedError


def discover(path: str | Path) -> list[Path]:
    """Supported files under a directory (recursive, sorted), or ``[path]`` for a file."""
    raise NotImplementedError
