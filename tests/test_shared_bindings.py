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

from summarizer import binding
from summarizer.binding import Binding, bind, bind_alone
from summarizer.clean import clean
from summarizer.load import load_path
from summarizer.models import _sentence_mentions, binding_problem
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
# validator's chunk drops, and a quote holding two figures (with one, there is nothing to bind: see the tests
# after this one), the one the validator checks named; last, whether the chunk's sentence is the document's: a
# heading with no full stop runs into the next sentence once the line break is dropped, so that sentence is bound
# twice (in the right coordinates each time).
DOCUMENTS = [
    (
        "一、经济运行。\n全年地区生产总值完成1234.5亿元，同比增长6.1%。\n二、民生\n",
        "地区生产总值完成1234.5亿元，同比增长6.1%",
        "地区生产总值增速",
        "6.1",
        "%",
        True,
    ),
    (
        "  上半年，全县实现财政收入8.9亿元；税收收入6.2亿元，增长3%。\n",
        "税收收入6.2亿元，增长3%",
        "税收收入",
        "6.2",
        "亿元",
        True,
    ),
    (
        "投入民生资金6.8亿元，占地方财政总支出的47.5%。 其余用于基础设施。\n",
        "投入民生资金6.8亿元，占地方财政总支出的47.5%",
        "民生支出比重",
        "47.5",
        "%",
        True,
    ),
    (
        "一、经济运行\n全年地区生产总值完成1234.5亿元，同比增长6.1%。\n",
        "地区生产总值完成1234.5亿元，同比增长6.1%",
        "地区生产总值增速",
        "6.1",
        "%",
        False,
    ),
]


@pytest.mark.parametrize(("document", "quote", "name", "value", "unit", "shared"), DOCUMENTS)
def test_verification_reuses_the_validators_binding(
    document: str, quote: str, name: str, value: str, unit: str, shared: bool
) -> None:
    _sentence_mentions.cache_clear()
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


@pytest.mark.parametrize(
    ("chunk", "quote", "name", "value", "unit"),
    [
        ("全年地区生产总值完成1234.5亿元，同比增长6.1%。", "同比增长6.1%", "地区生产总值", "6.1", "%"),
        ("2020年上半年，税收收入6.2亿元，占比70%。", "2020年上半年，税收收入6.2亿元", "税收收入", "6.2", "亿元"),
    ],
)
def test_a_quote_with_one_figure_is_not_bound(chunk: str, quote: str, name: str, value: str, unit: str) -> None:
    """A figure alone in its quote (dates, years and ordinals aside) has no other to be taken for: neither the
    validator nor verification binds its sentence, and what they say is what binding it would have said."""
    _sentence_mentions.cache_clear()
    bind_alone.cache_clear()
    assert binding_problem(name, value, unit, quote, chunk) is None
    assert bind_alone.cache_info().misses == 0
    with pytest.MonkeyPatch.context() as m:
        m.setattr(binding, "has_rival", lambda mentions: True)  # read through the module at each call
        assert binding_problem(name, value, unit, quote, chunk) is None
    assert bind_alone.cache_info().misses == 1


def test_skipping_unrivalled_quotes_changes_no_answer_on_the_test_reports() -> None:
    """Every figure of three reports quoted alone (from its clause's start, so that only dates or years may
    stand with it) and given each name its sentence binds: the validator says the same with and without the
    shortcut (``binding.has_rival``)."""
    checked = 0
    for doc in ("xianning_city_2020h1.txt", "xuancheng_county_2020h1.txt", "hailar_2012_gov_report.txt"):
        chunk = re.sub(r"\s+", "", clean(load_path(DATA / doc).text).text)
        for lo, hi in spans(chunk)[:80]:
            sentence = chunk[lo:hi]
            names = {b.name for b in bind_alone(sentence, tuple(find_numbers(sentence))) if b.name}
            for m in find_numbers(sentence):
                if m.kind in binding.JUNK_KINDS or m.value is None:
                    continue
                start = max(sentence.rfind(c, 0, m.start) for c in "，,：:") + 1
                quote = sentence[start : m.end]
                for name in sorted(names)[:3]:
                    fast = binding_problem(name, m.text, "", quote, chunk)
                    with pytest.MonkeyPatch.context() as patch:
                        patch.setattr(binding, "has_rival", lambda mentions: True)
                        slow = binding_problem(name, m.text, "", quote, chunk)
                    assert fast == slow, (quote, name)
                    checked += 1
    assert checked > 200


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


def test_verification_says_the_same_with_and_without_the_shortcut(tmp_path: Path) -> None:
    """Verification skips binding an evidence with no rival figure (``binding.has_rival``); on the offline
    summaries of three reports, with every metric also given each other metric's name (misattributions to
    catch), every check and reason is what binding every evidence gives."""
    import importlib

    from summarizer import Summarizer
    from summarizer.verify import verify

    verify_module = importlib.import_module("summarizer.verify")  # the package exports the function by that name

    compared = caught = 0
    with Summarizer(backend="offline", use_cache=False) as summarizer:
        for doc in ("xianning_city_2020h1.txt", "xuancheng_county_2020h1.txt", "hailar_2012_gov_report.txt"):
            result = summarizer.run(DATA / doc)
            analysis, summary = result.analysis, result.summary
            names = [m.name for m in summary.metrics]
            renamed = [
                m.model_copy(update={"name": names[(i + 7) % len(names)]}) for i, m in enumerate(summary.metrics)
            ]
            # and each metric named as another figure of its own evidence is bound: misattributions to catch
            context = _TextContext(analysis.clean.text, analysis.mentions, None, None)
            rivals = []
            for m in summary.metrics:
                bound = context.bindings(m.evidence.start, m.evidence.end)
                other = [b.name for b in bound if b.name and b.name != m.name and not b.junk]
                rivals.append(m.model_copy(update={"name": other[0]}) if other else m)
            for metrics in (summary.metrics, renamed, rivals):
                draft = summary.model_copy(update={"metrics": metrics})
                args = (draft, analysis.mentions)
                kw = {"text": analysis.clean.text, "outline": analysis.outline}
                fast = verify(*args, **kw)
                with pytest.MonkeyPatch.context() as patch:
                    patch.setattr(verify_module, "has_rival", lambda mentions: True)
                    slow = verify(*args, **kw)
                assert [(m.check, m.check_reason) for m in fast.metrics] == [
                    (m.check, m.check_reason) for m in slow.metrics
                ]
                compared += len(metrics)
                caught += sum(m.check == "misattributed" for m in slow.metrics)
    assert compared > 600 and caught > 5
