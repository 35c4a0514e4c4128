"""chunks: exact spans, full coverage, the budget, sentence integrity, parts, and the fewest chunks."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from summarizer.chunks import DEFAULT_BUDGET, Chunk, make_chunks
from summarizer.sections import Outline, parse_sections, path_at, walk

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
        assert c.breadcrumb == tuple(s.heading() for s in path_at(outline, c.start))
        # Every visible character of the chunk lies in exactly one of its parts; every part has some.
        assert c.parts and [p.start for p in c.parts] == sorted(p.start for p in c.parts)
        owners = [[p for p in c.parts if p.start <= i < p.end] for i in range(c.start, c.end)]
        assert all(len(o) == 1 for i, o in zip(range(c.start, c.end), owners, strict=True) if not text[i].isspace())
        for p in c.parts:
            assert text[max(p.start, c.start) : min(p.end, c.end)].strip()
        # A chunk never ends on a heading, unless the sentence after it could not join it.
        for sec in walk(outline.sections):
            if c.start <= sec.start and c.end <= sec.body_start and c.index + 1 < len(chunks):
                nxt = chunks[c.index + 1]
                assert nxt.end - c.start > budget or not sentence_boundary(text, nxt.end), (c.text[-20:], budget)


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


def _paths(chunk: Chunk) -> list[tuple[str, ...]]:
    return [p.path for p in chunk.parts]


def test_small_sections_share_a_chunk_and_each_is_a_part() -> None:
    o = parse_sections(REPORT)
    chunks = make_chunks(REPORT, o, budget=1000)
    check_chunks(REPORT, o, chunks, 1000)
    assert [c.text for c in chunks] == [REPORT.strip()]  # one request, not four
    assert _paths(chunks[0]) == [(), ("一、上半年工作开展情况",), ("二、存在的问题",), ("三、下半年工作安排",)]
    assert [p.role for p in chunks[0].parts] == [None, "work_done", "problems", "plans"]
    assert chunks[0].breadcrumb == ()


def test_fewest_chunks_then_a_cut_at_a_part_start() -> None:
    o = parse_sections(REPORT)
    # 131 characters need two chunks of at most 100. Ending the first at 二、 (position 90) is the only
    # part start that keeps two (at 三、 the first would be 103 long; at 一、 the second would).
    chunks = make_chunks(REPORT, o, budget=100)
    check_chunks(REPORT, o, chunks, 100)
    assert [c.text.split("\n")[0] for c in chunks] == ["科技局2020年上半年工作总结", "二、存在的问题"]
    assert _paths(chunks[1]) == [("二、存在的问题",), ("三、下半年工作安排",)]
    # At 60, three chunks are needed; the first ends before 一、 (a part start, 27 characters in) rather
    # than at a later sentence end.
    chunks = make_chunks(REPORT, o, budget=60)
    check_chunks(REPORT, o, chunks, 60)
    assert len(chunks) == 3
    assert chunks[0].text == "科技局2020年上半年工作总结\n现将有关情况汇报如下。"
    assert chunks[1].text.startswith("一、上半年工作开展情况\n")


def test_a_part_continued_from_the_previous_chunk() -> None:
    o = parse_sections(REPORT)
    chunks = make_chunks(REPORT, o, budget=40)
    check_chunks(REPORT, o, chunks, 40)
    assert [c.text for c in chunks[1:3]] == [
        "一、上半年工作开展情况\n（一）项目建设。完成投资3亿元。",  # the heading keeps its first sentence
        "（二）企业服务。走访企业30家。\n（三）人才引进。引进人才5人。",
    ]
    assert _paths(chunks[2]) == [("一、上半年工作开展情况",)]
    assert chunks[2].parts[0].start < chunks[2].start  # began in an earlier chunk
    assert chunks[2].breadcrumb == ("一、上半年工作开展情况", "（二）企业服务")


def _fewest_chunks(text: str, cuts: list[int], budget: int) -> int:
    """Brute force over every set of allowed cut positions: the fewest chunks within the budget."""
    best = {0: 0}
    points = [0, *cuts, len(text)]
    for j in points[1:]:
        options = [
            best[i] + 1 for i in points if i < j and i in best and len(text[i:j].strip()) <= budget
        ]
        if options:
            best[j] = min(options)
    return best[len(text)]


@pytest.mark.parametrize("budget", [30, 45, 70, 120])
def test_chunk_count_is_the_fewest_possible(budget: int) -> None:
    sentences = [f"第{i}项工作{'完成' * (i % 5)}投资{i}亿元。" for i in range(1, 30)]
    text = "一、工作\n" + "".join(sentences[:10]) + "\n二、问题\n" + "".join(sentences[10:14])
    text += "\n三、安排\n" + "".join(sentences[14:]) + "\n"
    o = parse_sections(text)
    chunks = make_chunks(text, o, budget=budget)
    check_chunks(text, o, chunks, budget)
    # Allowed cuts: after every sentence, and before every heading (never right after one).
    cuts = [i + 1 for i, ch in enumerate(text) if ch == "。"] + [s.start for s in o.sections]
    assert len(chunks) == _fewest_chunks(text, sorted(set(cuts)), budget)


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
    # All boundaries are equally good here, so every chunk is filled: none could have taken the next
    # chunk's first sentence.
    for a, b in itertools.pairwise(chunks):
        first_sentence = b.text[: b.text.index("。") + 1]
        assert len(a.text) + len(first_sentence) > 100


def test_sentence_longer_than_budget_is_split_at_commas() -> None:
    long_sentence = "，".join(f"加强第{i}项工作" for i in range(1, 30)) + "。"
    text = f"一、工作情况\n开头一句。{long_sentence}结尾一句。\n"
    o = parse_sections(text)
    chunks = make_chunks(text, o, budget=60)
    check_chunks(text, o, chunks, 60)
    joined = "".join(c.text for c in chunks)
    assert joined == text.strip()  # cut mid-sentence: no whitespace between the chunks
    for c in chunks[:-1]:
        assert c.text.endswith(("，", "。")), c.text[-5:]  # after a comma or a full stop, never mid-clause


def test_clause_longer_than_budget_is_cut_hard() -> None:
    text = "一、工作\n" + "很" * 250 + "。\n"
    o = parse_sections(text)
    chunks = make_chunks(text, o, budget=100)
    check_chunks(text, o, chunks, 100)
    # The heading cannot join a 251-character sentence, so it stands alone.
    assert [len(c.text) for c in chunks] == [4, 100, 100, 51]


def test_sub_sections_with_their_own_role_are_parts() -> None:
    text = (
        "一、上半年工作落实情况及下半年工作安排\n"
        "（一）上半年工作落实情况\n完成任务。\n"
        "（二）存在的问题\n投入不足。\n"
        "（三）下半年工作安排\n继续努力。\n"
    )
    o = parse_sections(text)
    chunks = make_chunks(text, o, budget=200)
    check_chunks(text, o, chunks, 200)
    assert len(chunks) == 1
    assert _paths(chunks[0]) == [
        (o.sections[0].heading(),),
        (o.sections[0].heading(), "（二）存在的问题"),
        (o.sections[0].heading(), "（三）下半年工作安排"),
    ]
    assert [p.role for p in chunks[0].parts] == ["work_done", "problems", "plans"]
    # With room for two of the three, the cut falls where a part starts.
    chunks = make_chunks(text, o, budget=60)
    check_chunks(text, o, chunks, 60)
    assert chunks[1].text.startswith(("（二）", "（三）"))


def test_breadcrumb_is_the_deepest_section_at_chunk_start() -> None:
    text = "一、工作\n（一）甲类\n1.子项一。" + "内容。" * 20 + "\n2.子项二。" + "内容。" * 20 + "\n"
    o = parse_sections(text)
    chunks = make_chunks(text, o, budget=70)
    check_chunks(text, o, chunks, 70)
    crumbs = [c.breadcrumb for c in chunks]
    assert ("一、工作", "（一）甲类", "2.子项二") in crumbs  # a cut at a section start is preferred
    assert crumbs[0] == ("一、工作",)


def test_no_headings_and_empty_text() -> None:
    text = "今年以来工作顺利。\n\n下一步继续努力。"
    o = parse_sections(text)
    chunks = make_chunks(text, o)
    assert [(c.text, c.breadcrumb, _paths(c)) for c in chunks] == [(text, (), [("全文",)])]
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
    assert {p.key[0] for c in chunks for p in c.parts} >= set(range(len(o.sections)))
    starts = {s.start for s in walk(o.sections)}
    for a, b in itertools.pairwise(chunks):
        if b.start in starts:
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
