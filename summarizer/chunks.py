"""chunks: sections -> chunks under a character budget, each with its heading path and span.

Packing rules, in order of precedence:

* a chunk never spans two top-level sections (nor the preamble and a section): ``merge`` attributes each
  chunk's output to exactly one top-level section;
* a chunk is never longer than ``budget`` characters;
* a section that fits the budget stays whole, and whole neighbouring sections are packed together
  when they play the same role (so a chunk never mixes "存在的问题" with "下半年工作安排" content);
* the heading and intro of a section too big to stay whole open a new chunk, which its first child
  (or first sentences) may join;
* a section that does not fit is split at sentence ends (。！？；!?; and line breaks); a sentence longer
  than the budget gets chunks of its own, split at commas, and only as a last resort mid-clause.

Chunks are trimmed of surrounding whitespace, so only whitespace lies between consecutive chunks.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from .sections import Outline, Role, Section

DEFAULT_BUDGET = 1500


@dataclass(frozen=True)
class Chunk:
    index: int
    text: str  # == clean_text[start:end], always
    start: int
    end: int
    breadcrumb: tuple[str, ...]  # heading path of the chunk's first section, e.g. ("一、…", "（一）…")
    top_index: int | None  # index of the top-level section this chunk lies in; None for the preamble
    role: Role | None  # role of the top-level section
    # Role of the deepest section on the breadcrumb that has one: finer than ``role`` when a top-level
    # section mixes roles ("二、上半年工作落实情况及下半年工作安排" -> its "(三)下半年…" chunks are plans).
    section_role: Role | None = None


# A sentence ends after its terminator run plus any closing quotes/brackets that belong to it.
_SENTENCE_END_RE = re.compile(r"[。！？；!?;]+[”’\"'」』）)】]*|\n")
_CLAUSE_END_RE = re.compile(r"[，,、：:]+")

# block: a whole section (or what is left of one); intro: heading + text before the first child of a
# section too big to stay whole; sentence/clause: pieces of a block too big for the budget.
_Kind = Literal["block", "intro", "sentence", "clause"]


@dataclass(frozen=True)
class _Block:
    start: int
    end: int
    kind: _Kind
    role: Role | None


@dataclass(frozen=True)
class _Atom:
    start: int
    end: int
    kind: _Kind
    group: int  # atoms of kind sentence/clause only merge within their group (one block / one sentence)
    role: Role | None


def make_chunks(text: str, outline: Outline, budget: int = DEFAULT_BUDGET) -> list[Chunk]:
    if budget < 1:
        raise ValueError(f"budget must be positive, got {budget}")
    if outline.text_length != len(text):
        raise ValueError("outline was parsed from a different text")
    chunks: list[Chunk] = []
    regions: list[tuple[int, int, Section | None]] = [(outline.preamble[0], outline.preamble[1], None)]
    regions += [(s.start, s.end, s) for s in outline.sections]
    top_index = {id(s): i for i, s in enumerate(outline.sections)}
    for start, end, top in regions:
        blocks = _blocks(top, budget, top.role) if top else iter([_Block(start, end, "block", None)])
        for c_start, c_end in _pack(_atoms(text, blocks, budget), budget):
            path = _path(top, c_start)
            chunks.append(
                Chunk(
                    index=len(chunks),
                    text=text[c_start:c_end],
                    start=c_start,
                    end=c_end,
                    breadcrumb=tuple(s.heading() for s in path),
                    top_index=top_index[id(top)] if top is not None else None,
                    role=top.role if top is not None else None,
                    section_role=next((s.role for s in reversed(path) if s.role is not None), None),
                )
            )
    return chunks


def _blocks(sec: Section, budget: int, role: Role | None) -> Iterator[_Block]:
    """The section as whole as the budget allows: itself, or its intro followed by its children's blocks."""
    role = sec.role or role
    if sec.end - sec.start <= budget or not sec.children:
        yield _Block(sec.start, sec.end, "block", role)
        return
    yield _Block(sec.start, sec.children[0].start, "intro", role)
    for child in sec.children:
        yield from _blocks(child, budget, role)


def _atoms(text: str, blocks: Iterator[_Block], budget: int) -> Iterator[_Atom]:
    group = 0
    for block in blocks:
        group += 1
        role = block.role
        span = _strip(text, block.start, block.end)
        if span is None:
            continue
        if span[1] - span[0] <= budget:
            yield _Atom(span[0], span[1], block.kind, group, role)
            continue
        for s_start, s_end in _split(text, span[0], span[1], _SENTENCE_END_RE):
            if s_end - s_start <= budget:
                yield _Atom(s_start, s_end, "sentence", group, role)
                continue
            group += 1  # a long sentence is packed on its own, apart from its neighbours
            for c_start, c_end in _split(text, s_start, s_end, _CLAUSE_END_RE):
                for h_start in range(c_start, c_end, budget):
                    # No clause boundary within the budget: cut blindly, the only way to honour it.
                    piece = _strip(text, h_start, min(h_start + budget, c_end))
                    if piece is not None:
                        yield _Atom(piece[0], piece[1], "clause", group, role)
            group += 1


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


def _pack(atoms: Iterator[_Atom], budget: int) -> Iterator[tuple[int, int]]:
    cur: tuple[int, int] | None = None
    last: _Atom | None = None
    for atom in atoms:
        if cur is not None and last is not None:
            if _joins(last, atom) and atom.end - cur[0] <= budget:
                cur = (cur[0], atom.end)
                last = atom
                continue
            yield cur
        cur, last = (atom.start, atom.end), atom
    if cur is not None:
        yield cur


def _joins(last: _Atom, atom: _Atom) -> bool:
    """May ``atom`` extend the chunk whose last atom is ``last`` (budget permitting)?"""
    if last.kind == "intro":
        return atom.kind in ("block", "sentence") and atom.role == last.role
    if last.kind == "block":
        return atom.kind == "block" and atom.role == last.role
    return atom.kind == last.kind and atom.group == last.group


def _strip(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def _path(top: Section | None, pos: int) -> list[Section]:
    """Sections containing ``pos``, outermost first."""
    path: list[Section] = []
    sec = top
    while sec is not None:
        path.append(sec)
        # Bisect, not a scan: a long report can give one section thousands of children.
        i = bisect_right(sec.children, pos, key=_start) - 1
        sec = sec.children[i] if i >= 0 and pos < sec.children[i].end else None
    return path


def _start(sec: Section) -> int:
    return sec.start
