"""render: a ``Result`` -> the text of one output format. One table says which formats exist, their file
suffixes and how each is written; the format modules are imported when used, so a JSON-only batch never
loads the Markdown or HTML templates."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..api import Result


def _json(result: Result) -> str:
    from .json_ import render_json

    return render_json(result.summary)


def _markdown(result: Result) -> str:
    from .markdown import render_markdown

    return render_markdown(result.summary)


def _html(result: Result) -> str:
    from .html import render_html

    analysis = result.analysis
    return render_html(
        result.summary,
        analysis.clean.text,
        analysis.document.text,
        page_starts=analysis.document.pages,
        clean_offsets=analysis.clean.offsets,
    )


@dataclass(frozen=True)
class Format:
    suffix: str
    write: Callable[[Result], str]


FORMATS: dict[str, Format] = {
    "json": Format(".json", _json),
    "md": Format(".md", _markdown),
    "html": Format(".html", _html),
}


def render(result: Result, fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return FORMATS[fmt].write(result)


def suffix(fmt: str) -> str:
    return FORMATS[fmt].suffix
