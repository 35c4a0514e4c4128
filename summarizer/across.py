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
from .models import Metric, ReportSummary, Usage, Verification
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


@dataclass
class _Doc:
    summary: ReportSummary
    key: str  # what reports are grouped by (organization_key)
    organization: str  # as the first report of the group writes it
    order: tuple[str, str]  # (report start, document name)


def _summaries(results: Iterable[Any]) -> list[ReportSummary]:
    out = []
    for r in results:
        summary = getattr(r, "summary", r)
        if not isinstance(summary, ReportSummary):
            raise TypeError(f"expected a Result or a ReportSummary, got {type(r).__name__}")
        out.append(summary)
    return out


def organization_key(summary: ReportSummary) -> str:
    """The organization a report is grouped under: its organization (punctuation and spacing ignored); a
    report without one is grouped with the other reports of its folder."""
    if summary.organization and summary.organization.strip():
        return _PUNCT_RE.sub("", unicodedata.normalize("NFKC", summary.organization))
    folder = os.path.dirname(summary.source.path or summary.source.name)
    return f"(未识别机构) {folder or '.'}"


def _docs(summaries: Sequence[ReportSummary]) -> list[_Doc]:
    docs = [_Doc(s, organization_key(s), "", (s.period_start or "", s.source.name)) for s in summaries]
    docs.sort(key=lambda d: d.order)
    shown: dict[str, str] = {}
    for d in docs:
        d.organization = shown.setdefault(d.key, (d.summary.organization or "").strip() or d.key)
    return docs


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
    rows = _series(_docs(_summaries(results)), table or default_table())
    return to_dataframe(rows) if dataframe else rows


def _series(docs: Sequence[_Doc], table: IndicatorTable) -> list[SeriesRow]:
    groups: dict[tuple[str, str, str, str, str], dict[tuple[float, float | None], list[tuple[_Doc, Metric, _Reading]]]]
    groups = {}
    for doc in docs:
        s = doc.summary
        for m in s.metrics:
            if not _usable(m) or m.indicator not in table.indicators:
                continue
            assert m.indicator is not None and m.period_start and m.period_end
            if m.kind == "target" and s.period_start and m.period_end < s.period_start:
                continue  # "去年…回落到2.6%" in the plans part: last year's figure, not a target
            reading = read_figure(m, table, m.indicator)
            if reading is None:
                continue
            key = (doc.organization, m.indicator, m.period_start, m.period_end, m.kind)
            value_key = (round(reading.low, 6), None if reading.high is None else round(reading.high, 6))
            groups.setdefault(key, {}).setdefault(value_key, []).append((doc, m, reading))
    rows: list[SeriesRow] = []
    for (org, indicator, start, end, kind), values in groups.items():
        documents = {d.summary.source.name for stated in values.values() for d, _, _ in stated}
        revised = len(values) > 1 and len(documents) > 1
        ind = table.indicators[indicator]
        for stated in values.values():
            doc, m, reading = stated[0]
            s = doc.summary
            others = tuple(dict.fromkeys(d.summary.source.name for d, _, _ in stated[1:] if d is not doc))
            rows.append(
                SeriesRow(
                    organization=org,
                    indicator=indicator,
                    indicator_name=ind.name,
                    period=m.period or "",
                    period_start=start,
                    period_end=end,
                    kind=kind,
                    value=reading.value,
                    number=reading.low,
                    high=reading.high,
                    unit=table.families[ind.family].base,
                    approx=reading.approx,
                    revised=revised,
                    document=s.source.name,
                    report_period=s.period or "",
                    report_start=s.period_start or "",
                    metric=m.id,
                    quote=m.evidence.quote,
                    extra_documents=others,
                )
            )
    order = {ident: n for n, ident in enumerate(table.indicators)}
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
    t = table or default_table()
    docs = _docs(_summaries(results))
    rows = _targets(docs, _series(docs, t), t)
    return to_dataframe(rows) if dataframe else rows


