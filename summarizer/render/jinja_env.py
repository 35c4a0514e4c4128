"""The one Jinja environment the HTML renderers share (the report page and the batch dashboard)."""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader


@cache
def environment() -> Environment:
    """Templates load through the package so they are found from an installed wheel as well; autoescape on:
    every string from a document or a model is escaped."""
    return Environment(
        loader=PackageLoader("summarizer.render", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
