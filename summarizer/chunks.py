"""chunks: the cleaned text -> chunks under a character budget, each with its heading path, parts and span.

Every chunk is one LLM request, and each request carries a fixed cost (instructions and schema, a few
hundred tokens) besides its text. So chunks are packed as full as the budget allows, across section
boundaries, and cut where the report's structure gives a good place:

* a chunk is never longer than ``budget`` characters;
* a chunk is cut only between sentences (。！？；!?; and line breaks); a sentence longer than the budget is
  cut at commas, and only as a last resort mid-clause;
* a heading is never the last thing in a chunk: it stays with the sentence that follows it;
* the text gets as few chunks as these rules allow, and among the cuts that keep that number the best
  boundary is taken: the start of a summary part (a top-level section, or a sub-section with a role of its
  own), else of another section (levels 1-2 before deeper ones), else a sentence end.

A chunk may therefore hold the end of one section and the start of the next. It lists the summary
``parts`` it touches (see ``sections.summary_parts``); the model writes one summary per part, and
``merge`` attributes each item to the part its quote lies in. Chunks are trimmed of surrounding
whitespace, so only whitespace lies between consecutive chunks.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

from .sections import Outline, Part, path_at, summary_parts, walk

DEFAULT_BUDGET = 1500


@dataclass(frozen=True)
class Chunk:
    index: int
    text: str  # == clean_text[start:end], always
    start: int
    end: int
    breadcrumb: tuple[str, ...]  # heading path at the chunk's start, e.g. ("一、…", "（一）…"); () in the preamble
    parts: tuple[Part, ...]  # the summary parts with text in this chunk, in source order (at least one)

    @property
    def summarized(self) -> tuple[Part, ...]:
        """The parts the model writes a summary for: all but the preamble (a title and an opening formula,
        which the overview call sees as the document head), unless the preamble is all the chunk holds."""
        return tuple(p for p in self.parts if p.path) or self.parts

    def part_at(self, position: int) -> Part:
        """The part that text at ``position`` (clean-text offset) belongs to; the first part before it."""
        return next((p for p in reversed(self.parts) if p.start <= position), self.parts[0])


# A sentence ends after its terminator run plus any closing quotes/brackets that belong to it.
_SENTENCE_END_RE = re.compile(r"[。！？；!?;]+[”’\"'」』）)】]*|\n")
_CLAUSE_END_RE = re.compile(r"[，,、：:]+")

# How good a place to cut the boundary before a piece is.
_CLAUSE, _SENTENCE, _SUBSECTION, _SECTION, _PART = -1, 0, 1, 2, 3


class _Piece(NamedTuple):  # a tuple, not a dataclass: a long report makes hundreds of thousands of them
    start: int
    end: int
    score: int  # of the boundary before this piece


def make_chunks(text: str, outline: Outline, budget: int = DEFAULT_BUDGET) -> list[Chunk]:
    if budget < 1:
        raise ValueError(f"budget must be positive, got {budget}")
    if outline.text_length != len(text):
        raise ValueError("outline was parsed from a different text")
    parts = summary_parts(outline)
    part_starts = [p.start for p in parts]
    chunks: list[Chunk] = []
    for start, end in _pack(list(_pieces(text, outline, parts, budget)), budget):
        # Parts are contiguous and sorted: those from the one holding ``start`` to the one holding ``end``.
        first, last = bisect_right(part_starts, start) - 1, bisect_left(part_starts, end)
        chunks.append(
            Chunk(
                index=len(chunks),
                text=text[start:end],
                start=start,
                end=end,
                breadcrumb=tuple(s.heading() for s in path_at(outline, start)),
                parts=tuple(
                    p for p in parts[max(first, 0) : last] if _has_text(text, max(p.start, start), min(p.end, end))
                ),
            )
        )
    return chunks


def _pieces(text: str, outline: Outline, parts: list[Part], budget: int) -> Iterator[_Piece]:
    """The text cut at every sentence end and section start, each piece scored by the boundary before it."""
    score: dict[int, int] = {}
    heading_ends: dict[int, int] = {}  # section start -> end of its heading line
    for sec in walk(outline.sections):
        score[sec.start] = _SECTION if sec.level <= 2 else _SUBSECTION
        heading_ends[sec.start] = sec.body_start
    for part in parts:
        score[part.start] = _PART
    cuts = sorted({m.end() for m in _SENTENCE_END_RE.finditer(text)} | score.keys() | {len(text)})
    prev = 0
    pending: _Piece | None = None  # heading(s) waiting for the sentence after them
    for cut in cuts:
        span = _strip(text, prev, cut)
        boundary, prev = prev, cut
        if span is None:
            continue
        piece = _Piece(span[0], span[1], score.get(boundary, _SENTENCE))
        if pending is not None:
            if span[1] - pending.start <= budget:
                piece = _Piece(pending.start, span[1], pending.score)
            else:
                yield pending  # the heading and what follows do not fit together: it has to stand alone
            pending = None
        is_heading = span[0] in heading_ends and span[1] <= heading_ends[span[0]]
        if is_heading and cut < len(text):
            pending = piece
            continue
        yield from _split_long(text, piece, budget)
    if pending is not None:
        yield pending


def _split_long(text: str, piece: _Piece, budget: int) -> Iterator[_Piece]:
    """A piece over the budget, cut at clause ends, and blindly only where a clause alone is too long."""
    if piece.end - piece.start <= budget:
        yield piece
        return
    score = piece.score
    for c_start, c_end in _split(text, piece.start, piece.end, _CLAUSE_END_RE):
        for h_start in range(c_start, c_end, budget):
            span = _strip(text, h_start, min(h_start + budget, c_end))
            if span is not None:
                yield _Piece(span[0], span[1], score)
                score = _CLAUSE


def _split(text: str, start: int, end: int, boundary: re.Pattern[str]) -> Iterator[tuple[int, int]]:
    """Non-empty, whitespace-trimmed pieces of text[start:end] cut after each boundary match."""
    pos = start
    for m in boundary.finditer(text, start, end):
        piece = _strip(text, pos, m.end())
        if piece is not None:
            yield piece
        pos = m.end()
    piece = _strip(text, pos, end)
    if piece is not None:
        yield piece


def _pack(pieces: list[_Piece], budget: int) -> Iterator[tuple[int, int]]:
    """As few chunks as the budget allows, cut at the best-scored boundaries that keep that number.

    ``reach[i]``: the first piece that does not fit a chunk opening at piece i; ``need[i]``: the fewest
    chunks for pieces[i:], which filling each chunk greedily achieves. A chunk opening at i may end before
    any piece k in (i, reach[i]] with ``need[k] == need[i] - 1`` without costing a request; of those, the
    best boundary wins (the latest among equals, so chunks stay full).
    """
    n = len(pieces)
    reach = [0] * n
    j = 0
    for i in range(n):
        j = max(j, i + 1)
        while j < n and pieces[j].end - pieces[i].start <= budget:
            j += 1
        reach[i] = j
    need = [0] * (n + 1)
    for i in range(n - 1, -1, -1):
        need[i] = 1 + need[reach[i]]
    first = 0
    while first < n:
        cut = max(
            (k for k in range(first + 1, reach[first] + 1) if need[k] == need[first] - 1),
            key=lambda k: (pieces[k].score if k < n else _PART + 1, k),
        )
        yield pieces[first].start, pieces[cut - 1].end
        first = cut


def _strip(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def _has_text(text: str, start: int, end: int) -> bool:
    return start < end and bool(text[start:end].strip())