def _targets(docs: Sequence[_Doc], rows: Sequence[SeriesRow], table: IndicatorTable) -> list[TargetRow]:
    results: dict[tuple[str, str, str, str], list[SeriesRow]] = {}
    for r in rows:
        if r.kind == "result":
            results.setdefault((r.organization, r.indicator, r.period_start, r.period_end), []).append(r)
    reports: dict[str, list[str]] = {}
    for d in docs:
        if d.summary.period_start:
            reports.setdefault(d.organization, []).append(d.summary.period_start)
    out: list[TargetRow] = []
    for tr in rows:
        if tr.kind != "target":
            continue
        ind = table.indicators[tr.indicator]
        later = [
            r
            for r in results.get((tr.organization, tr.indicator, tr.period_start, tr.period_end), [])
            if tr.report_start and r.report_start > tr.report_start
        ]
        bound = bound_of(tr.approx, tr.high, ind.direction)
        tolerance = tolerance_of(tr.approx, tr.unit, tr.number)
        if later:
            # The earliest later report; when it states the figure twice differently, the first it states.
            result = min(later, key=lambda r: (r.report_start, r.document, _position(r.metric)))
            status = judge(bound, tr.number, tr.high, tolerance, result.number)
        else:
            result = None
            later_reports = [p for p in reports.get(tr.organization, []) if tr.report_start and p > tr.report_start]
            status = "no_result" if later_reports else "no_result_yet"
        out.append(
            TargetRow(
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
        )
    out.extend(_relative_targets(docs, results, reports, table))
    order = {ident: n for n, ident in enumerate(table.indicators)}
    out.sort(key=lambda t: (t.organization, order[t.indicator], t.period_start, t.period_end, t.target_document))
    return out


def _first_later(
    results: dict[tuple[str, str, str, str], list[SeriesRow]], key: tuple[str, str, str], indicator: str, after: str
) -> SeriesRow | None:
    """The result for (organization, period) of ``indicator`` stated in the earliest report later than ``after``."""
    org, start, end = key
    later = [r for r in results.get((org, indicator, start, end), []) if r.report_start > after]
    return min(later, key=lambda r: (r.report_start, r.document, _position(r.metric)), default=None)


def _relative_targets(
    docs: Sequence[_Doc],
    results: dict[tuple[str, str, str, str], list[SeriesRow]],
    reports: dict[str, list[str]],
    table: IndicatorTable,
) -> list[TargetRow]:
    """Targets stated against another indicator (居民收入增长与经济增长基本同步): met when the indicator's result
    is at least the other indicator's result for the same period (基本同步: less 0.5 percentage point), both
    from the earliest later report stating each."""
    out = []
    for doc in docs:
        s = doc.summary
        for rt in s.relative_targets:
            if not (rt.period_start and rt.period_end and s.period_start) or rt.indicator not in table.indicators:
                continue
            if rt.period_end < s.period_start:
                continue  # dated before the report began: a misdated statement, not a target

            key = (doc.organization, rt.period_start, rt.period_end)
            result = _first_later(results, key, rt.indicator, s.period_start)
            reference = _first_later(results, key, rt.reference, s.period_start)
            tolerance = RATE_TOLERANCE if rt.relation.startswith("基本") else 0.0
            if result is not None and reference is not None:
                status = "met" if result.number >= reference.number - tolerance - 1e-9 else "missed"
            else:
                later_reports = [p for p in reports.get(doc.organization, []) if p > s.period_start]
                status = "no_result" if later_reports else "no_result_yet"
            ind = table.indicators[rt.indicator]
            out.append(
                TargetRow(
                    organization=doc.organization,
                    indicator=rt.indicator,
                    indicator_name=ind.name,
                    period=rt.period or "",
                    period_start=rt.period_start,
                    period_end=rt.period_end,
                    target=rt.evidence.quote,
                    target_low=reference.number if reference is not None else None,
                    target_high=None,
                    unit=table.families[ind.family].base,
                    bound="relative",
                    tolerance=tolerance,
                    target_document=s.source.name,
                    target_metric="",
                    target_quote=rt.evidence.quote,
                    result=result.value if result is not None else "",
                    result_number=result.number if result is not None else None,
                    result_document=result.document if result is not None else "",
                    result_metric=result.metric if result is not None else "",
                    result_quote=result.quote if result is not None else "",
                    status=status,
                )
            )
    return out


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
    t = table or default_table()
    docs = _docs(list(summaries))
    rows = _series(docs, t)
    return CrossReport(rows, _targets(docs, rows, t))


def write_across_reports(
    out: Path, summaries: Iterable[ReportSummary], table: IndicatorTable | None = None
) -> list[Path]:
    """A batch's cross-report outputs: ``OUT/series.csv``, ``OUT/targets.csv`` and ``OUT/index.html`` (next to
    ``OUT/index.json``, whose documents the page lists). Only the metrics with an indicator are kept while
    reading the summaries, so a large batch stays small in memory."""
    from .render.dashboard import render_dashboard

    t = table or default_table()
    try:
        documents = json.loads((out / "index.json").read_text(encoding="utf-8")).get("documents", [])
    except (OSError, ValueError):
        documents = []
    html_of = {
        str(d.get("source")): next((o for o in d.get("outputs") or [] if o.endswith(".html")), None) for d in documents
    }
    slim: list[ReportSummary] = []
    links: dict[tuple[str, str], str] = {}
    for s in summaries:
        html = html_of.get(s.source.path or s.source.name)
        kept = []
        for n, m in enumerate(s.metrics):
            if m.indicator is None:
                continue
            kept.append(m)
            if html:
                # The report page's metric rows are keyed by position (render/html.py): #row-m<n>.
                links[(s.source.name, m.id)] = f"{url_quote(html)}#row-m{n}"
        # Only what the series, the targets and the page read: a batch's summaries are held here all at once.
        slim.append(
            s.model_copy(
                update={
                    "metrics": kept,
                    "sections": [],
                    "overview": "",
                    "highlights": [],
                    "verification": Verification(),
                    "usage": Usage(),
                }
            )
        )
    cross = cross_report(slim, t)
    written = [
        write_csv(out / "series.csv", cross.series, SERIES_COLUMNS),
        write_csv(out / "targets.csv", cross.targets, TARGET_COLUMNS),
    ]
    docs = [{**d, "outputs": [url_quote(o) for o in d.get("outputs") or []]} for d in documents]
    page = render_dashboard(docs, slim, cross, links, t)
    path = out / "index.html"
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, path)
    written.append(path)
    return written
