"""highlights: the key metrics of a report, chosen from position, indicator and unit."""

from __future__ import annotations

from summarizer.highlights import HIGHLIGHTS_MAX, choose_highlights, indicator_weight, key_spans
from summarizer.models import Evidence, Metric
from summarizer.sections import parse_sections

TEXT = (
    "一、2021年工作回顾\n"
    "全年地区生产总值完成520亿元，增长7.5%。新增高新技术企业40家。组织培训活动12场。\n"
    "（一）工业\n"
    "规模以上工业增加值增长9%。新建厂房2万平方米。\n"
    "二、2022年工作安排\n"
    "今年经济社会发展的主要预期目标是：地区生产总值增长6%左右，城镇新增就业1.2万人。\n"
    "举办展会3场。\n"
)


def _metric(mid: str, name: str, figure: str, unit: str) -> Metric:
    start = TEXT.index(figure)
    return Metric(
        id=mid,
        name=name,
        value=figure[: len(figure) - len(unit)] if unit else figure,
        number=None,
        unit=unit,
        kind="result",
        evidence=Evidence(
            quote=figure, start=start, end=start + len(figure), original_start=start, original_end=start + len(figure)
        ),
    )


METRICS = [
    _metric("m1", "地区生产总值", "520亿元", "元"),
    _metric("m2", "地区生产总值增长", "7.5%", "%"),
    _metric("m3", "新增高新技术企业", "40家", "家"),
    _metric("m4", "培训活动场次", "12场", "场"),
    _metric("m5", "规模以上工业增加值增长", "9%", "%"),
    _metric("m6", "新建厂房", "2万平方米", "平方米"),
    _metric("m7", "地区生产总值增长", "6%", "%"),
    _metric("m8", "城镇新增就业", "1.2万人", "人"),
    _metric("m9", "展会场次", "3场", "场"),
]


def test_indicator_table_weighs_macro_figures_over_counts() -> None:
    assert indicator_weight("地区生产总值同比增长") > indicator_weight("新增高新技术企业") > 0
    assert indicator_weight("展会场次") == 0


def test_key_spans_cover_leads_and_the_targets_paragraph() -> None:
    spans = key_spans(TEXT, parse_sections(TEXT))

    def weight_at(figure: str) -> float:
        at = TEXT.index(figure)
        return max((w for s, e, w in spans if s <= at < e), default=0.0)

    assert weight_at("520亿元") >= 2  # the lead sentence of a part, in the review's opening paragraph
    assert weight_at("6%左右") == 3  # the 主要预期目标 paragraph
    assert weight_at("2万平方米") == 0  # neither a lead nor a key paragraph
    assert weight_at("3场") == 0


def test_choose_orders_by_importance_and_leaves_out_detail() -> None:
    chosen = choose_highlights(METRICS, TEXT, parse_sections(TEXT))
    # GDP in the targets paragraph first; then GDP and its growth in the review's lead (source order among
    # equals), then jobs in the targets paragraph (a count, below an amount or a rate)
    assert chosen[:4] == ["m7", "m1", "m2", "m8"]
    assert {"m1", "m2", "m5", "m7", "m8"} <= set(chosen)
    assert "m9" not in chosen and "m6" not in chosen
    assert len(chosen) == len(set(chosen))


def test_choose_is_capped_and_counts_a_repeated_fact_once() -> None:
    many = [_metric(f"m{n}", "地区生产总值增长", "7.5%", "%") for n in range(30)]
    assert choose_highlights(many, TEXT, parse_sections(TEXT)) == ["m0"]
    distinct = [_metric(f"m{n}", f"地区生产总值增长{n}", "7.5%", "%") for n in range(30)]
    assert len(choose_highlights(distinct, TEXT, parse_sections(TEXT))) == HIGHLIGHTS_MAX
