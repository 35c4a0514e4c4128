"""across: across reports, each indicator over periods, and each year's targets against the results.

An annual government work report reviews last year's results and sets this year's targets; a folder of one
government's reports holds both halves of every year. From the finished summaries (each metric carrying its
``indicator``, its own ``period`` and its ``kind``):

* ``series(results)`` -> one ``SeriesRow`` per organization, indicator, period, kind and distinct value, the
  value normalised to the indicator's base unit (万人 -> 人, 万亿斤 -> 吨), with the document and the quote.
  Every report stating a figure counts once, under the first report (in report order) that states it; when
  reports state the same figure differently (a revision), each value keeps its row and all are ``revised``.
* ``targets(results)`` -> one ``TargetRow`` per target: the target set for a period in a report's plans,
  paired with the result for that same period stated in the earliest *later* report of the same
  organization; ``met`` / ``missed``, ``no_result`` (later reports exist, none states the figure) or
  ``no_result_yet`` (no later report). ``TARGET_RULES`` says how a target is read.

Only verified (or unchecked) figures with a number, an indicator and a period enter; baselines never do.
Records are plain dataclasses; ``dataframe=True`` returns a pandas DataFrame when pandas is installed.
"""

from __future__ import annotations

import csv
import json
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote as url_quote

from .indicators import IndicatorTable, default_table, figure_offset
from .models import Metric, RelativeTarget, ReportSummary
from .numbers import find_numbers, parse_number
from .safety import neutralise_cell

TARGET_RULES = """\
How a target is read (targets.csv `bound`, `tolerance`):
* a floor: 以上, 超过, 不低于, 突破, 多, 余 -> met when the result >= the target;
* a ceiling: 以内, 以下, 低于, 不超过, 不高于 -> met when the result <= the target;
* otherwise (左右, 约, 近, a bare figure, a range) the indicator's direction decides (indicators.json): an
  indicator where more is better (growth, jobs) reads it as a floor (a range: its low end), one where less is
  better (prices, unemployment, deficit) as a ceiling (a range: its high end), one without a direction as
  the value itself (a range: inside it);
* 左右 (and 约, 上下) allows a miss of 0.5 percentage point for a rate, 5% of the target for an amount, on
  the side that counts (7.5%左右 against 7.4%: met; 5.5%左右 against 3%: missed);
* a target stated against another indicator (居民收入增长与经济增长同步) is met when the result is at least
  the other indicator's result that year (基本同步: minus 0.5 percentage point).
"""

_FLOOR_WORDS = ("以上", "超过", "不低于", "突破", "多", "余", "逾", "之多")
_CEILING_WORDS = ("以内", "以下", "低于", "不超过", "不高于", "不到", "不足")
_ABOUT_WORDS = ("左右", "约", "上下", "近", "将近", "接近", "大约")
_BOUND_BEFORE_RE = re.compile(r"(不超过|不高于|不低于|低于|高于|超过)\s*$")
_RANGE_AFTER_RE = re.compile(r"^(%?)\s*[－\-—–~～至到]\s*(\d+(?:\.\d+)?)")
_RANGE_BEFORE_RE = re.compile(r"(\d+(?:\.\d+)?)(%?)\s*[－\-—–~～至到]\s*$")
RATE_TOLERANCE = 0.5  # percentage points, for 左右 on a rate
AMOUNT_TOLERANCE = 0.05  # share of the target, for 左右 on an amount
_PUNCT_RE = re.compile(r"[\s\"'“”‘’《》「」『』【】()（）\[\],，。.、:：;；!！?？·•…—\-–~～]+")


@dataclass(frozen=True)
class SeriesRow:
    """One figure of one indicator for one period, as one report states it."""

    organization: str
    indicator: str
    indicator_name: str
    period: str
    period_start: str
    period_end: str
    kind: str  # result | target
    value: str  # as written, with its approximation word and unit: 7.5%左右, 900万人以上, 6.5%－7%
    number: float  # in the base unit; the low end of a range
    high: float | None  # the high end of a range, in the base unit
    unit: str  # the base unit: %, 人, 元, 吨
    approx: str  # the approximation or bound word as written: 左右, 以上, 低于…
    revised: bool  # reports state this indicator, period and kind with different values
    document: str
    report_period: str
    report_start: str  # the report's first month, YYYY-MM: orders the reports
    metric: str  # the metric's id in the document's summary
    quote: str
    extra_documents: tuple[str, ...] = ()  # later reports stating the same value


