"""merge: alignment of quotes to the source, dedup, ids in source order, sections from parts."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from summarizer.chunks import Chunk
from summarizer.clean import CleanText
from summarizer.extract import ChunkResult
from summarizer.load import load_text
from summarizer.merge import RunInfo, figure_number, locate, merge, part_summaries, redacted_as_written
from summarizer.models import ChunkExtraction, OverviewDraft, ReportSummary, Usage
from summarizer.plan import extraction_grounding
from summarizer.sections import Outline, Section, summary_parts

TEXT = (
    "科技局工作总结\n"
    "一、上半年工作\n"
    "发放科普资料1.2万余份,受训群众8000余人次。共推荐申报xx家企业。\n"
    "二、下半年工作安排\n"
    "力争申报高新技术企业120家。"
)


def _outline() -> Outline:
    one = TEXT.index("一、")
    two = TEXT.index("二、")
    return Outline(
        sections=[
            Section("一、", "上半年工作", 1, "cn", one, two, one + 7, role="work_done"),
            Section("二、", "下半年工作安排", 1, "cn", two, len(TEXT), two + 9, role="plans"),
        ],
        preamble=(0, one),
        text_length=len(TEXT),
    )


def _chunk(i: int, start: int, end: int) -> Chunk:
    parts = tuple(p for p in summary_parts(_outline()) if TEXT[max(p.start, start) : min(p.end, end)].strip())
    return Chunk(i, TEXT[start:end], start, end, (), parts)


def _extraction(chunk: Chunk, data: dict) -> ChunkResult:
    return ChunkResult(chunk, ChunkExtraction.model_validate(data, context=extraction_grounding(chunk)))


def _merge(results: list[ChunkResult]) -> ReportSummary:
    return merge(
        document=load_text(TEXT, name="t.txt"),
        clean=CleanText(TEXT, list(range(len(TEXT) + 1)), "simplified"),
        outline=_outline(),
        results=results,
        overview=OverviewDraft(title="科技局工作总结", period="2020年上半年", overview="概述。"),
        run=RunInfo("offline", None, "v1"),
        usage=Usage(),
    )


def test_locate_exact_and_whitespace_insensitive() -> None:
    assert locate("1.2万余份", "发放科普资料1.2万余份,") == (6, 12)
    assert locate("发放 科普资料", "发放科普资料1.2万") == (0, 6)
    assert locate("发放科普资料", "发放\n科普 资料1.2万") == (0, 8)
    assert locate("不存在", "发放科普资料") is None
    assert locate("  ", "abc") is None


def test_figure_number_applies_scale() -> None:
    assert figure_number("1.2万", "份") == 12000
    assert figure_number("30.95亿", "元") == 3_095_000_000
    assert figure_number(None, "家") is None


def test_merge_dedups_and_orders_and_grounds() -> None:
    two = TEXT.index("二、")
    one = TEXT.index("一、")
    c1 = _chunk(0, one, two - 1)
    c2 = _chunk(1, two, len(TEXT))
    metric = {"name": "科普资料", "value": "1.2万", "unit": "份", "kind": "result", "quote": "发放科普资料1.2万余份"}
    r1 = _extraction(c1, {
        "summaries": ["上半年开展科普宣传。"],
        "items": [
            {"text": "受训群众8000余人次", "kind": "achievement", "quote": "受训群众8000余人次",
             "metrics": [{"name": "受训群众", "value": "8000", "unit": "人次", "kind": "result",
                          "quote": "受训群众8000余人次"}]},
            {"text": "发放科普资料", "kind": "achievement", "quote": "发放科普资料1.2万余份", "metrics": [metric]},
            # the same fact a second time: must count once
            {"text": "科普宣传", "kind": "measure", "quote": "发放科普资料1.2万余份", "metrics": [metric]},
            {"text": "推荐申报企业", "kind": "achievement", "quote": "共推荐申报xx家企业",
             "metrics": [{"name": "推荐申报企业", "value": None, "unit": "家", "kind": "result",
                          "quote": "共推荐申报xx家企业"}]},
        ],
    })
    r2 = _extraction(c2, {"summaries": ["下半年计划。"], "items": [
        {"text": "申报高企120家", "kind": "plan", "quote": "力争申报高新技术企业120家",
         "metrics": [{"name": "申报高新技术企业", "value": "120", "unit": "家", "kind": "target",
                      "quote": "力争申报高新技术企业120家"}]}]})
    summary = _merge([r1, r2])
    # source order; the redacted figure (null value) shows its own marks from the quote
    assert [m.value for m in summary.metrics] == ["1.2万", "8000", "xx", "120"]
    assert [m.id for m in summary.metrics] == ["m1", "m2", "m3", "m4"]
    m1 = summary.metrics[0]
    # approx is read from the figure's mention in the quote; a null value is a redacted figure
    assert m1.number == 12000 and m1.unit == "份" and m1.approx == "余"
    assert summary.metrics[1].approx == "余" and summary.metrics[3].approx is None
    assert TEXT[m1.evidence.start : m1.evidence.end] == "发放科普资料1.2万余份"
    assert (m1.evidence.original_start, m1.evidence.original_end) == (m1.evidence.start, m1.evidence.end)
    assert summary.metrics[2].redacted and summary.metrics[2].number is None
    assert [s.heading_path for s in summary.sections] == [["一、上半年工作"], ["二、下半年工作安排"]]
    assert [s.role for s in summary.sections] == ["work_done", "plans"]
    items = summary.sections[0].items
    # items are in source order; both items quoting the same sentence point to the one metric
    assert items[0].metrics == ["m1"] and items[1].metrics == ["m1"]
    assert items[2].metrics == ["m2"]
    assert summary.sections[1].items[0].metrics == ["m4"]
    # the first half's results, and the target under the second half's plans (periods.py)
    assert [m.period for m in summary.metrics] == ["2020年上半年"] * 3 + ["2020年下半年"]
    assert [m.section_path for m in summary.metrics] == [["一、上半年工作"]] * 3 + [["二、下半年工作安排"]]


def test_one_chunk_over_several_parts_attributes_items_by_their_quote() -> None:
    chunk = _chunk(0, 0, len(TEXT))
    assert [p.path for p in chunk.parts] == [(), ("一、上半年工作",), ("二、下半年工作安排",)]
    result = _extraction(chunk, {
        "summaries": ["上半年开展科普宣传。", "下半年计划申报高企。"],
        "items": [
            {"text": "申报高企120家", "kind": "plan", "quote": "力争申报高新技术企业120家",
             "metrics": [{"name": "申报高新技术企业", "value": "120", "unit": "家", "kind": "target",
                          "quote": "力争申报高新技术企业120家"}]},
            {"text": "发放科普资料", "kind": "achievement", "quote": "发放科普资料1.2万余份", "metrics": []},
        ],
    })
    summary = _merge([result])
    # The preamble is not summarized (the overview sees it as the head) and holds no items: no section.
    assert [(s.heading_path, s.summary) for s in summary.sections] == [
        (["一、上半年工作"], "上半年开展科普宣传。"),
        (["二、下半年工作安排"], "下半年计划申报高企。"),
    ]
    assert [[i.text for i in s.items] for s in summary.sections] == [["发放科普资料"], ["申报高企120家"]]
    assert summary.metrics[0].section_path == ["二、下半年工作安排"]


def test_summaries_owed_per_part_are_validated_and_a_kept_miscount_is_paired_in_order() -> None:
    chunk = _chunk(0, 0, len(TEXT))
    with pytest.raises(ValidationError, match="共2段"):
        _extraction(chunk, {"summaries": ["只有一段。"], "items": []})
    # An answer kept after its re-asks ran out may still miscount: extras join the last part, missing
    # ones leave their parts without a summary.
    parts = chunk.summarized
    extra = ChunkResult(chunk, ChunkExtraction(summaries=["甲。", "乙。", "丙。"]))
    assert part_summaries(extra) == [(parts[0], "甲。"), (parts[1], "乙。丙。")]
    short = ChunkResult(chunk, ChunkExtraction(summaries=["甲。"]))
    assert part_summaries(short) == [(parts[0], "甲。")]


def test_figure_number_bare_scale_and_chinese_numerals() -> None:
    assert figure_number("千万", "元") == 10_000_000
    assert figure_number("二十四", "条") == 24


# --------------------------------------------------------------------------------------------------
# Redacted figures: their own marks, their scale, their unit
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "quote", "expected"),
    [
        # a null value (how a model says "redacted") takes the marks and scale of the quote's redaction
        (None, "元", "累计对上争取资金xx万元", ("xx万", "元")),
        (None, "元", "上报投入总额xxx.xx亿元", ("xxx.xx亿", "元")),
        # bare marks given without the scale get it back
        ("xx", "元", "合计获补助资金xx万元", ("xx万", "元")),
        # each figure its own marks: the one with the metric's unit
        (None, "家", "xxxx年新增x家企业,获资金xx万元", ("x", "家")),
        # an approximation word is not part of the value
        (None, "元", "获补助资金xx余万元", ("xx万", "元")),
        # marks already right stay
        ("xx万", "元", "获扶持资金共xx万元", ("xx万", "元")),
        # nothing redacted in the quote: left as given, for verification to flag
        (None, "家", "新增企业5家", (None, "家")),
    ],
)
def test_redacted_value_is_its_own_marks_with_scale(
    value: str | None, unit: str, quote: str, expected: tuple[str | None, str]
) -> None:
    assert redacted_as_written(value, unit, quote) == expected


def test_proposals_follow_their_figure_into_the_merged_metric() -> None:
    """A figure the model marks ``key`` is proposed under the id of the metric it merged into, even when another
    item gives the same figure without the mark; a figure nobody proposed comes only from the fill."""
    two = TEXT.index("二、")
    one = TEXT.index("一、")
    c1, c2 = _chunk(0, one, two - 1), _chunk(1, two, len(TEXT))
    people = {"name": "受训群众", "value": "8000", "unit": "人次", "kind": "result", "quote": "受训群众8000余人次"}
    r1 = _extraction(c1, {
        "summaries": ["上半年开展科普宣传。"],
        "items": [
            {"text": "受训群众8000余人次", "kind": "achievement", "quote": "受训群众8000余人次",
             "metrics": [people]},
            {"text": "科普培训", "kind": "measure", "quote": "受训群众8000余人次",
             "metrics": [{**people, "key": True}]},
        ],
    })
    r2 = _extraction(c2, {"summaries": ["下半年计划。"], "items": [
        {"text": "申报高企120家", "kind": "plan", "quote": "力争申报高新技术企业120家",
         "metrics": [{"name": "申报高新技术企业", "value": "120", "unit": "家", "kind": "target",
                      "quote": "力争申报高新技术企业120家", "key": False}]}]})
    summary = _merge([r1, r2])
    assert [m.value for m in summary.metrics] == ["8000", "120"]
    # the model proposed 受训群众 (in one of the two items giving it): it leads, the rest is the deterministic fill
    assert summary.highlights == ["m1", "m2"]
    # without the proposal the deterministic choice ranks the target first (高新技术企业 is on its importance list)
    unproposed = _extraction(c1, {"summaries": ["上半年开展科普宣传。"], "items": [
        {"text": "受训群众8000余人次", "kind": "achievement", "quote": "受训群众8000余人次", "metrics": [people]}]})
    assert _merge([unproposed, r2]).highlights == ["m2", "m1"]
