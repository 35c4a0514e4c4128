"""clean: original text -> ``CleanText`` (cleaned text + offset map back to the original).

TODO(helper): implement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class CleanText:
    text: str
    # offsets[i] is the index in the original text of clean character i; len(offsets) == len(text) + 1
    # and offsets[len(text)] == len(original). Non-decreasing.
    offsets: Sequence[int]
    script: Literal["simplified", "traditional"]  # detected on the original

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of the clean text to the original text."""
        raise NotImplementedError


def clean(original: str, *, to_simplified: bool = True) -> CleanText:
    raise NotImplementedError