@dataclass(frozen=True)
class TargetRow:
    organization: str
    indicator: str
    indicator_name: str
    period: str
    period_start: str
    period_end: str
    target: str  # as written
    target_low: float | None  # a relative target: the other indicator's result it resolves to
    target_high: float | None
    unit: str
    bound: str  # floor | ceiling | about | range | relative
    tolerance: float
    target_document: str
    target_metric: str
    target_quote: str
    result: str  # as written, '' when none
    result_number: float | None
    result_document: str
    result_metric: str
    result_quote: str
    status: str  # met | missed | no_result | no_result_yet


@dataclass(frozen=True)
class _Source:
    name: str
    path: str | None


@dataclass(frozen=True)
class _Report:
    """What the outputs need of one report once its summary is read (its metrics are not kept): its place in
    report order, its organization and names. The dashboard reads ``source``, ``organization`` and ``period``
    as it would a summary's."""

    order: tuple[str, str, int]  # (report start, document name, arrival): report order, ties as read
    key: str  # organization_key
    source: _Source
    organization: str | None
    period: str | None
    period_start: str | None
    html: str | None = None  # the report's page in the batch, for the dashboard's links


def _summary(r: Any) -> ReportSummary:
    summary = getattr(r, "summary", r)
    if not isinstance(summary, ReportSummary):
        raise TypeError(f"expected a Result or a ReportSummary, got {type(r).__name__}")
    return summary


def organization_key(summary: ReportSummary) -> str:
    """The organization a report is grouped under: its organization (punctuation and spacing ignored); a
    report without one is grouped with the other reports of its folder."""
    if summary.organization and summary.organization.strip():
        return _PUNCT_RE.sub("", unicodedata.normalize("NFKC", summary.organization))
    folder = os.path.dirname(summary.source.path or summary.source.name)
    return f"(未识别机构) {folder or '.'}"


@dataclass(frozen=True)
class _Reading:
    value: str
    low: float
    high: float | None
    approx: str


def read_figure(metric: Metric, table: IndicatorTable, indicator: str) -> _Reading | None:
    """The figure as a reader states it: a range when the evidence writes one around it (6.5%－7%), the
    approximation or bound word, both ends in the indicator's base unit."""
    if metric.number is None or metric.value is None:
        return None
    base = table.to_base(indicator, metric.number, metric.unit)
    if base is None:
        return None
    quote = metric.evidence.quote
    at = figure_offset(quote, metric.value, metric.unit)
    mention = parse_number(f"{metric.value}{metric.unit}")
    low, high = base[0], None
    written = f"{metric.value}{metric.unit}"
    if mention is not None and mention.high is not None and mention.scaled:
        high = low * float(mention.high) / float(mention.scaled)
    elif at is not None and metric.unit in ("%", "％"):
        after = _RANGE_AFTER_RE.match(quote[at + len(metric.value) :])
        before = _RANGE_BEFORE_RE.search(quote[:at])
        if after and float(after.group(2)) > low:
            high = float(after.group(2))
            end = at + len(metric.value) + after.end()
            written = quote[at:end] + ("%" if quote[end : end + 1] in ("%", "％") else "")
        elif before and float(before.group(1)) < low:
            high, low = low, float(before.group(1))
            end = at + len(metric.value)
            written = quote[before.start() : end] + ("%" if quote[end : end + 1] in ("%", "％") else "")
    approx = metric.approx or ""
    if at is not None:
        # 低于4.6%: a bound word written before the figure, which numbers.py does not read as an approximation
        if not approx and (m := _BOUND_BEFORE_RE.search(quote[:at])):
            approx = m.group(1)
        mentions = [n for n in find_numbers(quote) if n.start <= at < n.end]
        if high is None and mentions:
            written = mentions[0].text
    if high is None and approx and approx not in written:
        written = approx + written if _BOUND_BEFORE_RE.fullmatch(approx) else written + approx
    return _Reading(written.strip(), low, high, approx)


def _usable(metric: Metric) -> bool:
    return (
        metric.indicator is not None
        and metric.kind in ("result", "target")
        and metric.check in ("verified", "unchecked")
        and not metric.redacted
        and metric.number is not None
        and bool(metric.period_start and metric.period_end)
    )


