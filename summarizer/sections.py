"""sections: clean text -> the report's heading hierarchy with spans and roles.

TODO(helper): implement.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

Role = Literal["work_done", "problems", "plans", "other"]
# Marker styles, outermost first in the usual hierarchy.
Style = Literal["cn", "paren_cn", "arabic", "paren_arabic", "circled", "enum", "none"]


@dataclass
class Section:
    number: str  # the marker as written: "一、", "（一）", "1.", "(1)", "①", "一是"
    title: str  # heading text after the marker (up to the first sentence end or line end)
    level: int  # 1 = top
    style: Style
    start: int  # span in the clean text, marker included, children included
    end: int
    body_start: int  # first character after the title
    children: list[Section] = field(default_factory=list)
    role: Role | None = None  # set on top-level sections

    def heading(self) -> str:
        return f"{self.number}{self.title}"


@dataclass
class Outline:
    sections: list[Section]  # top level, in source order
    preamble: tuple[int, int]  # span of the text before the first heading
    text_length: int


def parse_sections(text: str) -> Outline:
    raise NotImplementedError


def walk(sections: list[Section]) -> Iterator[Section]:
    """Depth-first, source order."""
    for s in sections:
        yield s
        yield from walk(s.children)
