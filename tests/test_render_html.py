"""HTML rendering: segmenting/escaping units, the page structure, and a real-browser check.

Fixture: ``tests/data/sample_summary.json`` is a hand-written summary of ``xianning_city_2020h1.txt``
whose evidence offsets were computed by a script from the raw file text. There is no cleaner output
in the fixture, so the raw text stands in for both texts: clean == original and
``start/end == original_start/original_end``. Tests that need the two to differ build a shifted
original below. The ``redacted_in_source`` check on m7 is synthetic (this report has no redactions).
"""

from __future__ import annotations

import html as htmllib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag

from summarizer.models import Evidence, ReportSummary
from summarizer.render.html import Segment, Span, evidence_spans, highlight_html, render_html, segment_text
from tests.support import chrome, needs_browser

DATA = Path(__file__).parent / "data"
TEXT = (DATA / "xianning_city_2020h1.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def sample() -> ReportSummary:
    return ReportSummary.model_validate_json((DATA / "sample_summary.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def page(sample: ReportSummary) -> BeautifulSoup:
    return BeautifulSoup(render_html(sample, TEXT, TEXT), "html.parser")


# --------------------------------------------------------------------------------------------------
# segmenting and escaping
# --------------------------------------------------------------------------------------------------


def test_segments_nested_overlapping_and_identical() -> None:
    # text: 0123456789
    # item  [1,8)   metric [3,5) inside it;  other [6,9) overlaps the item's end;  twin == metric.
    spans = [Span("item", 1, 8), Span("metric", 3, 5, problem=True), Span("other", 6, 9), Span("twin", 3, 5)]
    segs = segment_text(10, spans)
    assert segs == [
        Segment(0, 1),
        Segment(1, 3, ("item",)),
        Segment(3, 5, ("item", "metric", "twin"), problem=False),  # innermost-last is "twin" (not a problem)
        Segment(5, 6, ("item",)),
        Segment(6, 8, ("item", "other")),
        Segment(8, 9, ("other",)),
        Segment(9, 10),
    ]


def test_segments_problem_follows_innermost_span() -> None:
    segs = segment_text(6, [Span("item", 0, 6, problem=True), Span("m", 2, 4)])
    assert [(s.start, s.end, s.problem) for s in segs] == [(0, 2, True), (2, 4, False), (4, 6, True)]


def test_segments_clamp_and_drop_bad_spans_and_force_cuts() -> None:
    segs = segment_text(5, [Span("neg", -3, 2), Span("past", 4, 99), Span("empty", 3, 3), Span("inv", 4, 1)], [1])
    assert segs == [Segment(0, 1, ("neg",)), Segment(1, 2, ("neg",)), Segment(2, 4), Segment(4, 5, ("past",))]
    assert segment_text(0, [Span("x", 0, 1)]) == []


def test_highlight_escapes_every_segment() -> None:
    text = "a<b>\"&'</b>z"
    out = str(highlight_html(text, [Span("k1", 1, 4), Span("k2", 2, 11)], "c", {0: ["s0"], 12: ["end"]}))
    # "<b>" is cut across two marks, "</b>" is whole inside the last one: neither survives as a tag.
    assert "<b>" not in out and "</b>" not in out and "&lt;/b&gt;" in out
    assert out.startswith('<span class="sec-anchor" id="c-s0"></span>a')
    assert out.endswith('z<span class="sec-anchor" id="c-end"></span>')
    soup = BeautifulSoup(out, "html.parser")
    marks = soup.find_all("mark")
    assert [m["id"] for m in marks] == ["c-1", "c-2", "c-3"]
    assert [m["data-ids"] for m in marks] == ["k1", "k1 k2", "k2"]
    assert [m.get_text() for m in marks] == ["<", "b>", "\"&'</b>"]
    assert soup.get_text() == text


# --------------------------------------------------------------------------------------------------
# the fixture itself (so the page tests below test the renderer, not a broken fixture)
# --------------------------------------------------------------------------------------------------


def _evidences(s: ReportSummary) -> list[Evidence]:
    out = [m.evidence for m in s.metrics]
    out += [it.evidence for sec in s.sections for it in sec.items if it.evidence is not None]
    return out


def test_fixture_offsets_match_the_real_text(sample: ReportSummary) -> None:
    for ev in _evidences(sample):
        assert TEXT[ev.start : ev.end] == ev.quote
        assert (ev.original_start, ev.original_end) == (ev.start, ev.end)
    assert TEXT[sample.sections[2].start :].startswith("(二)存在的问题")


# --------------------------------------------------------------------------------------------------
# the page
# --------------------------------------------------------------------------------------------------


def _one(soup: BeautifulSoup, css: str) -> Tag:
    el = soup.select_one(css)
    assert el is not None, css
    return el


def _marked_text(pane: Tag, key: str) -> str:
    return "".join(m.get_text() for m in pane.select(f'mark[data-ids~="{key}"]'))


def test_source_panes_reproduce_text_and_mark_every_evidence(sample: ReportSummary, page: BeautifulSoup) -> None:
    for pane_id in ("text-clean", "text-original"):
        pane = _one(page, f"#{pane_id}")
        assert pane.get_text() == TEXT
        for n, m in enumerate(sample.metrics):
            assert _marked_text(pane, f"m{n}") == m.evidence.quote
        # The item quote on 技术合同 contains both metric quotes, so its marks span all three.
        assert _marked_text(pane, "i1-2") == "完成技术合同认定登记649项,合同成交总额30.13亿元,占全年任务60.26%"
    ids = [m["id"] for m in page.select("mark[id]")]
    assert len(ids) == len(set(ids))


def test_identical_spans_share_one_mark(page: BeautifulSoup) -> None:
    # i3-1 and m10 quote exactly the same words (全年争取…1500万元以上).
    marks = page.select('#text-clean mark[data-ids~="m10"]')
    assert len(marks) == 1 and marks[0]["data-ids"] == "i3-1 m10"


def test_every_item_and_metric_is_a_link(sample: ReportSummary, page: BeautifulSoup) -> None:
    keys = {a["data-ev"] for a in page.select(".summary a.ev-link")}
    assert {f"m{n}" for n in range(len(sample.metrics))} <= keys
    assert {f"i{s}-{i}" for s, sec in enumerate(sample.sections) for i in range(len(sec.items))} <= keys
    for s in range(len(sample.sections)):
        assert page.select_one(f"#c-s{s}") is not None


def test_badges_and_problem_marking(page: BeautifulSoup) -> None:
    def badge(row: str) -> str:
        el = _one(page, f"#row-{row} .badge")
        assert el is not None
        return " ".join(el.get_text().split())

    assert badge("m0") == "✅ verified"
    assert badge("m3") == "⚠️ 原文无此数"
    assert badge("m6") == "⚠️ 原文为涂改(xx)"
    assert badge("m7") == "⚠️ 单位不符"
    assert "problem" in _one(page, "#row-m3")["class"]
    assert "ok" in _one(page, "#row-m0")["class"]
    # The flagged item (14.45%) is a problem even though one of its metrics is verified.
    assert "problem" in _one(page, "#sum-i1-1")["class"]
    assert _one(page, "#sum-i1-1 .flag") is not None
    assert page.select_one("#only-problems") is not None
    # Failures link to what they are about.
    targets = [a["data-ev"] for a in page.select("#failures a.ev-link")]
    assert targets == ["m3", "m6", "m7", "i1-1"]


def test_header_shows_grounded_share(page: BeautifulSoup) -> None:
    assert _one(page, ".score-big").get_text() == "67%"
    assert _one(page, "h1").get_text() == "2020年上半年工作总结及下半年重点工作安排"
    assert _one(page, ".meta-org").get_text() == "咸宁市科技局"


def test_self_contained(sample: ReportSummary) -> None:
    out = render_html(sample, TEXT, TEXT)
    soup = BeautifulSoup(out, "html.parser")
    assert soup.find("link") is None
    assert all(not tag.get("src") for tag in soup.find_all(True))
    assert "http://" not in out and "https://" not in out
    assert out == render_html(sample, TEXT, TEXT)  # deterministic


def test_original_offsets_are_used_for_the_original_pane(sample: ReportSummary) -> None:
    prefix = "来源:某网站 <抓取>\n\n"
    original = prefix + TEXT
    s = sample.model_copy(deep=True)
    for ev in _evidences(s):
        ev.original_start += len(prefix)
        ev.original_end += len(prefix)
    soup = BeautifulSoup(render_html(s, TEXT, original), "html.parser")
    clean_pane, orig_pane = _one(soup, "#text-clean"), _one(soup, "#text-original")
    assert orig_pane.get_text() == original and clean_pane.get_text() == TEXT
    for n, m in enumerate(s.metrics):
        assert _marked_text(orig_pane, f"m{n}") == m.evidence.quote
        assert _marked_text(clean_pane, f"m{n}") == m.evidence.quote
    assert len(evidence_spans(s, original=True)) == len(evidence_spans(s, original=False))


HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>"


def _hostile(sample: ReportSummary) -> tuple[ReportSummary, str]:
    text = f"标题{HOSTILE}\n" + TEXT
    shift = len(text) - len(TEXT)
    s = sample.model_copy(deep=True)
    for ev in _evidences(s):
        for f in ("start", "end", "original_start", "original_end"):
            setattr(ev, f, getattr(ev, f) + shift)
    s.title = HOSTILE
    s.organization = '"><b>org</b>'
    s.overview = HOSTILE
    s.sections[0].heading_path = [HOSTILE]
    s.sections[0].summary = HOSTILE
    s.sections[0].items[0].text = HOSTILE
    s.metrics[0].name = HOSTILE
    s.metrics[0].evidence = Evidence(
        quote=HOSTILE, start=2, end=2 + len(HOSTILE), original_start=2, original_end=2 + len(HOSTILE)
    )
    s.metrics[0].check_reason = '" onmouseover="alert(3)'
    s.verification.failures[0].reason = HOSTILE
    s.source.name = HOSTILE
    return s, text


def test_document_content_is_escaped(sample: ReportSummary) -> None:
    s, text = _hostile(sample)
    out = render_html(s, text, text)
    assert out.count("<script") == 1  # only the page's own script
    assert "<img" not in out and "<b>org" not in out
    assert "onmouseover=" not in out.replace("&#34; onmouseover=&#34;", "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    soup = BeautifulSoup(out, "html.parser")
    assert _one(soup, "#text-clean").get_text() == text
    assert _marked_text(_one(soup, "#text-clean"), "m0") == HOSTILE
    assert _one(soup, "h1").get_text() == HOSTILE


def test_bad_offsets_do_not_crash(sample: ReportSummary) -> None:
    s = sample.model_copy(deep=True)
    s.metrics[0].evidence.start, s.metrics[0].evidence.end = 10**6, 10**6 + 5
    s.metrics[1].evidence.start, s.metrics[1].evidence.end = 50, 40
    soup = BeautifulSoup(render_html(s, TEXT, TEXT), "html.parser")
    assert soup.select('#text-clean mark[data-ids~="m0"]') == []
    assert "no-ev" in _one(soup, "#row-m0 a.ev-link")["class"]
    assert _one(soup, "#text-clean").get_text() == TEXT


def test_template_ships_inside_the_package() -> None:
    from importlib.resources import files

    tpl = files("summarizer.render").joinpath("templates")
    for name in ("report.html.j2", "report.css", "report.js"):
        assert tpl.joinpath(name).is_file()


# --------------------------------------------------------------------------------------------------
# real browser
# --------------------------------------------------------------------------------------------------


IN_PANE_JS = """
const el = arguments[0], pane = document.getElementById('source');
const r = el.getBoundingClientRect(), p = pane.getBoundingClientRect();
const head = pane.querySelector('.source-head').getBoundingClientRect().height;
return r.width > 0 && r.top >= p.top + head - 1 && r.bottom <= p.bottom + 1;
"""


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    with chrome(tmp_path_factory.mktemp("chrome-profile"), window="1440,960") as drv:
        yield drv


@pytest.mark.browser
@needs_browser
def test_browser_click_scrolls_and_highlights(driver: object, sample: ReportSummary, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support.ui import WebDriverWait

    assert isinstance(driver, WebDriver)
    prefix = "(抓取自网页,清洗前)\n" * 3
    s = sample.model_copy(deep=True)
    for ev in _evidences(s):
        ev.original_start += len(prefix)
        ev.original_end += len(prefix)
    report = tmp_path / "report.html"
    report.write_text(render_html(s, TEXT, prefix + TEXT), encoding="utf-8")
    driver.get(report.as_uri())

    def click(css: str) -> None:
        # Centre first: a plain click scrolls the target under the sticky toolbar, which intercepts it.
        el = driver.find_element(By.CSS_SELECTOR, css)
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", el)
        el.click()

    def marks(pane: str, key: str) -> list:
        return driver.find_elements(By.CSS_SELECTOR, f'#{pane} mark[data-ids~="{key}"]')

    def lit_and_visible(pane: str, key: str) -> bool:
        ms = marks(pane, key)
        return (
            bool(ms)
            and all("hl" in (m.get_attribute("class") or "") for m in ms)
            and bool(driver.execute_script(IN_PANE_JS, ms[0]))
        )

    # m10 (1500万元以上) sits near the end of the report: not visible until the pane scrolls.
    assert not driver.execute_script(IN_PANE_JS, marks("text-clean", "m10")[0])
    # Every metric is behind a fold: the table shows once it is opened.
    assert not driver.find_element(By.ID, "row-m10").is_displayed()
    click("#metrics-fold > summary")
    assert driver.find_element(By.ID, "row-m10").is_displayed()
    click("#row-m10 a.ev-link")
    WebDriverWait(driver, 5).until(lambda d: lit_and_visible("text-clean", "m10"))
    assert driver.execute_script("return document.getElementById('source').scrollTop") > 0
    # Only that evidence is lit: i3-1 shares the same mark, nothing else does.
    lit = driver.find_elements(By.CSS_SELECTOR, "#text-clean mark.hl")
    assert {m.get_attribute("data-ids") for m in lit} == {"i3-1 m10"}
    driver.save_screenshot(str(tmp_path / "clean.png"))

    # Toggle to the original text: the active evidence is re-highlighted there, by original offsets.
    driver.find_element(By.ID, "view-original").click()
    assert not driver.find_element(By.ID, "text-clean").is_displayed()
    WebDriverWait(driver, 5).until(lambda d: lit_and_visible("text-original", "m10"))
    # A metric near the top, clicked while in original view (its chip inside the item list).
    click('#sum-i1-1 a.chip[data-ev="m3"]')
    WebDriverWait(driver, 5).until(lambda d: lit_and_visible("text-original", "m3"))
    text = "".join(m.text for m in marks("text-original", "m3"))
    assert text == s.metrics[3].evidence.quote
    assert not any("hl" in (m.get_attribute("class") or "") for m in marks("text-original", "m10"))

    # "Only problems" hides verified rows and keeps failed ones.
    driver.find_element(By.ID, "only-problems").click()
    assert not driver.find_element(By.ID, "row-m0").is_displayed()
    assert driver.find_element(By.ID, "row-m3").is_displayed()
    driver.find_element(By.ID, "only-problems").click()
    driver.find_element(By.ID, "view-clean").click()
    driver.execute_script("window.scrollTo(0, 0)")
    click("#sum-i1-1 a.item-link")
    WebDriverWait(driver, 5).until(lambda d: lit_and_visible("text-clean", "i1-1"))
    shot = tmp_path / "report.png"
    driver.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
    shutil.copyfile(shot, "/tmp/report.png")


@pytest.mark.browser
@needs_browser
def test_browser_does_not_run_document_scripts(driver: object, sample: ReportSummary, tmp_path: Path) -> None:
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver

    assert isinstance(driver, WebDriver)
    s, text = _hostile(sample)
    report = tmp_path / "hostile.html"
    report.write_text(render_html(s, text, text), encoding="utf-8")
    driver.get(report.as_uri())
    driver.execute_script("document.getElementById('metrics-fold').open = true")
    link = driver.find_element(By.CSS_SELECTOR, "#row-m0 a.ev-link")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", link)
    link.click()
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text  # noqa: B018 - accessing it is the check
    assert driver.find_elements(By.CSS_SELECTOR, "#summary img, #source img") == []
    assert htmllib.unescape(driver.find_element(By.TAG_NAME, "h1").text) == HOSTILE
    assert driver.execute_script("return document.querySelectorAll('script').length") == 1


def test_highlights_list_links_to_evidence_and_the_table_is_folded(sample: ReportSummary) -> None:
    s = sample.model_copy(deep=True)
    s.highlights = ["m6", "m3", "nope"]
    page = BeautifulSoup(render_html(s, TEXT, TEXT), "html.parser")
    links = page.select("#highlights a.ev-link")
    # in the summary's order; keys are positions (m5 is the sixth metric), a dangling id is left out
    assert [a["data-ev"] for a in links] == ["m5", "m2"]
    assert "技术合同成交总额" in links[0].get_text() and "30.13亿元" in links[0].get_text()
    fold = page.select_one("details#metrics-fold")
    assert fold is not None and not fold.has_attr("open") and fold.select_one("table#metrics") is not None
    assert page.select_one("#highlights") is not None
    assert BeautifulSoup(render_html(sample, TEXT, TEXT), "html.parser").select_one("#highlights") is None
