"""verify: every check outcome, every perturbation type, free text, approximations, drop_unverified.

Sources are real sentences from tests/data; expected outcomes come from reading them.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from summarizer.models import Evidence, Item, Metric, ReportSummary, SectionSummary, SourceInfo
from summarizer.numbers import NumberMention, find_numbers
from summarizer.sections import parse_sections
from summarizer.verify import verify

DATA = Path(__file__).parent / "data"

# xianning_city_2020h1.txt, sections 2 and 3 of the work done, verbatim.
XIANNING = (
    "一季度,全市实现高新技术产业增加值30.95亿元,同比下跌40.5%,高新技术产业增加值占GDP比重13.45%,"
    "比去年同期下降3个百分点。随着4月上旬全市规上高新技术企业100%复工,产能不断提升,预计二季度数据将大幅度回升,"
    "占GDP比重将达14.5%,与去年同期持平(二季度数据由统计局7月底公布)。"
    "完成省级科技成果登记40项,占全年任务66.66%。完成技术合同认定登记649项,合同成交总额30.13亿元,"
    "占全年任务60.26%。完成成果转化项目25项,占全年任务41.6%。组织申报2020年湖北省科技奖项目34项。"
)
# xuancheng_county_2020h1.txt: redacted figures.
XUANCHENG = (
    "截止6月底,已完成2020年第一批高企推荐上报工作,共推荐申报xx家企业,其中新认定x家,重新认定xx家。"
    "1-5月份,我市高新技术产业增加值增速为xx%,位居宣城市第四,总量占比xx%,位于宣城市第一;"
    "完成2019年度全社会研发经费投入数据上报工作,上报投入总额xx亿元。"
    "一是加大对上项目争取,积极组织团队申报省重点团队项目扶持,上半年3家团队获得省重点团队扶持,"
    "其中A类x个、C类x个,共获扶持资金1600万元,加大对上争取资金力度。"
)
# county_trad_pinyin_2020h1.txt (simplified, as the cleaner hands it over): approximations.
COUNTY = (
    "一是组织开展XX县2020年科技活动周广场宣传活动,1500名群众热情参与,摆放科普宣传展板41块,科普仪器10台、"
    "现场咨询150多人次、健康义诊300多人次、发放科普资料1.2万余份;二是全县78个贫困村科技特派员开展科技扶贫政策宣传、"
    "实用技术培训等78期,受训群众8000余人次。兑现人才奖励资金近千万元,重点奖励企业引进的高层次人才。"
)
SOURCE = XIANNING + XUANCHENG + COUNTY
MENTIONS = find_numbers(SOURCE)


def ev(quote: str, text: str = SOURCE) -> Evidence:
    """Evidence for a quote of the source, at its first occurrence."""
    at = text.index(quote)
    return Evidence(quote=quote, start=at, end=at + len(quote), original_start=at, original_end=at + len(quote))


def metric(
    mid: str,
    name: str,
    value: str | None,
    number: float | None,
    unit: str,
    quote: str,
    *,
    approx: str | None = None,
    text: str = SOURCE,
) -> Metric:
    return Metric(
        id=mid,
        name=name,
        value=value,
        number=number,
        unit=unit,
        kind="result",
        approx=approx,
        redacted=value is None,
        evidence=ev(quote, text),
    )


def summary(
    metrics: list[Metric] | None = None,
    overview: str = "",
    sections: list[SectionSummary] | None = None,
) -> ReportSummary:
    n = len(SOURCE)
    return ReportSummary(
        source=SourceInfo(
            path=None,
            name="t.txt",
            sha256="0" * 64,
            format="txt",
            encoding="utf-8",
            raw_chars=n,
            clean_chars=n,
            script="simplified",
        ),
        overview=overview,
        sections=sections or [],
        metrics=metrics or [],
        backend="test",
        prompt_version="v1",
    )


def section(
    summary_text: str,
    items: list[Item] | None = None,
    sid: str = "s1",
    span: tuple[int, int] = (0, len(SOURCE)),
) -> SectionSummary:
    return SectionSummary(
        id=sid,
        heading_path=["一、"],
        role="work_done",
        summary=summary_text,
        items=items or [],
        start=span[0],
        end=span[1],
    )


def item(iid: str, text: str, metric_ids: list[str] | None = None) -> Item:
    return Item(id=iid, text=text, kind="achievement", metrics=metric_ids or [])


def checked(m: Metric, text: str = SOURCE) -> Metric:
    mentions = MENTIONS if text is SOURCE else find_numbers(text)
    return verify(summary([m]), mentions).metrics[0]


# --------------------------------------------------------------------------------------------------
# Correct metrics are verified
# --------------------------------------------------------------------------------------------------

CORRECT = [
    metric("m1", "高新技术产业增加值", "30.95亿", 3_095_000_000, "元", "全市实现高新技术产业增加值30.95亿元"),
    metric("m2", "高新技术产业增加值同比", "40.5", 40.5, "%", "同比下跌40.5%"),
    metric("m3", "高新技术产业增加值占GDP比重", "13.45", 13.45, "%", "高新技术产业增加值占GDP比重13.45%"),
    metric("m4", "占比同比变化", "3", 3, "百分点", "比去年同期下降3个百分点"),
    metric("m5", "规上高企复工率", "100", 100, "%", "全市规上高新技术企业100%复工"),
    metric("m6", "预计二季度占GDP比重", "14.5", 14.5, "%", "占GDP比重将达14.5%"),
    metric("m7", "省级科技成果登记", "40", 40, "项", "完成省级科技成果登记40项"),
    metric("m8", "成果登记任务完成率", "66.66", 66.66, "%", "占全年任务66.66%"),
    metric("m9", "技术合同认定登记", "649", 649, "项", "完成技术合同认定登记649项"),
    metric("m10", "合同成交总额", "30.13亿", 3_013_000_000, "元", "合同成交总额30.13亿元"),
    metric("m11", "成果转化项目", "25", 25, "项", "完成成果转化项目25项"),
    metric("m12", "省科技奖申报项目", "34", 34, "项", "组织申报2020年湖北省科技奖项目34项"),
    # scale word left in the unit, as models sometimes answer
    metric("m13", "团队扶持资金", "1600", 16_000_000, "万元", "共获扶持资金1600万元"),
    metric("m14", "发放科普资料", "1.2万", 12_000, "份", "发放科普资料1.2万余份", approx="余"),
    metric("m15", "现场咨询", "150", 150, "人次", "现场咨询150多人次", approx="多"),
    metric("m16", "人才奖励资金", "千万", 10_000_000, "元", "兑现人才奖励资金近千万元", approx="近"),
    metric("m17", "获扶持团队", "3", 3, "家", "上半年3家团队获得省重点团队扶持"),
    metric("m18", "参与群众", "1500", 1500, "名", "1500名群众热情参与"),
]


def test_correct_metrics_from_real_sentences_are_all_verified() -> None:
    out = verify(summary(CORRECT), MENTIONS)
    bad = [(m.id, m.check, m.check_reason) for m in out.metrics if m.check != "verified"]
    assert bad == []
    assert out.verification.numbers_checked == len(CORRECT)
    assert out.verification.verified == len(CORRECT)
    assert out.verification.failed == 0
    assert out.verification.grounded_share == 1.0
    assert all(m.check_reason for m in out.metrics)


def test_evidence_overlapping_the_mention_is_enough() -> None:
    # The quote stops inside "30.95亿元" (models trim the unit); the mention overlaps it.
    m = metric("m1", "增加值", "30.95亿", 3_095_000_000, "元", "高新技术产业增加值30.95亿")
    assert checked(m).check == "verified"


# --------------------------------------------------------------------------------------------------
# Perturbations
# --------------------------------------------------------------------------------------------------

QUOTE_1 = "全市实现高新技术产业增加值30.95亿元"


@pytest.mark.parametrize(
    ("value", "number", "unit", "expected"),
    [
        ("30.96亿", 3_096_000_000, "元", "not_in_source"),  # digit changed
        ("31.95亿", 3_195_000_000, "元", "not_in_source"),  # digit changed
        ("3.095亿", 309_500_000, "元", "not_in_source"),  # decimal point moved
        ("309.5亿", 30_950_000_000, "元", "not_in_source"),  # decimal point moved
        ("30.95万", 309_500, "元", "not_in_source"),  # 亿 -> 万
        ("30.95亿", 309_500, "元", "not_in_source"),  # number disagrees with its own value
        ("30.95亿", 3_095_000_000, "%", "unit_mismatch"),  # money turned into a percentage
    ],
)
def test_perturbed_money_is_caught(value: str, number: float, unit: str, expected: str) -> None:
    m = checked(metric("m1", "增加值", value, number, unit, QUOTE_1))
    assert m.check == expected, m.check_reason


def test_scale_swap_reason_names_the_source_figure() -> None:
    m = checked(metric("m1", "增加值", "30.95万", 309_500, "元", QUOTE_1))
    assert "30.95亿元" in (m.check_reason or "")


def test_wan_to_yi_swap() -> None:
    m = checked(metric("m13", "扶持资金", "1600亿", 160_000_000_000, "元", "共获扶持资金1600万元"))
    assert m.check == "not_in_source"


@pytest.mark.parametrize("unit", ["", "家", "项", "元"])
def test_percentage_turned_into_a_count_is_a_unit_mismatch(unit: str) -> None:
    m = checked(metric("m2", "同比", "40.5", 40.5, unit, "同比下跌40.5%"))
    assert m.check == "unit_mismatch", m.check_reason


def test_percent_is_not_money_with_the_same_digits() -> None:
    text = "全年完成固定资产投资40.5亿元。"
    m = checked(metric("m1", "投资增速", "40.5", 40.5, "%", "完成固定资产投资40.5亿元", text=text), text)
    assert m.check == "unit_mismatch"


def test_percentage_points_are_not_percent() -> None:
    m = checked(metric("m4", "占比变化", "3", 3, "%", "比去年同期下降3个百分点"))
    assert m.check == "unit_mismatch"


@pytest.mark.parametrize(
    ("value", "number", "unit", "quote"),
    [
        ("12", 12, "家", "共推荐申报xx家企业"),
        ("5", 5, "家", "其中新认定x家"),
        ("8.5", 8.5, "%", "我市高新技术产业增加值增速为xx%"),
        ("2.3亿", 230_000_000, "元", "上报投入总额xx亿元"),
        ("2", 2, "个", "其中A类x个"),
    ],
)
def test_redacted_figure_filled_in_is_caught(value: str, number: float, unit: str, quote: str) -> None:
    m = checked(metric("m", "x", value, number, unit, quote))
    assert m.check == "redacted_in_source", m.check_reason


@pytest.mark.parametrize(
    ("unit", "quote"),
    [("家", "共推荐申报xx家企业"), ("%", "增加值增速为xx%"), ("元", "上报投入总额xx亿元"), ("", "其中A类x个")],
)
def test_redacted_metric_on_redacted_evidence_is_verified(unit: str, quote: str) -> None:
    m = checked(metric("m", "x", None, None, unit, quote))
    assert m.check == "verified", m.check_reason


def test_redacted_ordinal_metric_is_verified() -> None:
    text = "力争年底企业吸纳技术合同成交额增速考核进宣城市前x名;"
    m = checked(metric("m", "排名", None, None, "名", "考核进宣城市前x名", text=text), text)
    assert m.check == "verified", m.check_reason


@pytest.mark.parametrize(("value", "expected"), [("四", "verified"), ("第四", "verified"), ("五", "not_in_source")])
def test_ordinal_metric(value: str, expected: str) -> None:
    m = checked(metric("m", "增速排名", value, 4 if "四" in value else 5, "", "位居宣城市第四"))
    assert m.check == expected, m.check_reason


def test_redacted_metric_where_the_source_gives_a_figure_fails() -> None:
    m = checked(metric("m", "成果登记", None, None, "项", "完成省级科技成果登记40项"))
    assert m.check == "not_in_source"


def test_redacted_metric_with_the_wrong_unit_is_a_unit_mismatch() -> None:
    m = checked(metric("m", "企业数", None, None, "家", "我市高新技术产业增加值增速为xx%"))
    assert m.check == "unit_mismatch"


@pytest.mark.parametrize(
    ("value", "number", "unit", "quote"),
    [
        ("649", 649, "项", "完成成果转化项目25项"),  # 649项 belongs to 技术合同认定登记
        ("30.13亿", 3_013_000_000, "元", QUOTE_1),  # the other 亿元 figure of the report
        ("66.66", 66.66, "%", "占全年任务60.26%"),
    ],
)
def test_number_moved_to_another_metrics_evidence_is_caught(value: str, number: float, unit: str, quote: str) -> None:
    m = checked(metric("m", "x", value, number, unit, quote))
    assert m.check == "not_in_source"
    assert "outside this metric's evidence" in (m.check_reason or "")


def test_invented_number() -> None:
    m = checked(metric("m", "x", "77", 77, "项", "完成成果转化项目25项"))
    assert m.check == "not_in_source"


def test_value_that_is_not_a_number() -> None:
    m = checked(metric("m", "x", "若干", None, "项", "完成成果转化项目25项"))
    assert m.check == "not_in_source"


def test_count_units_must_agree() -> None:
    # 3家团队 is a count of teams; "3个" is a different measure word.
    m = checked(metric("m17", "获扶持团队", "3", 3, "个", "上半年3家团队获得省重点团队扶持"))
    assert m.check == "unit_mismatch"


# --------------------------------------------------------------------------------------------------
# Free text
# --------------------------------------------------------------------------------------------------


def test_free_text_numbers_are_checked_against_the_whole_source() -> None:
    out = verify(
        summary(
            overview="一季度高新技术产业增加值30.95亿元,同比下跌40.5%;合同成交总额3,013,000,000元。",
            sections=[section("完成技术合同认定登记649项,占比下降3个百分点。")],
        ),
        MENTIONS,
    )
    assert out.verification.failures == []
    assert out.verification.numbers_checked == 5
    assert out.verification.verified == 5


def test_free_text_failures_have_field_paths() -> None:
    out = verify(
        summary(
            overview="增加值31.95亿元。",  # digit changed
            sections=[
                section("登记6.49项。", [item("i1", "成果转化25项。"), item("i2", "成果转化250项。")]),
                section("增速40.5个。", sid="s2"),  # percentage turned into a count
            ],
        ),
        MENTIONS,
    )
    fields = [(f.field, f.text, f.check) for f in out.verification.failures]
    assert fields == [
        ("overview", "31.95亿元", "not_in_source"),
        ("sections[0].summary", "6.49项", "not_in_source"),
        ("sections[0].items[1].text", "250项", "not_in_source"),
        ("sections[1].summary", "40.5个", "unit_mismatch"),
    ]
    items = out.sections[0].items
    assert [i.flagged for i in items] == [False, True]
    assert out.verification.numbers_checked == 5
    assert out.verification.verified == 1
    assert out.verification.failed == 4
    assert out.verification.grounded_share == pytest.approx(0.2)


def test_section_texts_are_checked_against_their_own_section() -> None:
    xianning = (0, len(XIANNING))
    xuancheng = (len(XIANNING), len(XIANNING) + len(XUANCHENG))
    out = verify(
        summary(
            sections=[
                # 1600万元 is in the source, but in the Xuancheng part; 2019年 is context and may come from anywhere
                section(
                    "合同成交总额30.13亿元,获扶持资金1600万元。",
                    [item("i1", "2019年研发投入上报。")],
                    span=xianning,
                ),
                section("获扶持资金1600万元。", [item("i2", "成交总额30.13亿元。")], sid="s2", span=xuancheng),
            ]
        ),
        MENTIONS,
    )
    failures = [(f.field, f.text) for f in out.verification.failures]
    assert failures == [("sections[0].summary", "1600万元"), ("sections[1].items[0].text", "30.13亿元")]
    assert "not in the section" in out.verification.failures[0].reason
    assert [i.flagged for s in out.sections for i in s.items] == [False, True]


def test_section_without_a_span_is_checked_against_the_whole_source() -> None:
    out = verify(summary(sections=[section("获扶持资金1600万元。", span=(0, 0))]), MENTIONS)
    assert out.verification.failures == []


def test_percent_in_text_is_not_a_plain_number() -> None:
    out = verify(summary(overview="比重为13.45,与去年持平。"), find_numbers("比重13.45%。"))
    assert out.verification.failed == 1


def test_scale_words_normalise_in_free_text() -> None:
    source = find_numbers("共获扶持资金1600万元,发放科普资料1.2万余份")
    out = verify(summary(overview="获扶持资金16,000,000元,发放资料12000份。"), source)
    assert out.verification.failures == []


def test_small_chinese_counting_words_and_first_are_not_checked() -> None:
    out = verify(summary(overview="两项工作取得进展,三家企业获得支持,第一批高企申报完成。"), MENTIONS)
    assert out.verification.numbers_checked == 0
    assert out.verification.grounded_share == 1.0


def test_years_dates_and_ordinals_in_text_are_checked() -> None:
    ok = verify(summary(overview="2020年截至6月底,增速位居宣城市第四。"), MENTIONS)
    assert ok.verification.numbers_checked == 3
    assert ok.verification.failures == []
    bad = verify(summary(overview="2018年增速位居宣城市第五。"), MENTIONS)
    assert [f.text for f in bad.verification.failures] == ["2018年", "第五"]


def test_redaction_in_text() -> None:
    ok = verify(summary(overview="共推荐申报xx家企业。"), MENTIONS)
    assert ok.verification.failures == []
    bad = verify(summary(overview="共推荐申报xx家企业。"), find_numbers("共推荐申报12家企业。"))
    assert bad.verification.failed == 1


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("增加值约31亿元", True),  # 30.95 rounds to 31
        ("增加值约32亿元", False),
        ("增加值近31亿元", True),
        ("增加值超过30亿元", True),
        ("增加值30多亿元", True),
        ("增加值超过31亿元", False),
        ("技术合同认定登记600多项", True),  # 649 in 600..699
        ("技术合同认定登记650多项", False),  # 649 is not 650..659
        ("技术合同认定登记近650项", True),
        ("技术合同认定登记约650项", True),
        ("技术合同认定登记约640项", False),
        ("发放科普资料1万余份", True),
        ("发放科普资料1.3万余份", False),
        ("奖励资金近千万元", True),  # same words as the source
        ("奖励资金约1000万元", True),
        ("奖励资金近百万元", False),
        ("同比下跌约40%", True),
        ("同比下跌约50%", False),
    ],
)
def test_approximate_numbers(text: str, ok: bool) -> None:
    out = verify(summary(overview=text), MENTIONS)
    assert out.verification.numbers_checked == 1
    assert (out.verification.failed == 0) is ok, out.verification.failures


# --------------------------------------------------------------------------------------------------
# drop_unverified, counting, purity
# --------------------------------------------------------------------------------------------------


def _mixed() -> ReportSummary:
    good = metric("m1", "增加值", "30.95亿", 3_095_000_000, "元", QUOTE_1)
    bad = metric("m2", "同比", "45.5", 45.5, "%", "同比下跌40.5%")
    red = metric("m3", "企业数", "12", 12, "家", "共推荐申报xx家企业")
    items = [
        item("i1", "增加值30.95亿元,同比下跌45.5%。", ["m1", "m2"]),
        item("i2", "推荐申报企业。", ["m3"]),
        item("i3", "完成技术合同认定登记649项。", []),
    ]
    return summary([good, bad, red], overview="概述。", sections=[section("小结。", items)])


def test_without_drop_everything_stays_and_is_marked() -> None:
    out = verify(_mixed(), MENTIONS)
    assert [m.check for m in out.metrics] == ["verified", "not_in_source", "redacted_in_source"]
    assert [i.flagged for i in out.sections[0].items] == [True, False, False]
    v = out.verification
    # 3 metrics + 649项 + 30.95亿元 + 45.5%
    assert (v.numbers_checked, v.verified, v.failed) == (6, 3, 3)
    assert [f.field for f in v.failures] == ["metrics[1]", "metrics[2]", "sections[0].items[0].text"]


def test_drop_unverified_removes_failed_metrics_ids_and_flagged_items() -> None:
    out = verify(_mixed(), MENTIONS, drop_unverified=True)
    assert [m.id for m in out.metrics] == ["m1"]
    assert [i.id for i in out.sections[0].items] == ["i2", "i3"]
    assert out.sections[0].items[0].metrics == []
    v = out.verification
    assert (v.numbers_checked, v.verified, v.failed) == (6, 3, 3)
    assert len(v.failures) == 3


def test_verify_is_pure() -> None:
    given = _mixed()
    before = given.model_dump()
    verify(given, MENTIONS, drop_unverified=True)
    assert given.model_dump() == before


def test_empty_summary_is_fully_grounded() -> None:
    v = verify(summary(), MENTIONS).verification
    assert (v.numbers_checked, v.failed, v.grounded_share) == (0, 0, 1.0)


# --------------------------------------------------------------------------------------------------
# A small perturbation benchmark over a whole real report
# --------------------------------------------------------------------------------------------------

CLAUSE = re.compile(r"[^，,；;。！？!?：:\n]+")
FACT_KINDS = {"count", "money", "percent", "percent_point"}


def _fact_metrics(text: str) -> list[tuple[NumberMention, Metric]]:
    """A metric for every figure of the report, with its clause as evidence, written the way the extractor
    writes them: value with its scale word, unit separate, number = value x scale."""
    out = []
    for clause in CLAUSE.finditer(text):
        for m in find_numbers(clause.group()):
            if m.kind not in FACT_KINDS or m.numeral != "arabic" or m.approx or m.value is None or m.scaled is None:
                continue
            written = re.match(r"[\d.,]+((?:[万亿]|千(?![瓦米克伏])|百(?!分))*)", m.text)
            assert written is not None
            value = f"{m.value}{written.group(1)}"
            evidence = Evidence(
                quote=clause.group(),
                start=clause.start(),
                end=clause.end(),
                original_start=clause.start(),
                original_end=clause.end(),
            )
            metric_ = Metric(
                id=f"m{len(out)}",
                name="x",
                value=value,
                number=float(m.scaled),
                unit=m.unit,
                kind="result",
                evidence=evidence,
            )
            out.append((m, metric_))
    return out


def _perturb(m: NumberMention, metric_: Metric) -> list[Metric]:
    assert m.value is not None and m.scaled is not None and metric_.value is not None
    scale = metric_.value[len(str(m.value)) :]
    mult = m.scaled / m.value if m.value else Decimal(1)
    variants: list[tuple[Decimal, str, Decimal, str]] = []
    digits = str(m.value)
    last = digits.rstrip("0.") or digits
    pos = len(last) - 1
    changed = digits[:pos] + str((int(digits[pos]) + 1) % 10) + digits[pos + 1 :]
    variants.append((Decimal(changed), scale, mult, m.unit))  # digit changed
    variants.append((m.value * 10, scale, mult, m.unit))  # decimal point moved
    if "亿" in scale:
        swapped = scale.replace("亿", "万", 1)
    elif "万" in scale:
        swapped = scale.replace("万", "亿", 1)
    else:
        swapped = scale + "万"
    factor = {"万": 10**4, "亿": 10**8, "千": 10**3, "百": 10**2}
    swapped_mult = Decimal(1)
    for ch in swapped:
        swapped_mult *= factor[ch]
    variants.append((m.value, swapped, swapped_mult, m.unit))  # 万 <-> 亿
    if m.unit == "%":
        variants.append((m.value, scale, mult, "项"))  # percentage turned into a count
    out = []
    for value, sc, k, unit in variants:
        out.append(metric_.model_copy(update={"value": f"{value}{sc}", "number": float(value * k), "unit": unit}))
    return out


@pytest.mark.parametrize("name", ["xianning_city_2020h1.txt", "national_2022_gov_report.txt"])
def test_perturbation_catch_rate_on_a_real_report(name: str) -> None:
    text = (DATA / name).read_text(encoding="utf-8")
    mentions = find_numbers(text)
    pairs = _fact_metrics(text)
    assert len(pairs) > 30
    clean = verify(summary([mt for _, mt in pairs]), mentions)
    false_flags = [(m.value, m.unit, m.check_reason) for m in clean.metrics if m.check != "verified"]
    assert false_flags == []
    perturbed = [p for m, mt in pairs for p in _perturb(m, mt)]
    out = verify(summary(perturbed), mentions)
    missed = [(m.value, m.unit, m.evidence.quote) for m in out.metrics if m.check == "verified"]
    assert len(missed) / len(perturbed) <= 0.01, missed


def test_redacted_amount_with_scale_word_in_unit_is_verified() -> None:
    # An answer may keep the scale word with the unit when the figure itself is redacted ("xx万元").
    from summarizer.models import Evidence, Metric, ReportSummary, SourceInfo
    from summarizer.numbers import find_numbers
    from summarizer.verify import verify

    text = "截止6月底,累计对上争取资金xx万元。上报投入总额xx亿元。"
    metrics = []
    for n, (quote, unit) in enumerate((("累计对上争取资金xx万元", "万元"), ("上报投入总额xx亿元", "亿元")), 1):
        start = text.index(quote)
        ev = Evidence(
            quote=quote, start=start, end=start + len(quote), original_start=start, original_end=start + len(quote)
        )
        metrics.append(
            Metric(
                id=f"m{n}",
                name=quote[:4],
                value=None,
                number=None,
                unit=unit,
                kind="result",
                redacted=True,
                evidence=ev,
            )
        )
    summary = ReportSummary(
        source=SourceInfo(
            path=None,
            name="t",
            sha256="0",
            format="text",
            encoding="utf-8",
            raw_chars=len(text),
            clean_chars=len(text),
            script="simplified",
        ),
        metrics=metrics,
        backend="offline",
        prompt_version="v1",
    )
    checked = verify(summary, find_numbers(text))
    assert [m.check for m in checked.metrics] == ["verified", "verified"]


@pytest.mark.parametrize(
    ("value", "expected"),
    # a redacted figure shown as its own marks and scale: right only when the source writes exactly those
    [("xx亿", "verified"), ("xxx亿", "not_in_source"), ("xx万", "not_in_source")],
)
def test_redacted_marks_with_scale_must_be_the_sources(value: str, expected: str) -> None:
    m = metric("m", "上报投入总额", value, None, "元", "上报投入总额xx亿元")
    m.redacted = True
    assert checked(m).check == expected, checked(m).check_reason


def test_highlights_keep_only_verified_metrics() -> None:
    good = metric("m1", "扶持资金", "1600万", 16_000_000, "元", "共获扶持资金1600万元")
    bad = metric("m2", "扶持资金", "1700万", 17_000_000, "元", "共获扶持资金1600万元")
    s = summary([good, bad])
    s.highlights = ["m2", "m1", "m9"]
    out = verify(s, find_numbers(SOURCE))
    assert out.highlights == ["m1"]


# -- binding and period (verify with the source text) -------------------------------------------------

# hailar_2012_gov_report.txt and national reports, verbatim; a two-figure 分别 list, an amount and its growth,
# a comparison base year, five-year averages.
BOUND = (
    "全区实现地区生产总值235.2亿元，同比增长18.5%。城乡常住居民人均可支配收入分别完成37820元、28104元。"
    "农村常住居民人均可支配收入完成22250元，比2010年增加10525元。"
    "五年来，国内生产总值年均增长7.8%。"
    "全国和自由贸易试验区负面清单条数分别压减51%、72%。"
)


def bound(mid: str, name: str, value: str, number: float, unit: str, quote: str, period: str = "2011年") -> Metric:
    m = metric(mid, name, value, number, unit, quote, text=BOUND)
    years = [int(y) for y in re.findall(r"\d{4}", period)]
    return m.model_copy(update={"period": period, "period_start": f"{years[0]}-01", "period_end": f"{years[-1]}-12"})


def checked_in_text(*metrics: Metric) -> list[tuple[str, str | None]]:
    s = summary(list(metrics)).model_copy(
        update={"period": "2012年", "period_start": "2012-01", "period_end": "2012-12"}
    )
    out = verify(s, find_numbers(BOUND), text=BOUND, outline=parse_sections(BOUND))
    return [(m.check, m.check_reason) for m in out.metrics]


CITY_RURAL = "城乡常住居民人均可支配收入分别完成37820元、28104元"


def test_figures_bound_to_their_own_indicator_are_verified() -> None:
    results = checked_in_text(
        bound("m1", "地区生产总值", "235.2亿", 23520000000, "元", "全区实现地区生产总值235.2亿元"),
        bound("m2", "地区生产总值同比增长", "18.5", 18.5, "%", "同比增长18.5%"),
        bound("m3", "城镇常住居民人均可支配收入", "37820", 37820, "元", CITY_RURAL),
        bound("m4", "农村居民收入", "28104", 28104, "元", CITY_RURAL),
        bound("m5", "国内生产总值年均增长", "7.8", 7.8, "%", "国内生产总值年均增长7.8%", period="2007—2011年"),
    )
    assert [c for c, _ in results] == ["verified"] * 5


def test_a_value_swapped_within_its_evidence_is_misattributed() -> None:
    # the case: the urban figure under the rural name, and the reverse
    results = checked_in_text(
        bound("m1", "农村常住居民人均可支配收入", "37820", 37820, "元", CITY_RURAL),
        bound("m2", "城镇常住居民人均可支配收入", "28104", 28104, "元", CITY_RURAL),
    )
    assert [c for c, _ in results] == ["misattributed", "misattributed"]
    assert "37820元」 is 城镇常住居民人均可支配收入 here" in (results[0][1] or "")


def test_an_amount_and_its_growth_swapped_are_misattributed() -> None:
    quote = "全区实现地区生产总值235.2亿元，同比增长18.5%"
    results = checked_in_text(
        bound("m1", "地区生产总值同比增长", "235.2亿", 23520000000, "元", quote),
        bound("m2", "地区生产总值", "18.5", 18.5, "%", quote),
    )
    assert [c for c, _ in results] == ["misattributed", "misattributed"]


def test_a_binding_the_text_leaves_open_is_ambiguous_unless_the_name_is_its_reading() -> None:
    quote = "全国和自由贸易试验区负面清单条数分别压减51%、72%"
    results = checked_in_text(
        bound("m1", "负面清单条数压减", "51", 51, "%", quote),  # which list? the words do not pair cleanly
    )
    assert results[0][0] == "ambiguous"


def test_a_comparison_base_year_is_not_the_period() -> None:
    quote = "农村常住居民人均可支配收入完成22250元，比2010年增加10525元"
    results = checked_in_text(
        bound("m1", "农村常住居民人均可支配收入增加额", "10525", 10525, "元", quote, period="2010年"),
        bound("m2", "农村常住居民人均可支配收入增加额", "10525", 10525, "元", quote, period="2011年"),
    )
    assert results[0][0] == "wrong_period" and "compared with" in (results[0][1] or "")
    assert results[1][0] == "verified"


def test_a_multi_year_figure_given_one_year_is_a_wrong_period() -> None:
    quote = "国内生产总值年均增长7.8%"
    results = checked_in_text(
        bound("m1", "国内生产总值年均增长", "7.8", 7.8, "%", quote, period="2011年"),
        bound("m2", "国内生产总值年均增长", "7.8", 7.8, "%", quote, period="2007—2011年"),
    )
    assert [c for c, _ in results] == ["wrong_period", "verified"]


@pytest.mark.parametrize("name", ["xianning_city_2020h1.txt", "xuancheng_county_2020h1.txt"])
def test_a_sections_part_answers_as_an_index_of_its_own_mentions(name: str) -> None:
    """``_Source.part`` reads through the whole source's index; it must answer what an index built from the
    section's own mentions answers, for every value, on spans cutting anywhere (inside a figure too)."""
    import random
    from pathlib import Path

    from summarizer.numbers import find_numbers
    from summarizer.verify import _Source

    text = (Path(__file__).resolve().parent / "data" / name).read_text(encoding="utf-8")
    mentions = find_numbers(text)
    whole = _Source(mentions)
    values = {m.scaled for m in mentions if m.scaled is not None} | {m.high for m in mentions if m.high is not None}
    rng = random.Random(7)
    for _ in range(60):
        start = rng.randrange(len(text))
        end = start + rng.randrange(1, 3000)
        part, own = whole.part(start, end), _Source(whole.in_span(start, end), ordered=True)
        assert part.mentions == own.mentions
        assert part.redacted == own.redacted and part.approx_free == own.approx_free
        for value in values:
            assert part.with_value(value) == own.with_value(value)
    assert any(m.redacted for m in mentions) or name.startswith("xianning")