def series(
    results: Iterable[Any], *, dataframe: bool = False, table: IndicatorTable | None = None
) -> list[SeriesRow] | Any:
    """Every indicator's figures across the reports (see the module doc). ``results``: ``api.Result``s or
    ``ReportSummary``s, in any order."""
    reader = CrossReader(table)
    for r in results:
        reader.add(_summary(r))
    rows = reader.series()
    return to_dataframe(rows) if dataframe else rows


@dataclass(frozen=True)
class _Stated:
    """One usable figure as one report states it: all a series row takes from its report and its metric."""

    report: _Report
    position: int  # the metric's index in its summary (ids are numbered in that order)
    metric: str
    period: str
    quote: str
    reading: _Reading

    @property
    def rank(self) -> tuple[tuple[str, str, int], int]:
        """Report order, then source order within the report: the first statement of a value wins."""
        return (self.report.order, self.position)


@dataclass
class _Value:
    """One distinct value of an indicator, period and kind: its first statement in report order, and the
    reports stating it (report order -> document name). Only these are kept of a batch's summaries."""

    first: _Stated
    reports: dict[tuple[str, str, int], str]


_GroupKey = tuple[str, str, str, str, str]  # organization key, indicator, period start, period end, kind
_ValueKey = tuple[float, float | None]


