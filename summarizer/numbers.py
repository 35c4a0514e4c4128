"""numbers: text -> every number mention with its span and normalised value.

The genre writes quantities in many shapes (``1.2万余份``, ``近千万``, ``xx亿元``, ``二十四条``, ``1-5月份``,
``2020年12月11日``) and the verifier must compare a summary's numbers with the source's on *value*, not
spelling. So every mention is normalised to ``value`` (the figure as written), ``scaled`` (万/亿 applied) and
a folded ``unit`` (万元 -> 元 with the 万 in ``scaled``; 個 -> 个; ％ -> %; 年度 -> 年; 月份/月底 -> 月).

Design (speed is a requirement: >= 5 MB/s, measured in bench/): one compiled master regex does all the
recognition in a single pass over the text; each match is then normalised by the reader for the alternative
that matched (``m.lastgroup``, looked up in ``_READERS``). No number-parsing library covers this grammar
(approximation words, scale words, redaction marks, measure words), so the grammar is hand-written; Chinese
numerals themselves are read by ``numerals.cn_value`` (cn2an's rules, without its import cost), except a bare
千/百/万 as in ``近千万``, which is handled inline.

Decisions (the verifier relies on them):

* List markers and heading numbers (``一、`` ``（一）`` ``(1)`` ``1.`` ``1、`` ``2）``) are *skipped*: they
  are not emitted at all, so nothing downstream can mistake them for facts. ``一是``/``二是`` are never
  numbers (Chinese numerals are only read before a measure word, after 第/前, or in a 至 range).
* Ordinals (``第四``, ``第九届``, ``前x名``) and five-year-plan names (``十四五``, value 14) get kind
  ``ordinal``.
* A Chinese numeral counts only before a measure word/unit (``两个``, ``三家``, ``二十四条``); ``一带一路``,
  ``进一步``, ``统一部署`` are not numbers.
* Redaction marks (``xx``, ``x``, ``xxx.xx``, ``**``, ``XX``) are numbers only when a unit, scale word or
  ``%`` follows (``xx家``, ``xx万``, ``xx%``); ``XX县``/``xx省``/``xxxx建设`` are redacted names, not numbers.
* Numbers glued to Latin letters (``PM2.5``, ``5G``, ``4S店``, ``5A级``) are names, not quantities: skipped.
* Dates are encoded as integers: ``2020年12月11日`` -> 20201211, ``2020年12月`` -> 202012, ``1月21日`` -> 121
  (unit ``日``), ``6月底`` -> 6 (unit ``月``); ``2020年`` is kind ``year`` with value 2020.
* Ratios (``3.6 : 48 : 48.4``) yield one mention per term, kind ``ratio``.
* ``approx`` holds the word before the number if any, else the one after (``近1000多人次`` -> ``近``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache
from typing import Literal

from .numerals import cn_value

Kind = Literal["count", "money", "percent", "percent_point", "date", "year", "ordinal", "range", "ratio", "other"]
Numeral = Literal["arabic", "chinese", "redacted"]


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
    numeral: Numeral = "arabic"  # how the figure is written


# --------------------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------------------

# fmt: off
# Traditional -> simplified for the few characters the grammar cares about. Hand-written on purpose: opencc
# converts whole texts and is far too slow to call per match, and only ~40 characters matter here.
_T2S = {
    "萬": "万", "億": "亿", "兩": "两", "個": "个", "項": "项", "條": "条", "場": "场", "屆": "届",
    "臺": "台", "輛": "辆", "張": "张", "間": "间", "棟": "栋", "種": "种", "類": "类", "門": "门",
    "組": "组", "輪": "轮", "週": "周", "時": "时", "鐘": "钟", "噸": "吨", "畝": "亩", "頃": "顷",
    "塊": "块", "處": "处", "點": "点", "歲": "岁", "層": "层", "級": "级", "戶": "户", "隻": "只",
    "頭": "头", "顆": "颗", "餘": "余", "約": "约", "將": "将", "標": "标", "準": "准", "筆": "笔",
    "號": "号", "車": "车", "冊": "册", "過": "过", "內": "内", "節": "节", "際": "际", "規": "规",
    "於": "于", "單": "单", "專": "专", "統": "统", "進": "进", "劃": "划", "數": "数",
}
_T2S_TABLE = str.maketrans(_T2S)
_S2T: dict[str, str] = {}
for _t, _s in _T2S.items():
    _S2T[_s] = _S2T.get(_s, "") + _t

_FULLWIDTH = str.maketrans("０１２３４５６７８９．，", "0123456789.,")

# Measure words and units, simplified. Longest first in the regex so 个百分点 beats 个, 人次 beats 人.
_UNITS = (
    # percent family
    "%", "％", "‰", "个百分点", "百分点",
    # money
    "元", "美元", "欧元", "港元", "元人民币",
    # time
    "周年", "年度", "年", "个月", "月份", "月底", "月末", "月初", "月中旬", "月上旬", "月下旬", "月",
    "天", "日", "小时", "分钟", "个工作日", "工作日", "季度", "周",
    # counts
    "人次", "人", "名", "位", "户", "家", "个", "项", "件", "条", "份", "篇", "次", "场", "期", "批", "所",
    "座", "处", "台", "套", "辆", "艘", "架", "只", "头", "株", "棵", "册", "部", "种", "类", "款",
    "支", "组", "届", "轮", "块", "间", "栋", "幢", "张", "床", "例", "起", "宗", "笔", "层", "级", "岁",
    "倍", "片", "颗", "门", "车次", "台次", "班次", "架次", "户次", "批次", "场次", "期次", "位次",
    # measures
    "平方公里", "平方千米", "平方米", "平米", "立方米", "公里", "千米", "米", "公顷", "亩", "吨标准煤",
    "吨", "千克", "公斤", "斤", "千瓦时", "千瓦", "兆瓦", "千伏", "标准箱", "度",
)
# How a unit is folded for comparison. Anything not listed folds to itself.
_UNIT_FOLD = {
    "％": "%", "个百分点": "百分点", "年度": "年", "月份": "月", "月底": "月", "月末": "月", "月初": "月",
    "月中旬": "月", "月上旬": "月", "月下旬": "月", "元人民币": "元", "平方千米": "平方公里",
    "平米": "平方米", "公斤": "千克", "个工作日": "工作日",
}
# A measure word followed by one of these characters is the start of a word, not a unit
# (5千万项目资金, xx支持, 3部门 is kept: 部门 after a number is rare, 项目 is not).
_UNIT_NOT_BEFORE = {
    "项": "目", "期": "间", "部": "署分", "支": "持付出撑", "位": "于居", "门": "户", "周": "边期转",
    "场": "所地景", "处": "理置", "所": "属在有以", "名": "单称义", "人": "民", "起": "草步来", "台": "湾风",
    "家": "具", "条": "件例", "天": "然津", "度": "假",
}
# fmt: on
PERCENT_UNITS = frozenset({"%", "‰", "百分点"})
MONEY_UNITS = frozenset({"元", "美元", "欧元", "港元"})

_SCALE_VALUE = {"十": 10, "百": 100, "千": 1000, "万": 10_000, "亿": 100_000_000}

# Approximation words. Before the number are read by looking back from the figure (see ``_pre_approx``);
# between figure and unit (余/多) and after the unit are part of the master regex.
_PRE_APPROX_2 = frozenset({"将近", "接近", "大约", "超过", "不足", "不到", "將近", "大約", "超過"})
_PRE_APPROX_1 = frozenset("近约約超逾")
_POST_APPROX = ("以上", "左右", "以下", "以内", "上下", "之多")


def _variants(word: str) -> str:
    """Regex for a simplified word that also accepts the traditional form of each character."""
    out = []
    for ch in word:
        trad = _S2T.get(ch)
        out.append(f"[{re.escape(ch)}{trad}]" if trad else re.escape(ch))
    return "".join(out)


def _alt(words: tuple[str, ...] | list[str]) -> str:
    parts = []
    for w in sorted(words, key=len, reverse=True):
        not_before = _UNIT_NOT_BEFORE.get(w)
        parts.append(_variants(w) + (f"(?![{not_before}])" if not_before else ""))
    return "|".join(parts)


_UNIT_RE = _alt(_UNITS)
_AR = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![\dA-Za-z])(?!\.\d)"
_CN_DIGIT = "零〇一二两兩三四五六七八九十"
_CN_BODY = f"[{_CN_DIGIT}][{_CN_DIGIT}百千]*"
# A scale word right after a figure. 千/百 are not scales when they start a unit (千瓦, 千米, 百分点).
_SCALE = r"(?:[万萬][亿億]|千[万萬亿億]|百[万萬亿億]|[万萬]|[亿億]|千(?![瓦米克伏])|百(?!分))"
_RED = r"(?<![A-Za-z0-9])(?:[xX×]+(?:\.[xX]+)?|\*+)(?![A-Za-z])"
_POST = _alt(list(_POST_APPROX))
# 多 is an approximation only when a scale or unit follows (150多人次); otherwise it starts a word (多措并举).
_MID = rf"(?:[余餘]|多(?={_SCALE}|{_UNIT_RE}))"
_RSEP = r"[-—–~～至到]"
# Characters that, right before a Chinese numeral, make it part of a word (统一, 唯一, 进一步, 千家万户).
_CN_BLOCK = f"统統唯同单單专專逐进進划劃万萬千百{_CN_DIGIT}"

# Alternatives are tried in order at each start position, so the specific shapes (markers, dates, ratios)
# come before the generic number.
_MASTER = re.compile(
    rf"""
    (?P<mk>                                   # list markers: skipped
        [（(]\s*(?:\d{{1,2}}|[一二三四五六七八九十]{{1,3}})\s*[)）]
      | (?<![\dA-Za-z.])\d{{1,2}}(?:[、．]|\.(?!\d)|[)）])
      | (?<![{_CN_DIGIT}百千])[一二三四五六七八九十]{{1,3}}、
    )
  | (?P<plan>(?<![{_CN_DIGIT}百千])十[一二三四五六七八九]五(?![{_CN_DIGIT}百千万萬亿億]))
  | (?P<ord>
        第(?P<o_ar>{_AR}|(?P<o_cn>{_CN_BODY}))(?P<o_unit>{_UNIT_RE})?
      | 前(?:(?P<p_ar>{_AR})|(?P<p_red>{_RED})|(?P<p_cn>{_CN_BODY}))
          (?:(?P<p_unit>名|位次|位|强|強)|(?![\u4e00-\u9fff]))
    )
  | (?P<pctcn>百分之(?P<pc_ar>{_AR}|(?P<pc_cn>[{_CN_DIGIT}百千点點]+)))
  | (?P<iso>(?<![\d.])(?P<iy>\d{{4}})(?P<isep>[-/.])(?P<im>\d{{1,2}})(?P=isep)(?P<idd>\d{{1,2}})(?!\d))
  | (?P<ymd>(?<![\d.])(?P<y>\d{{4}})年(?P<m>\d{{1,2}})月(?:(?P<d>\d{{1,2}})[日号號])?)
  | (?P<md>(?<![\d.])(?P<m2>\d{{1,2}})月(?P<d2>\d{{1,2}})[日号號])
  | (?P<ratio>(?<![\d.])\d+(?:\.\d+)?(?:\s*[:：∶]\s*\d+(?:\.\d+)?(?![\d.]))+)
  | (?P<ar>
        (?<![\d.A-Za-z])(?P<a_num>{_AR})(?:(?P<a_sep>{_RSEP})(?P<a_hi>{_AR}))?
        (?P<a_mid1>{_MID})?(?P<a_scale>{_SCALE})?(?P<a_mid2>{_MID})?(?P<a_unit>{_UNIT_RE})?(?P<a_post>{_POST})?
    )
  | (?P<red>
        (?P<r_num>{_RED})
        (?P<r_mid1>{_MID})?(?:(?P<r_scale>{_SCALE})(?P<r_mid2>{_MID})?(?P<r_unit>{_UNIT_RE})?
                             |(?P<r_unit2>{_UNIT_RE}))
        (?P<r_post>{_POST})?
    )
  | (?P<bare>                                 # 近千万, 近百家, 上千人: a bare scale word after an approx word
        (?<=[近约約上超逾过過])(?P<b_num>[千百万萬亿億])(?P<b_scale>{_SCALE})?(?P<b_mid>{_MID})?
        (?P<b_unit>{_UNIT_RE})?(?P<b_post>{_POST})?
    )
  | (?P<cn>
        (?<![{_CN_BLOCK}])(?P<c_num>{_CN_BODY})(?:{_RSEP}(?P<c_hi>{_CN_BODY}))?
        (?P<c_mid1>{_MID})?(?:(?P<c_scale>[万萬亿億]+)(?P<c_mid2>{_MID})?(?P<c_unit>{_UNIT_RE})?
                             |(?P<c_unit2>{_UNIT_RE}))
        (?P<c_post>{_POST})?
    )
    """,
    re.VERBOSE,
)
# Every alternative of _MASTER starts with one of these characters. sre cannot skip ahead to them on its own
# (the pattern starts with a branch of look-behinds), and trying 12 alternatives at every one of the ~95%
# of positions that hold plain Han characters made the scan 10x slower than this two-step search.
_TRIGGER = re.compile(r"[\d(（xX×*零〇一二两兩三四五六七八九十第前百千万萬亿億]")
_RATIO_TERM = re.compile(r"\d+(?:\.\d+)?")


def _dec(figure: str) -> Decimal:
    return Decimal(figure.translate(_FULLWIDTH).replace(",", ""))


def _cn(figure: str) -> Decimal | None:
    return cn_value(figure.translate(_T2S_TABLE))


def _scale(word: str | None) -> int:
    if not word:
        return 1
    out = 1
    for ch in word.translate(_T2S_TABLE):
        out *= _SCALE_VALUE[ch]
    return out


def fold_unit(unit: str) -> str:
    """The comparable form of a unit as written (個 -> 个, ％ -> %, 年度 -> 年, 月底 -> 月)."""
    simple = unit.translate(_T2S_TABLE)
    return _UNIT_FOLD.get(simple, simple)


_SAME_UNIT = {"名": "人", "位": "人"}


def units_compatible(a: NumberMention, b: NumberMention, *, ordinals_apart: bool = True) -> bool:
    """Whether two mentions measure the same kind of thing (the rules are in ``verify``'s module doc). A metric
    is anchored by its evidence and its value is written without 第/前, so metric checks pass
    ``ordinals_apart=False``. Here, beside the units it compares, so the contract's validators (``models``)
    and the verifier share it without importing each other."""
    if ordinals_apart and (a.kind == "ordinal") != (b.kind == "ordinal"):
        return False
    ua, ub = _SAME_UNIT.get(a.unit, a.unit), _SAME_UNIT.get(b.unit, b.unit)
    if ua == ub:
        return True
    if ua in PERCENT_UNITS or ub in PERCENT_UNITS:
        return False
    return not ua or not ub


def _kind(unit: str, scaled: Decimal | None, *, is_range: bool, approx: str | None, year_like: bool) -> Kind:
    if unit == "%" or unit == "‰":
        return "percent"
    if unit == "百分点":
        return "percent_point"
    if is_range:
        return "range"
    if unit in MONEY_UNITS:
        return "money"
    if unit == "年" and year_like and approx is None:
        return "year"
    if unit == "月" and scaled is not None and 1 <= scaled <= 12 and approx is None:
        return "date"
    if unit:
        return "count"
    return "other"


def _is_year(figure: str, value: Decimal | None) -> bool:
    return value is not None and len(figure) == 4 and 1900 <= value <= 2100 and "." not in figure


def _first(*words: str | None) -> str | None:
    for w in words:
        if w:
            return w.translate(_T2S_TABLE)
    return None


def _pre_approx(text: str, start: int, floor: int) -> str | None:
    """The approximation word written right before ``start`` (not reaching back past ``floor``)."""
    if start - 2 >= floor and text[start - 2 : start] in _PRE_APPROX_2:
        return text[start - 2 : start]
    if start - 1 >= floor and text[start - 1] in _PRE_APPROX_1:
        return text[start - 1]
    return None


QUOTE_MEMO_CHARS = 400  # a quote, a value, a sentence; a document is read once and not kept


@lru_cache(maxsize=2048)
def _quote_numbers(text: str) -> tuple[NumberMention, ...]:
    return tuple(find_numbers(text))


def quote_numbers(text: str) -> list[NumberMention]:
    """``find_numbers`` for a short text read several times: a metric's quote is read by its answer's
    validator, by merge (the approximation word, a redaction's marks) and again when a cached answer is
    validated; the mentions are computed once per distinct text (mentions are immutable; the list is the
    caller's)."""
    if len(text) > QUOTE_MEMO_CHARS:
        return find_numbers(text)
    return list(_quote_numbers(text))


def find_numbers(text: str) -> list[NumberMention]:
    """Every number mention in ``text``, in source order, non-overlapping (see module doc for the rules)."""
    out: list[NumberMention] = []
    pos = 0
    search = _TRIGGER.search
    match = _MASTER.match
    while True:
        t = search(text, pos)
        if t is None:
            break
        m = match(text, t.start())
        if m is None:
            pos = t.start() + 1
            continue
        pos = m.end()
        floor = out[-1].end if out else 0
        _READERS[m.lastgroup or ""](text, m, floor, out)
    return out


# --------------------------------------------------------------------------------------------------
# Readers: one per alternative of the master regex. Each normalises a match into zero or more mentions
# appended to ``out``; ``floor`` is where the previous mention ended (an approximation word before the
# figure is never taken from it).
# --------------------------------------------------------------------------------------------------

Reader = Callable[[str, re.Match[str], int, list[NumberMention]], None]


def _take_pre(text: str, start: int, floor: int) -> tuple[str | None, int]:
    """The approximation word before a figure and where the mention then starts."""
    pre = _pre_approx(text, start, floor)
    return pre, start - len(pre) if pre else start


def _read_arabic(text: str, m: re.Match[str], floor: int, out: list[NumberMention]) -> None:
    """1.2万余份, 30.13亿元, 1-5月, 2016-2019年."""
    figure = m.group("a_num")
    value = _dec(figure)
    mult = _scale(m.group("a_scale"))
    pre, start = _take_pre(text, m.start(), floor)
    high: Decimal | None = None
    hi_fig = m.group("a_hi")
    if hi_fig is not None:
        hi = _dec(hi_fig)
        # Ends out of order, or a year joined to a non-year, is not a range but two numbers joined by a
        # dash (a document code, 2020-22579): read them separately.
        if hi <= value or len(hi_fig) - len(figure) > 1 or (_is_year(figure, value) and not _is_year(hi_fig, hi)):
            out.append(_plain(text, start, m.start("a_sep"), pre, value))
            offset = m.start("a_hi")
            out.extend(_shift(sub, offset) for sub in find_numbers(text[offset : m.end()]))
            return
        high = hi * mult
    scaled = value * mult
    unit = fold_unit(m.group("a_unit") or "")
    approx = _first(pre, m.group("a_mid1"), m.group("a_mid2"), m.group("a_post"))
    year_like = mult == 1 and _is_year(figure, value)
    kind = _kind(unit, scaled, is_range=high is not None, approx=approx, year_like=year_like)
    end = m.end()
    out.append(NumberMention(text[start:end], start, end, value, scaled, unit, kind, approx, False, high))


def _read_redacted(text: str, m: re.Match[str], floor: int, out: list[NumberMention]) -> None:
    """xx家, xx万元, xx%: a figure the report withholds (a unit, scale or % must follow the mark)."""
    pre, start = _take_pre(text, m.start(), floor)
    unit = fold_unit(m.group("r_unit") or m.group("r_unit2") or "")
    approx = _first(pre, m.group("r_mid1"), m.group("r_mid2"), m.group("r_post"))
    kind = _kind(unit, None, is_range=False, approx=approx, year_like=False)
    end = m.end()
    out.append(NumberMention(text[start:end], start, end, None, None, unit, kind, approx, True, None, "redacted"))


def _read_chinese(text: str, m: re.Match[str], floor: int, out: list[NumberMention]) -> None:
    """二十四条, 两千万元, 三至五年: a Chinese numeral before a measure word or scale."""
    num = m.group("c_num")
    value = _cn(num) if num not in ("零", "〇") else None  # 零部件, 零突破: words, not zero
    if value is None:
        return
    mult = _scale(m.group("c_scale"))
    high = None
    if m.group("c_hi") is not None:
        hi = _cn(m.group("c_hi"))
        if hi is None or hi <= value:
            return
        high = hi * mult
    pre, start = _take_pre(text, m.start(), floor)
    scaled = value * mult
    unit = fold_unit(m.group("c_unit") or m.group("c_unit2") or "")
    approx = _first(pre, m.group("c_mid1"), m.group("c_mid2"), m.group("c_post"))
    # 二〇二〇年 is a year; 两千年 is a duration.
    year_like = len(num) == 4 and not any(c in num for c in "十百千")
    kind = _kind(unit, scaled, is_range=high is not None, approx=approx, year_like=year_like)
    end = m.end()
    out.append(NumberMention(text[start:end], start, end, value, scaled, unit, kind, approx, False, high, "chinese"))


def _read_bare(text: str, m: re.Match[str], floor: int, out: list[NumberMention]) -> None:
    """近千万, 近百家, 上千人: a bare scale word after an approximation word."""
    start = m.start()
    pre = _pre_approx(text, start, floor) or ("上" if text[start - 1] == "上" else None)
    if pre is None:  # 过千万 without 超: not an approximation we know
        return
    start -= len(pre)
    # The leading 千/百/万 is the figure (one thousand, ...); what follows it is the scale word.
    value = Decimal(_SCALE_VALUE[m.group("b_num").translate(_T2S_TABLE)])
    scaled = value * _scale(m.group("b_scale"))
    unit = fold_unit(m.group("b_unit") or "")
    approx = _first(pre, m.group("b_mid"), m.group("b_post"))
    kind = _kind(unit, scaled, is_range=False, approx=approx, year_like=False)
    end = m.end()
    out.append(NumberMention(text[start:end], start, end, value, scaled, unit, kind, approx, False, None, "chinese"))


_DATE_GROUPS = {"ymd": ("y", "m", "d"), "md": (None, "m2", "d2"), "iso": ("iy", "im", "idd")}


def _read_date(text: str, m: re.Match[str], floor: int, out: list[NumberMention]) -> None:
    """2020年12月11日 -> 20201211, 2020年12月 -> 202012, 1月21日 -> 121, 2020-12-11 (see module doc)."""
    year_group, month_group, day_group = _DATE_GROUPS[m.lastgroup or ""]
    y = m.group(year_group) if year_group else None
    mo, d = m.group(month_group), m.group(day_group)
    start, end = m.start(), m.end()
    month = int(mo)
    day = int(d) if d else 0
    if not 1 <= month <= 12 or day > 31:
        # Not a date after all (2020年13月 never is): keep the leading figure as a plain number.
        first = y or mo
        out.append(_plain(text, start, start + len(first), None, _dec(first)))
        return
    code = (int(y) * 10000 if y else 0) + month * 100 + day if d else (int(y) * 100 if y else 0) + month
    val = Decimal(code)
    out.append(NumberMention(text[start:end], start, end, val, val, "日" if d else "月", "date", None, False))


def _read_ordinal(text: str, m: re.Match[str], floor: int, out: list[NumberMention]) -> None:
    """第四, 第九届, 前3名, 前x名 (redacted)."""
    start, end = m.start(), m.end()
    if m.group("o_ar") is not None:
        fig, is_cn, unit = m.group("o_ar"), m.group("o_cn") is not None, fold_unit(m.group("o_unit") or "")
    else:
        unit = fold_unit(m.group("p_unit") or "")
        if m.group("p_red") is not None:
            written = text[start:end]
            out.append(NumberMention(written, start, end, None, None, unit, "ordinal", None, True, None, "redacted"))
            return
        fig, is_cn = (m.group("p_ar"), False) if m.group("p_ar") else (m.group("p_cn"), True)
    value = _cn(fig) if is_cn else _dec(fig)
    if value is None:
        return
    numeral: Numeral = "chinese" if is_cn else "arabic"
    out.append(NumberMention(text[start:end], start, end, value, value, unit, "ordinal", None, False, None, numeral))


def _read_ratio(text: str, m: re.Match[str], floor: int, out: list[NumberMention]) -> None:
    """3.6 : 48 : 48.4 -> one mention per term."""
    start = m.start()
    for t in _RATIO_TERM.finditer(m.group("ratio")):
        v = _dec(t.group())
        s, e = start + t.start(), start + t.end()
        out.append(NumberMention(text[s:e], s, e, v, v, "", "ratio", None, False))


def _read_percent_cn(text: str, m: re.Match[str], floor: int, out: list[NumberMention]) -> None:
    """百分之十五, 百分之3.5."""
    is_cn = m.group("pc_cn") is not None
    value = _cn(m.group("pc_ar")) if is_cn else _dec(m.group("pc_ar"))
    if value is None:
        return
    start, end = m.start(), m.end()
    numeral: Numeral = "chinese" if is_cn else "arabic"
    out.append(NumberMention(text[start:end], start, end, value, value, "%", "percent", None, False, None, numeral))


def _read_plan(text: str, m: re.Match[str], floor: int, out: list[NumberMention]) -> None:
    """十四五 is the name of the 14th five-year plan, not the number 145."""
    value = _cn(m.group("plan")[:2]) or Decimal(0)
    start, end = m.start(), m.end()
    out.append(NumberMention(text[start:end], start, end, value, value, "", "ordinal", None, False, None, "chinese"))


def _skip(text: str, m: re.Match[str], floor: int, out: list[NumberMention]) -> None:
    """A list marker (一、 （一） 1.): never a number, on purpose."""


_READERS: dict[str, Reader] = {
    "mk": _skip,
    "plan": _read_plan,
    "ord": _read_ordinal,
    "pctcn": _read_percent_cn,
    "iso": _read_date,
    "ymd": _read_date,
    "md": _read_date,
    "ratio": _read_ratio,
    "ar": _read_arabic,
    "red": _read_redacted,
    "bare": _read_bare,
    "cn": _read_chinese,
}


def _plain(text: str, start: int, end: int, pre: str | None, value: Decimal) -> NumberMention:
    return NumberMention(text[start:end], start, end, value, value, "", "other", pre, False)


def _shift(mention: NumberMention, offset: int) -> NumberMention:
    return replace(mention, start=mention.start + offset, end=mention.end + offset)


@lru_cache(maxsize=4096)
def parse_number(text: str) -> NumberMention | None:
    """Read one figure written on its own (a metric's ``value`` or value+unit): the first mention, with
    fallbacks for shapes that only make sense in context (``千万`` alone, ``二十四`` without a measure
    word)."""
    text = text.strip()
    if not text:
        return None
    found = find_numbers(text)
    if found:
        return found[0]
    # A bare scale word (千万) is only a number after an approximation word in running text.
    found = find_numbers("约" + text)
    if found and found[0].kind != "ordinal":
        f = found[0]
        return NumberMention(text, 0, len(text), f.value, f.scaled, f.unit, f.kind, None, f.redacted, f.high, f.numeral)
    body = text.translate(_T2S_TABLE)
    scale = ""
    while body and body[-1] in "万亿":
        scale = body[-1] + scale
        body = body[:-1]
    if body and all(c in _CN_DIGIT + "百千" for c in body):
        v = _cn(body)
        if v is not None:
            return NumberMention(text, 0, len(text), v, v * _scale(scale), "", "other", None, False, None, "chinese")
    return None


def written_marks(mention: NumberMention) -> str:
    """A redacted mention as a value: its marks and scale word, without approximation word and unit
    ("近xx余万元" -> "xx万")."""
    text = mention.text
    if mention.approx:
        text = text.replace(mention.approx, "", 1)
    if mention.unit and text.endswith(mention.unit):
        text = text[: -len(mention.unit)]
    # The unit as written may be unfolded (萬元, 個): cut at the last mark or scale word.
    last = max((i for i, ch in enumerate(text) if ch in "xX×*万萬亿億千百"), default=len(text) - 1)
    return re.sub(r"\s+", "", text[: last + 1])
