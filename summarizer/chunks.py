"""chunks: sections -> chunks under a character budget, each with its heading path and span.

TODO(helper): implement.
"""

from __future__ import annotations

from dataclasses import dataclass

from .sections import Outline, Role

DEFAULT_BUDGET = 1500


@dataclass(frozen=True)
class Chunk:
    index: int
    text: str  # == clean_text[start:end], always
    start: int
    end: int
    breadcrumb: tuple[str, ...]  # heading path of the chunk's first section, e.g. ("一、…", "（一）…")
    top_index: int | None  # index of the top-level section this chunk lies in; None for the preamble
    role: Role | None


def make_chunks(text: str, outline: Outline, budget: int = DEFAULT_BUDGET) -> list[Chunk]:
    raise NotImplementedError
