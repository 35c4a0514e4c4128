"""Chinese numerals -> values, for the shapes ``numbers``' grammar hands over (``二十四``, ``一百零五``,
``两千``, ``二〇二〇``, ``三点五``, ``三百四``).

Written here rather than imported from cn2an, whose import alone cost 0.13-0.18 s (it builds converters and
regexes for every mode and direction at import), a third of an offline run's start-up. The rules are cn2an's
"smart" mode restricted to what reaches this function, which never holds 万/亿 (the grammar reads those as
scale words), Arabic digits, a sign or financial numerals: the strings over 零〇一二两三四五六七八九十百千点.
So a numeral means what it meant before; a test compares the two over every such string of up to four
characters, every numeral of the test corpus and random longer ones (cn2an is a dev dependency for it).

Accepted, in cn2an's order:

* a well-formed numeral up to 9999 (``十五``, ``二十``, ``一百零五``, ``三千零二十``), after cn2an's repairs
  (``一百十`` -> ``一百一十``, ``一千二十`` -> ``一千零二十``, ``零十`` -> ``零一十``);
* a digit string (``二〇二〇`` = 2020, ``一二`` = 12);
* the spoken short form: ``三百四`` = 340, ``两千三`` = 2300 (a trailing unit is implied);

each with an optional decimal part of up to 16 digits after 点. Anything else is not a number (None).
"""

from __future__ import annotations

import re
from decimal import Decimal

_DIGIT_VALUE = dict(zip("零〇一二两三四五六七八九", (0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9), strict=True))
_UNIT_VALUE = {"十": 10, "百": 100, "千": 1000}
_ALPHABET = frozenset(_DIGIT_VALUE) | frozenset(_UNIT_VALUE) | {"点"}

# The well-formed numerals up to 9999 (cn2an's grammar in its "normal" mode, without 万 and 亿).
_Z = "[零〇]"
_D = "[一二两三四五六七八九]"
_10_99 = f"{_D}?十{_D}?"
_10_99_WITH_ONE = f"{_D}十{_D}?"
_1_99 = f"(?:{_10_99}|{_D})"
_100_999 = f"(?:{_D}百(?:{_Z}{_D})?|{_D}百{_10_99_WITH_ONE})"
_1_999 = f"(?:{_100_999}|{_1_99})"
_1000_9999 = f"(?:{_D}千(?:{_Z}{_1_99})?|{_D}千{_100_999})"
_WELL_FORMED = re.compile(f"{_Z}|{_1000_9999}|{_1_999}")
_DECIMALS = re.compile("[零〇一二两三四五六七八九]{0,16}")
_DIGITS_ONLY = re.compile("[零〇一二两三四五六七八九]+")
_SPOKEN = re.compile("(?:[零〇一二两三四五六七八九]{0,2}[十百千])+[零〇一二两三四五六七八九]")
_SPOKEN_LAST_UNIT = re.compile("([十百千])[零〇一二两三四五六七八九]$")
_IMPLIED_UNIT = {"百": "十", "千": "百"}  # 三百四 is 三百四十; after 十 nothing is implied (not a number)
# cn2an's repairs of common slips, in its order.
_THOUSAND_MISSING_ZERO = re.compile("(千)([零〇一二两三四五六七八九]?十)")
_HUNDRED_MISSING_ONE = re.compile("(百)(十)")


def cn_value(text: str) -> Decimal | None:
    """The value of a Chinese numeral (see the module docstring), or None when it is not one."""
    if not text or not _ALPHABET.issuperset(text):
        return None
    text = text.replace("零十", "零一十").replace("零百", "零一百")
    integer, point, decimals = text.partition("点")
    if point and "点" in decimals:
        return None
    integer = _HUNDRED_MISSING_ONE.sub(r"\1一\2", _THOUSAND_MISSING_ZERO.sub(r"\1零\2", integer))
    integer = integer.replace("零十", "零一十")
    fraction = decimals if point else None
    fraction_ok = fraction is None or _DECIMALS.fullmatch(fraction) is not None
    if _WELL_FORMED.fullmatch(integer):
        return _value(_positional(integer), fraction) if fraction_ok else None
    if _DIGITS_ONLY.fullmatch(integer) and fraction_ok:
        return _value(_digit_string(integer), fraction)
    if len(integer) >= 3 and _SPOKEN.fullmatch(integer) and fraction_ok:
        last = _SPOKEN_LAST_UNIT.search(integer)
        implied = _IMPLIED_UNIT.get(last.group(1)) if last else None
        return _value(_positional(integer + implied), fraction) if implied else None
    return None


def _positional(integer: str) -> int:
    """十五 = 15, 一百零五 = 105: digits times the unit after them, a leading unit counting once."""
    total, unit = 0, 1
    for index, char in enumerate(reversed(integer)):
        if char in _UNIT_VALUE:
            unit = _UNIT_VALUE[char]
            if index == len(integer) - 1:
                total += unit
        else:
            total += _DIGIT_VALUE[char] * unit
    return total


def _digit_string(integer: str) -> int:
    return sum(_DIGIT_VALUE[c] * 10 ** (len(integer) - i - 1) for i, c in enumerate(integer))


def _value(integer: int, fraction: str | None) -> Decimal:
    """The number as cn2an computes it (a float once there is a decimal part, rounded to its digits), so a
    numeral reads as exactly the same Decimal as before."""
    if fraction is None:
        return Decimal(str(integer))
    part: float = 0
    for index in range(len(fraction) - 1, -1, -1):
        part += _DIGIT_VALUE[fraction[index]] * 10 ** -(index + 1)
    total = integer + round(part, len(fraction))
    return Decimal(str(round(total, len(fraction))))