class CrossReader:
    """Reads finished summaries one at a time and keeps only what the cross-report outputs need: per
    organization, indicator, period and kind, each distinct value's first statement and the reports stating
    it; per organization its name and latest report; each report's names for the dashboard; the relative
    targets. A summary is dropped once read, so a batch's end step does not hold every summary at once (it
    did: ~9 KB per document). The rows come out as if every summary had been read first, in report order."""

    def __init__(self, table: IndicatorTable | None = None) -> None:
        self.table = table or default_table()
        self.reports: list[_Report] = []
        self._groups: dict[_GroupKey, dict[_ValueKey, _Value]] = {}
        self._shown: dict[str, tuple[tuple[str, str, int], str]] = {}  # key -> (order, name) of its first report
        self._latest: dict[str, str] = {}  # key -> the latest report start of the organization
        self._relative: list[tuple[_Report, int, RelativeTarget]] = []

    def add(self, summary: ReportSummary, html: str | None = None) -> _Report:
        """Read one summary (``html``: its page in the batch, for the dashboard's links)."""
        key = organization_key(summary)
        order = (summary.period_start or "", summary.source.name, len(self.reports))
        report = _Report(
            order,
            key,
            _Source(summary.source.name, summary.source.path),
            summary.organization,
            summary.period,
            summary.period_start,
            html,
        )
        self.reports.append(report)
        shown = (order, (summary.organization or "").strip() or key)
        if key not in self._shown or order < self._shown[key][0]:
            self._shown[key] = shown
        if summary.period_start and summary.period_start > self._latest.get(key, ""):
            self._latest[key] = summary.period_start
        for n, m in enumerate(summary.metrics):
            self._add_metric(report, n, m)
        self._relative += [(report, n, rt) for n, rt in enumerate(summary.relative_targets) if self._judged(report, rt)]
        return report

    def _add_metric(self, report: _Report, position: int, m: Metric) -> None:
        if not _usable(m) or m.indicator not in self.table.indicators:
            return
        assert m.indicator is not None and m.period_start and m.period_end
        if m.kind == "target" and report.period_start and m.period_end < report.period_start:
            return  # "去年…回落到2.6%" in the plans part: last year's figure, not a target
        reading = read_figure(m, self.table, m.indicator)
        if reading is None:
            return
        stated = _Stated(report, position, m.id, m.period or "", m.evidence.quote, reading)
        values = self._groups.setdefault((report.key, m.indicator, m.period_start, m.period_end, m.kind), {})
        value_key = (round(reading.low, 6), None if reading.high is None else round(reading.high, 6))
        value = values.get(value_key)
        if value is None:
            values[value_key] = _Value(stated, {report.order: report.source.name})
            return
        if stated.rank < value.first.rank:
            value.first = stated
        value.reports.setdefault(report.order, report.source.name)

    def _judged(self, report: _Report, rt: RelativeTarget) -> bool:
        """A relative target the targets judge: dated, of a known indicator, not before its report began."""
        if not (rt.period_start and rt.period_end and report.period_start) or rt.indicator not in self.table.indicators:
            return False
        return rt.period_end >= report.period_start  # dated before the report began: a misdated statement

    def organization(self, key: str) -> str:
        """An organization as the first report of its group (in report order) writes it."""
        return self._shown[key][1]

    def series(self) -> list[SeriesRow]:
        rows = [
            self._row(group, value, revised)
            for group, values in self._groups.items()
            for value, revised in _values_of(values)
        ]
        order = {ident: n for n, ident in enumerate(self.table.indicators)}
        rows.sort(
            key=lambda r: (
                r.organization,
                order[r.indicator],
                r.period_start,
                r.period_end,
                r.kind,
                r.report_start,
                r.document,
                _position(r.metric),
            )
        )
        return rows

    def links(self) -> dict[tuple[str, str], str]:
        """(document name, metric id) -> the metric's row in its report's page, for every metric a series row
        (and so a target) names: the page's metric rows are keyed by position (render/html.py: ``#row-m<n>``)."""
        links: dict[tuple[str, str], str] = {}
        for values in self._groups.values():
            for v in values.values():
                if v.first.report.html:
                    href = f"{url_quote(v.first.report.html)}#row-m{v.first.position}"
                    links[(v.first.report.source.name, v.first.metric)] = href
        return links

    def cross_report(self) -> CrossReport:
        rows = self.series()
        return CrossReport(rows, self.targets(rows))

    def targets(self, rows: Sequence[SeriesRow]) -> list[TargetRow]:
        """Each target of ``rows`` (this reader's ``series()``) and each relative target, judged."""
        results = _results_by_period(rows)
        latest = {self.organization(key): start for key, start in self._latest.items()}
        out = [
            _target_row(tr, results, latest.get(tr.organization, ""), self.table) for tr in rows if tr.kind == "target"
        ]
        for report, _, rt in sorted(self._relative, key=lambda x: (x[0].order, x[1])):
            org = self.organization(report.key)
            out.append(_relative_row(org, report, rt, results, latest.get(org, ""), self.table))
        order = {ident: n for n, ident in enumerate(self.table.indicators)}
        out.sort(key=lambda t: (t.organization, order[t.indicator], t.period_start, t.period_end, t.target_document))
        return out

    def _row(self, group: _GroupKey, value: _Value, revised: bool) -> SeriesRow:
        key, indicator, start, end, kind = group
        first, report = value.first, value.first.report
        ind = self.table.indicators[indicator]
        others = (name for order, name in sorted(value.reports.items()) if order != report.order)
        return SeriesRow(
            organization=self.organization(key),
            indicator=indicator,
            indicator_name=ind.name,
            period=first.period,
            period_start=start,
            period_end=end,
            kind=kind,
            value=first.reading.value,
            number=first.reading.low,
            high=first.reading.high,
            unit=self.table.families[ind.family].base,
            approx=first.reading.approx,
            revised=revised,
            document=report.source.name,
            report_period=report.period or "",
            report_start=report.period_start or "",
            metric=first.metric,
            quote=first.quote,
            extra_documents=tuple(dict.fromkeys(others)),
        )


def _values_of(values: dict[_ValueKey, _Value]) -> list[tuple[_Value, bool]]:
    """A group's values in report order of their first statements, each with whether the group is revised
    (reports state it with different values)."""
    documents = {name for v in values.values() for name in v.reports.values()}
    revised = len(values) > 1 and len(documents) > 1
    return [(v, revised) for v in sorted(values.values(), key=lambda v: v.first.rank)]


def _position(metric_id: str) -> int:
    """Metric ids are numbered in source order (m1, m2…)."""
    digits = re.sub(r"\D", "", metric_id)
    return int(digits) if digits else 0


# --------------------------------------------------------------------------------------------------
# Targets against results
# --------------------------------------------------------------------------------------------------


def bound_of(approx: str, high: float | None, direction: str | None) -> str:
    if any(w == approx for w in _FLOOR_WORDS):
        return "floor"
    if any(w == approx for w in _CEILING_WORDS):
        return "ceiling"
    if direction == "up":
        return "floor"
    if direction == "down":
        return "ceiling"
    return "range" if high is not None else "about"


