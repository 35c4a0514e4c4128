"""head: title, reporting body, period and dateline of heads written for these tests, and of the corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from summarizer.clean import clean, source_facts
from summarizer.head import ReportHead, head_lines, read_head
from summarizer.load import load_path
from summarizer.sections import parse_sections

DATA = Path(__file__).parent / "data"


def head_of(raw: str, facts: list[str] | None = None) -> ReportHead:
    """Through the cleaner and the outline, as the pipeline reads it."""
    text = clean(raw).text
    outline = parse_sections(text)
    first = outline.sections[0].heading() if outline.sections else None
    return read_head(
        text, facts=facts if facts is not None else source_facts(raw), first_heading=first,
        preamble_end=outline.preamble[1] or None,
    )  # fmt: skip


def test_no_title() -> None:
    h = head_of(
        "各位代表：\n现在，我代表国务院，向大会报告政府工作，请予审议。\n一、2015年工作回顾\n过去一年，经济稳定增长。"
    )
    assert h.title is None
    assert h.organization == "国务院"  # the reporting body from the opening sentence
    assert h.period == "2016年"  # the year after the one its first part looks back on
    assert h.dateline is None


def test_dateline_only() -> None:
    h = head_of("——2019年3月5日在第十三届全国人民代表大会第二次会议上\n各位代表：\n现在，我代表国务院作报告。")
    assert h.title is None
    assert h.dateline == "2019年3月5日在第十三届全国人民代表大会第二次会议上"
    assert h.period == "2019年"
    assert h.organization == "国务院"


def test_title_twice() -> None:
    raw = "江宁县科技局2019年工作总结\n\n江宁县科技局2019年工作总结\n\n一年来，我局认真履职，完成各项任务。"
    h = head_of(raw)
    assert (h.title, h.organization, h.period) == ("江宁县科技局2019年工作总结", "江宁县科技局", "2019年")


def test_title_glued_twice_to_the_first_sentence() -> None:
    # The page: the title twice, run into the first body sentence, and another body named in a
    # document title inside the body.
    raw = (
        "县科技局上半年推进科技项目建设工作安排县科技局上半年推进科技项目建设工作安排一年来,我局认真贯彻"
        "《县人民政府关于加快科技创新的实施意见》,全力推进科技项目建设。\n"
        "一、上半年工作情况\n2020年上半年,共组织25家企业申报项目。\n二、下半年工作打算\n继续做好项目服务。"
    )
    text = clean(raw).text
    assert text.startswith("县科技局上半年推进科技项目建设工作安排\n一年来,")
    h = head_of(raw)
    assert h.title == "县科技局上半年推进科技项目建设工作安排"
    assert h.organization == "县科技局"  # never 县人民政府, named in a document title inside the body
    assert h.period == "2020年上半年"  # the half year, its year from the text


def test_title_glued_once() -> None:
    h = head_of("政府工作报告各位代表：现在，我代表市政府向大会作工作报告。\n一、2020年工作回顾\n经济平稳。")
    assert h.title == "政府工作报告"
    assert h.organization == "市政府"
    assert h.period == "2021年"


def test_organization_named_only_in_the_title() -> None:
    h = head_of("东坪镇人民政府2021年工作总结\n\n今年以来，在县委、县政府的坚强领导下，全镇经济稳步发展。")
    assert h.organization == "东坪镇人民政府"
    assert h.period == "2021年"


def test_metadata_fact_wins_over_title_prefix() -> None:
    h = head_of("2020年上半年工作总结\n根据要求，现将工作汇报如下:", facts=["发文单位:咸宁市科技局"])
    assert (h.title, h.organization, h.period) == ("2020年上半年工作总结", "咸宁市科技局", "2020年上半年")


def test_spaced_and_split_titles() -> None:
    spaced = head_of("政 府 工 作 报 告\n——2012年2月29日在区人民代表大会上\n海拉尔区人民政府区长 张天喜\n各位代表：")
    assert (spaced.title, spaced.organization, spaced.period) == ("政府工作报告", "海拉尔区人民政府", "2012年")
    split = head_of(
        "政府工作报\n告\n——2021年3月5日在第十三届全国人民代表大会第四次会议上\n国务院总理 李克强\n各位代表："
    )
    assert (split.title, split.organization, split.period) == ("政府工作报告", "国务院", "2021年")


def test_signature_date_is_a_dateline() -> None:
    h = head_of("白沙县统计局2023年工作总结\n一年来，我局认真履职。\n白沙县统计局\n2023年12月20日")
    assert h.dateline == "2023年12月20日"
    assert head_lines(h) == [
        "标题:白沙县统计局2023年工作总结",
        "报告单位:白沙县统计局",
        "时期:2023年",
        "日期:2023年12月20日",
    ]


# Read off the documents by a person (see also tests/gold, written independently).
CORPUS = {
    "county_trad_pinyin_2020h1.txt": ("科技局2020年上半年工作总结和下半年工作计划", "科技局", "2020年上半年"),
    "hailar_2012_gov_report.txt": ("政府工作报告", "海拉尔区人民政府", "2012年"),
    "national_2022_gov_report.txt": ("政府工作报告", "国务院", "2022年"),
    "xianning_city_2020h1.txt": ("2020年上半年工作总结及下半年重点工作安排", "咸宁市科技局", "2020年上半年"),
    "xuancheng_county_2020h1.txt": ("2020年上半年工作总结及下半年工作安排", None, "2020年上半年"),
    "national/national_2013_gov_report.txt": ("2013政府工作报告", "国务院", "2013年"),
    "national/national_2016_gov_report.txt": (None, "国务院", "2016年"),
    "national/national_2021_gov_report.txt": ("政府工作报告", "国务院", "2021年"),
    "national/national_2025_gov_report.txt": (None, "国务院", "2025年"),
}


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_heads(name: str) -> None:
    h = head_of(load_path(DATA / name).text)
    assert (h.title, h.organization, h.period) == CORPUS[name]
