"""clean: rules on small strings, the offset map, and the five corpus documents.

Golden files: ``golden/clean/<stem>.txt`` hold the expected cleaned text of each corpus document. After a
deliberate change to the cleaner, regenerate them and *read the diff* before committing::

    SUMMARIZER_REGEN_GOLDEN=1 /work/venv/bin/pytest tests/test_clean.py -k golden
"""

from __future__ import annotations

import itertools
import os
import random
import re
import unicodedata
from pathlib import Path

import pytest
from opencc import OpenCC

from summarizer.clean import CleanText, clean, detect_script
from summarizer.load import load_path

DATA = Path(__file__).parent / "data"
GOLDEN = Path(__file__).parent.parent / "golden" / "clean"
STEMS = [
    "county_trad_pinyin_2020h1",
    "hailar_2012_gov_report",
    "national_2022_gov_report",
    "xianning_city_2020h1",
    "xuancheng_county_2020h1",
]

_T2S = OpenCC("t2s")


def c(text: str, **kw: bool) -> str:
    return clean(text, **kw).text


def check_map(original: str, result: CleanText) -> None:
    """Invariants of the offset map, plus: every clean character comes from an original character that
    *is* it, up to the normalisations the cleaner performs (t2s, full-width folding, whitespace)."""
    offsets = list(result.offsets)
    assert len(offsets) == len(result.text) + 1
    assert offsets[-1] == len(original)
    assert all(a <= b for a, b in itertools.pairwise(offsets))
    assert all(0 <= o < len(original) for o in offsets[:-1])
    for i, ch in enumerate(result.text):
        src = original[offsets[i]]
        if ch == src or ch == unicodedata.normalize("NFKC", src) or ch == _T2S.convert(src):
            continue
        if ch in " \n" and src.isspace():
            continue
        # t2s phrases convert characters the character table leaves alone ('瞭解' -> '了解').
        if _T2S.convert(original[max(0, offsets[i] - 3) : offsets[i] + 4]).find(ch) >= 0:
            continue
        raise AssertionError(f"clean[{i}]={ch!r} maps to original[{offsets[i]}]={src!r}")


# --------------------------------------------------------------------------------------------------
# Chrome rules
# --------------------------------------------------------------------------------------------------


def test_breadcrumb_with_separators() -> None:
    text = "找總結網(wǎng) > 工作計劃 > 單位工作計劃 > 科技局工作總結\n正文第一句。"
    assert c(text) == "正文第一句。"


def test_breadcrumb_with_label_and_home() -> None:
    assert c("当前位置：首页 > 工作总结 > 科技局\n正文。") == "正文。"
    assert c("您的位置: 首页\n正文。") == "正文。"
    assert c("首页 > 通知公告\n正文。") == "正文。"


def test_greater_than_in_body_is_kept() -> None:
    text = "增长率>5%的企业达到30家,比去年增加>3家。"
    assert c(text) == text
    flow = "企业申报 > 部门审核 > 社会公示"  # no site-like root: a process, not a breadcrumb
    assert c(flow) == flow


def test_welcome_line_but_not_welcome_in_body() -> None:
    assert c("欢迎访问XX市人民政府网站\n欢迎来到范文大全网！\n该政策深受群众欢迎。") == "该政策深受群众欢迎。"


def test_government_metadata_block() -> None:
    text = (
        "2020年上半年工作总结\n"
        "索引号 : 011336941/2020-22579 文\u00a0\u00a0\u00a0号 : 无\n"
        "主题分类: 科技 发文单位: 咸宁市科技局\n"
        "名\u00a0\u00a0\u00a0称: 2020年上半年工作总结 发布日期: 2020年12月11日\n"
        "有效性: 有效 发文日期: 2020-12-11\n"
        "根据工作要求,现将工作总结汇报如下:"
    )
    assert c(text) == "2020年上半年工作总结\n根据工作要求,现将工作总结汇报如下:"


def test_download_site_metadata_but_not_a_body_sentence() -> None:
    text = "ID:12345\n大小:25KB\n页数:3页\n时间:2020-07-01\n时间：2020年3月，我局召开会议，部署工作。"
    assert c(text) == "时间：2020年3月，我局召开会议，部署工作。"


def test_page_thumbnails() -> None:
    assert c("科技局工作总结.docx_第3页\n正文。\n总结.pdf_第1页 总结.pdf_第2页") == "正文。"


