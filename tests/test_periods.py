"""periods: a figure's period from its clause, its headings and the report's period.

Sentences are from the corpus (tests/data, tests/data/national) and variations written for these tests;
expected periods come from reading them.
"""

from __future__ import annotations

import pytest

from summarizer.periods import (
    Period,
    explicit_periods,
    figure_period,
    heading_periods,
    paragraph_opener,
    parse_period,
    period_from_headings,
    plan_span,
    span,
    year,
)

H1_2020 = Period("2020年上半年", "2020-01", "2020-06")


@pytest.mark.parametrize(
    ("text", "label", "start", "end"),
    [
        ("2012年", "2012年", "2012-01", "2012-12"),
        ("2020年上半年", "2020年上半年", "2020-01", "2020-06"),
        ("2020年下半年", "2020年下半年", "2020-07", "2020-12"),
        ("2020年第一季度", "2020年一季度", "2020-01", "2020-03"),
        ("2019年前三季度", "2019年前三季度", "2019-01", "2019-09"),
        ("2011—2015年", "2011—2015年", "2011-01", "2015-12"),
        ("2011年至2015年", "2011—2015年", "2011-01", "2015-12"),
        ("2020年1-5月", "2020年1—5月", "2020-01", "2020-05"),
        ("“十二五”时期", "2011—2015年", "2011-01", "2015-12"),
        ("2012年度", "2012年", "2012-01", "2012-12"),
    ],
)
def test_parse_period(text: str, label: str, start: str, end: str) -> None:
    assert parse_period(text) == Period(label, start, end)


@pytest.mark.parametrize(
    ("name", "first", "last"),
    [
        ("十五", 2001, 2005),
        ("十一五", 2006, 2010),
        ("十二五", 2011, 2015),
        ("十三五", 2016, 2020),
        ("十四五", 2021, 2025),
    ],
)
def test_plan_span(name: str, first: int, last: int) -> None:
    assert plan_span(name) == span(first, last)


@pytest.mark.parametrize(
    ("clause", "report_year", "expected"),
    [
        ("2011年全区实现地区生产总值198.5亿元", 2012, ["2011年"]),
        ("农村常住居民人均可支配收入完成22250元，比2010年增加", 2012, []),  # a comparison base
        ("与2015年相比，单位国内生产总值能耗下降", 2016, []),
        ("较2015年提高", 2016, []),
        ("2013年以来新增涉税市场主体纳税额", 2018, []),  # where a span starts, not its period
        ("组织申报2020年湖北省科技奖项目", 2020, []),  # a year inside a name
        ("对2017、2018年立项的科技计划项目进行了验收，共验收科技计划项目", 2020, []),
        ("1-5月份，我市高新技术产业增加值增速为", 2020, ["2020年1—5月"]),
        ("一至四月份，全县高新技术工业总产值增速", 2020, ["2020年1—4月"]),
        ("截止6月底，累计对上争取资金", 2020, ["2020年上半年"]),
        ("截至2021年9月末，普惠小微贷款余额", 2022, ["2021年前三季度"]),
        ("五年来，累计完成固定资产投资", 2016, ["2011—2015年"]),
        ("过去五年，国内生产总值年均增长", 2018, ["2013—2017年"]),
        ("去年国内生产总值增长", 2015, ["2014年"]),
        ("比去年同期下降", 2020, []),
        ("今年发展的主要预期目标是：国内生产总值增长", 2014, ["2014年"]),
        ("“十二五”时期经济年均增长", 2016, ["2011—2015年"]),
        ("在2019年，全省新增", 2020, ["2019年"]),
    ],
)
def test_explicit_periods(clause: str, report_year: int, expected: list[str]) -> None:
    assert [p.text for p in explicit_periods(clause, report_year)] == expected


@pytest.mark.parametrize(
    ("title", "report", "expected"),
    [
        ("2015年工作回顾", year(2016), ["2015年"]),
        ("“十二五”时期和2015年工作回顾", year(2016), ["2011—2015年", "2015年"]),
        ("过去一年工作回顾", year(2013), ["2012年"]),
        ("过去五年工作回顾", year(2018), ["2013—2017年"]),
        ("下半年重点工作安排", H1_2020, ["2020年下半年"]),
        ("2020年下半年工作安排", H1_2020, ["2020年下半年"]),
        ("积极做好2020年度科技重大专项申报", H1_2020, []),  # the year names a programme
        ("项目带动成效凸显，工业经济增势强劲", year(2012), []),
    ],
)
def test_heading_periods(title: str, report: Period, expected: list[str]) -> None:
    assert [p.text for p in heading_periods(title, report)] == expected


