"""highlights: the key metrics of a report, chosen from position, indicator and unit; on a model backend proposed
by the model (``ExtractedMetric.key``) and checked here."""

from __future__ import annotations

import pytest

from summarizer.highlights import (
    HIGHLIGHTS_MAX,
    checked_highlights,
    choose_highlights,
    fill_highlights,
    indicator_weight,
    key_spans,
    name_problem,
    proposal_problem,
)
from summarizer.models import Check, Evidence, Metric
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


# --------------------------------------------------------------------------------------------------
# Proposed by the model, checked by the code
# --------------------------------------------------------------------------------------------------

OUTLINE = parse_sections(TEXT)


def _loose(mid: str, name: str, value: str, unit: str, quote: str, check: Check = "verified") -> Metric:
    """A metric whose quote is not in TEXT (scored as standing nowhere special): the junk rules read the quote."""
    return Metric(
        id=mid,
        name=name,
        value=value,
        number=None,
        unit=unit,
        kind="result",
        check=check,
        evidence=Evidence(quote=quote, start=0, end=len(quote), original_start=0, original_end=len(quote)),
    )


def test_proposals_are_ranked_by_score_and_come_before_the_deterministic_fill() -> None:
    # The model proposes the exhibitions (a count the deterministic choice never picks: it stands nowhere
    # special and measures nothing of the importance list), the GDP result and the GDP target.
    chosen = checked_highlights(METRICS, ["m9", "m1", "m7"], TEXT, OUTLINE)
    # by score (the target paragraph outweighs the review's lead; a bare count comes last), not in the order
    # proposed nor in source order (m1, m7, m9)
    assert chosen[:3] == ["m7", "m1", "m9"]
    assert "m9" not in choose_highlights(METRICS, TEXT, OUTLINE)
    # the places left go to the deterministic choice, in its order, without repeating a proposal
    rest = [mid for mid in choose_highlights(METRICS, TEXT, OUTLINE) if mid not in ("m7", "m1")]
    assert chosen[3:] == rest


def test_no_proposal_is_the_deterministic_choice_exactly() -> None:
    assert checked_highlights(METRICS, [], TEXT, OUTLINE) == choose_highlights(METRICS, TEXT, OUTLINE)


def test_an_unknown_id_is_dropped() -> None:
    chosen = checked_highlights(METRICS, ["m404", "m9"], TEXT, OUTLINE)
    assert "m404" not in chosen and chosen[0] == "m9"


@pytest.mark.parametrize(
    ("name", "value", "unit", "quote"),
    [
        ("确诊病例", "一", "例", "包保小区未出现一例确诊病例"),  # a negated count
        ("确诊病例", "1", "例", "辖区没有发现1例确诊病例"),
        ("项目", "一", "批", "实施一批重点项目"),  # a set phrase
        ("的高新技术企业数", "12", "家", "新增的高新技术企业数12家"),  # a name cut mid-phrase
        ("“六大”活动", "六", "", "围绕“六大”活动推进工作"),  # a count inside a name
        ("18.5%", "18.5", "%", "同比增长18.5%"),  # a name that is the figure
        ("同比增长", "7.5", "%", "同比增长7.5%"),  # a name that says how, not what
        ("累计完成", "30", "亿元", "累计完成30亿元"),
        ("规划期", "5", "年", "规划期5年"),  # a duration
    ],
)
def test_a_junk_proposal_is_dropped(name: str, value: str, unit: str, quote: str) -> None:
    junk = _loose("m99", name, value, unit, quote)
    assert proposal_problem(junk) is not None
    chosen = checked_highlights([*METRICS, junk], ["m99", "m3"], TEXT, OUTLINE)
    assert "m99" not in chosen and chosen[0] == "m3"


def test_names_that_say_what_they_measure() -> None:
    for good in ("地区生产总值同比增长", "城镇化率", "税收收入", "利润总额", "完成投资", "新增高新技术企业"):
        assert name_problem(good) is None, good
    for bad in ("增长", "同比增长", "增长率", "累计完成", "总额", "新增数", "量", "x"):
        assert name_problem(bad) is not None, bad


def test_too_many_proposals_keep_the_highest_scores() -> None:
    many = [_loose(f"m{n}", f"展会{n}场次", str(n), "场", f"举办展会{n}场") for n in range(10, 40)]
    rates = [_loose(f"r{n}", f"地区生产总值增长{n}", f"{n}", "%", f"增长{n}%") for n in range(3)]
    metrics = [*many, *rates]
    chosen = checked_highlights(metrics, [m.id for m in metrics], TEXT, OUTLINE)
    assert len(chosen) == HIGHLIGHTS_MAX
    assert chosen[:3] == ["r0", "r1", "r2"]  # GDP rates outscore the counts, though proposed last
    assert chosen[3:] == [f"m{n}" for n in range(10, 27)]  # equals in source order


def test_a_fact_proposed_twice_counts_once() -> None:
    twice = [*METRICS, _metric("m10", "地区生产总值", "520亿元", "元")]
    chosen = checked_highlights(twice, ["m1", "m10"], TEXT, OUTLINE)
    assert chosen.count("m1") + chosen.count("m10") == 1


def test_the_fill_skips_what_a_proposal_would_be_refused_for() -> None:
    # a junk metric the deterministic choice ranks (a rate in the review's opening paragraph, named by the figure)
    junk = _metric("m10", "7.5%", "7.5%", "%")
    assert "m10" in choose_highlights([*METRICS, junk], TEXT, OUTLINE)
    assert "m10" not in checked_highlights([*METRICS, junk], ["m9"], TEXT, OUTLINE)


def test_after_verification_the_fill_takes_verified_figures_only() -> None:
    metrics = [m.model_copy(update={"check": "verified"}) for m in METRICS]
    metrics[0] = metrics[0].model_copy(update={"check": "not_in_source"})  # m1, the deterministic choice's second
    filled = fill_highlights(["m9"], metrics, TEXT, OUTLINE, verified_only=True)
    assert filled[0] == "m9" and "m1" not in filled
    assert filled[1:] == [mid for mid in choose_highlights(metrics, TEXT, OUTLINE) if mid != "m1"]


def test_indicator_weight_is_the_first_entry_holding_any_of_its_words() -> None:
    """The compiled reading against the table's definition, on names made of table words, their pieces and
    filler."""
    import random

    from summarizer.highlights import indicator_table, indicator_weight

    table = indicator_table()
    words = [w for ws, _ in table for w in ws]
    rng = random.Random(13)
    for _ in range(2000):
        name = "".join(
            rng.choice(words)[: rng.randint(1, 4)] if rng.random() < 0.5 else rng.choice("全年新增完成总量率额")
            for _ in range(rng.randint(1, 4))
        )
        expected = next((weight for ws, weight in table if any(w in name for w in ws)), 0.0)
        assert indicator_weight(name) == expected, name