def test_ui_lines() -> None:
    text = (
        "点击下载\n全文阅读已结束\n收藏 分享 举报\n【打印本页】【关闭窗口】\n字号:大 中 小\n"
        "还剩5页未读,继续阅读\n积极推进文档下载服务平台建设。"
    )
    assert c(text) == "积极推进文档下载服务平台建设。"


def test_weak_ui_words_alone_are_table_cells() -> None:
    assert c("渠道\n微信\n等级\n中\n首页") == "渠道\n微信\n等级\n中\n首页"
    assert c("收藏 分享\n下载\n正文。") == "正文。"


def test_tip_block_ends_at_body() -> None:
    text = (
        "正文结束。\n温馨提示:\n"
        "1. 部分包含数学公式或PPT动画的文件,查看预览时可能会显示错乱或异常,文件下载后无此问题,请放心下载。\n"
        "2. 本文档由用户上传,版权归属用户,天天文库负责整理代发布。\n"
        "下一段正文。"
    )
    assert c(text) == "正文结束。\n下一段正文。"


def test_tip_in_body_is_kept() -> None:
    text = "温馨提示：请广大市民注意防范电信诈骗。"
    assert c(text) == text


def test_disclaimer_to_end_of_line() -> None:
    text = (
        "扎实做好防震减灾各项工作。 免责声明：图文来源网络征集，版权归原作者所有。 若侵犯了您的权益!\n后文。"
    )
    assert c(text) == "扎实做好防震减灾各项工作。\n后文。"


def test_copyright_notice_sentence() -> None:
    assert c("全面完成任务。本站文章来源于网络，如有侵权请联系删除\n") == "全面完成任务。"


def test_footer_labels_and_urls() -> None:
    text = "正文。\n本文标题:科技局工作总结\n链接地址:http://www.example.com/a/1.html\n上一篇：上半年总结\nhttps://x.cn/1"
    assert c(text) == "正文。"


def test_stray_token_line() -> None:
    assert c("标题\n\n| cwl2\n\n正文。") == "标题\n\n正文。"


def test_trailing_counter_only_after_a_sentence() -> None:
    assert c("正文第一段。\n\n53769\n") == "正文第一段。"
    assert c("指标\n企业\n156\n") == "指标\n企业\n156"  # a table's last cell
    assert c("第一段。\n2020\n第二段。") == "第一段。\n2020\n第二段。"  # not at the end


def test_description_dropped_only_when_it_is_a_copy() -> None:
    copy = "资源描述:\n2020年上半年工作总结，我局认真...\n\n2020年上半年工作总结，我局认真贯彻。"
    assert c(copy) == "2020年上半年工作总结，我局认真贯彻。"
    unique = "资源描述:独有内容不在别处出现的一句话。\n正文。"
    assert c(unique) == "独有内容不在别处出现的一句话。\n正文。"


def test_pdf_page_numbers() -> None:
    assert c("第一页正文。\n- 3 -\n第二页正文。\n第3页 共12页") == "第一页正文。\n第二页正文。"


# --------------------------------------------------------------------------------------------------
# Repeated title
# --------------------------------------------------------------------------------------------------


def test_repeated_title_lines() -> None:
    text = (
        "科技局2020年工作总结\n\n| cwl2\n\n科技局2020年工作总结\n\n2020年,科技局2020年工作总结显示成效明显。"
    )
    assert c(text) == "科技局2020年工作总结\n\n2020年,科技局2020年工作总结显示成效明显。"


def test_site_name_after_the_first_line_title() -> None:
    assert c("科技局工作总结_找总结网\n\n科技局工作总结\n\n正文。") == "科技局工作总结\n\n正文。"
    assert c("工作总结 - 豆丁网\n正文。") == "工作总结\n正文。"
    assert c("2016-2019年度工作总结\n正文。") == "2016-2019年度工作总结\n正文。"


def test_repeated_title_inline_on_a_one_line_page() -> None:
    body = "一、2020年上半年工作总结 1. 获得荣誉 xx省县级防震减灾工作综合考核先进单位。" * 4
    text = f"2020年上半年工作安排 2020年上半年工作安排 {body}"
    assert c(text) == f"2020年上半年工作安排 {body}"


# --------------------------------------------------------------------------------------------------
# Page-break markers
# --------------------------------------------------------------------------------------------------

PAGE = "各项工作进展顺利取得明显成效，" * 16  # 240 characters, no sentence end


