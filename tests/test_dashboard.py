"""The batch's OUT/index.html: the documents, a chart per organization and indicator, targets against results.

Static checks on the page the offline backend's batch over tests/data/national writes, escaping with hostile
document strings, and a real-browser check (Debian chromium + chromedriver, like test_render_html.py):
the charts render, every point's link reaches an existing anchor, nothing external loads.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup

from summarizer.across import cross_report
from summarizer.load import discover
from summarizer.models import ReportSummary
from summarizer.render.dashboard import display_scale, nice_ticks, render_dashboard
from tests.support import chrome, needs_browser, report_summary

ROOT = Path(__file__).resolve().parent.parent
NATIONAL = ROOT / "tests" / "data" / "national"


@pytest.fixture(scope="module")
def page(national_out: Path) -> BeautifulSoup:
    return BeautifulSoup((national_out / "index.html").read_text(encoding="utf-8"), "html.parser")


def test_the_page_lists_every_document_with_its_status_period_and_share(
    national_out: Path, page: BeautifulSoup
) -> None:
    rows = page.select("#documents tbody tr")
    assert len(rows) == len(discover(NATIONAL))
    by_name = {r.select_one("td").get_text(strip=True): r for r in rows}
    row = by_name[str(NATIONAL / "national_2020_gov_report.txt")]
    cells = [td.get_text(strip=True) for td in row.select("td")]
    assert cells[1:5] == ["国务院", "2020年", "完成", "100%"]
    link = row.select_one("a.doc-link")
    assert link is not None and (national_out / unquote(str(link["href"]))).is_file()


def test_a_chart_per_indicator_with_results_and_targets(page: BeautifulSoup) -> None:
    chart = page.select_one('article.chart[data-indicator="gdp_growth"]')
    assert chart is not None
    results = chart.select("svg a.pt-result")
    targets = chart.select("svg a.pt-target")
    assert len(results) >= 13 and len(targets) >= 12  # 2012–2024 results; a target a year but 2020
    assert chart.select_one("svg path.line") is not None
    missed = [a.select_one("title").get_text() for a in chart.select("svg a.pt-target.st-missed")]
    assert len(missed) == 1 and missed[0].startswith("2022年 目标 5.5%左右")
    statuses = [td.get_text(strip=True) for td in chart.select("table.targets td:nth-of-type(4)")]
    assert statuses.count("未达成") == 1 and statuses.count("尚无结果") == 1
    assert "万亿元" in page.select_one('article.chart[data-indicator="gdp"] h3').get_text()


def test_every_point_links_to_an_existing_anchor(national_out: Path, page: BeautifulSoup) -> None:
    hrefs = [str(a["href"]) for a in page.select("svg a.pt")]
    assert len(hrefs) > 100
    pages: dict[str, BeautifulSoup] = {}
    for href in hrefs:
        path, _, anchor = href.partition("#")
        assert anchor.startswith("row-m"), href
        if path not in pages:
            pages[path] = BeautifulSoup((national_out / unquote(path)).read_text(encoding="utf-8"), "html.parser")
        row = pages[path].find(id=anchor)
        assert row is not None, href
        assert row.select_one(".ev-link")["data-ev"] == anchor.removeprefix("row-")


def test_the_page_is_self_contained(national_out: Path, page: BeautifulSoup) -> None:
    text = (national_out / "index.html").read_text(encoding="utf-8")
    assert page.find("link") is None and page.find("script") is None
    assert all(not tag.get("src") for tag in page.find_all(True))
    assert "http://" not in text and "https://" not in text


HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>"


def _hostile_summary(name: str, year: int, kind: str, metric_year: int, value: str) -> ReportSummary:
    quote = f"{HOSTILE}国内生产总值增长{value}%"
    metric = {"name": HOSTILE, "indicator": "gdp_growth", "kind": kind, "year": metric_year, "value": value}
    return report_summary(name, year, [{**metric, "unit": "%", "quote": quote}], organization=HOSTILE)


def hostile_page() -> str:
    name = f"{HOSTILE}.txt"
    summaries = [
        _hostile_summary(name, 2020, "target", 2020, "6"),
        _hostile_summary("b.txt", 2021, "result", 2020, "5"),
    ]
    documents = [
        {"source": f"/in/{name}", "status": "ok", "outputs": [f"{HOSTILE}.html"], "grounded_share": 1.0, "metrics": 1},
        {"source": "/in/bad.txt", "status": "failed", "reason": HOSTILE, "outputs": []},
    ]
    links = {(name, "m1"): f'{HOSTILE}.html#row-m0" onmouseover="alert(3)'}
    return render_dashboard(documents, summaries, cross_report(summaries), links)


def test_document_strings_are_escaped() -> None:
    html = hostile_page()
    assert "<script" not in html and "<img" not in html
    assert "onmouseover=" not in html.replace("&#34; onmouseover=&#34;", "")
    soup = BeautifulSoup(html, "html.parser")
    assert HOSTILE in soup.select_one(".org-name").get_text()
    assert HOSTILE in soup.select_one("svg a.pt title").get_text()
    assert soup.select_one("#documents td").get_text(strip=True) == f"{HOSTILE}.txt"


def test_scales_and_ticks() -> None:
    assert display_scale("元", 1.349e14) == (1e12, "万亿元")
    assert display_scale("人", 1.3e7) == (1e4, "万人")
    assert display_scale("%", 8.1) == (1.0, "%")
    assert nice_ticks(0, 8.6) == [0, 2.5, 5, 7.5, 10]
    ticks = nice_ticks(-2.3, 8.6)
    assert ticks[0] <= -2.3 and ticks[-1] >= 8.6


# --------------------------------------------------------------------------------------------------
# real browser
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    with chrome(tmp_path_factory.mktemp("chrome-profile"), window="1300,1000") as drv:
        yield drv


CHARTS_JS = """
return Array.from(document.querySelectorAll('svg.plot')).map(svg => {
  const r = svg.getBoundingClientRect();
  const line = svg.querySelector('path.line');
  const dots = Array.from(svg.querySelectorAll('.pt .dot')).map(d => d.getBBox());
  return {indicator: svg.closest('article').dataset.indicator, w: r.width, h: r.height,
          line: line ? line.getTotalLength() : 0,
          dots: dots.length, visible: dots.filter(b => b.width > 0 && b.height > 0).length,
          inside: dots.filter(b => b.x >= 0 && b.y >= 0 && b.x + b.width <= svg.viewBox.baseVal.width + 8
                                   && b.y + b.height <= svg.viewBox.baseVal.height + 8).length};
});
"""
LINKS_JS = """
return Array.from(document.querySelectorAll('svg a.pt'))
  .map(a => new URL(a.getAttribute('href'), document.baseURI).href);
