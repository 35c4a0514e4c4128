"""Locate ``prompts/`` and ``schemas/``.

They sit at the repository top level (design card) and are copied into the wheel as
``summarizer/_data/`` (see ``pyproject.toml``); an editable or source checkout uses the former.
"""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """Return the directory holding ``prompts`` or ``schemas``, wheel layout first."""
    for candidate in (_PKG / "_data" / name, _PKG.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"summarizer data folder {name!r} not found next to {_PKG}")


def prompts_dir() -> Path:
    return data_dir("prompts")


def schemas_dir() -> Path:
    return data_dir("schemas")