def test_page_markers_are_removed_and_pages_joined() -> None:
    text = f"1、标题 {PAGE}研发经费投\n2、入数据上报工作。{PAGE}有限公司\n3、”x个项目。{PAGE}"
    assert c(text) == f"标题 {PAGE}研发经费投入数据上报工作。{PAGE}有限公司”x个项目。{PAGE}"


def test_page_markers_without_a_first_marker() -> None:
    two = f"{PAGE}投\n2、入{PAGE}加大研\n3、发投入。"
    assert c(two) == f"{PAGE}投入{PAGE}加大研发投入。"
    # A lone 2、 is a page break only when it splits a word…
    one = f"{PAGE}投\n2、入数据。"
    assert c(one) == f"{PAGE}投入数据。"
    # …and does not follow a list item 1、 (then it is that list's second item).
    listed = f"一、工作\n1、加强宣传\n{PAGE}投\n2、入数据。"
    assert c(listed) == listed
    short = "一、工作\n1、加强宣传\n2、抓好扶贫"
    assert c(short) == short


def test_page_markers_across_blank_lines() -> None:
    """The issue's pages: separated by a blank line, splitting a word, a number and a heading."""
    text = (
        f"{PAGE}全国科技\n\n2、管理系统{PAGE}。\n\n(二)全面启动高新技\n\n3、术产业链{PAGE}共组织\n\n"
        f"4、25家企业{PAGE}达到30.\n\n5、13亿元。"
    )
    assert c(text) == (
        f"{PAGE}全国科技管理系统{PAGE}。\n\n(二)全面启动高新技术产业链{PAGE}共组织25家企业{PAGE}达到30.13亿元。"
    )


def test_page_marker_after_a_finished_sentence_keeps_the_paragraph_break() -> None:
    text = f"{PAGE}投\n\n2、入{PAGE}。\n\n3、第三页开头{PAGE}加大研\n4、发投入。"
    assert c(text) == f"{PAGE}投入{PAGE}。\n\n第三页开头{PAGE}加大研发投入。"


def test_list_items_with_paragraphs_are_kept() -> None:
    text = (
        "一、上半年工作开展情况\n\n1、优化完善科技创新政策环境\n\n"
        f"{PAGE}政策环境。\n\n2、加强科技宣传培训\n\n{PAGE}支持。"
    )
    assert c(text) == text


def test_short_list_items_are_kept() -> None:
    text = "二、下一步工作\n1、认真开展省级创新型城市创建工作\n2、认真做好科技计划项目申报工作\n3、加强管理"
    assert c(text) == text


def test_long_list_items_ending_sentences_are_kept() -> None:
    text = f"1、{PAGE}机制；\n2、{PAGE}工作；\n3、{PAGE}任务。"
    assert c(text) == text


# --------------------------------------------------------------------------------------------------
# Pinyin glosses
# --------------------------------------------------------------------------------------------------


def test_tone_marked_glosses_removed() -> None:
    assert c("創(chuàng)新發(fā)展網(wǎng)絡(luò)") == "创新发展网络"
    assert c("创(chuàngxīn)新和(chuàng xīn)及(lǜ)") == "创新和及"
    assert c("创（chuàng）新") == "创新"


def test_tone_number_glosses_removed() -> None:
    assert c("网(wang3)站") == "网站"


def test_real_parentheses_kept() -> None:
    text = "(一)工作(2020年)活性炭(供注射用)科技馆（XX站）占GDP(GDP)浓度(PM2.5)附件(a)说明(de)英文(Pinyin)"
    assert c(text) == text


def test_toneless_glosses_only_in_a_glossed_document() -> None:
    assert c("的(de)了(le)創(chuàng)新發(fā)展網(wǎng)") == "的了创新发展网"
    assert c("附件(a)说明(de)") == "附件(a)说明(de)"


def test_latin_after_non_han_is_not_a_gloss() -> None:
    text = "第1(chuàng)项,x(fā)"
    assert c(text) == text


# --------------------------------------------------------------------------------------------------
# Script, width, whitespace, redaction
# --------------------------------------------------------------------------------------------------


def test_traditional_to_simplified_and_switch_off() -> None:
    r = clean("科技創新工作進展順利。")
    assert (r.text, r.script) == ("科技创新工作进展顺利。", "traditional")
    r = clean("科技創新工作進展順利。", to_simplified=False)
    assert (r.text, r.script) == ("科技創新工作進展順利。", "traditional")


