"""indicators: the table (data) and the deterministic matcher.

Sentences are from the corpus (tests/data, tests/data/national) unless marked; the expected indicator of
each comes from reading it. Precision first: every ``None`` below is a figure that is *not* the indicator
its sentence mentions, or one the matcher cannot bind without guessing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from summarizer import summarize
from summarizer.indicators import (
    TABLE_PATH,
    IndicatorTable,
    default_table,
    figure_offset,
    find_relative_targets,
    indicator_of,
)

DATA = Path(__file__).resolve().parent / "data"


@pytest.mark.parametrize(
    ("name", "value", "unit", "sentence", "expected"),
    [
        # a subject and a growth word: the growth, whatever the name says
        ("国内生产总值", "7.8", "%", "国内生产总值增长7.8%", "gdp_growth"),
        ("全年国内生产总值", "2.3", "%", "全年国内生产总值增长2.3%", "gdp_growth"),
        ("国内生产总值", "7.5", "%", "今年经济社会发展的主要预期目标是：国内生产总值增长7.5%左右", "gdp_growth"),
        ("今年经济增长预期目标定", "7.5", "%", "今年经济增长预期目标定为7.5%左右", "gdp_growth"),
        ("经济增长预期", "7", "%", "经济增长预期7%左右", "gdp_growth"),
        # a level, then a comma, then the growth: the growth of the same subject
        ("比上年", "7.7", "%", "国内生产总值达到56.9万亿元，比上年增长7.7%", "gdp_growth"),
        ("5%", "5", "%", "经济规模稳步扩大，国内生产总值达到134.9万亿元、增长5%", "gdp_growth"),
        ("同比增长", "22.3", "%", "地区生产总值完成198.5亿元，同比增长22.3%", "gdp_growth"),  # hailar
        # the level itself; the level reached, never the starting one
        ("国内生产总值", "56.9万亿", "元", "国内生产总值达到56.9万亿元", "gdp"),
        ("亿元", "51.9万亿", "元", "国内生产总值从26.6万亿元增加到51.9万亿元", "gdp"),
        ("国内生产总值从", "26.6万亿", "元", "国内生产总值从26.6万亿元增加到51.9万亿元", None),
        # a rate by its own name and filler verbs
        ("居民消费价格涨幅回落", "2.6", "%", "居民消费价格涨幅回落到2.6%", "cpi"),
        ("居民消费价格上涨", "2", "%", "居民消费价格上涨2%", "cpi"),
        ("把居民消费价格涨幅控制在", "3.5", "%", "把居民消费价格涨幅控制在3.5%左右", "cpi"),
        ("城镇新增就业", "900万", "人", "城镇新增就业900万人以上", "urban_new_jobs"),
        ("城镇登记失业率低于", "4.6", "%", "城镇登记失业率低于4.6%", "registered_unemployment"),
        ("年末城镇调查失业率降", "5.5", "%", "年末城镇调查失业率降到5.5%", "surveyed_unemployment"),
        ("城镇调查失业率平均", "5.1", "%", "城镇新增就业1256万人、城镇调查失业率平均为5.1%", "surveyed_unemployment"),
        ("城镇新增就业", "1256万", "人", "城镇新增就业1256万人、城镇调查失业率平均为5.1%", "urban_new_jobs"),
        ("调查失业率在", "5.3", "%", "城镇新增就业1352万人，调查失业率在5.3%以下", "surveyed_unemployment"),
        ("今年赤字率拟按", "2.8", "%", "今年赤字率拟按2.8%安排", "deficit_ratio"),
        ("但赤字率稳定在", "2.1", "%", "财政赤字和国债规模有所增加，但赤字率稳定在2.1%", "deficit_ratio"),
        ("2.3%", "2.3", "%", "赤字率从去年的2.1%提高到2.3%", "deficit_ratio"),
        # the start of a change binds only when its own period is written (the period model dates it)
        ("赤字率从去年", "2.1", "%", "赤字率从去年的2.1%提高到2.3%", "deficit_ratio"),
        ("2.8%", "2.8", "%", "财政赤字占国内生产总值的比重从2009年的2.8%降到去年的1.5%左右", "deficit_ratio"),
        ("降到去年", "1.5", "%", "财政赤字占国内生产总值的比重从2009年的2.8%降到去年的1.5%左右", "deficit_ratio"),
        ("今年拟安排财政赤字", "1.2万亿", "元", "今年拟安排财政赤字1.2万亿元", "deficit"),
        ("粮食产量", "1.37万亿", "斤", "粮食产量1.37万亿斤", "grain_output"),
        ("单位国内生产总值能耗", "5.6", "%", "单位国内生产总值能耗下降5.6%", "energy_intensity_decline"),
        ("全国居民人均可支配收入实际增长", "8", "%", "全国居民人均可支配收入实际增长8%", "resident_income_growth"),
        ("全市高新技术企业", "248", "家", "全市高新技术企业达到248家", "high_tech_enterprises"),  # xianning
        # a range: both ends bind
        ("国内生产总值", "6.5", "%", "国内生产总值增长6.5%－7%", "gdp_growth"),
        ("-", "7", "%", "国内生产总值增长6.5%－7%", "gdp_growth"),
        # a name inside another name is not that indicator
        ("中央财政赤字", "8500亿", "元", "其中中央财政赤字8500亿元", None),
        ("单位国内生产总值能耗", "18", "%", "单位国内生产总值用水量、能耗、二氧化碳排放量分别下降23%、15%、18%", None),
        ("服务业增加值占国内生产总值比重", "2.7", "个百分点", "服务业增加值占国内生产总值比重提高2.7个百分点", None),
        ("消费对经济增长的贡献率上升", "3", "个百分点", "消费对经济增长的贡献率上升3个百分点", None),
        ("对全球经济增长的贡献率", "30", "%", "对全球经济增长的贡献率超过30%", None),
        ("务业增加值占国内生产总值比重上升", "51.6", "%", "服务业增加值占国内生产总值比重上升到51.6%", None),
        ("户籍人口城镇化率", "45", "%", "常住人口城镇化率达到60%、户籍人口城镇化率达到45%", None),
        ("地方财政赤字", "5000亿", "元", "地方财政赤字5000亿元", None),
        # a list with 分别: which figure is whose is not guessed
        ("制造业投资", "9.1", "%", "全年基础设施、制造业投资分别增长9.4%、9.1%", None),
        # a unit outside the indicator's family
        ("国内生产总值", "1", "个百分点", "国内生产总值每增长1个百分点的增量", None),
        ("城镇新增就业预期目标比去年多", "100万", "人", "城镇新增就业预期目标比去年多100万人", None),
        # a span word under a one-year period (multi_year is False here)
        ("居民消费价格年均上涨", "2.1", "%", "居民消费价格年均上涨2.1%", None),
        ("城镇新增就业年均", "1270多万", "人", "城镇新增就业年均1270多万人", None),
        # words of another measure between the name and the figure
        ("增长和物价总水平指标作些说明", "两", "个", "着重对经济增长和物价总水平两个指标作些说明", None),
        # the name and the evidence disagree: nothing
        ("城镇登记失业率", "5.5", "%", "城镇调查失业率5.5%左右", None),
    ],
)
def test_indicator_of(name: str, value: str, unit: str, sentence: str, expected: str | None) -> None:
    assert indicator_of(name, value, unit, sentence) == expected


def test_a_span_word_binds_under_a_multi_year_period() -> None:
    assert indicator_of("国内生产总值年均", "9.3", "%", "国内生产总值年均增长9.3%", multi_year=True) == "gdp_growth"
    assert indicator_of("国内生产总值年均", "9.3", "%", "国内生产总值年均增长9.3%") is None


def test_the_name_decides_only_when_the_evidence_names_nothing() -> None:
    # An LLM's quote without the subject: its name says what grew, the quote that it is a growth.
    assert indicator_of("国内生产总值增速", "7.7", "%", "比上年增长7.7%") == "gdp_growth"
    assert indicator_of("国内生产总值增速", "56.9万亿", "元", "达到56.9万亿元") is None  # not a rate
    assert indicator_of("国内生产总值", "7.7", "%", "比上年增长7.7%") is None  # a level's name on a rate
    assert indicator_of("城镇调查失业率（年末）", "5.5", "%", "降到5.5%") == "surveyed_unemployment"
    # The evidence names another indicator: the name does not overrule it.
    assert indicator_of("国内生产总值增速", "5.6", "%", "单位国内生产总值能耗下降5.6%") is None
    assert indicator_of("某某指数", "3", "%", "增长3%") is None


def test_the_whole_sentence_binds_a_clause_without_its_subject() -> None:
    text = "前言。国内生产总值达到67.7万亿元，增长6.9%，在世界主要经济体中位居前列。"
    quote = "增长6.9%"  # the offline backend's evidence: the clause only
    start = text.index(quote)
    assert indicator_of("增长", "6.9", "%", quote) is None
    assert indicator_of("增长", "6.9", "%", quote, text=text, quote_start=start) == "gdp_growth"


def test_lookup_maps_canonical_names_and_aliases() -> None:
    t = default_table()
    assert t.lookup("国内生产总值增速") == "gdp_growth"
    assert t.lookup("地区生产总值增速") == "gdp_growth"
    assert t.lookup("居民消费价格涨幅") == "cpi"
    assert t.lookup("CPI") is None  # a subject: its growth is cpi, the index itself is no indicator here
    assert t.lookup("公共财政预算收入") == "general_budget_revenue"  # an older name
    assert t.lookup("一般公共预算收入增速") == "general_budget_revenue_growth"
    assert t.lookup("农牧民人均纯收入") == "rural_net_income"
    assert t.lookup("单位国内生产总值能耗降幅") == "energy_intensity_decline"
    assert t.lookup("中央财政赤字") is None
    assert t.lookup("粮食增产") is None


def test_units_normalise_to_the_family_base() -> None:
    t = default_table()
    assert t.to_base("grain_output", 1.37e12, "斤") == (6.85e8, "吨")
    assert t.to_base("urban_new_jobs", 1.1e7, "名") == (1.1e7, "人")
    assert t.to_base("gdp_growth", 7.5, "％") == (7.5, "%")
    assert t.to_base("gdp", 5.0, "美元") is None


def test_the_table_is_data_and_well_formed() -> None:
    data = json.loads(TABLE_PATH.read_text(encoding="utf-8"))
    t = IndicatorTable.from_data(data)
    ids = [e["id"] for e in data["indicators"]]
    assert len(ids) == len(set(ids))
    for issue_indicator in (
        "gdp",
        "gdp_growth",
        "general_budget_revenue",
        "fixed_asset_investment",
        "retail_sales",
        "urban_income",
        "rural_income",
        "rural_net_income",
        "urban_new_jobs",
        "surveyed_unemployment",
        "registered_unemployment",
        "cpi",
        "grain_output",
        "trade",
        "rd_intensity",
        "high_tech_enterprises",
        "deficit_ratio",
    ):
        assert issue_indicator in t.indicators
    bad = {**data, "indicators": [*data["indicators"], {**data["indicators"][0], "id": "gdp2"}]}
    with pytest.raises(ValueError, match="names both"):
        IndicatorTable.from_data(bad)  # one name, two indicators: the table must not be ambiguous


def test_figure_offset_skips_a_digit_inside_a_longer_number() -> None:
    text = "国内生产总值达到134.9万亿元、增长5%"
    assert figure_offset(text, "5", "%") == text.index("5%")
    assert figure_offset("增长5.5%", "5", "%") is None
    assert figure_offset("完成30.95 亿元", "30.95亿", "元") == 2


def test_table_ships_inside_the_package() -> None:
    from importlib.resources import files

    assert files("summarizer").joinpath("data", "indicators.json").is_file()


def test_offline_summaries_carry_indicators_and_the_reporting_body() -> None:
    summary = summarize(DATA / "national" / "national_2013_gov_report.txt", backend="offline")
    assert summary.organization == "国务院"  # "我代表国务院，向大会报告…", not the words around 政府
    got = {(m.indicator, m.period, m.kind, m.value) for m in summary.metrics if m.indicator}
    assert ("gdp_growth", "2012年", "result", "7.8") in got
    assert ("gdp_growth", "2013年", "target", "7.5") in got
    assert ("urban_new_jobs", "2013年", "target", "900万") in got
    assert ("registered_unemployment", "2013年", "target", "4.6") in got
    hailar = summarize(DATA / "hailar_2012_gov_report.txt", backend="offline")
    assert hailar.organization != "区政府"  # "我代表区政府…" names no one


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("努力实现居民收入增长和经济发展同步。", [("resident_income_growth", "gdp_growth", "同步")]),  # 2014
        ("居民收入和经济增长基本同步；", [("resident_income_growth", "gdp_growth", "基本同步")]),  # 2017
        (
            "居民人均可支配收入增长与国内生产总值增长基本同步，",  # 2021
            [("resident_income_growth", "gdp_growth", "基本同步")],
        ),
        ("城乡居民人均收入实际增长与经济增长同步，", []),  # 2013: no indicator of the table
        ("劳动报酬增长和劳动生产率提高同步；", []),
        ("居民收入稳步增长；", []),
    ],
)
def test_find_relative_targets(text: str, expected: list[tuple[str, str, str]]) -> None:
    found = find_relative_targets(text)
    assert [(f.indicator, f.reference, f.relation) for f in found] == expected
    for f in found:
        assert text[f.start : f.end].endswith("同步") and "，" not in text[f.start : f.end]


def test_alias_finder_agrees_with_reading_every_alias() -> None:
    """The one-scan finder against its definition: every alias's last occurrence, the furthest end, the
    aliases ending there longest first. Texts made of random aliases, their pieces and filler."""
    import random

    from summarizer.indicators import _AliasFinder, default_table

    aliases = list(default_table()._aliases)
    finder = _AliasFinder(aliases)
    rng = random.Random(19)
    filler = "全年实现同比增长下降达到万亿元，、；个百分点比上年完成1234"
    for _ in range(3000):
        parts = []
        for _ in range(rng.randint(0, 5)):
            pick = rng.choice(aliases)
            if rng.random() < 0.3:  # a piece of an alias: must not count
                cut = rng.randint(0, len(pick))
                pick = pick[:cut] if rng.random() < 0.5 else pick[cut:]
            parts.append(pick)
            parts.append("".join(rng.choice(filler) for _ in range(rng.randint(0, 4))))
        text = "".join(parts)
        ends = {a: text.rfind(a) + len(a) for a in aliases if text.rfind(a) >= 0}
        if not ends:
            assert finder.last(text) is None, text
            continue
        end = max(ends.values())
        expected = sorted((a for a, e in ends.items() if e == end), key=lambda a: (len(a), a), reverse=True)
        assert finder.last(text) == (end, expected), text


def test_relative_statements_are_finditer_over_the_whole_text() -> None:
    """The search restricted to lines that say 同步 finds what the pattern finds in the whole text, at the same
    offsets: on every test report and on made-up lines around the edges of lines."""
    import random

    from summarizer.indicators import _RELATIVE_RE, _relative_statements

    texts = [p.read_text(encoding="utf-8") for p in sorted(Path(__file__).parent.joinpath("data").rglob("*.txt"))]
    rng = random.Random(19)
    pieces = ["居民收入增长和经济增长同步", "收入与经济发展基本同步", "同步", "\n", "，", "城乡居民", "经济增长"]
    pieces += ["和", "同", "\r\n"]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randrange(1, 30))) for _ in range(3000)]
    found = 0
    for text in texts:
        expected = [(m.start(), m.end(), m.groupdict()) for m in _RELATIVE_RE.finditer(text)]
        assert [(m.start(), m.end(), m.groupdict()) for m in _relative_statements(text)] == expected, text
        found += len(expected)
    assert found > 100
