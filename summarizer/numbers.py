"""numbers: text -> every number mention with its span and normalised value.

TODO(helper): implement.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

# count, money, percent, percent_point, date, year, ordinal, range, ratio, other
Kind = str


@dataclass(frozen=True)
class NumberMention:
    text: str  # as written, unit and approx word included ("1.2万余份")
    start: int
    end: int
    value: Decimal | None  # the figure as written, scale word not applied (1.2); None when redacted
    scaled: Decimal | None  # scale word applied (12000); None when redacted
    unit: str  # "元", "%", "百分点", "家", "份", "" ...
    kind: Kind
    approx: str | None  # 余/多/近/约/以上/左右/超/逾 ...
    redacted: bool
    high: Decimal | None = None  # upper bound (scaled) for ranges like 1-5月, 2016-2019


def find_numbers(text: str) -> list[NumberMention]:
    raise NotImplementedError