def test_t2s_phrases() -> None:
    assert c("瞭解情況,反覆研究") == "了解情况,反复研究"


def test_script_detection() -> None:
    assert detect_script("科技创新工作进展顺利,沈阳市乾县著名企业。") == "simplified"
    assert detect_script("科技創新工作進展順利。") == "traditional"
    assert detect_script("GDP 2020") == "simplified"


def test_fullwidth_ascii_folded_but_cjk_punctuation_kept() -> None:
    assert c("１２３ＡＢＣ％＋－．，。：；（）！？、") == "123ABC%+-.，。：；（）！？、"


def test_whitespace() -> None:
    text = "\n\n\u3000\u3000各位代表：\n  a   b\t\tc  \n \u3000\n\n\n\nd\u00a0e\n\n"
    assert c(text) == "各位代表：\na b c\n\nd e"


def test_letter_spaced_title() -> None:
    assert c("政 府 工 作 报 告\nA B C\n正文 正文") == "政府工作报告\nA B C\n正文 正文"


def test_invisible_characters() -> None:
    assert c("工\u200b作\ufeff总\u00ad结\x07。") == "工作总结。"


def test_redaction_marks_kept_exactly() -> None:
    text = "xx家 XX县 xxx.xx万元 ** * x家 增长xx%"
    assert c(text) == text


# --------------------------------------------------------------------------------------------------
# Offset map
# --------------------------------------------------------------------------------------------------


def test_original_span_through_a_gloss() -> None:
    original = "科技創(chuàng)新工作"
    r = clean(original)
    start = r.text.index("创新")
    s, e = r.original_span(start, start + 2)
    assert original[s:e] == "創(chuàng)新"


def test_original_span_edges() -> None:
    original = "标题\n\n| cwl2\n\n正文。"
    r = clean(original)
    assert r.original_span(0, len(r.text)) == (0, len(original))
    at = r.text.index("正")
    assert r.original_span(at, at) == (original.index("正"), original.index("正"))
    assert r.original_span(len(r.text), len(r.text)) == (len(original), len(original))
    with pytest.raises(ValueError):
        r.original_span(2, 1)
    with pytest.raises(ValueError):
        r.original_span(0, len(r.text) + 1)


def test_empty_and_all_chrome_inputs() -> None:
    for original in ["", "\n\n", "点击下载\n| cwl2"]:
        r = clean(original)
        assert r.text == ""
        assert list(r.offsets) == [len(original)]


def test_map_on_random_noise() -> None:
    pieces = [
        "正文", "創(chuàng)新", "。", "\n", "\n\n\n", " ", "\u3000", "１２", "ＡＢ", "xx", "**", "> ",
        "点击下载", "| cwl2", "\u200b", "網(wǎng)", "1、", "瞭解", "免责声明:", "(GDP)", "\t",
    ]  # fmt: skip
    rng = random.Random(7)
    for _ in range(300):
        original = "".join(rng.choice(pieces) for _ in range(rng.randrange(0, 40)))
        check_map(original, clean(original))


# --------------------------------------------------------------------------------------------------
# Corpus
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus() -> dict[str, tuple[str, CleanText]]:
    out = {}
    for stem in STEMS:
        original = load_path(DATA / f"{stem}.txt").text
        out[stem] = (original, clean(original))
    return out


# Chrome found by reading each source file; none of it may survive.
CHROME = {
    "county_trad_pinyin_2020h1": ["找总结网", "cwl2", "53769", "(wǎng)", "(chuàng)", "創", "網"],
    "hailar_2012_gov_report": ["\u3000", "政 府"],
    "national_2022_gov_report": ["\ufeff", "\u3000"],
    "xianning_city_2020h1": [
        "索引号",
        "011336941",
        "主题分类",
        "发文单位",
        "发布日期",
        "有效性",
        "发文日期",
        "名 称",
    ],
    "xuancheng_county_2020h1": ["免责声明", "图文来源网络征集", "请作者持权属证明", "本站联系"],
}
# Whole source lines that are chrome, identified by a marker they contain (their other words, e.g. the
# organisation in a metadata line, need not survive).
CHROME_LINES = {
    "county_trad_pinyin_2020h1": ["找总结网", "cwl2", "53769"],
    "hailar_2012_gov_report": [],
    "national_2022_gov_report": [],
    "xianning_city_2020h1": ["索引号", "主题分类", "名称", "有效性"],
    "xuancheng_county_2020h1": [],
}
TITLES = {
    "county_trad_pinyin_2020h1": "科技局2020年上半年工作总结和下半年工作计划",
    "hailar_2012_gov_report": "政府工作报告",
    "national_2022_gov_report": "政府工作报告",
    "xianning_city_2020h1": "2020年上半年工作总结及下半年重点工作安排",
    "xuancheng_county_2020h1": "2020年上半年工作总结及下半年工作安排",
}
_GLOSS_IN_TEST = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)")