def tolerance_of(approx: str, unit: str, target: float) -> float:
    if approx not in _ABOUT_WORDS:
        return 0.0
    return RATE_TOLERANCE if unit == "%" else abs(target) * AMOUNT_TOLERANCE


def judge(bound: str, low: float, high: float | None, tolerance: float, result: float) -> str:
    """met or missed (see ``TARGET_RULES``)."""
    eps = 1e-9
    if bound == "floor":
        ok = result >= low - tolerance - eps
    elif bound == "ceiling":
        ok = result <= (high if high is not None else low) + tolerance + eps
    elif bound == "range":
        ok = low - tolerance - eps <= result <= (high if high is not None else low) + tolerance + eps
    else:
        ok = abs(result - low) <= tolerance + eps
    return "met" if ok else "missed"


def targets(
    results: Iterable[Any], *, dataframe: bool = False, table: IndicatorTable | None = None
) -> list[TargetRow] | Any:
    """Each target paired with its result (see the module doc and ``TARGET_RULES``)."""
    reader = CrossReader(table)
    for r in results:
        reader.add(_summary(r))
    rows = reader.targets(reader.series())
    return to_dataframe(rows) if dataframe else rows


_PeriodKey = tuple[str, str, str, str]  # organization, indicator, period start, period end


def _results_by_period(rows: Sequence[SeriesRow]) -> dict[_PeriodKey, list[SeriesRow]]:
    results: dict[_PeriodKey, list[SeriesRow]] = {}
    for r in rows:
        if r.kind == "result":
            results.setdefault((r.organization, r.indicator, r.period_start, r.period_end), []).append(r)
    return results


def _first_later(results: dict[_PeriodKey, list[SeriesRow]], key: _PeriodKey, after: str) -> SeriesRow | None:
    """The result for ``key`` stated in the earliest report later than ``after``; when that report states the
    figure twice differently, the first it states."""
    later = [r for r in results.get(key, []) if after and r.report_start > after]
    return min(later, key=lambda r: (r.report_start, r.document, _position(r.metric)), default=None)


def _no_result(latest: str, after: str) -> str:
    """A target without its result: ``no_result`` when a later report of the organization exists."""
    return "no_result" if after and latest > after else "no_result_yet"


def _target_row(
    tr: SeriesRow, results: dict[_PeriodKey, list[SeriesRow]], latest: str, table: IndicatorTable
) -> TargetRow:
    """A target (a series row of kind target) against the result the earliest later report states."""
    bound = bound_of(tr.approx, tr.high, table.indicators[tr.indicator].direction)
    tolerance = tolerance_of(tr.approx, tr.unit, tr.number)
    result = _first_later(results, (tr.organization, tr.indicator, tr.period_start, tr.period_end), tr.report_start)
    if result is not None:
        status = judge(bound, tr.number, tr.high, tolerance, result.number)
    else:
        status = _no_result(latest, tr.report_start)
    return TargetRow(
        organization=tr.organization,
        indicator=tr.indicator,
        indicator_name=tr.indicator_name,
        period=tr.period,
        period_start=tr.period_start,
        period_end=tr.period_end,
        target=tr.value,
        target_low=tr.number,
        target_high=tr.high,
        unit=tr.unit,
        bound=bound,
        tolerance=round(tolerance, 6),
        target_document=tr.document,
        target_metric=tr.metric,
        target_quote=tr.quote,
        result=result.value if result else "",
        result_number=result.number if result else None,
        result_document=result.document if result else "",
        result_metric=result.metric if result else "",
        result_quote=result.quote if result else "",
        status=status,
    )