def test_a_source_part_answers_as_the_whole_source_filtered_to_its_span() -> None:
    """``_SourcePart`` reads through the whole source's index (bisected lists, its own mentions): every question
    must get what filtering the whole source's answer to the span gives, in the same order."""
    import random

    from summarizer.clean import clean
    from summarizer.verify import _Source

    text = clean((DATA / "national" / "national_2015_gov_report.txt").read_text(encoding="utf-8")).text
    whole = _Source(find_numbers(text))
    values = [*sorted({m.scaled for m in whole.mentions if m.scaled is not None}), Decimal("-1")]

    def overlapping(ms: list[NumberMention], start: int, end: int) -> list[NumberMention]:
        return [m for m in ms if m.end > start and m.start < end]

    rng = random.Random(19)
    often = [m for m in whole.mentions if m.scaled is not None and len(whole.with_value(m.scaled)) >= 16]
    spans = []
    for _ in range(60):
        start = rng.randrange(len(text))
        spans.append((start, start + rng.choice([1, 50, 500, 5000, len(text)])))
    for m in rng.sample(often, 30):  # spans that start or end on a figure of a value the report repeats
        spans += [(m.start, m.start + 1), (m.end - 1, m.end + 300), (m.end, m.end + 300), (m.start - 300, m.start)]
        spans += [(m.start - 300, m.start + 1), (m.end - 1, m.end)]
    for start, end in spans:
        part = whole.part(start, end)
        assert part.redacted == overlapping(whole.redacted, start, end)
        assert part.approx_free == overlapping(whole.approx_free, start, end)
        for value in rng.sample(values, 40) + [m.scaled for m in often[:: max(1, len(often) // 10)]]:
            assert part.with_value(value) == overlapping(whole.with_value(value), start, end), (start, end, value)
