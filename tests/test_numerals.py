"""Chinese numerals read as cn2an read them, without importing it at run time (its import cost a third of
an offline run's start-up). cn2an is a dev dependency, kept for this comparison."""

from __future__ import annotations

import itertools
import random
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest

from summarizer import numbers
from summarizer.numerals import cn_value

cn2an = pytest.importorskip("cn2an")

DATA = Path(__file__).resolve().parent / "data"
ALPHABET = "零〇一二两三四五六七八九十百千点"
DIGITS = "零〇一二两三四五六七八九"


def reference(text: str) -> Decimal | None:
    """What numbers._cn computed with cn2an."""
    try:
        return Decimal(str(cn2an.cn2an(text, "smart")))
    except (ValueError, KeyError, IndexError, InvalidOperation):
        return None


def mismatches(texts: list[str]) -> list[tuple[str, Decimal | None, Decimal | None]]:
    out = []
    for text in texts:
        ours, theirs = cn_value(text), reference(text)
        if ours != theirs or str(ours) != str(theirs):  # the same Decimal, digits and exponent included
            out.append((text, ours, theirs))
    return out


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("二十四", "24"),
        ("十五", "15"),
        ("一百零五", "105"),
        ("一百十", "110"),
        ("三千零二十", "3020"),
        ("两千", "2000"),
        ("二〇二〇", "2020"),
        ("三点五", "3.5"),
        ("三百四", "340"),
        ("两千三", "2300"),
        ("十十", None),
        ("点五", None),
        ("一点二点三", None),
        ("万", None),
        ("", None),
    ],
)
def test_documented_shapes(text: str, value: str | None) -> None:
    assert cn_value(text) == (Decimal(value) if value is not None else None)


def test_every_string_of_up_to_four_characters_reads_as_cn2an_read_it() -> None:
    texts = ["".join(t) for k in range(1, 5) for t in itertools.product(ALPHABET, repeat=k)]
    assert len(texts) == 69904
    assert mismatches(texts) == []


def test_every_numeral_the_grammar_reads_in_the_test_corpus_reads_as_cn2an_read_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    handed: set[str] = set()

    def recording(text: str) -> Decimal | None:
        handed.add(text)
        return cn_value(text)

    monkeypatch.setattr(numbers, "cn_value", recording)
    for path in sorted(DATA.rglob("*.txt")):
        numbers.find_numbers(path.read_text(encoding="utf-8"))
    assert len(handed) > 20  # the corpus writes its figures in Arabic digits, mostly
    assert mismatches(sorted(handed)) == []


def test_longer_numerals_read_as_cn2an_read_them() -> None:
    rng = random.Random(20261129)
    texts = []
    for _ in range(20_000):
        parts = [rng.choice(DIGITS) + unit for unit in rng.sample(["千", "百", "十", ""], rng.randint(1, 4))]
        text = "".join(parts)
        if rng.random() < 0.3:
            text += "点" + "".join(rng.choice(DIGITS) for _ in range(rng.randint(0, 18)))
        texts.append(text)
        texts.append("".join(rng.choice(ALPHABET) for _ in range(rng.randint(5, 12))))
    assert mismatches(texts) == []
