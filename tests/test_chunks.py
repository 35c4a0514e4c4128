"""chunks: exact spans, full coverage, the budget, sentence integrity, and top-level isolation."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from summarizer.chunks import DEFAULT_BUDGET, Chunk, make_chunks
from summarizer.sections import Outline, parse_sections, walk

DATA = Path(__file__).parent / "data"
CORPUS = sorted(p.name for p in DATA.glob("*.txt"))

_WS = re.compile(r"\s+")
_SENTENCE_END = "。！？；!?;"
_CLOSERS = "”’\"'」』）)】"


def check_chunks(text: str, outline: Outline, chunks: list[Chunk], budget: int) -> None:
    """The invariants every caller relies on."""
    assert [c.index for c in chunks] == list(range(len(chunks)))
    prev_end = 0
    for c in chunks:
        assert c.text == text[c.start : c.end]
        assert c.text and c.text == c.text.strip()
        assert len(c.text) <= budget
        assert text[prev_end : c.start].strip() == ""  # only whitespace between chunks, no overlap
        prev_end = c.end
    assert text[prev_end:].strip() == ""
    assert "".join(_WS.sub("", c.text) for c in chunks) == _WS.sub("", text)
    for c in chunks:
        if c.top_index is None:
            assert c.end <= outline.preamble[1]
            assert c.breadcrumb == () and c.role is None
        else:
            top = outline.sections[c.top_index]
            assert top.start <= c.start and c.end <= top.end  # never spans two top-level sections
            assert c.breadcrumb[0] == top.heading()
            assert c.role == top.role


def sentence_boundary(text: str, pos: int) -> bool:
    """Is ``pos`` (the end of a chunk) a place where a sentence ends?"""
    i = pos
    while i > 0 and text[i - 1] in _CLOSERS:
        i -= 1
    return pos == len(text) or text[i - 1] in _SENTENCE_END or text[pos] == "\n"


# --------------------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------------------

REPORT = (
    "科技局2020年上半年工作总结\n"
    "现将有关情况汇报如下。\n"
    "一、上半年工作开展情况\n"
    "（一）项目建设。完成投资3亿元。\n"
    "（二）企业服务。走访企业30家。\n"
    "（三）人才引进。引进人才5人。\n"
    "二、存在的问题\n"
    "投入不足。\n"
    "三、下半年工作安排\n"
    "（一）继续抓项目。力争投资5亿元。\n"
)


def test_every_top_level_section_gets_its_own_chunk_even_when_tiny() -> None:
    o = parse_sections(REPORT)
    chunks = make_chunks(REPORT, o, budget=1000)
    check_chunks(REPORT, o, chunks, 1000)
    assert [(c.top_index, c.role) for c in chunks] == [
        (None, None),
        (0, "work_done"),
        (1, "problems"),
        (2, "plans"),
    ]
    assert chunks[0].text == "科技局2020年上半年工作总结\n现将有关情况汇报如下。"
    assert chunks[2].text == "二、存在的问题\n投入不足。"
    assert chunks[1].breadcrumb == ("一、上半年工作开展情况",)


def test_big_section_splits_at_children_and_packs_small_siblings() -> None:
    o = parse_sections(REPORT)
    first = o.sections[0]
    budget = 40  # 一、 (83 chars) must split; each （…） item is 17 chars
    chunks = [c for c in make_chunks(REPORT, o, budget=budget) if c.top_index == 0]
    check_chunks(REPORT, o, make_chunks(REPORT, o, budget=budget), budget)
    assert [c.text for c in chunks] == [
        "一、上半年工作开展情况\n（一）项目建设。完成投资3亿元。",  # heading joins its first child
        "（二）企业服务。走访企业30家。\n（三）人才引进。引进人才5人。",  # two whole siblings packed
    ]
    assert chunks[0].breadcrumb == ("一、上半年工作开展情况",)
    assert chunks[1].breadcrumb == ("一、上半年工作开展情况", "（二）企业服务")
    assert chunks[1].start == first.children[1].start


def test_long_section_splits_at_sentence_ends_only() -> None:
    sentences = [f"第{i}项工作完成投资{i}亿元，同比增长{i}%。" for i in range(1, 40)]
    text = "一、上半年工作情况\n" + "".join(sentences) + "\n"
    o = parse_sections(text)
    chunks = make_chunks(text, o, budget=100)
    check_chunks(text, o, chunks, 100)
    assert len(chunks) > 5
    for c in chunks:
        assert sentence_boundary(text, c.end)
        assert c.text.endswith("。")
    # Greedy packing: no chunk could have taken the next chunk's first sentence.
    for a, b in itertools.pairwise(chunks):
        first_sentence = b.text[: b.text.index("。") + 1]
        assert len(a.text) + len(first_sentence) > 100


def test_sentence_longer_than_budget_is_alone_and_split_at_commas() -> None:
    long_sentence = "，".join(f"加强第{i}项工作" for i in range(1, 30)) + "。"
    text = f"一、工作情况\n开头一句。{long_sentence}结尾一句。\n"
    o = parse_sections(text)
    chunks = make_chunks(text, o, budget=60)
    check_chunks(text, o, chunks, 60)
    texts = [c.text for c in chunks]
    assert texts[0] == "一、工作情况\n开头一句。"
    assert texts[-1] == "结尾一句。"
    middle = texts[1:-1]
    assert "".join(middle) == long_sentence
    assert len(middle) >= len(long_sentence) // 60 + 1
    for piece in middle[:-1]:
        assert piece.endswith("，")  # cut after a comma, never inside a clause


def test_clause_longer_than_budget_is_cut_hard() -> None:
    text = "一、工作\n" + "很" * 250 + "。\n"
    o = parse_sections(text)
    chunks = make_chunks(text, o, budget=100)
    check_chunks(text, o, chunks, 100)
    assert [len(c.text) for c in chunks] == [4, 100, 100, 51]


def test_mixed_roles_are_not_packed_together() -> None:
    text = (
        "一、上半年工作落实情况及下半年工作安排\n"
        "（一）上半年工作落实情况\n完成任务。\n"
        "（二）存在的问题\n投入不足。\n"
        "（三）下半年工作安排\n继续努力。\n"
    )
    o = parse_sections(text)
    assert len(text) > 60
    chunks = make_chunks(text, o, budget=60)  # room for (二)+(三), but their roles differ
    check_chunks(text, o, chunks, 60)
    assert [c.section_role for c in chunks] == ["work_done", "problems", "plans"]
    assert [c.role for c in chunks] == ["work_done"] * 3
    assert [c.breadcrumb[-1] for c in chunks] == [
        o.sections[0].heading(),
        "（二）存在的问题",
        "（三）下半年工作安排",
    ]


def test_breadcrumb_is_the_deepest_section_at_chunk_start() -> None:
    text = "一、工作\n（一）甲类\n1.子项一。" + "内容。" * 20 + "\n2.子项二。" + "内容。" * 20 + "\n"
    o = parse_sections(text)
    chunks = make_chunks(text, o, budget=70)
    check_chunks(text, o, chunks, 70)
    crumbs = [c.breadcrumb for c in chunks]
    assert ("一、工作", "（一）甲类", "1.子项一") in crumbs
    assert ("一、工作", "（一）甲类", "2.子项二") in crumbs
    assert crumbs[0] == ("一、工作",)  # the heading chunk: 一、 and （一） are both intros here


def test_no_headings_and_empty_text() -> None:
    text = "今年以来工作顺利。\n\n下一步继续努力。"
    o = parse_sections(text)
    chunks = make_chunks(text, o)
    assert [(c.text, c.top_index, c.breadcrumb) for c in chunks] == [(text, None, ())]
    assert make_chunks("", parse_sections("")) == []
    assert make_chunks("  \n ", parse_sections("  \n ")) == []


def test_bad_arguments() -> None:
    o = parse_sections(REPORT)
    with pytest.raises(ValueError):
        make_chunks(REPORT + "x", o)
    with pytest.raises(ValueError):
        make_chunks(REPORT, o, budget=0)


# --------------------------------------------------------------------------------------------------
# The corpus
# --------------------------------------------------------------------------------------------------


def corpus_text(name: str) -> str:
    from summarizer.clean import clean
    from summarizer.load import load_path

    try:
        return clean(load_path(DATA / name).text).text
    except NotImplementedError:
        pytest.skip("load/clean not implemented yet")


def raw_text(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8-sig")


@pytest.mark.parametrize("name", CORPUS)
@pytest.mark.parametrize("budget", [DEFAULT_BUDGET, 600, 120])
@pytest.mark.parametrize("source", ["clean", "raw"])
def test_corpus_chunk_invariants(name: str, budget: int, source: str) -> None:
    text = corpus_text(name) if source == "clean" else raw_text(name)
    o = parse_sections(text)
    chunks = make_chunks(text, o, budget=budget)
    check_chunks(text, o, chunks, budget)
    assert {c.top_index for c in chunks} >= set(range(len(o.sections)))
    starts = {s.start for s in walk(o.sections)}
    for a, b in itertools.pairwise(chunks):
        if b.start in starts or b.top_index != a.top_index:
            continue
        # Inside a section a chunk ends at a sentence end, or mid-sentence only when that sentence
        # alone exceeds the budget.
        if not sentence_boundary(text, a.end):
            sentence_start = max(text.rfind(ch, 0, a.end) for ch in _SENTENCE_END + "\n") + 1
            ends = [i + 1 for i in (text.find(ch, a.end) for ch in _SENTENCE_END + "\n") if i >= 0]
            sentence_end = min(ends, default=len(text))
            assert sentence_end - sentence_start > budget, (a.text[-30:], b.text[:30])


def test_corpus_default_budget_chunk_counts_are_sane() -> None:
    """At 1500 characters the short reports need a handful of chunks, the long ones a few dozen."""
    for name in CORPUS:
        text = raw_text(name)
        n = len(make_chunks(text, parse_sections(text)))
        assert len(text) / DEFAULT_BUDGET <= n <= len(text) / 300, (name, n)
