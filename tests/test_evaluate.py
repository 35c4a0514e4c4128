"""evaluate + gold: the matching rules of `summarize eval`, one case per rule, on sentences from the corpus.

Expected outcomes come from reading the sentences; no expectation is taken from running the tool.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from summarizer.evaluate import (
    evaluate_document,
    figures,
    gate,
    junk_reason,
    match_facts,
    misbound_faults,
    name_denotes,
    normalise_period,
    read_figure,
    same_figure,
    value_faults,
)
from summarizer.gold import GoldError, GoldFact, load_gold
from summarizer.models import Evidence, Metric, ReportSummary, SectionSummary, SourceInfo
from summarizer.numbers import find_numbers
from tests.support import run_cli

# hailar_2012_gov_report.txt and national reports, verbatim sentences.
TEXT = (
    "全区实现地区生产总值235.2亿元，同比增长18.5%。城乡常住居民人均可支配收入分别完成37820元、28104元。"
    "农村常住居民人均可支配收入完成22250元，比2010年增加10525元。共推荐申报xx家企业，其中新认定x家，"
    "投入资金xxx万元。包保的小区未出现一例确诊病例。今年发展的主要预期目标是：国内生产总值增长7.5%左右。"
)


def fact(**kw: Any) -> GoldFact:
    base: dict[str, Any] = {"unit": "", "period": "2012年", "kind": "result"}
    return GoldFact.model_validate({**base, **kw})


def ev(quote: str) -> Evidence:
    at = TEXT.index(quote)
    return Evidence(quote=quote, start=at, end=at + len(quote), original_start=at, original_end=at + len(quote))


def metric(mid: str, name: str, value: str | None, unit: str, quote: str, **kw: Any) -> Metric:
    data: dict[str, Any] = {
        "id": mid,
        "name": name,
        "value": value,
        "number": None,
        "unit": unit,
        "kind": "result",
        "redacted": value is None,
        "period": "2012年",
        "evidence": ev(quote),
    }
    return Metric.model_validate({**data, **kw})


def summary(metrics: list[Metric], **kw: Any) -> ReportSummary:
    source = SourceInfo.model_validate(
        {"path": None, "name": "t", "sha256": "0" * 64, "format": "text", "encoding": "utf_8", "raw_chars": 1,
         "clean_chars": 1, "script": "simplified"}
    )  # fmt: skip
    return ReportSummary(source=source, metrics=metrics, backend="offline", prompt_version="v3", **kw)


# -- names --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "indicator", "names", "ok"),
    [
        ("地区生产总值", "地区生产总值", [], True),
        ("全区地区生产总值", "地区生产总值", [], True),  # scope word
        ("地区生产总值完成", "地区生产总值", [], True),  # trailing verb
        ("地区生产总值同比增长", "地区生产总值增速", [], True),  # growth written another way
        ("地区生产总值增速", "地区生产总值增速", [], True),
        ("地区生产总值", "地区生产总值增速", [], False),  # a growth rate named only for what grew
        ("GDP增长", "国内生产总值增速", ["GDP增长"], True),  # a gold alias, case-insensitively
        ("gdp增长", "国内生产总值增速", ["GDP增速"], True),
        ("对", "地区生产总值", [], False),
        ("18.5%", "地区生产总值增速", [], False),
        ("城镇常住居民人均可支配收入", "农村常住居民人均可支配收入", [], False),
        ("居民消费价格上涨", "居民消费价格涨幅", [], True),
        ("企业线上培训活动场次", "企业线上培训场次", [], True),  # a word more, same head
        ("一季度高新技术产业增加值同比降幅", "高新技术产业增加值降幅", [], True),
        ("成果转化项目数", "科技成果转化项目数", [], True),
        ("占GDP比重同比下降幅度", "高新技术产业增加值占GDP比重降幅", [], False),  # the subject is missing
        ("出口总额", "进口总额", [], False),
        ("高新技术企业", "高新技术企业数", [], True),
    ],
)
def test_name_denotes(name: str, indicator: str, names: list[str], ok: bool) -> None:
    assert name_denotes(name, fact(quote="x", value="1", indicator=indicator, names=names)) is ok


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("2012年", "2012", True),
        ("2012年度", "2012年", True),
        ("2008—2012年", "2008-2012年", True),
        ("2008年—2012年", "2008～2012年", True),
        ("2008年至2012年", "2008—2012年", True),
        ("2012年", "2013年", False),
        ("2020年上半年", "2020年", False),
        (None, "2012年", False),
    ],
)
def test_normalise_period(a: str | None, b: str, same: bool) -> None:
    assert (normalise_period(a) == normalise_period(b)) is same


# -- figures ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("235.2亿元", "23520000000元", True),  # scale applied
        ("235.2亿元", "235.2万元", False),  # 万 for 亿
        ("235.2亿元", "235.2亿", False),  # unit lost
        ("900万人", "900万名", True),  # 名 counts people too
        ("0.5个百分点", "0.5百分点", True),
        ("0.5个百分点", "0.5%", False),
        ("7.5%", "7.5％", True),  # full-width percent
        ("xxx万元", "xxx万元", True),
        ("xxx万元", "xxx元", False),  # a redaction that lost its scale
        ("x家", "xxxx家", False),  # another figure's marks
        ("xx家", "12家", False),  # a redaction filled in
    ],
)
def test_same_figure(a: str, b: str, same: bool) -> None:
    assert same_figure(read_figure(a), read_figure(b)) is same


# -- junk ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "unit", "quote", "reason"),
    [
        ("地区生产总值", "235.2亿", "元", "全区实现地区生产总值235.2亿元", None),
        ("对", "235.2亿", "元", "全区实现地区生产总值235.2亿元", "name cut mid-phrase"),
        ("18.5%", "18.5", "%", "同比增长18.5%", "name is a figure"),
        ("", "18.5", "%", "同比增长18.5%", "empty name"),
        ("地区生产总值的", "235.2亿", "元", "全区实现地区生产总值235.2亿元", "name cut mid-phrase"),
        ("病例", "一", "例", "包保的小区未出现一例确诊病例", "negated count"),
        ("确诊病例", "2010", "年", "比2010年增加10525元", "year as a figure"),
    ],
)
def test_junk_reason(name: str, value: str, unit: str, quote: str, reason: str | None) -> None:
    assert junk_reason(metric("m1", name, value, unit, quote)) == reason


def test_junk_reason_set_phrases_and_counts_in_names() -> None:
    # Quotes from national_2016: a set phrase and a count inside a name.
    global TEXT
    saved = TEXT
    TEXT = "建成一批重大工程。实施“六大”行动。一季度增长6.7%。"
    try:
        assert junk_reason(metric("m1", "重大工程", "一", "批", "建成一批重大工程")) == "set phrase"
        assert junk_reason(metric("m2", "行动", "六", "大", "实施“六大”行动")) == "count inside a name"
        assert junk_reason(metric("m3", "增长", "一", "季度", "一季度增长6.7%")) is not None
    finally:
        TEXT = saved


# -- a document ---------------------------------------------------------------------------------------


@pytest.fixture
def gold_case(tmp_path: Path) -> Any:
    (tmp_path / "doc.txt").write_text(TEXT, encoding="utf-8")
    gold = {
        "document": "doc.txt",
        "title": None,
        "organization": "海拉尔区人民政府",
        "period": "2013年",
        "sections": [],
        "facts": [
            {"quote": "地区生产总值235.2亿元", "value": "235.2亿", "unit": "元", "indicator": "地区生产总值",
             "period": "2012年", "kind": "result"},
            {"quote": "同比增长18.5%", "value": "18.5", "unit": "%", "indicator": "地区生产总值增速",
             "period": "2012年", "kind": "result"},
            {"quote": "城乡常住居民人均可支配收入分别完成37820元、28104元", "value": "37820", "unit": "元",
             "indicator": "城镇常住居民人均可支配收入", "period": "2012年", "kind": "result"},
            {"quote": "城乡常住居民人均可支配收入分别完成37820元、28104元", "value": "28104", "unit": "元",
             "indicator": "农村常住居民人均可支配收入", "period": "2012年", "kind": "result"},
            {"quote": "投入资金xxx万元", "value": "xxx万", "unit": "元", "indicator": "投入资金", "period": "2012年",
             "kind": "result", "redacted": True},
            {"quote": "国内生产总值增长7.5%左右", "value": "7.5", "unit": "%", "indicator": "国内生产总值增速",
             "period": "2013年", "kind": "target", "approx": "左右"},
        ],
    }  # fmt: skip
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")
    return load_gold(path)


def test_match_facts_recall_name_period_kind(gold_case: Any) -> None:
    s = summary(
        [
            metric("m1", "地区生产总值", "235.2亿", "元", "全区实现地区生产总值235.2亿元"),
            metric("m2", "地区生产总值", "18.5", "%", "同比增长18.5%"),  # right figure, name misses 增长
            # right name, but called a result of last year
            metric("m3", "国内生产总值增长", "7.5", "%", "国内生产总值增长7.5%左右", kind="result", period="2012年"),
        ]
    )
    by_id = {o.id: o for o in match_facts(s, gold_case.facts)}
    assert by_id["f1"].found and by_id["f1"].name_ok and by_id["f1"].period_ok and by_id["f1"].kind_ok
    assert by_id["f2"].found and not by_id["f2"].name_ok
    assert not by_id["f3"].found and not by_id["f4"].found and not by_id["f5"].found
    assert by_id["f6"].found and by_id["f6"].name_ok and not by_id["f6"].period_ok and not by_id["f6"].kind_ok


def test_a_swapped_value_is_misbound(gold_case: Any) -> None:
    quote = "城乡常住居民人均可支配收入分别完成37820元、28104元"
    s = summary([metric("m1", "农村常住居民人均可支配收入", "37820", "元", quote)])
    faults = misbound_faults(s, gold_case.facts)
    assert len(faults) == 1 and faults[0].kind == "misbound"
    assert "城镇常住居民人均可支配收入" in faults[0].reason
    # The same figure under its own indicator is no fault.
    right = metric("m1", "城镇常住居民人均可支配收入", "37820", "元", quote)
    assert misbound_faults(summary([right]), gold_case.facts) == []


def test_value_faults_scale_and_redaction(gold_case: Any) -> None:
    mentions = find_numbers(TEXT)
    good = metric("m1", "地区生产总值", "235.2亿", "元", "全区实现地区生产总值235.2亿元")
    scale = metric("m2", "地区生产总值", "235.2万", "元", "全区实现地区生产总值235.2亿元")
    lost = metric("m3", "投入资金", None, "元", "投入资金xxx万元")  # shown as xxx元: the 万 is lost
    kept = metric("m4", "投入资金", "xxx万", "元", "投入资金xxx万元", redacted=True)
    others = metric("m5", "新认定企业", None, "家", "共推荐申报xx家企业，其中新认定x家")  # shows xx家, the first mark
    faults = value_faults(summary([good, scale, lost, kept, others]), mentions)
    assert [f.where for f in faults] == ["metrics[1]", "metrics[2]"]
    # The marks are the quote's first: "xx家" exists in that evidence, so only a per-figure check would catch
    # it; the redacted figure's own marks are what the eval compares.
    assert "235.2万元" in faults[0].reason


def test_evaluate_document_heads_and_figures(gold_case: Any) -> None:
    s = summary(
        [metric("m1", "地区生产总值", "235.2亿", "元", "全区实现地区生产总值235.2亿元")],
        organization="海拉尔区人民政府",
        period="2013年",
        sections=[SectionSummary(id="s1", heading_path=["全文"], role="work_done", summary="", start=0, end=len(TEXT))],
    )
    doc = evaluate_document(gold_case, s, find_numbers(TEXT), list(range(len(TEXT) + 1)))
    assert (doc.facts, doc.found, doc.name_ok) == (6, 1, 1)
    assert doc.title_ok and doc.organization_ok and doc.period_ok_report  # no title in the gold, none given
    figs = figures([doc])
    assert figs["key_fact_recall"] == round(1 / 6, 4)
    assert figs["highlights_precision"] is None  # no highlights in this summary: n/a, not zero


def test_indicator_precision_and_recall(gold_case: Any) -> None:
    # The gold's canonical names map through the indicator table: 地区生产总值 -> gdp, 地区生产总值增速 ->
    # gdp_growth, 城镇常住居民人均可支配收入 -> urban_income, 国内生产总值增速 -> gdp_growth; 投入资金 maps to none.
    assert [o.gold_indicator for o in match_facts(summary([]), gold_case.facts)] == [
        "gdp",
        "gdp_growth",
        "urban_income",
        "rural_income",
        None,
        "gdp_growth",
    ]
    s = summary(
        [
            metric("m1", "地区生产总值", "235.2亿", "元", "全区实现地区生产总值235.2亿元", indicator="gdp"),
            metric("m2", "增长", "18.5", "%", "同比增长18.5%"),  # no indicator: not recalled, not wrong
            metric(
                "m3", "x", "37820", "元", "城乡常住居民人均可支配收入分别完成37820元、28104元", indicator="rural_income"
            ),
            metric("m4", "投入资金", "xxx万", "元", "投入资金xxx万元", redacted=True, indicator="gdp"),  # maps to none
            metric("m5", "国内生产总值", "7.5", "%", "国内生产总值增长7.5%左右", indicator="gdp_growth", kind="target"),
        ]
    )
    doc = evaluate_document(gold_case, s, find_numbers(TEXT), list(range(len(TEXT) + 1)))
    assert (doc.indicator_facts, doc.indicator_recalled, doc.indicator_given, doc.indicator_right) == (5, 2, 4, 2)
    figs = figures([doc])
    assert figs["indicator_precision"] == 0.5 and figs["indicator_recall"] == 0.4


def test_gate_floors_and_maxima() -> None:
    actual = {"key_fact_recall": 0.5, "faithfulness_errors": 3.0, "junk_share": 0.1, "highlights_recall": None}
    assert gate(actual, {"key_fact_recall": 0.5, "faithfulness_errors": 3, "junk_share": 0.1}) == []
    failures = gate(actual, {"key_fact_recall": 0.6, "faithfulness_errors": 2, "highlights_recall": 0.5})
    assert len(failures) == 3
    assert failures[0].startswith("key_fact_recall: 0.5 < pinned minimum 0.6")


# -- gold files ---------------------------------------------------------------------------------------


def _write(tmp_path: Path, **overrides: Any) -> Path:
    (tmp_path / "doc.txt").write_text(TEXT, encoding="utf-8")
    gold: dict[str, Any] = {
        "document": "doc.txt",
        "title": None,
        "organization": "x",
        "period": "2013年",
        "sections": [],
        "facts": [{"quote": "同比增长18.5%", "value": "18.5", "unit": "%", "indicator": "增速", "period": "2012年",
                   "kind": "result"}],
    }  # fmt: skip
    gold.update(overrides)
    path = tmp_path / "g.json"
    path.write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")
    return path


def test_gold_quote_not_in_document(tmp_path: Path) -> None:
    bad = [{"quote": "同比增长19.5%", "value": "19.5", "unit": "%", "indicator": "增速", "period": "2012年",
            "kind": "result"}]  # fmt: skip
    with pytest.raises(GoldError, match=r"g\.json: fact f1 \(增速\): quote not in doc\.txt"):
        load_gold(_write(tmp_path, facts=bad))


def test_gold_value_not_in_quote(tmp_path: Path) -> None:
    bad = [{"quote": "同比增长18.5%", "value": "19.5", "unit": "%", "indicator": "增速", "period": "2012年",
            "kind": "result"}]  # fmt: skip
    with pytest.raises(GoldError, match=r"value '19\.5' not in its quote"):
        load_gold(_write(tmp_path, facts=bad))


def test_gold_quote_across_a_line_break(tmp_path: Path) -> None:
    (tmp_path / "doc.txt").write_text("全区实现地区生产\n总值235.2亿元。", encoding="utf-8")
    case = load_gold(_write(tmp_path, facts=[
        {"quote": "地区生产总值235.2亿元", "value": "235.2亿", "unit": "元", "indicator": "地区生产总值",
         "period": "2012年", "kind": "result"}]))  # fmt: skip
    (tmp_path / "doc.txt").write_text("全区实现地区生产\n总值235.2亿元。", encoding="utf-8")
    assert (case.facts[0].start, case.facts[0].end) == (4, 17)


def test_gold_missing_document(tmp_path: Path) -> None:
    with pytest.raises(GoldError, match=r"document nowhere\.txt does not exist"):
        load_gold(_write(tmp_path, document="nowhere.txt"))


def test_eval_cli_bad_gold_is_one_line_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = [{"quote": "不在文中", "value": "1", "unit": "", "indicator": "x", "period": "2012年", "kind": "result"}]
    code, out, err = run_cli(monkeypatch, capsys, "eval", str(_write(tmp_path, facts=bad)))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "fact f1 (x): quote not in doc.txt" in err


def test_eval_cli_json_and_baseline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    gold = _write(tmp_path)
    code, out, _ = run_cli(monkeypatch, capsys, "eval", str(gold), "--format", "json", "--cache-dir", str(tmp_path))
    assert code == 0
    data = json.loads(out)
    assert data["backend"] == "offline" and data["documents"][0]["facts"] == 1
    assert set(data["overall"]) >= {"key_fact_recall", "junk_share", "role_accuracy"}
    (tmp_path / "floors.json").write_text(json.dumps({"offline": {"key_fact_recall": 1.01}}), encoding="utf-8")
    code, _, err = run_cli(monkeypatch, capsys, "eval", str(gold), "--baseline", str(tmp_path / "floors.json"))
    assert code == 1 and "below baseline: key_fact_recall" in err
