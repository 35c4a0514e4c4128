"""One binding per sentence, shared by the grounding validator and verification (issue 19).

The validator (``models.binding_problem``) binds a quote's sentence inside a chunk without whitespace;
verification binds it inside the cleaned document. Both now read the sentence alone
(``binding.bind_alone``), so the second reader reuses the first's work. These tests hold that verification's
bindings are what binding the sentence in place gives (on the test reports and on sentences written here),
that a neighbouring sentence no longer changes them, and that the memo is actually hit across the two.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from summarizer.binding import Binding, bind, bind_alone
from summarizer.clean import clean
from summarizer.load import load_path
from summarizer.models import _sentence_bindings, binding_problem
from summarizer.numbers import find_numbers
from summarizer.verify import _TextContext

DATA = Path(__file__).parent / "data"
_END = re.compile(r"[。！？!?；;\n]")


def spans(text: str) -> list[tuple[int, int]]:
    """Every sentence span of ``text`` as verification cuts it."""
    ends = [m.start() for m in _END.finditer(text)] + [len(text)]
    return list(zip([0, *[e + 1 for e in ends[:-1]]], ends, strict=True))


def in_place(text: str, lo: int, hi: int) -> list[Binding]:
    mentions = [m for m in find_numbers(text) if lo <= m.start < hi]
    return bind(text, mentions, lo, hi)


@pytest.mark.parametrize(
    "name", ["xianning_city_2020h1.txt", "xuancheng_county_2020h1.txt", "hailar_2012_gov_report.txt"]
)
def test_verification_binds_every_sentence_of_a_report_as_in_place(name: str) -> None:
    text = clean(load_path(DATA / name).text).text
    context = _TextContext(text, find_numbers(text), None, None)
    compared = 0
    for lo, hi in spans(text):
        expected = in_place(text, lo, hi)
        if expected:
            compared += 1
            assert context.bindings(lo, hi) == expected, text[lo:hi]
    assert compared > 20


# Sentences written for this test, each with the document's whitespace (paragraph breaks, spaces) that the
# validator's chunk drops, and a figure whose binding the validator checks; last, whether the chunk's sentence
# is the document's: a heading with no full stop runs into the next sentence once the line break is dropped,
# so that sentence is bound twice (in the right coordinates each time).
DOCUMENTS = [
    (
        "一、经济运行。\n全年地区生产总值完成1234.5亿元，同比增长6.1%。\n二、民生\n",
        "同比增长6.1%",
        "地区生产总值",
        "6.1",
        "%",
        True,
    ),
    (
        "  上半年，全县实现财政收入8.9亿元，增长3%；税收收入6.2亿元。\n",
        "税收收入6.2亿元",
        "税收收入",
        "6.2",
        "亿元",
        True,
    ),
    (
        "投入民生资金6.8亿元，占地方财政总支出的47.5%。 其余用于基础设施。\n",
        "占地方财政总支出的47.5%",
        "民生支出比重",
        "47.5",
        "%",
        True,
    ),
    (
        "一、经济运行\n全年地区生产总值完成1234.5亿元，同比增长6.1%。\n",
        "同比增长6.1%",
        "地区生产总值",
        "6.1",
        "%",
        False,
    ),
]


@pytest.mark.parametrize(("document", "quote", "name", "value", "unit", "shared"), DOCUMENTS)
def test_verification_reuses_the_validators_binding(
    document: str, quote: str, name: str, value: str, unit: str, shared: bool
) -> None:
    _sentence_bindings.cache_clear()
    bind_alone.cache_clear()
    chunk = re.sub(r"\s+", "", document)
    binding_problem(name, value, unit, quote, chunk)
    computed = bind_alone.cache_info().misses
    assert computed == 1
    at = document.index(quote)
    context = _TextContext(document, find_numbers(document), None, None)
    lo, hi = context.sentence(at, at + len(quote))
    got = context.bindings(at, at + len(quote))
    info = bind_alone.cache_info()
    assert (info.misses, info.hits) == ((1, 1) if shared else (2, 0))
    assert got == in_place(document, lo, hi)
    assert any(b.mention.start == at + quote.index(value) for b in got)  # the document's offsets


@pytest.mark.parametrize("before", ["大会由第十三届。", "选举产生十三届", "（十三届）；"])
def test_a_term_in_the_sentence_before_does_not_make_a_count_an_ordinal(before: str) -> None:
    sentence = "全年召开五次会议"
    text = before + "\n" + sentence + "。"
    lo = len(before) + 1
    context = _TextContext(text, find_numbers(text), None, None)
    got = context.bindings(lo, lo + len(sentence))
    alone = bind(sentence, find_numbers(sentence))
    assert [(b.name, b.junk) for b in got] == [(b.name, b.junk) for b in alone]
    assert [b.junk for b in got] == [None]


@pytest.mark.parametrize(
    "text",
    [
        "全年投入3亿元，用于农村公路建设?12个项目完成。",
        "今年安排8000万元，实施了老旧小区改造!共计30个小区。",
    ],
)
def test_what_a_sum_is_for_stops_at_its_sentence(text: str) -> None:
    hi = min(text.index(c) for c in "?!" if c in text)
    context = _TextContext(text, find_numbers(text), None, None)
    names = [b.name for b in context.bindings(0, hi)]
    assert names and all("?" not in n and "!" not in n and "个" not in n for n in names)
    assert names == [b.name for b in bind(text[:hi], find_numbers(text[:hi]))]