def _expected_repairs(stem: str, original: str) -> str:
    """What the source should read like, written independently of the cleaner: glosses out, t2s, and
    for xuancheng (where every line break is a page break, see the file) the page markers out."""
    text = _GLOSS_IN_TEST.sub("", original)
    text = _T2S.convert(text)
    if stem == "xuancheng_county_2020h1":
        assert text.startswith("1、")
        text = re.sub(r"\n\d+、", "", text[2:])
    return text


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@pytest.mark.parametrize("stem", STEMS)
def test_every_body_sentence_survives(corpus: dict[str, tuple[str, CleanText]], stem: str) -> None:
    original, result = corpus[stem]
    expected = _expected_repairs(stem, original)
    clean_squashed = _squash(result.text)
    lines = [ln for ln in expected.split("\n") if not any(m in _squash(ln) for m in CHROME_LINES[stem])]
    pieces = [p for ln in lines for p in re.split(r"[。；！？!?]|\s+", ln) if len(p) >= 6]
    body = [p for p in pieces if not any(_squash(ch) in _squash(p) for ch in CHROME[stem] if len(ch) > 1)]
    assert len(body) > 20
    missing = [p for p in body if _squash(p) not in clean_squashed]
    assert missing == []


@pytest.mark.parametrize("stem", STEMS)
def test_chrome_is_gone(corpus: dict[str, tuple[str, CleanText]], stem: str) -> None:
    _, result = corpus[stem]
    for chrome in CHROME[stem]:
        assert chrome not in result.text, chrome
    lines = result.text.split("\n")
    assert lines[0] == TITLES[stem] or lines[0].startswith(TITLES[stem] + " ")
    assert len(re.findall(rf"(?:^|[\n ]){re.escape(TITLES[stem])}(?=$|[\n ])", result.text)) == 1
    assert result.text == result.text.strip()
    assert "\n\n\n" not in result.text
    assert not any(line != line.strip() for line in lines)


def test_corpus_specific_repairs(corpus: dict[str, tuple[str, CleanText]]) -> None:
    xuancheng = corpus["xuancheng_county_2020h1"][1].text
    for joined in [
        "研发经费投入数据",
        "有限公司”x个总部经济项目",
        "加大研发投入",
        "“5.12”期间",
        "挣得到。",
        "建设验收工作",
    ]:
        assert joined in xuancheng
    assert "\n" not in xuancheng and not xuancheng.startswith("1、")
    county = corpus["county_trad_pinyin_2020h1"][1]
    assert county.script == "traditional"
    assert "\n\n1、优化完善科技创新政策环境\n\n" in county.text  # a real list item stays
    assert "(XX站)" in county.text
    hailar = corpus["hailar_2012_gov_report"][1].text
    assert hailar.startswith("政府工作报告\n\n----2012年2月29日")
    assert "同比增长25%" in hailar  # full-width percent folded
    assert all(corpus[s][1].script == "simplified" for s in STEMS if s != "county_trad_pinyin_2020h1")


@pytest.mark.parametrize("stem", STEMS)
def test_offset_map_on_corpus(corpus: dict[str, tuple[str, CleanText]], stem: str) -> None:
    original, result = corpus[stem]
    check_map(original, result)
    # Random spans inside one clean line map to original spans that read the same once glosses,
    # script, width, whitespace and page markers are normalised.
    rng = random.Random(stem)
    text = result.text
    floor = text.index("。") + 1 if stem == "xuancheng_county_2020h1" else 0  # past the repeated title
    lines = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text) if m.end() > floor]
    for _ in range(300):
        ls, le = rng.choice(lines)
        ls = max(ls, floor)
        if le - ls < 2:
            continue
        s = rng.randrange(ls, le - 1)
        e = rng.randrange(s + 1, min(le, s + 80) + 1)
        os_, oe = result.original_span(s, e)
        source = re.sub(r"\n\d+、", "", original[os_:oe])
        assert _squash(_T2S.convert(_GLOSS_IN_TEST.sub("", source))) == _squash(text[s:e])


