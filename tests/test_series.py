"""series: indicator series across reports, targets against results, and the batch's cross-report files.

The gold (tests/gold/series/national_targets.csv) was written by reading the national reports; its README
states the rule for met/missed. Synthetic summaries below are built for one rule each.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from summarizer import Summarizer, series, targets
from summarizer.across import TARGET_COLUMNS, bound_of, judge, read_figure, tolerance_of
from summarizer.batch import Batch
from summarizer.indicators import default_table
from summarizer.load import discover
from summarizer.models import Evidence, Metric
from summarizer.numbers import find_numbers, parse_number
from tests.support import report_summary

ROOT = Path(__file__).resolve().parent.parent
NATIONAL = ROOT / "tests" / "data" / "national"
GOLD = ROOT / "tests" / "gold" / "series" / "national_targets.csv"
RELATIVE_GOLD = ROOT / "tests" / "gold" / "series" / "national_relative_targets.csv"
GOLD_INDICATORS = {
    "gdp_growth",
    "cpi",
    "urban_new_jobs",
    "surveyed_unemployment",
    "registered_unemployment",
    "deficit_ratio",
}


def gold_rows() -> list[dict[str, str]]:
    with GOLD.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def number(value: str, unit: str) -> float:
    mention = parse_number(f"{value}{unit}")
    assert mention is not None and mention.scaled is not None, (value, unit)
    return float(mention.scaled)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


# --------------------------------------------------------------------------------------------------
# the gold file
# --------------------------------------------------------------------------------------------------


def test_gold_quotes_are_in_their_documents_and_values_in_their_quotes() -> None:
    rows = gold_rows()
    assert len(rows) >= 60
    for r in rows:
        year = int(r["year"])
        doc = (NATIONAL / f"national_{year}_gov_report.txt").read_text(encoding="utf-8")
        assert r["target_quote"] in doc, r
        written = {float(m.scaled) for m in find_numbers(r["target_quote"]) if m.scaled is not None}
        assert number(r["target_value"], r["unit"]) in written, r
        if r["target_high"]:
            assert number(r["target_high"], r["unit"]) in written, r
        if r["result_quote"]:
            later = (NATIONAL / f"national_{year + 1}_gov_report.txt").read_text(encoding="utf-8")
            assert r["result_quote"] in later, r
            found = {float(m.scaled) for m in find_numbers(r["result_quote"]) if m.scaled is not None}
            assert number(r["result_value"], r["unit"]) in found, r
        assert (r["status"] in ("met", "missed")) == bool(r["result_value"]), r
        assert r["status"] != "no_result_yet" or year == 2025, r


def test_gold_statuses_follow_the_stated_rule() -> None:
    """The labels read by hand agree with TARGET_RULES (README beside the gold file) applied to their figures."""
    table = default_table()
    for r in gold_rows():
        if not r["result_value"]:
            continue
        low = number(r["target_value"], r["unit"])
        high = number(r["target_high"], r["unit"]) if r["target_high"] else None
        direction = table.indicators[r["indicator"]].direction
        bound = bound_of(r["target_approx"], high, direction)
        tol = tolerance_of(r["target_approx"], r["unit"], low)
        assert judge(bound, low, high, tol, number(r["result_value"], r["unit"])) == r["status"], r


# --------------------------------------------------------------------------------------------------
# the offline backend against the gold: the target
# --------------------------------------------------------------------------------------------------


def _annual(row: dict[str, str]) -> int | None:
    start, end = row["period_start"], row["period_end"]
    if start[:4] == end[:4] and start.endswith("-01") and end.endswith("-12"):
        return int(start[:4])
    return None


def compare_with_gold(produced: Sequence[dict[str, str]]) -> list[str]:
    """Every difference between targets.csv rows and the gold, one line each (empty: row for row)."""
    gold = {(r["indicator"], int(r["year"])): r for r in gold_rows()}
    mine: dict[tuple[str, int], list[dict[str, str]]] = {}
    for row in produced:
        y = _annual(row)
        if row["indicator"] in GOLD_INDICATORS and y is not None and 2013 <= y <= 2025:
            mine.setdefault((row["indicator"], y), []).append(row)
    problems = [
        f"missing {k}: gold {gold[k]['target_quote']} -> {gold[k]['status']}" for k in sorted(gold.keys() - mine.keys())
    ]
    problems += [f"extra {k}: {[r['target_quote'] for r in mine[k]]}" for k in sorted(mine.keys() - gold.keys())]
    for key in sorted(gold.keys() & mine.keys()):
        g, rows = gold[key], mine[key]
        if len(rows) != 1:
            problems.append(f"{key}: {len(rows)} targets {[r['target'] for r in rows]}")
            continue
        r = rows[0]
        want_low = number(g["target_value"], g["unit"])
        want_high = number(g["target_high"], g["unit"]) if g["target_high"] else None
        got_high = float(r["target_high"]) if r["target_high"] else None
        if abs(float(r["target_low"]) - want_low) > 1e-6 * max(1.0, want_low) or got_high != want_high:
            problems.append(
                f"{key}: target {r['target']} ({r['target_low']}–{r['target_high']}), gold {g['target_quote']}"
            )
        want_result = number(g["result_value"], g["unit"]) if g["result_value"] else None
        got_result = float(r["result_number"]) if r["result_number"] else None
        if (want_result is None) != (got_result is None) or (
            want_result is not None
            and got_result is not None
            and abs(got_result - want_result) > 1e-6 * max(1.0, want_result)
        ):
            problems.append(
                f"{key}: result {r['result'] or '-'} ({r['result_quote']}), gold {g['result_quote'] or '-'}"
            )
        if r["status"] != g["status"]:
            problems.append(f"{key}: status {r['status']}, gold {g['status']}")
    return problems


def test_offline_targets_csv_matches_the_gold_row_for_row(national_out: Path) -> None:
    produced = read_csv(national_out / "targets.csv")
    assert tuple(read_csv(national_out / "targets.csv")[0].keys()) == TARGET_COLUMNS
    problems = compare_with_gold(produced)
    assert problems == [], "targets.csv differs from tests/gold/series/national_targets.csv:\n" + "\n".join(problems)


def test_compare_with_gold_reports_each_difference() -> None:
    # The comparison itself: a dropped row, a wrong status and an extra target are each reported.
    rows = [
        {
            "indicator": g["indicator"],
            "period_start": f"{g['year']}-01",
            "period_end": f"{g['year']}-12",
            "target": g["target_quote"],
            "target_quote": g["target_quote"],
            "target_low": str(number(g["target_value"], g["unit"])),
            "target_high": str(number(g["target_high"], g["unit"])) if g["target_high"] else "",
            "result": g["result_value"],
            "result_quote": g["result_quote"],
            "result_number": str(number(g["result_value"], g["unit"])) if g["result_value"] else "",
            "status": g["status"],
        }
        for g in gold_rows()
    ]
    assert compare_with_gold(rows) == []
    rows[0] = {**rows[0], "status": "missed"}
    extra = {**rows[1], "period_start": "2020-01", "period_end": "2020-12"}  # 2020 set no GDP target
    problems = compare_with_gold([*rows[:-1], extra])
    assert sum("status missed, gold met" in p for p in problems) == 1
    assert sum(p.startswith("missing ('deficit_ratio', 2025)") for p in problems) == 1
    assert sum(p.startswith("extra ('gdp_growth', 2020)") for p in problems) == 1
    assert len(problems) == 3


def test_offline_relative_targets_match_their_gold(national_out: Path) -> None:
    with RELATIVE_GOLD.open(encoding="utf-8") as fh:
        gold = {int(r["year"]): r for r in csv.DictReader(fh)}
    for r in gold.values():
        doc = (NATIONAL / f"national_{r['year']}_gov_report.txt").read_text(encoding="utf-8")
        assert r["target_quote"] in doc
    produced = {
        _annual(r): r for r in read_csv(national_out / "targets.csv") if r["bound"] == "relative" and _annual(r)
    }
    assert produced.keys() == gold.keys()
    for year, g in gold.items():
        r = produced[year]
        got = (r["target_quote"], r["target_low"], r["result_number"], r["status"])
        want = (g["target_quote"], g["reference_value"], g["result_value"], g["status"])
        assert got == want, year


# --------------------------------------------------------------------------------------------------
# the batch's files
# --------------------------------------------------------------------------------------------------


def test_metrics_csv_has_the_indicator_and_both_periods(national_out: Path) -> None:
    rows = read_csv(national_out / "metrics.csv")
    growth = [r for r in rows if r["indicator"] == "gdp_growth" and r["kind"] == "result" and r["period"] == "2012年"]
    assert growth and all(r["report_period"] == "2013年" for r in growth)
    assert {r["indicator"] for r in rows} >= GOLD_INDICATORS | {""}


def test_series_csv_rows_are_normalised_and_point_at_their_evidence(national_out: Path) -> None:
    rows = read_csv(national_out / "series.csv")
    jobs = {r["period"]: r for r in rows if r["indicator"] == "urban_new_jobs" and r["kind"] == "result"}
    assert jobs["2012年"]["number"] == "12660000" and jobs["2012年"]["unit"] == "人"
    assert jobs["2012年"]["value"] == "1266万人" and "1266万人" in jobs["2012年"]["quote"]
    grain = [r for r in rows if r["indicator"] == "grain_output" and r["period"] == "2022年" and r["kind"] == "result"]
    assert [g["number"] for g in grain] == ["685000000"] and grain[0]["unit"] == "吨"  # 1.37万亿斤
    range_target = [
        r for r in rows if r["indicator"] == "gdp_growth" and r["period"] == "2016年" and r["kind"] == "target"
    ]
    assert len(range_target) == 1  # the two ends of 6.5%－7% are one target
    assert (range_target[0]["number"], range_target[0]["high"]) == ("6.5", "7")
    # one row per organization, indicator, period, kind and value
    keys = [
        (r["organization"], r["indicator"], r["period_start"], r["period_end"], r["kind"], r["number"]) for r in rows
    ]
    assert len(keys) == len(set(keys))
    summaries = {r["document"]: r for r in rows}
    for doc in summaries:
        data = json.loads((national_out / (Path(doc).stem + ".json")).read_text(encoding="utf-8"))
        ids = {m["id"]: m for m in data["metrics"]}
        for r in (x for x in rows if x["document"] == doc):
            assert ids[r["metric"]]["evidence"]["quote"] == r["quote"]
            assert ids[r["metric"]]["indicator"] == r["indicator"]


def test_the_batch_writes_the_cross_report_files_without_html_and_with_failures(tmp_path: Path) -> None:
    corpus = tmp_path / "in"
    corpus.mkdir()
    for year in (2022, 2023):
        name = f"national_{year}_gov_report.txt"
        (corpus / name).write_text((NATIONAL / name).read_text(encoding="utf-8"), encoding="utf-8")
    (corpus / "empty.txt").write_text("", encoding="utf-8")
    out = tmp_path / "out"
    with Summarizer(backend="offline", cache_dir=tmp_path / "cache") as s:
        statuses = Batch(s, discover(corpus), out, root=corpus).run()
    assert sorted(st.status for st in statuses) == ["failed", "ok", "ok"]
    rows = read_csv(out / "targets.csv")
    gdp = [r for r in rows if r["indicator"] == "gdp_growth" and r["period"] == "2022年"]
    assert [(r["target"], r["result"], r["status"]) for r in gdp] == [("5.5%左右", "3%", "missed")]
    later = [r for r in rows if r["indicator"] == "gdp_growth" and r["period"] == "2023年"]
    assert [r["status"] for r in later] == ["no_result_yet"]
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "empty.txt" in page and "#row-m" not in page  # no per-report HTML: points carry no link


# --------------------------------------------------------------------------------------------------
# the Python API and the rules, on summaries built for one rule each
# --------------------------------------------------------------------------------------------------


def gdp(kind: str, year: int, value: str, quote: str, approx: str | None = None) -> dict[str, Any]:
    return {
        "indicator": "gdp_growth",
        "kind": kind,
        "year": year,
        "value": value,
        "unit": "%",
        "quote": quote,
        "approx": approx,
    }


def test_targets_pair_with_the_earliest_later_report_of_the_same_organization() -> None:
    r20 = report_summary("2020.txt", 2020, [gdp("target", 2020, "6", "地区生产总值增长6%左右", "左右")])
    r21 = report_summary(
        "2021.txt",
        2021,
        [gdp("result", 2020, "5.6", "地区生产总值增长5.6%"), gdp("target", 2021, "7", "增长7%以上", "以上")],
    )
    r22 = report_summary(
        "2022.txt",
        2022,
        [gdp("result", 2020, "5.4", "2020年地区生产总值增长5.4%"), gdp("result", 2021, "6.8", "增长6.8%")],
    )
    other = report_summary("other.txt", 2021, [gdp("result", 2020, "4", "增长4%")], organization="另一个县人民政府")
    rows = targets([r22, other, r20, r21])  # any order
    assert {(t.period, t.target, t.result, t.status, t.result_document) for t in rows} == {
        ("2020年", "6%左右", "5.6%", "met", "2021.txt"),  # 左右: 0.4 short of 6% is within 0.5 point
        ("2021年", "7%以上", "6.8%", "missed", "2022.txt"),
    }
    # the 2022 report revises 2020's growth: both rows in the series, marked; the other county stays apart
    revised = [r for r in series([r20, r21, r22, other]) if r.period == "2020年" and r.kind == "result"]
    assert [(r.value, r.document, r.revised) for r in revised] == [
        ("4%", "other.txt", False),
        ("5.6%", "2021.txt", True),
        ("5.4%", "2022.txt", True),
    ]


def test_a_result_from_the_same_report_or_an_unverified_figure_never_pairs() -> None:
    r20 = report_summary(
        "2020.txt",
        2020,
        [
            gdp("target", 2020, "6", "增长6%以上", "以上"),
            {**gdp("result", 2020, "7", "增长7%"), "check": "not_in_source"},
        ],
    )
    r20b = report_summary("2020b.txt", 2020, [gdp("result", 2020, "8", "增长8%")])
    assert [t.status for t in targets([r20, r20b])] == ["no_result_yet"]  # same report period: not later
    r21 = report_summary("2021.txt", 2021, [])
    assert [t.status for t in targets([r20, r21])] == ["no_result"]  # a later report exists, no figure in it


def test_the_first_report_in_report_order_states_a_value_whatever_order_they_are_read_in() -> None:
    # The same figure in three reports of one organization, read in every order: the row is the earliest
    # report's (by report start, then name), the others are listed after it in that order.
    r21 = report_summary(
        "b.txt", 2021, [gdp("result", 2020, "5.6", "2020年增长5.6%"), gdp("result", 2020, "5.6", "增长5.6%")]
    )
    r21_copy = report_summary("a.txt", 2021, [gdp("result", 2020, "5.6", "增长5.6%")])
    r22 = report_summary(
        "c.txt", 2022, [gdp("result", 2020, "5.6", "2020年增长5.6%"), gdp("target", 2022, "6", "增长6%")]
    )
    r20 = report_summary("z.txt", 2020, [gdp("target", 2020, "6", "增长6%以上", "以上")])
    orders = [[r21, r21_copy, r22, r20], [r20, r22, r21_copy, r21], [r22, r21, r20, r21_copy]]
    for order in orders:
        rows = [r for r in series(order) if r.kind == "result"]
        assert [(r.document, r.metric, r.quote, r.extra_documents, r.revised) for r in rows] == [
            ("a.txt", "m1", "增长5.6%", ("b.txt", "c.txt"), False)
        ]
        assert [(t.target_document, t.result_document, t.status) for t in targets(order)] == [
            ("z.txt", "a.txt", "missed"),  # 5.6% against 6%以上
            ("c.txt", "", "no_result_yet"),
        ]


def test_the_cross_report_outputs_drop_each_summary_once_read(tmp_path: Path) -> None:
    # A batch's end step reads its summaries one at a time; holding them (or their metrics) until the page is
    # written made it grow with the batch. Each summary's metrics must be gone when the next one is read.
    import gc
    import weakref

    from summarizer.across import write_across_reports

    alive: list[list[weakref.ref[Metric]]] = []

    def stream() -> Any:
        for year in range(2015, 2025):
            gc.collect()
            # The reader still names the summary it read last (its loop variable), none before it.
            assert all(ref() is None for refs in alive[:-1] for ref in refs), "a summary read before is still held"
            s = report_summary(
                f"{year}.txt", year, [gdp("result", year - 1, "6.1", "增长6.1%"), gdp("target", year, "6", "6%")]
            )
            alive.append([weakref.ref(m) for m in s.metrics])
            yield s
            del s

    written = write_across_reports(tmp_path, stream())
    assert [p.name for p in written] == ["series.csv", "targets.csv", "index.html"]
    assert len(read_csv(tmp_path / "targets.csv")) == 10


def test_series_accepts_results_and_summaries_alike() -> None:
    with Summarizer(backend="offline") as s:
        results = [s.run(NATIONAL / f"national_{y}_gov_report.txt") for y in (2022, 2023)]
    assert series(results) == series([r.summary for r in results])
    assert [t.status for t in targets(results) if t.indicator == "gdp_growth" and t.period == "2022年"] == ["missed"]
    with pytest.raises(TypeError):
        series(["not a summary"])


def test_dataframes_when_pandas_is_installed() -> None:
    pd = pytest.importorskip("pandas", reason="pandas is optional")
    r20 = report_summary("2020.txt", 2020, [gdp("target", 2020, "6", "增长6%以上", "以上")])
    frame = targets([r20], dataframe=True)
    assert isinstance(frame, pd.DataFrame) and list(frame.columns) == list(TARGET_COLUMNS)


@pytest.mark.parametrize(
    ("approx", "high", "direction", "bound"),
    [
        ("以上", None, "down", "floor"),
        ("以内", None, "up", "ceiling"),
        ("低于", None, "up", "ceiling"),
        ("左右", None, "up", "floor"),
        ("左右", None, "down", "ceiling"),
        ("", None, "down", "ceiling"),
        ("", 7.0, "up", "floor"),
        ("", 7.0, None, "range"),
        ("左右", None, None, "about"),
    ],
)
def test_bound_of(approx: str, high: float | None, direction: str | None, bound: str) -> None:
    assert bound_of(approx, high, direction) == bound


@pytest.mark.parametrize(
    ("bound", "low", "high", "approx", "unit", "result", "status"),
    [
        ("floor", 7.5, None, "左右", "%", 7.4, "met"),  # national 2014
        ("floor", 5.5, None, "左右", "%", 3.0, "missed"),  # national 2022
        ("floor", 6.5, 7.0, "", "%", 6.7, "met"),  # a range read from its low end
        ("ceiling", 3.5, None, "左右", "%", 2.6, "met"),
        ("ceiling", 5.5, None, "以内", "%", 5.5, "met"),
        ("ceiling", 5.5, None, "以内", "%", 5.6, "missed"),
        ("ceiling", 3.0, None, "", "%", 3.2, "missed"),
        ("floor", 9e6, None, "以上", "人", 12.66e6, "met"),
        ("floor", 12e6, None, "左右", "人", 11.5e6, "met"),  # within 5% of an amount
        ("floor", 12e6, None, "左右", "人", 11.3e6, "missed"),
        ("range", 6.0, 6.5, "", "%", 6.7, "missed"),
        ("about", 13.0, None, "左右", "%", 13.6, "missed"),
        ("about", 13.0, None, "左右", "%", 13.4, "met"),
    ],
)
def test_judge(bound: str, low: float, high: float | None, approx: str, unit: str, result: float, status: str) -> None:
    assert judge(bound, low, high, tolerance_of(approx, unit, low), result) == status


def test_read_figure_reads_ranges_and_bound_words() -> None:
    table = default_table()
    quote = "国内生产总值增长6.5%－7%"
    low = Metric(
        id="m1", name="x", value="6.5", number=6.5, unit="%", kind="target", indicator="gdp_growth",
        evidence=Evidence(quote=quote, start=0, end=len(quote), original_start=0, original_end=len(quote)),
    )  # fmt: skip
    high = low.model_copy(update={"value": "7", "number": 7.0})
    a, b = read_figure(low, table, "gdp_growth"), read_figure(high, table, "gdp_growth")
    assert a is not None and b is not None
    assert (a.low, a.high, a.value) == (b.low, b.high, b.value) == (6.5, 7.0, "6.5%－7%")
    quote = "城镇登记失业率低于4.6%"
    below = low.model_copy(
        update={
            "value": "4.6",
            "number": 4.6,
            "evidence": Evidence(quote=quote, start=0, end=9, original_start=0, original_end=9),
        }
    )
    c = read_figure(below, table, "registered_unemployment")
    assert c is not None and (c.approx, c.value, c.high) == ("低于", "低于4.6%", None)