"""
RESOURCES_JS = "return performance.getEntriesByType('resource').map(e => e.name);"


@pytest.mark.browser
@needs_browser
def test_browser_charts_render_and_every_point_reaches_its_evidence(driver: object, national_out: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support.ui import WebDriverWait

    assert isinstance(driver, WebDriver)
    driver.get((national_out / "index.html").as_uri())
    charts = driver.execute_script(CHARTS_JS)
    assert len(charts) >= 20
    for c in charts:
        assert c["w"] > 300 and c["h"] > 50 and c["dots"] == c["visible"] == c["inside"] > 0, c
    lines = {c["indicator"] for c in charts if c["line"] > 0}
    assert lines >= {"gdp", "gdp_growth", "cpi", "urban_new_jobs", "surveyed_unemployment"}
    assert [r for r in driver.execute_script(RESOURCES_JS) if not r.startswith(("file:", "data:"))] == []
    links = driver.execute_script(LINKS_JS)
    assert len(links) > 100
    by_page: dict[str, set[str]] = {}
    for link in links:
        parts = urlsplit(link)
        assert parts.scheme == "file", link
        by_page.setdefault(link.split("#")[0], set()).add(parts.fragment)
    for url, anchors in by_page.items():
        driver.get(url)
        missing = [a for a in anchors if not driver.execute_script("return !!document.getElementById(arguments[0])", a)]
        assert missing == [], (url, missing)

    # A real click on a point: the report opens at the metric and highlights its evidence.
    driver.get((national_out / "index.html").as_uri())
    point = driver.find_element(By.CSS_SELECTOR, 'article.chart[data-indicator="gdp_growth"] svg a.pt-result')
    href = point.get_dom_attribute("href") or ""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", point)
    point.click()
    WebDriverWait(driver, 5).until(lambda d: "#row-m" in d.current_url)
    key = driver.current_url.split("#row-")[1]
    assert key and href.endswith(key)
    WebDriverWait(driver, 5).until(
        lambda d: d.execute_script("return document.querySelectorAll('#text-clean mark.hl').length") > 0
    )
    marked = driver.execute_script(
        "return Array.from(document.querySelectorAll('#text-clean mark.hl')).map(m => m.textContent).join('')"
    )
    assert "增长" in marked
    assert [r for r in driver.execute_script(RESOURCES_JS) if not r.startswith(("file:", "data:"))] == []


@pytest.mark.browser
@needs_browser
def test_browser_hostile_strings_stay_text(driver: object, tmp_path: Path) -> None:
    from selenium.webdriver.remote.webdriver import WebDriver

    assert isinstance(driver, WebDriver)
    path = tmp_path / "index.html"
    path.write_text(hostile_page(), encoding="utf-8")
    driver.get(path.as_uri())
    assert driver.execute_script("return document.querySelectorAll('script, img').length") == 0
    assert HOSTILE in driver.execute_script("return document.querySelector('.org-name').textContent")