def _relative_row(
    organization: str,
    report: _Report,
    rt: RelativeTarget,
    results: dict[_PeriodKey, list[SeriesRow]],
    latest: str,
    table: IndicatorTable,
) -> TargetRow:
    """A target stated against another indicator (居民收入增长与经济增长基本同步): met when the indicator's result
    is at least the other indicator's result for the same period (基本同步: less 0.5 percentage point), both
    from the earliest later report stating each."""
    assert rt.period_start and rt.period_end and report.period_start  # CrossReader._judged
    start, end, after = rt.period_start, rt.period_end, report.period_start
    result = _first_later(results, (organization, rt.indicator, start, end), after)
    reference = _first_later(results, (organization, rt.reference, start, end), after)
    tolerance = RATE_TOLERANCE if rt.relation.startswith("基本") else 0.0
    if result is not None and reference is not None:
        status = "met" if result.number >= reference.number - tolerance - 1e-9 else "missed"
    else:
        status = _no_result(latest, after)
    ind = table.indicators[rt.indicator]
    return TargetRow(
        organization=organization,
        indicator=rt.indicator,
        indicator_name=ind.name,
        period=rt.period or "",
        period_start=start,
        period_end=end,
        target=rt.evidence.quote,
        target_low=reference.number if reference is not None else None,
        target_high=None,
        unit=table.families[ind.family].base,
        bound="relative",
        tolerance=tolerance,
        target_document=report.source.name,
        target_metric="",
        target_quote=rt.evidence.quote,
        result=result.value if result is not None else "",
        result_number=result.number if result is not None else None,
        result_document=result.document if result is not None else "",
        result_metric=result.metric if result is not None else "",
        result_quote=result.quote if result is not None else "",
        status=status,
    )


# --------------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------------


def to_dataframe(rows: Sequence[Any]) -> Any:
    """The records as a pandas DataFrame (pandas is optional: ImportError names it when missing)."""
    try:
        import pandas as pd
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("dataframe=True needs pandas: pip install pandas") from exc
    return pd.DataFrame([asdict(r) for r in rows])


SERIES_COLUMNS = tuple(f.name for f in fields(SeriesRow))
TARGET_COLUMNS = tuple(f.name for f in fields(TargetRow))


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, tuple):
        return " ".join(value)
    if isinstance(value, float):
        text = format(Decimal(repr(value)), "f")  # 90000000000000, never 9e+13
        return text.rstrip("0").rstrip(".") if "." in text else text
    return "" if value is None else value


def write_csv(path: Path, rows: Sequence[Any], columns: Sequence[str]) -> Path:
    """UTF-8 with BOM (Excel opens it right), written to a temporary name and moved into place."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        for r in rows:
            data = asdict(r)
            # Text cells a spreadsheet would run as a formula are neutralised (safety.neutralise_cell).
            writer.writerow([neutralise_cell(_cell(data[c])) for c in columns])
    os.replace(tmp, path)
    return path


@dataclass
class CrossReport:
    """Everything the batch writes across reports, computed once."""

    series: list[SeriesRow] = field(default_factory=list)
    targets: list[TargetRow] = field(default_factory=list)


def cross_report(summaries: Iterable[ReportSummary], table: IndicatorTable | None = None) -> CrossReport:
    reader = CrossReader(table)
    for s in summaries:
        reader.add(s)
    return reader.cross_report()


def _read_index(out: Path) -> list[dict[str, Any]]:
    try:
        documents = json.loads((out / "index.json").read_text(encoding="utf-8")).get("documents", [])
    except (OSError, ValueError):
        return []
    return documents if isinstance(documents, list) else []


def write_across_reports(
    out: Path, summaries: Iterable[ReportSummary], table: IndicatorTable | None = None
) -> list[Path]:
    """A batch's cross-report outputs: ``OUT/series.csv``, ``OUT/targets.csv`` and ``OUT/index.html`` (next to
    ``OUT/index.json``, whose documents the page lists). Each summary is read into a ``CrossReader`` and
    dropped, so the end of a large batch does not hold its summaries."""
    from .render.dashboard import render_dashboard

    reader = CrossReader(table)
    documents = _read_index(out)
    html_of = {
        str(d.get("source")): next((o for o in d.get("outputs") or [] if o.endswith(".html")), None) for d in documents
    }
    for s in summaries:
        reader.add(s, html_of.get(s.source.path or s.source.name))
    cross = reader.cross_report()
    written = [
        write_csv(out / "series.csv", cross.series, SERIES_COLUMNS),
        write_csv(out / "targets.csv", cross.targets, TARGET_COLUMNS),
    ]
    docs = [{**d, "outputs": [url_quote(o) for o in d.get("outputs") or []]} for d in documents]
    page = render_dashboard(docs, reader.reports, cross, reader.links(), reader.table)
    path = out / "index.html"
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, path)
    written.append(path)
    return written