def _period(before: str, headings: list[str], report: Period | None, kind: str = "result") -> str | None:
    annual = report is not None and report.start.endswith("-01") and report.end.endswith("-12")
    p = figure_period(before, before, headings, report, kind=kind, annual_report=annual)
    return p.text if p else None


def test_a_five_year_review_dates_totals_to_the_span_and_levels_reached_to_its_end() -> None:
    heading = ["过去五年工作回顾"]
    assert _period("国内生产总值从54万亿元增加到", heading, year(2018)) == "2017年"
    assert _period("年均增长", heading, year(2018)) == "2013—2017年"
    assert _period("城镇新增就业", heading, year(2018)) == "2013—2017年"
    assert _period("累计减税超过", heading, year(2018)) == "2013—2017年"


def test_a_plan_span_keeps_its_targets_for_the_span() -> None:
    heading = ["“十三五”时期主要目标任务和重大举措"]
    assert _period("全社会研发经费投入强度达到", heading, year(2016), "target") == "2016—2020年"


def test_whole_year_words_take_the_year_of_their_context() -> None:
    # A half-year report's plans: "力争全年…" is the whole year, not the second half.
    assert _period("力争全年高新技术企业数达到", ["2020年下半年工作安排"], H1_2020, "target") == "2020年"
    # A level to reach stands at the year's end (the xianning gold: 全市高新技术企业达到248家 is 2020年) ...
    assert _period("力争高新技术企业数达到", ["2020年下半年工作安排"], H1_2020, "target") == "2020年"
    # ... where a count of the half's own work is the half's.
    assert _period("力争申报", ["2020年下半年工作安排"], H1_2020, "target") == "2020年下半年"
    # An annual report's review: "全年…" is the reviewed year.
    assert _period("全年实施工业重点项目", ["过去一年工作回顾", "项目带动成效凸显"], year(2012)) == "2011年"


def test_the_report_period_is_the_default() -> None:
    assert _period("完成技术合同认定登记", [], H1_2020) == "2020年上半年"
    assert _period("力争完成", [], H1_2020, "target") == "2020年下半年"
    assert _period("城镇新增就业", [], year(2013)) == "2012年"  # an annual report reviews last year
    assert _period("城镇新增就业", [], year(2013), "target") == "2013年"
    assert _period("城镇新增就业", [], None) is None
    assert _period("3.4万平方米草坪6月底前", [], year(2012), "target") == "2012年"  # a deadline, not a period


@pytest.mark.parametrize(
    ("headings", "expected"),
    [
        (["2015年工作回顾", "2016年工作总体部署"], "2016年"),
        (["过去五年工作回顾", "2018年经济社会发展总体要求和政策取向"], "2018年"),
        (["过去一年工作回顾"], None),
        # The 2020 report, delivered in May, reviews 2019 and the months since.
        (["2019年和今年以来工作回顾", "今年发展主要目标和下一阶段工作总体部署"], "2020年"),
    ],
)
def test_period_from_headings(headings: list[str], expected: str | None) -> None:
    p = period_from_headings(headings)
    assert (p.text if p else None) == expected


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        # national 2018: the five-year review's paragraph on the last year
        ("刚刚过去的2017年，经济社会发展主要目标任务全面完成并好于预期。国内生产总值增长", "2017年"),
        # national 2016: "过去五年" opens the paragraph's second sentence
        ("2015年是“十二五”收官之年。过去五年，我国发展成就举世瞩目。一是经济持续较快发展。", "过去五年"),
        # national 2022: the plans sentence after a review sentence
        ("过去一年，国防和军队建设取得重大进展。新的一年，要深入贯彻", "今年"),
        # a point in time dates its own sentence only; a clause with more than a period is not an opener
        ("二是加快经济结构调整。2012年底，城镇和农村人均住房面积明显增加。居民消费结构加快升级。", None),
        ("2013年3月，我们召开会议。城镇新增就业", None),
        ("一是经济持续较快发展。国内生产总值", None),
    ],
)
def test_paragraph_opener(paragraph: str, expected: str | None) -> None:
    assert paragraph_opener(paragraph, year(2018)) == expected


def test_a_paragraph_opener_dates_like_an_inner_heading() -> None:
    five_years = ["过去五年工作回顾"]
    assert _period("国内生产总值增长", [*five_years, "2017年"], year(2018)) == "2017年"
    # What was added over the span is its total, however it is phrased ("超过" reads as a level reached).
    assert _period("城镇新增就业人数超过", [*five_years, "过去五年"], year(2016)) == "2011—2015年"
    assert _period("城镇新增就业人数超过", [*five_years], year(2016)) == "2011—2015年"
