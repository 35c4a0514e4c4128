"""extract: what an extraction request says about its chunk, and the overview call's material."""

from __future__ import annotations

from test_chunks import REPORT  # a preamble and three small sections, the first with sub-sections

from summarizer.chunks import make_chunks
from summarizer.extract import ChunkResult, OverviewPoint
from summarizer.models import ChunkExtraction, ExtractedItem, Grounding
from summarizer.plan import extraction_grounding, lead, overview_points, part_labels
from summarizer.prompts import extract_messages
from summarizer.sections import parse_sections


def test_a_chunk_names_each_part_it_owes_a_summary_for() -> None:
    outline = parse_sections(REPORT)
    whole, = make_chunks(REPORT, outline, budget=1000)
    # The preamble (title, opening formula) is not asked for a summary: the overview call sees it as the head.
    assert whole.parts[0].path == ()
    assert part_labels(whole) == ["一、上半年工作开展情况", "二、存在的问题", "三、下半年工作安排"]
    assert extraction_grounding(whole) == Grounding(whole.text, 3)
    user = extract_messages(whole.text, part_labels(whole))[1]["content"]
    lines = ["部分:", "1. 一、上半年工作开展情况", "2. 二、存在的问题", "3. 三、下半年工作安排", "片段:"]
    assert user.startswith("\n".join(lines) + "\n")
    # A chunk holding nothing but the preamble does summarize it.
    title_only = make_chunks(REPORT, outline, budget=40)[0]
    assert [p.path for p in title_only.parts] == [()] and part_labels(title_only) == ["报告开头"]
    assert user.endswith(whole.text)
    # A part that began in an earlier chunk is marked: its heading is not in this chunk's text.
    third = make_chunks(REPORT, outline, budget=40)[2]
    assert third.parts[0].start < third.start
    assert part_labels(third) == ["一、上半年工作开展情况(接上文)"]


def test_lead_is_the_first_sentence_cut_at_a_clause_end() -> None:
    assert lead("上半年完成投资3亿元。其余略。") == "上半年完成投资3亿元。"
    assert lead("没有句号的一段话") == "没有句号的一段话"
    long = "上半年完成投资3亿元," + "走访企业30家," * 10 + "成效明显。"
    cut = lead(long, limit=40)
    assert len(cut) <= 41 and cut.endswith("…") and cut.startswith("上半年完成投资3亿元,")
    assert cut[:-1] == long[: len(cut) - 1] and long[len(cut) - 1] in "，,"  # cut right before a comma


def test_overview_material_is_the_lead_of_each_summary_without_the_preamble() -> None:
    outline = parse_sections(REPORT)
    whole, = make_chunks(REPORT, outline, budget=1000)
    result = ChunkResult(
        whole,
        ChunkExtraction(
            summaries=["上半年完成投资3亿元。还走访了企业。", "", "下半年力争投资5亿元。"],
            items=[ExtractedItem(text="存在投入不足的问题", kind="problem", quote="投入不足。")],
        ),
    )
    assert overview_points([result]) == (
        OverviewPoint(("一、上半年工作开展情况",), ("上半年完成投资3亿元。",)),
        OverviewPoint(("二、存在的问题",), ("存在投入不足的问题",)),  # no summary: its items stand in
        OverviewPoint(("三、下半年工作安排",), ("下半年力争投资5亿元。",)),
    )


def test_a_skipped_chunk_costs_nothing_and_owes_nothing() -> None:
    outline = parse_sections("某县科技局工作总结\n")
    chunk, = make_chunks("某县科技局工作总结\n", outline)
    skipped = ChunkResult.skipped(chunk)
    assert skipped.extraction.summaries == [] and skipped.extraction.items == []
    assert skipped.usage.calls == 0