@pytest.mark.parametrize("stem", STEMS)
def test_golden(corpus: dict[str, tuple[str, CleanText]], stem: str) -> None:
    _, result = corpus[stem]
    path = GOLDEN / f"{stem}.txt"
    if os.environ.get("SUMMARIZER_REGEN_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(result.text + "\n", encoding="utf-8")
    assert path.exists(), f"missing {path}; regenerate with SUMMARIZER_REGEN_GOLDEN=1"
    assert result.text + "\n" == path.read_text(encoding="utf-8")


def test_document_site_page_fixture() -> None:
    """A page written for this test in the shape of a document-download site (tests/data/extra)."""
    original = load_path(DATA / "extra" / "docsite_page.txt").text
    result = clean(original)
    check_map(original, result)
    assert result.text == (
        "科技局2021年工作总结\n\n"
        "一、2021年工作情况\n"
        "今年以来，我局紧紧围绕县委县政府中心工作，全力推进科技创新，全年新增高新技术企业12家，同比增长20%。\n"
        "（一）强化创新主体培育。组织xx家企业申报高企，认定x家；科技型中小企业入库**家。\n"
        "二、2022年工作安排\n"
        "1、持续抓好高企培育，力争新增高企15家；\n"
        "2、加快创新平台建设。"
    )


def test_combined_line_rules_match_the_union_of_the_table() -> None:
    # clean() scans all whole-line rules as one alternation; it must remove exactly the lines that the
    # rules of patterns.RULES, each on its own, would remove.
    import re

    from summarizer.clean import _compiled_rules
    from summarizer.patterns import RULES

    combined = _compiled_rules()[0][2]
    singles = [re.compile(f"^(?:{r.pattern})$", re.M) for r in RULES if r.kind == "line"]
    extra = (DATA / "extra" / "docsite_page.txt").read_text(encoding="utf-8")
    for text in [*(load_path(DATA / f"{stem}.txt").text for stem in STEMS), extra]:
        union = {m.span() for rx in singles for m in rx.finditer(text)}
        assert {m.span() for m in combined.finditer(text)} == union


# --------------------------------------------------------------------------------------------------
# Pages from the noise generator (summarizer.testing.noise, dev half of its vocabulary)
# --------------------------------------------------------------------------------------------------


def test_generated_pages_small_sample() -> None:
    """A small fixed sample of generated pages; bench/bench_clean.py runs 1,000 of each vocabulary half."""
    from summarizer.testing.noise import make_corpus, score

    sc = score(make_corpus(60, seed=5, part="dev"), lambda text: clean(text).text)
    assert sc.body_recall >= 0.995, sc.missed_body[:5]
    assert sc.chrome_share >= 0.98, sc.kept_chrome[:5]
    assert sc.split_share >= 0.95, sc.unjoined[:5]


def test_issue_download_page_lines() -> None:
    """The lines the issue found left in: a file name, an uploader note, a download-revenue note, a preview
    limit; none of their words is in the pattern table."""
    body = "一、上半年工作\n今年以来，我局全力推进科技创新，完成各项任务。"
    page = (
        "市科技局上半年工作总结.docx\n"
        f"{body}\n"
        "《市科技局上半年工作总结.docx》由会员上传分享,免费在线阅读,更多相关内容在教育资源-天天文库\n"
        "此文档下载收益归作者所有\n"
        "当前文档最多预览五页,下载文档查看全文"
    )
    assert c(page) == body


def test_trace_names_the_rule_of_every_removal() -> None:
    from summarizer.clean import Removal

    original = "范文 · 总结 · 计划 · 心得\n一、工作\n正文一句。\n京ICP备12345678号"
    trace: list[Removal] = []
    assert clean(original, trace=trace).text == "一、工作\n正文一句。"
    assert {(r.rule, r.text.strip()) for r in trace} == {
        ("link_list", "范文 · 总结 · 计划 · 心得"),
        ("copyright_icp", "京ICP备12345678号"),
    }
    assert all(original[r.start : r.end] == r.text for r in trace)


def test_all_chrome_page_has_no_report_text() -> None:
    from summarizer.clean import has_report_text

    page = "鹏程文库 - 专业文档分享平台\n首页 | 范文 | 总结 | 计划\n此文档下载收益归作者所有\nCopyright © 2024 鹏程文库"
    assert not has_report_text(clean(page).text)
    assert has_report_text(clean("一、工作\n正文一句。").text)
