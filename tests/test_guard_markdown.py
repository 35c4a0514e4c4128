"""Markdown output never carries HTML or links out of a document or a model's answer (issue 17, item 9).

The Markdown is rendered the way a viewer would: markdown-it-py with raw HTML on and, as lenient renderers do, no
link validation; the HTML must hold no element, attribute or link that runs script, and the hostile text must
still read as text. In Chromium (``browser``), every link is clicked and no alert fires.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from support import chrome, needs_browser

from summarizer.models import Evidence, ReportSummary
from summarizer.render.markdown import render_markdown

DATA = Path(__file__).parent / "data"

PAYLOADS = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    "[点此](javascript:alert(3))",
    "<javascript:alert(4)>",
    "![x](javascript:alert(5))",
    '<a href="javascript:alert(6)">链接</a>',
    "<svg onload=alert(7)>",
    "<iframe src=javascript:alert(8)></iframe>",
    "<details open ontoggle=alert(9)>",
    "[ref]\n\n[ref]: javascript:alert(10)",
    "&lt;script&gt;alert(11)&lt;/script&gt;",
    "`<b>` *星* | 竖线 \\ 反斜杠",
)
HOSTILE = " ".join(PAYLOADS)


def hostile_summary() -> ReportSummary:
    s = ReportSummary.model_validate_json((DATA / "sample_summary.json").read_text(encoding="utf-8"))
    s = s.model_copy(deep=True)
    s.title = HOSTILE
    s.organization = PAYLOADS[2]
    s.period = PAYLOADS[1]
    s.overview = "\n".join(PAYLOADS)
    s.model = PAYLOADS[5]
    s.source.name = PAYLOADS[3] + ".txt"
    section = s.sections[0]
    section.heading_path = [PAYLOADS[0], PAYLOADS[4]]
    section.summary = "\n".join(PAYLOADS)
    section.items[0].text = HOSTILE
    for i, m in enumerate(s.metrics[:4]):
        m.name = PAYLOADS[i % len(PAYLOADS)] + "总额"
        m.value = PAYLOADS[(i + 6) % len(PAYLOADS)]
        m.unit = PAYLOADS[1]
        m.approx = PAYLOADS[2]
        m.period = PAYLOADS[3]
    s.highlights = [m.id for m in s.metrics[:4]]
    s.metrics[0].evidence = Evidence(quote=HOSTILE, start=0, end=len(HOSTILE), original_start=0, original_end=10)
    if s.verification.failures:
        s.verification.failures[0].text = HOSTILE
        s.verification.failures[0].reason = HOSTILE
    return s


def to_html(markdown: str) -> str:
    """As a lenient viewer renders it: raw HTML allowed, tables on, every link destination accepted."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    md.validateLink = lambda url: True  # marked, Python-Markdown and many viewers do not validate links
    return md.render(markdown)


@pytest.fixture(scope="module")
def page() -> str:
    return to_html(render_markdown(hostile_summary()))


def test_no_script_element_event_handler_or_script_link(page: str) -> None:
    soup = BeautifulSoup(page, "html.parser")
    ours = {"details", "summary"}  # the metrics table's fold, written by the renderer itself
    tags = {t.name for t in soup.find_all(True)}
    assert not tags & {"script", "img", "svg", "iframe", "a", "object", "embed"}, tags
    assert len(soup.find_all("details")) == 1 and not soup.find("details").attrs  # only our fold, no ontoggle
    for tag in soup.find_all(True):
        assert not [a for a in tag.attrs if a.lower().startswith("on")], tag
        for attr in ("href", "src"):
            assert "javascript:" not in str(tag.get(attr, "")).lower(), tag
    assert tags - ours - {"h1", "h2", "h3", "p", "ul", "li", "strong", "em", "code", "table", "thead", "tbody"} <= {
        "tr", "th", "td", "hr", "br",
    }  # fmt: skip


def test_hostile_text_still_reads_as_text(page: str) -> None:
    text = BeautifulSoup(page, "html.parser").get_text()
    for needle in ("<script>alert(1)</script>", "<img src=x onerror=alert(2)>", "[点此](javascript:alert(3))",
                   "&lt;script&gt;alert(11)", "| 竖线 \\ 反斜杠"):  # fmt: skip
        assert needle in text, needle


def test_plain_reports_are_unchanged() -> None:
    """Escaping touches only the characters that would become markup: a real report reads exactly as before."""
    s = ReportSummary.model_validate_json((DATA / "sample_summary.json").read_text(encoding="utf-8"))
    md = render_markdown(s)
    assert "\\<" not in md and "\\[" not in md
    assert s.overview.strip() in md


@pytest.mark.browser
@needs_browser
def test_rendered_markdown_runs_no_script_in_chromium(page: str, tmp_path: Path) -> None:
    with chrome(tmp_path / "profile") as driver:
        path = tmp_path / "report.html"
        # Every alert() the page could call is counted instead of shown, so none is missed between checks; one in
        # a frame (which has its own alert) would still open a dialog and fail the next command.
        guard = "<script>window.__alerts = 0; window.alert = function () { window.__alerts += 1; };</script>"
        path.write_text(f"<!doctype html><meta charset=utf-8>{guard}{page}", encoding="utf-8")
        driver.get(path.as_uri())
        driver.execute_script("document.querySelectorAll('details').forEach(d => d.open = true)")
        driver.execute_script("document.querySelectorAll('a').forEach(a => a.click())")
        assert driver.execute_script("return window.__alerts") == 0
        assert driver.execute_script("return document.querySelectorAll('script').length") == 1  # the guard
        assert "alert(1)" in driver.find_element("tag name", "body").text
