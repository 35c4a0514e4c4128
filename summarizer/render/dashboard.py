"""render (dashboard): a batch's ``OUT/index.html`` — the documents, then per organization and indicator a
line chart of the results over the periods with the targets as markers, and the targets against the results.

One self-contained file (no external assets, no script; it works from file://). The charts are inline SVG
drawn here: no chart library, so nothing to inline or to load. Each point is a link to its evidence in the
report's own HTML page (``<report>.html#row-m<n>``, the metric's row, whose page then highlights the quote),
when the batch wrote one. Every string taken from a document is escaped by jinja's autoescape.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from summarizer.across import CrossReport, SeriesRow, TargetRow
from summarizer.indicators import IndicatorTable, default_table
from summarizer.render.markdown import percent

from .jinja_env import environment

WIDTH, HEIGHT = 1080, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 20, 18, 30
STATUS_TEXT = {"met": "达成", "missed": "未达成", "no_result": "无结果", "no_result_yet": "尚无结果"}
BOUND_TEXT = {"floor": "下限", "ceiling": "上限", "about": "约数", "range": "区间", "relative": "相对"}
KIND_TEXT = {"result": "实际", "target": "目标"}
DOC_STATUS_TEXT = {"ok": "完成", "skipped": "已完成(跳过)", "failed": "失败"}
# Display scales: the base unit shown as 万人, 亿元… when its figures are large.
_SCALES: dict[str, tuple[tuple[float, str], ...]] = {
    "人": ((1e8, "亿人"), (1e4, "万人")),
    "元": ((1e12, "万亿元"), (1e8, "亿元"), (1e4, "万元")),
    "美元": ((1e12, "万亿美元"), (1e8, "亿美元"), (1e4, "万美元")),
    "吨": ((1e8, "亿吨"), (1e4, "万吨")),
    "家": ((1e4, "万家"),),
}


@dataclass
class DocView:
    name: str
    href: str | None
    status: str
    status_text: str
    reason: str
    organization: str
    period: str
    share: str
    share_level: str
    metrics: str


@dataclass
class PointView:
    x: float
    y: float
    y2: float | None  # a range target's upper end
    href: str | None
    title: str
    kind: str  # result | target
    css: str


@dataclass
class ChartView:
    key: str
    indicator: str
    name: str
    unit: str
    xticks: list[tuple[float, str]]
    yticks: list[tuple[float, str]]
    path: str
    points: list[PointView]
    other_rows: list[SeriesRow]  # figures not on the chart: multi-year spans
    targets: list[TargetView]
    width: int = WIDTH
    height: int = HEIGHT


@dataclass
class TargetView:
    row: TargetRow
    status_text: str
    bound_text: str
    target_href: str | None
    result_href: str | None


@dataclass
class OrgView:
    name: str
    charts: list[ChartView] = field(default_factory=list)


def display_scale(unit: str, largest: float) -> tuple[float, str]:
    for divisor, label in _SCALES.get(unit, ()):
        if abs(largest) >= divisor:
            return divisor, label
    return 1.0, unit


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering [lo, hi] (1, 2, 5 × a power of ten apart)."""
    if hi <= lo:
        hi = lo + (abs(lo) or 1.0)
    raw = (hi - lo) / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    ticks = [round(math.floor(lo / step) * step, 10)]
    while ticks[-1] < hi - 1e-9 and len(ticks) < 20:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def _fmt(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text if text not in ("-0", "") else "0"


def _months(ym: str) -> int:
    return int(ym[:4]) * 12 + int(ym[5:7]) - 1


def _plottable(row: SeriesRow) -> bool:
    """On the time axis: a figure for at most a year (a year, a half, a quarter, some months)."""
    return _months(row.period_end) - _months(row.period_start) < 12


@dataclass(frozen=True)
class _Axes:
    """Where a month and a figure land on the plot: months ``m_lo``..``m_hi`` (exclusive) across, at least a
    year wide; figures divided by ``divisor`` (the display scale) from ``y_lo`` up to ``y_hi``."""

    m_lo: int
    m_hi: int
    y_lo: float
    y_hi: float
    divisor: float

    def x(self, month: float) -> float:
        span = max(self.m_hi - self.m_lo, 12)
        return round(LEFT + (month - self.m_lo) / span * (WIDTH - LEFT - RIGHT), 1)

    def y(self, value: float) -> float:
        return self.tick_y(value / self.divisor)

    def tick_y(self, scaled: float) -> float:
        return round(TOP + (self.y_hi - scaled) / (self.y_hi - self.y_lo) * (HEIGHT - TOP - BOTTOM), 1)


@dataclass
class _Plot:
    """What a chart draws: the axis ticks, the line through the results and a point for every figure."""

    xticks: list[tuple[float, str]] = field(default_factory=list)
    yticks: list[tuple[float, str]] = field(default_factory=list)
    path: str = ""
    points: list[PointView] = field(default_factory=list)


def _axes(on_axis: Sequence[SeriesRow], values: Sequence[float], divisor: float) -> tuple[_Axes, list[float]]:
    """The axes for the plotted rows, and the value ticks (in display units)."""
    scaled = [v / divisor for v in values]
    lo, hi = min(scaled), max(scaled)
    pad = (hi - lo) * 0.08 or abs(hi) * 0.1 or 1.0
    # Figures that are all positive keep zero as the floor of the axis: no negative ticks for a level.
    ticks = nice_ticks(0.0 if lo >= 0 else lo - pad, hi + pad)
    m_lo = min(_months(r.period_start) for r in on_axis)
    m_hi = max(_months(r.period_end) + 1 for r in on_axis)
    return _Axes(m_lo, m_hi, ticks[0], ticks[-1], divisor), ticks


def _year_ticks(axes: _Axes) -> list[tuple[float, str]]:
    """A label in the middle of each year; every other year when there are more than 14."""
    years = range(axes.m_lo // 12, (axes.m_hi - 1) // 12 + 1)
    step = 1 if len(years) <= 14 else 2
    return [(axes.x(y * 12 + 6), str(y)) for y in years if (y - years[0]) % step == 0]


def _point(r: SeriesRow, x: float, axes: _Axes, status: str, links: dict[tuple[str, str], str]) -> PointView:
    """One figure's mark: its tooltip says period, kind, value, target status, quote and document."""
    who = f"{r.period} {KIND_TEXT[r.kind]} {r.value}"
    title = f"{who}{'(' + STATUS_TEXT[status] + ')' if status else ''} — “{r.quote}” · {r.document}"
    css = f"pt-{r.kind}" + (f" st-{status}" if status else "") + (" revised" if r.revised else "")
    return PointView(
        x=x,
        y=axes.y(r.number),
        y2=axes.y(r.high) if r.high is not None else None,
        href=links.get((r.document, r.metric)),
        title=title,
        kind=r.kind,
        css=css,
    )


def _line_path(line: Sequence[tuple[float, float, int, int]]) -> str:
    """SVG path through the results (x, y, first and last month): the line breaks where a period is
    missing, so no reading is drawn across a year no report states."""
    steps = []
    for n, (x, y, begin, _end) in enumerate(line):
        joined = n > 0 and begin == line[n - 1][3] + 1
        steps.append(f"{'L' if joined else 'M'}{x},{y}")
    return " ".join(steps)


def _plot(
    on_axis: Sequence[SeriesRow],
    values: Sequence[float],
    divisor: float,
    status: dict[tuple[str, str], str],
    links: dict[tuple[str, str], str],
) -> _Plot:
    """The drawing of the rows on the time axis: a point for every figure (a target's point carries its
    status, taken from ``status`` by the target's document and metric), and the line through the results."""
    axes, ticks = _axes(on_axis, values, divisor)
    points: list[PointView] = []
    line: list[tuple[float, float, int, int]] = []  # x, y, first and last month
    seen_x: set[float] = set()
    # Targets first, so a result of the same value is drawn on top of its target and stays visible.
    for r in sorted(on_axis, key=lambda r: (r.period_start, r.kind == "result", r.report_start)):
        x = axes.x((_months(r.period_start) + _months(r.period_end) + 1) / 2)
        points.append(_point(r, x, axes, status.get((r.document, r.metric), ""), links))
        if r.kind == "result" and x not in seen_x:  # a revision stays a point off the line
            seen_x.add(x)
            line.append((x, axes.y(r.number), _months(r.period_start), _months(r.period_end)))
    return _Plot(
        xticks=_year_ticks(axes),
        yticks=[(axes.tick_y(t), _fmt(t)) for t in ticks],
        path=_line_path(line),
        points=points,
    )


def _target_view(t: TargetRow, links: dict[tuple[str, str], str]) -> TargetView:
    return TargetView(
        row=t,
        status_text=STATUS_TEXT[t.status],
        bound_text=BOUND_TEXT.get(t.bound, t.bound),
        target_href=links.get((t.target_document, t.target_metric)),
        result_href=links.get((t.result_document, t.result_metric)) if t.result_metric else None,
    )


def _chart(
    key: str,
    rows: Sequence[SeriesRow],
    targets: Sequence[TargetRow],
    table: IndicatorTable,
    links: dict[tuple[str, str], str],
) -> ChartView:
    first = rows[0]
    ind = table.indicators[first.indicator]
    on_axis = [r for r in rows if _plottable(r)]
    values = [v for r in on_axis for v in (r.number, r.high) if v is not None]
    divisor, unit = display_scale(first.unit, max((abs(v) for v in values), default=0.0))
    status = {(t.target_document, t.target_metric): t.status for t in targets}
    plot = _plot(on_axis, values, divisor, status, links) if on_axis else _Plot()
    return ChartView(
        key=key,
        indicator=ind.id,
        name=ind.name,
        unit=unit,
        xticks=plot.xticks,
        yticks=plot.yticks,
        path=plot.path,
        points=plot.points,
        other_rows=[r for r in rows if not _plottable(r)],
        targets=[_target_view(t, links) for t in targets],
    )


def _doc_view(doc: dict[str, Any], summaries: dict[str, Any]) -> DocView:
    html = next((o for o in doc.get("outputs") or [] if o.endswith(".html")), None)
    share = doc.get("grounded_share")
    summary = summaries.get(doc.get("source", ""))
    level = "none" if share is None else "good" if share >= 0.95 else "warn" if share >= 0.8 else "bad"
    return DocView(
        name=summary.source.name if summary is not None else str(doc.get("source", "")),
        href=html,
        status=str(doc.get("status", "")),
        status_text=DOC_STATUS_TEXT.get(str(doc.get("status", "")), str(doc.get("status", ""))),
        reason=str(doc.get("reason") or ""),
        organization=(summary.organization or "") if summary is not None else "",
        period=(summary.period or "") if summary is not None else "",
        share=percent(share) if share is not None else "",
        share_level=level,
        metrics="" if doc.get("metrics") is None else str(doc["metrics"]),
    )


def render_dashboard(
    documents: Sequence[dict[str, Any]],
    summaries: Sequence[Any],
    cross: CrossReport,
    links: dict[tuple[str, str], str],
    table: IndicatorTable | None = None,
) -> str:
    """The page. ``documents``: index.json's entries; ``summaries``: the finished ``ReportSummary``s;
    ``links``: (document name, metric id) -> the href of the metric's evidence in its report's HTML."""
    t = table or default_table()
    by_source = {s.source.path or s.source.name: s for s in summaries}
    by_source |= {s.source.name: s for s in summaries}
    docs = [_doc_view(d, by_source) for d in documents]
    orgs: dict[str, OrgView] = {}
    grouped: dict[tuple[str, str], list[SeriesRow]] = {}
    for r in cross.series:
        grouped.setdefault((r.organization, r.indicator), []).append(r)
    order = {ident: n for n, ident in enumerate(t.indicators)}
    for n, ((org, indicator), rows) in enumerate(sorted(grouped.items(), key=lambda kv: (kv[0][0], order[kv[0][1]]))):
        targets = [x for x in cross.targets if x.organization == org and x.indicator == indicator]
        orgs.setdefault(org, OrgView(org)).charts.append(_chart(f"c{n}", rows, targets, t, links))
    counts = {s: sum(1 for x in cross.targets if x.status == s) for s in STATUS_TEXT}
    template = environment().get_template("dashboard.html.j2")
    return template.render(
        docs=docs,
        orgs=list(orgs.values()),
        counts=counts,
        status_text=STATUS_TEXT,
        kind_text=KIND_TEXT,
        series_count=len(cross.series),
        target_count=len(cross.targets),
    )
