"""sections: heading styles, sequence rules, inline reports, roles, and the five corpus documents."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

from summarizer.sections import Outline, Section, parse_sections, summary_parts, title_role, walk

DATA = Path(__file__).parent / "data"


def heads(sections: list[Section]) -> list[str]:
    return [s.heading() for s in sections]


def tree(outline: Outline) -> list[tuple[int, str]]:
    return [(s.level, s.heading()) for s in walk(outline.sections)]


def nfkc(s: str) -> str:
    """Compare headings whatever the cleaner does with full-width punctuation."""
    return unicodedata.normalize("NFKC", s)


def check_invariants(text: str, outline: Outline) -> None:
    assert outline.text_length == len(text)
    assert outline.preamble[0] == 0
    assert outline.preamble[1] == (outline.sections[0].start if outline.sections else len(text))

    def check(siblings: list[Section], lo: int, hi: int, level: int) -> None:
        prev_end = lo
        for s in siblings:
            assert s.level == level
            assert prev_end <= s.start < s.body_start <= s.end <= hi
            assert text.startswith(s.number, s.start)
            assert s.title and s.title in text[s.start : s.body_start]
            assert not text[s.end - 1].isspace()
            check(s.children, s.body_start, s.end, level + 1)
            prev_end = s.end

    check(outline.sections, outline.preamble[1], len(text), 1)
    for s in outline.sections:
        assert s.role is not None


# --------------------------------------------------------------------------------------------------
# Heading styles
# --------------------------------------------------------------------------------------------------

FULL = """关于2020年工作的报告
一、主要工作
（一）抓好项目建设
1.引进项目
（1）签约项目12个。
（2）开工项目8个。
2.服务企业
①走访企业30家。
②解决问题15个。
（二）抓好民生
二、存在问题
三、下步打算
"""


def test_every_style_nests_in_order_of_appearance() -> None:
    o = parse_sections(FULL)
    check_invariants(FULL, o)
    assert tree(o) == [
        (1, "一、主要工作"),
        (2, "（一）抓好项目建设"),
        (3, "1.引进项目"),
        (4, "（1）签约项目12个"),
        (4, "（2）开工项目8个"),
        (3, "2.服务企业"),
        (4, "①走访企业30家"),
        (4, "②解决问题15个"),
        (2, "（二）抓好民生"),
        (1, "二、存在问题"),
        (1, "三、下步打算"),
    ]
    styles = {s.heading(): s.style for s in walk(o.sections)}
    assert styles["一、主要工作"] == "cn"
    assert styles["（一）抓好项目建设"] == "paren_cn"
    assert styles["1.引进项目"] == "arabic"
    assert styles["（1）签约项目12个"] == "paren_arabic"
    assert styles["①走访企业30家"] == "circled"
    assert o.preamble == (0, FULL.index("一、"))


def test_spans_include_children_and_stop_at_next_sibling() -> None:
    o = parse_sections(FULL)
    first, _, third = o.sections
    assert FULL[first.start : first.end] == FULL[FULL.index("一、") : FULL.index("\n二、")]
    assert first.children[1].end == FULL.index("\n二、")
    assert FULL[third.start : third.end] == "三、下步打算"  # trailing newline trimmed
    item = first.children[0].children[0].children[0]
    assert FULL[item.body_start :].startswith("\n（2）")  # the 。 ending the title is skipped


def test_ascii_and_fullwidth_parens_are_one_style() -> None:
    text = "一、工作\n(一)甲项工作\n（二）乙项工作\n(三)丙项工作\n"
    o = parse_sections(text)
    assert heads(o.sections[0].children) == ["(一)甲项工作", "（二）乙项工作", "(三)丙项工作"]
    text = "一、工作\n（1）甲\n(2)乙\n"
    assert heads(parse_sections(text).sections[0].children) == ["（1）甲", "(2)乙"]


@pytest.mark.parametrize("marker", ["1.", "1、", "1．"])
def test_arabic_separators(marker: str) -> None:
    second = marker.replace("1", "2")
    text = f"一、工作\n{marker}甲项\n{second}乙项\n"
    assert heads(parse_sections(text).sections[0].children) == [f"{marker}甲项", f"{second}乙项"]


def test_levels_follow_first_appearance_not_a_fixed_order() -> None:
    # xuancheng: 一、 > 1. > (1); county_trad: 一、 > 1、 > 一是
    text = "一、上半年工作\n1.重点工作\n(1)甲。\n(2)乙。\n2.经验做法\n二、下半年安排\n1.继续做好甲\n"
    o = parse_sections(text)
    assert tree(o) == [
        (1, "一、上半年工作"),
        (2, "1.重点工作"),
        (3, "(1)甲"),
        (3, "(2)乙"),
        (2, "2.经验做法"),
        (1, "二、下半年安排"),
        (2, "1.继续做好甲"),  # restart under a new parent
    ]
    text = "（一）甲\n1.子\n（二）乙\n"  # no 一、 at all: （一） is the top
    assert tree(parse_sections(text)) == [(1, "（一）甲"), (2, "1.子"), (1, "（二）乙")]


def test_enum_items_title_is_the_clause() -> None:
    text = (
        "一、工作开展情况\n1、加强宣传\n"
        "一是举办培训班5期，培训800人次；二是发放资料1.2万余份；三是开展义诊。\n"
        "2、抓好扶贫\n"
    )
    o = parse_sections(text)
    propaganda = o.sections[0].children[0]
    assert heads(propaganda.children) == [
        "一是举办培训班5期，培训800人次",
        "二是发放资料1.2万余份",
        "三是开展义诊",
    ]
    assert [c.style for c in propaganda.children] == ["enum"] * 3
    assert propaganda.children[2].end == text.index("\n2、")
    assert heads(o.sections[0].children) == ["1、加强宣传", "2、抓好扶贫"]


def test_enum_restarts_within_one_parent_and_not_in_preamble() -> None:
    text = "我局一是抓落实，二是抓服务。\n一、工作\n一是甲；二是乙。\n一是丙；二是丁。\n"
    o = parse_sections(text)
    assert heads(o.sections) == ["一、工作"]
    assert heads(o.sections[0].children) == ["一是甲", "二是乙", "一是丙", "二是丁"]


# --------------------------------------------------------------------------------------------------
# Inline (one-line) reports and titles
# --------------------------------------------------------------------------------------------------

INLINE = (
    "2020年上半年工作总结及下半年工作安排 一、2020年上半年工作总结 1. 获得荣誉 "
    "xx省县级防震减灾工作综合考核先进单位。 2. 重点工作 (1)紧抓创新主体培育,推进目标管理考核。"
    "2020年初,启动2020年度高新技术企业培育工作,共推荐申报xx家企业。 (2)紧抓创新服务体系建设,"
    "推进招商引资引税。一是制定出台了实施意见;二是加快推进xxxx建设;三是招引5家企业入驻。"
    " 二、2020年下半年工作安排 1.持续强化创新主体培育,全力争创全市先进。一是继续做好申报工作;"
    "二是强化数据运行监测。 2.完善科技服务体系建设,确保完成招商引资引税工作。一是做好对接服务工作。"
)


def test_one_line_report_with_inline_headings() -> None:
    o = parse_sections(INLINE)
    check_invariants(INLINE, o)
    assert tree(o) == [
        (1, "一、2020年上半年工作总结"),
        (2, "1.获得荣誉"),
        (2, "2.重点工作"),
        (3, "(1)紧抓创新主体培育,推进目标管理考核"),
        (3, "(2)紧抓创新服务体系建设,推进招商引资引税"),
        (4, "一是制定出台了实施意见"),
        (4, "二是加快推进xxxx建设"),
        (4, "三是招引5家企业入驻"),
        (1, "二、2020年下半年工作安排"),
        (2, "1.持续强化创新主体培育,全力争创全市先进"),
        (3, "一是继续做好申报工作"),
        (3, "二是强化数据运行监测"),
        (2, "2.完善科技服务体系建设,确保完成招商引资引税工作"),
        (3, "一是做好对接服务工作"),
    ]
    honours = o.sections[0].children[0]
    assert honours.number == "1."
    assert INLINE[honours.body_start :].startswith(" xx省")
    assert [s.role for s in o.sections] == ["work_done", "plans"]


def test_long_title_is_capped_at_a_clause() -> None:
    clause = "以创建国家级生态县和国家级森林城为抓手"
    rest = "，强化生态建设，确保生态型城市建设取得新成效，全面推进各项工作落实落地见效，努力建设美丽宜居城市"
    text = f"一、工作\n（一）{clause}{rest}。2012年，我们要…\n"
    sec = parse_sections(text).sections[0].children[0]
    assert len(clause + rest) > 60
    assert 20 <= len(sec.title) <= 60
    assert sec.title.startswith(clause)
    assert sec.title[-1] not in "，、"  # cut before a clause boundary
    assert text[sec.start : sec.body_start] == "（一）" + sec.title  # the rest of the sentence is body


def test_heading_alone_on_its_line_keeps_an_inner_space() -> None:
    text = "一、2020年 上半年工作\n正文。\n"
    assert heads(parse_sections(text).sections) == ["一、2020年 上半年工作"]


# --------------------------------------------------------------------------------------------------
# Sequence rules: what must NOT be taken for a heading
# --------------------------------------------------------------------------------------------------


PARTS = """某区2021年政府工作报告
各位代表:现在我代表区政府作报告。
第一部分 2020年工作回顾
一、经济运行稳中向好
全年地区生产总值增长5%。
二、民生持续改善
新增就业3000人。
第二部分：2021年工作安排
一、稳增长
力争增长6%。
第一部分资金已经拨付到位。
二、存在的问题
投入不足。
"""


def test_parts_are_the_outermost_level_above_cn_headings() -> None:
    o = parse_sections(PARTS)
    check_invariants(PARTS, o)
    assert tree(o) == [
        (1, "第一部分 2020年工作回顾"),
        (2, "一、经济运行稳中向好"),
        (2, "二、民生持续改善"),
        (1, "第二部分 2021年工作安排"),  # the colon only separates number and title
        (2, "一、稳增长"),  # 一、 starts again in each part
        (2, "二、存在的问题"),
    ]
    # "第一部分资金…" at a line start is prose, not a heading (and not a restart of the parts).
    assert o.sections[1].children[0].end > PARTS.index("第一部分资金")
    assert [s.role for s in o.sections] == ["work_done", "plans"]
    # Everything under a plans part is plans, whatever its heading says (roles from structure first).
    assert o.sections[1].children[1].role is None
    assert o.preamble == (0, PARTS.index("第一部分 "))
    assert [(p.path[-1:], p.role) for p in summary_parts(o)] == [
        ((), None),
        (("第一部分 2020年工作回顾",), "work_done"),
        (("第二部分 2021年工作安排",), "plans"),
    ]


def test_numbers_inside_sentences_are_not_headings() -> None:
    text = (
        "一、上半年工作\n"
        "1.项目建设。完成投资1.2万元，2016-2019年累计建设1、2期工程，位列第一，力争进入前四、前三名，"
        "做好“十四五”规划。一、二季度增长较快。\n"
        "2.服务企业。走访企业。\n"
        "二、下半年安排\n"
    )
    o = parse_sections(text)
    assert tree(o) == [(1, "一、上半年工作"), (2, "1.项目建设"), (2, "2.服务企业"), (1, "二、下半年安排")]


def test_out_of_sequence_markers_are_rejected() -> None:
    text = "一、甲\n三、跳号不算\n二、乙\n(2)没有(1)不算\n(1)子一\n(3)跳号不算\n(2)子二\n"
    o = parse_sections(text)
    assert tree(o) == [(1, "一、甲"), (1, "二、乙"), (2, "(1)子一"), (2, "(2)子二")]
    assert o.sections[0].end > text.index("三、")  # the rejected marker is just body text of 一、


def test_page_break_numbers_in_mid_sentence_are_rejected() -> None:
    # Scraped PDFs leave the page number glued to a line start in the middle of a sentence.
    long_line = (
        "完成2019年度全社会研发经费投"
        + "入数据上报工作，" * 12
        + "合计获补助资金xx万元;深入推进国家创新型县建设，引导企业加大研"
    )
    text = (
        "1、工作总结 一、上半年工作 1. 重点工作 (1)紧抓创新。" + long_line + "\n2、发投入专项补助资金xx万元。"
        " (2)强化服务。" + long_line + "\n3、”x个项目备案。 2. 经验做法 (1)创新方法。 二、下半年安排 1.继续做好。"
    )
    o = parse_sections(text)
    assert tree(o) == [
        (1, "一、上半年工作"),
        (2, "1.重点工作"),
        (3, "(1)紧抓创新"),
        (3, "(2)强化服务"),
        (2, "2.经验做法"),
        (3, "(1)创新方法"),
        (1, "二、下半年安排"),
        (2, "1.继续做好"),
    ]
    assert o.preamble == (0, text.index("一、"))  # the leading "1、" page number falls back to preamble


def test_heading_line_without_punctuation_is_not_a_page_break() -> None:
    text = "一、工作\n（一）上半年重点工作落实情况\n1.甲。\n2.乙。\n"
    assert len(list(walk(parse_sections(text).sections))) == 4


def test_no_headings_gives_empty_outline() -> None:
    text = "今年以来，我局完成了1、2月份的工作，2016-2019年累计投资1.2万元。\n下一步继续努力。"
    o = parse_sections(text)
    assert o.sections == []
    assert o.preamble == (0, len(text))
    assert parse_sections("").preamble == (0, 0)


# --------------------------------------------------------------------------------------------------
# Roles
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "role"),
    [
        ("2020年上半年工作总结", "work_done"),
        ("上半年科技创新工作开展情况", "work_done"),
        ("过去一年工作回顾", "work_done"),
        ("主要成效", "work_done"),
        ("存在的问题", "problems"),
        ("存在的困难和不足", "problems"),
        ("下一步重点工作安排", "plans"),
        ("2020年下半年工作安排", "plans"),
        ("2012年政府工作总体要求和目标任务", "plans"),
        ("2022年政府工作任务", "plans"),
        ("明年工作思路", "plans"),
        ("参与和服务疫情防控情况", "work_done"),  # 情况: how the work went (the gold label's reading)
        ("2020年上半年工作总结及下半年工作安排", None),  # mixed: decided by children or word order
        ("党建工作", None),
    ],
)
def test_title_role(title: str, role: str | None) -> None:
    assert title_role(title) == role


def test_mixed_top_level_title_takes_first_child_role() -> None:
    text = (
        "一、疫情防控情况\n正文。\n"
        "二、2020年上半年重点工作落实情况及下半年重点工作安排\n"
        "(一)上半年重点工作落实情况\n1.科技计划项目管理进一步规范。\n(二)存在的问题\n1.投入不足。\n"
        "(三)下半年重点工作安排\n1.培育研发机构。\n"
        "三、党建工作\n(一)存在问题\n正文。\n"
    )
    o = parse_sections(text)
    # "疫情防控情况": 情况 reports how the work went (疫情防控 alone names only a topic)
    assert [s.role for s in o.sections] == ["work_done", "work_done", "problems"]
    mixed = o.sections[1]
    assert [c.role for c in mixed.children] == ["work_done", "problems", "plans"]
    # "计划" in a sub-heading names the work, not the section kind.
    assert mixed.children[0].children[0].role is None


def test_unlabelled_top_level_defaults_to_other() -> None:
    o = parse_sections("一、党建工作\n正文。\n二、宣传工作\n（一）宣传阵地\n（二）存在问题\n")
    assert [s.role for s in o.sections] == ["other", "other"]  # only the first child may decide


def test_later_year_after_a_look_back_is_forward_looking() -> None:
    text = "一、2020年主要成绩\n正文。\n二、2021年重点工作\n正文。\n三、党建工作\n正文。\n"
    assert [s.role for s in parse_sections(text).sections] == ["work_done", "plans", "other"]
    text = "一、2021年重点工作\n正文。\n"  # no earlier year to compare with: undecided
    assert [s.role for s in parse_sections(text).sections] == ["other"]


# --------------------------------------------------------------------------------------------------
# The corpus
# --------------------------------------------------------------------------------------------------

# Written from reading tests/data/*.txt.
CORPUS_TOP = {
    "xianning_city_2020h1.txt": [
        ("一、参与和服务疫情防控情况", "work_done"),
        ("二、2020年上半年重点工作落实情况及下半年重点工作安排", "work_done"),
    ],
    "xuancheng_county_2020h1.txt": [
        ("一、2020年上半年工作总结", "work_done"),
        ("二、2020年下半年工作安排", "plans"),
    ],
    "county_trad_pinyin_2020h1.txt": [
        ("一、上半年科技创新工作开展情况", "work_done"),
        ("二、下一步重点工作安排", "plans"),
    ],
    "hailar_2012_gov_report.txt": [
        ("一、过去一年工作回顾", "work_done"),
        ("二、2012年政府工作总体要求和目标任务", "plans"),
    ],
    "national_2022_gov_report.txt": [
        ("一、2021年工作回顾", "work_done"),
        ("二、2022年经济社会发展总体要求和政策取向", "plans"),
        ("三、2022年政府工作任务", "plans"),
    ],
}

# (top index, expected child headings) for each document.
CORPUS_CHILDREN = {
    "xianning_city_2020h1.txt": [
        (0, ["(一)迅速响应,全面部署", "(二)毫不放松,联防联控", "(三)精准发力,优化服务"]),
        (1, ["(一)上半年重点工作落实情况", "(二)存在的问题", "(三)下半年重点工作安排"]),
    ],
    "xuancheng_county_2020h1.txt": [
        (0, ["1.获得荣誉", "2.重点工作", "3.经验做法、创新做法"]),
        (
            1,
            [
                "1.持续强化创新主体培育,全力争创全市先进",
                "2.完善科技服务体系建设,确保完成招商引资引税工作",
                "3.贯彻落实政策要求,持续开展创新型县(市)建设",
                "4.扎实推进科技合作,全面加快创新发展步伐",
                "5.持续强化防震减灾宣传,扎实做好防震减灾工作",
            ],
        ),
    ],
    "county_trad_pinyin_2020h1.txt": [
        (
            0,
            [
                "1、优化完善科技创新政策环境",
                "2、加强科技宣传培训",
                "3、进一步加大科技创新政策落实力度",
                "4、加大研发投入,提升企业创新能力",
                "5、科技精准扶贫助力乡村振兴",
                "6、做好机关党务、政务等工作",
            ],
        ),
    ],
    "hailar_2012_gov_report.txt": [],
    "national_2022_gov_report.txt": [],
}

CORPUS_CHILD_COUNTS = {
    "xianning_city_2020h1.txt": [3, 3],
    "xuancheng_county_2020h1.txt": [3, 5],
    "county_trad_pinyin_2020h1.txt": [6, 4],
    "hailar_2012_gov_report.txt": [8, 10],
    "national_2022_gov_report.txt": [8, 0, 9],  # 一、 is organised by 一是…八是 paragraphs
}


def clean_text(name: str) -> str:
    from summarizer.clean import clean
    from summarizer.load import load_path

    try:
        return clean(load_path(DATA / name).text).text
    except NotImplementedError:
        pytest.skip("load/clean not implemented yet")


@pytest.mark.parametrize("name", sorted(CORPUS_TOP))
def test_corpus_top_level_headings_and_roles(name: str) -> None:
    text = clean_text(name)
    o = parse_sections(text)
    check_invariants(text, o)
    assert [(nfkc(s.heading()), s.role) for s in o.sections] == [(nfkc(h), r) for h, r in CORPUS_TOP[name]]
    assert [len(s.children) for s in o.sections] == CORPUS_CHILD_COUNTS[name]
    for top, children in CORPUS_CHILDREN[name]:
        assert [nfkc(h) for h in heads(o.sections[top].children)] == [nfkc(h) for h in children]


def test_corpus_long_reports_second_level() -> None:
    hailar = parse_sections(clean_text("hailar_2012_gov_report.txt"))
    assert nfkc(hailar.sections[0].children[0].heading()) == nfkc("（一）经济增长进一步加快，综合实力显著提高")
    assert nfkc(hailar.sections[1].children[-1].heading()).startswith(nfkc("（十）以转变作风和提高素质为基础"))
    national = parse_sections(clean_text("national_2022_gov_report.txt"))
    tasks = national.sections[2].children
    assert nfkc(tasks[0].heading()) == nfkc("（一）着力稳定宏观经济大盘，保持经济运行在合理区间")
    assert nfkc(tasks[-1].heading()) == nfkc("（九）切实保障和改善民生，加强和创新社会治理")
    assert [c.style for c in national.sections[0].children] == ["enum"] * 8


def test_corpus_mixed_section_children_carry_roles() -> None:
    o = parse_sections(clean_text("xianning_city_2020h1.txt"))
    assert [c.role for c in o.sections[1].children] == ["work_done", "problems", "plans"]


@pytest.mark.parametrize(
    "name",
    [
        "xianning_city_2020h1.txt",
        "xuancheng_county_2020h1.txt",
        "hailar_2012_gov_report.txt",
        "national_2022_gov_report.txt",
    ],
)
def test_corpus_raw_text_parses_too(name: str) -> None:
    """Uncleaned input (page-break numbers, BOM, indentation) must give the same top level."""
    text = (DATA / name).read_text(encoding="utf-8-sig")
    o = parse_sections(text)
    check_invariants(text, o)
    assert [s.heading() for s in o.sections] == [h for h, _ in CORPUS_TOP[name]]
    assert [len(s.children) for s in o.sections] == CORPUS_CHILD_COUNTS[name]


# --------------------------------------------------------------------------------------------------
# Roles by position: (parent heading, sub-heading, role of the part the sub-heading falls in). Real
# headings from tests/data, tests/data/national and the issue, and variations of them.
# --------------------------------------------------------------------------------------------------

ROLE_CASES = [
    # the issue: 短板 under a plans part is a plan, not a problem
    ("二、2019年工作安排", "（三）围绕提升城市品质，全力补短板强基础", "plans"),
    ("二、2012年政府工作总体要求和目标任务", "（十）以转变作风和提高素质为基础，全面加强政府自身建设", "plans"),
    ("三、2022年政府工作任务", "（一）着力稳定宏观经济大盘，保持经济运行在合理区间", "plans"),
    ("二、下一步重点工作安排", "1、认真做好科技计划项目申报工作", "plans"),
    ("二、2020年下半年工作安排", "4.扎实推进科技合作,全面加快创新发展步伐", "plans"),
    ("四、明年工作思路", "（二）加快解决发展不平衡不充分问题", "plans"),
    ("二、今年工作打算", "1.着力解决群众反映强烈的突出问题", "plans"),
    ("三、下半年工作计划", "（一）补齐基础设施短板", "plans"),
    # a mixed parent: its sub-sections name their kinds (xianning)
    ("二、2020年上半年重点工作落实情况及下半年重点工作安排", "(一)上半年重点工作落实情况", "work_done"),
    ("二、2020年上半年重点工作落实情况及下半年重点工作安排", "(二)存在的问题", "problems"),
    ("二、2020年上半年重点工作落实情况及下半年重点工作安排", "(三)下半年重点工作安排", "plans"),
    # under a review part a kind heading still starts its own part; topic words do not
    ("一、上半年科技创新工作开展情况", "2、加强科技宣传培训", "work_done"),
    ("一、上半年工作总结", "（四）存在的问题和不足", "problems"),
    ("一、2021年工作回顾", "（三）补齐民生领域短板", "work_done"),
    ("一、过去一年工作回顾", "（五）下一步工作打算", "plans"),
    # under a problems part everything is a problem
    ("三、存在的问题", "（一）科技投入不足", "problems"),
    ("三、存在的困难和不足", "1.企业创新能力不强", "problems"),
    # nothing structural above: the sub-heading's words decide, else the parent's default
    ("一、党建工作", "（一）加强理论学习", "other"),
    ("二、宣传工作", "（二）存在问题", "problems"),
]


_CN = "一二三四五六七八九十"


def _siblings_before(heading: str) -> str:
    """Headings numbered 1 … k-1 in the style of ``heading`` (numbered k), so it continues a sequence."""
    m = re.match(r"^([（(]?)([一二三四五六七八九十]|\d)([）)、.])", heading)
    assert m, heading
    left, number, right = m.groups()
    k = int(number) if number.isdigit() else _CN.index(number) + 1
    marks = [str(i) if number.isdigit() else _CN[i - 1] for i in range(1, k)]
    return "".join(f"{left}{mark}{right}其他事项\n正文。\n" for mark in marks)


@pytest.mark.parametrize(("parent", "child", "role"), ROLE_CASES)
def test_role_by_position(parent: str, child: str, role: str) -> None:
    text = f"{_siblings_before(parent)}{parent}\n{_siblings_before(child)}{child}\n正文一句。\n"
    o = parse_sections(text)
    at = text.index(child)
    part = next(p for p in summary_parts(o) if p.start <= at < p.end)
    assert part.role == role, (parent, child, [(s.heading(), s.role) for s in walk(o.sections)])


TOP_ROLE_CASES = [
    # national 2015: the tasks after the 总体部署 part name no kind of section
    (
        ["一、2014年工作回顾", "二、2015年工作总体部署", "三、把改革开放扎实推向纵深", "四、切实加强政府自身建设"],
        ["work_done", "plans", "plans", "plans"],
    ),
    # national 2013 and 2023
    (
        [
            "一、过去五年工作回顾",
            "二、今年经济社会发展的总体要求、主要预期目标和宏观经济政策",
            "三、对今年政府工作的建议",
        ],
        ["work_done", "plans", "plans"],
    ),
    # national 2020
    (
        ["一、2019年和今年以来工作回顾", "二、今年发展主要目标和下一阶段工作总体部署", "三、加大宏观政策实施力度"],
        ["work_done", "plans", "plans"],
    ),
    # xianning, and variations
    (["一、参与和服务疫情防控情况", "二、上半年工作落实情况"], ["work_done", "work_done"]),
    (
        ["一、上半年工作开展情况", "二、存在的问题", "三、下半年工作打算", "四、加强党风廉政建设"],
        ["work_done", "problems", "plans", "plans"],
    ),
    (["一、党建工作", "二、业务工作"], ["other", "other"]),  # nothing above says plans: no role is guessed
    (["一、疫情防控工作", "二、下一步工作安排"], ["other", "plans"]),
]


PLAN_BODY = "要加快推进改革，着力扩大内需，确保完成目标任务，继续抓好落实。"


@pytest.mark.parametrize(("headings", "roles"), TOP_ROLE_CASES)
def test_top_level_roles_by_position(headings: list[str], roles: list[str]) -> None:
    text = "".join(f"{h}\n{PLAN_BODY}\n" for h in headings)
    assert [s.role for s in parse_sections(text).sections] == roles


def test_a_part_after_the_plans_that_reads_as_a_review_is_not_a_plan() -> None:
    text = "一、2021年重点工作\n" + PLAN_BODY + "\n二、党建工作\n全年召开了12次会议，完成了学习任务。\n"
    assert [s.role for s in parse_sections(text).sections] == ["other", "other"]
    text = "一、下半年工作安排\n" + PLAN_BODY + "\n二、党建工作\n全年召开了12次会议，完成了学习任务。\n"
    assert [s.role for s in parse_sections(text).sections] == ["plans", "other"]


def test_numbering_that_skips_a_number() -> None:
    text = "一、工作\n（一）甲项\n正文。\n（二）乙项\n正文。\n（四）丁项\n正文。\n二、安排\n（一）继续\n"
    o = parse_sections(text)
    assert heads(o.sections[0].children) == ["（一）甲项", "（二）乙项", "（四）丁项"]
    # A skip is not believed when the skipped number comes later: then it is body text.
    text = "一、工作\n（一）甲项\n（三）引用\n（二）乙项\n"
    assert heads(parse_sections(text).sections[0].children) == ["（一）甲项", "（二）乙项"]


def test_numbering_that_restarts_in_one_section() -> None:
    text = "一、工作\n（一）甲\n1.子一\n2.子二\n正文。\n1.另一组一\n2.另一组二\n（二）乙\n"
    o = parse_sections(text)
    assert heads(o.sections[0].children[0].children) == ["1.子一", "2.子二", "1.另一组一", "2.另一组二"]
    assert "1、" not in [s.number for s in walk(parse_sections("一、工作\n正文有1、2两项。\n").sections)]


def test_heading_split_by_a_page_break_is_found_after_cleaning() -> None:
    from summarizer.clean import clean

    page = "各项工作进展顺利取得明显成效，" * 16
    raw = f"一、工作\n{page}全国科\n\n2、技管理系统{page}。\n\n(二)全面启动高新技\n\n3、术产业链\n{page}。"
    raw = raw.replace("一、工作\n", "一、工作\n(一)建设平台\n")
    o = parse_sections(clean(raw).text)
    assert heads(o.sections[0].children) == ["(一)建设平台", "(二)全面启动高新技术产业链"]
