"""periods: the period a figure is about, as written and as a normalised [start, end] in months.

An annual government work report mixes last year's results, five-year totals, this year's targets and
five-year-plan targets; a half-year bureau report mixes first-half results with second-half plans. The
report's own period dates none of them reliably, so each metric's period is resolved from, first to last:

1. its own clause and sentence: an explicit period (``2012年``, ``2020年上半年``, ``1-5月份``, ``一季度``,
   ``2011—2015年``, ``“十二五”时期``), never a comparison base (``比2010年``, ``较上年``, ``同比``,
   ``与2015年相比``), and span words (``五年来``, ``累计``, ``年均``, ``近三年``) under a multi-year heading;
2. the paragraph's period opener ("刚刚过去的2017年，…", "过去五年，…": ``paragraph_opener``), then the
   headings above it, innermost first: ``一、2015年工作回顾`` → 2015年; ``过去一年`` → the year before
   the report's; ``过去五年`` / ``“十二五”时期`` → the span (a figure *reached* by its end, ``达到``/``增加到``,
   is dated to the span's last year, as a reader would date "GDP reached 51.9万亿"); ``下半年工作安排`` →
   the report year's second half;
3. the report's own period, shifted by what the figure is: a target in an annual report is for the report's
   year, a result is last year's; a half-year report's results are that half, its targets the next half.

The report period comes from the report's head (``head.py``: title, dateline, the parts it reviews and
plans), not from a model's overview.

Hand-written because no library reads Chinese period expressions (dateparser and friends read dates, not
"“十二五”时期" or "过去五年"); the grammar is small and stated here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from .sections import Outline, cn_to_int, path_at

if TYPE_CHECKING:
    from .models import Metric

# 五年规划 names: 十五 = 2001—2005 … 十五五 = 2026—2030.
_PLAN_RE = re.compile(r"[“\"']?(十[一二三四五六七八九]?五)[”\"']?(?:时期|期间|规划)?")
_CN_DIGIT = "〇一二三四五六七八九十"
_YEAR = r"((?:19|20)\d\d)"
_RANGE_RE = re.compile(_YEAR + r"\s*年?\s*(?:—+|–|-|~|～|至|到)\s*" + _YEAR + r"\s*年")
_MONTH = r"(\d{1,2}|十[一二]?|[一二三四五六七八九])"
_MONTHS_RE = re.compile(
    r"(?:" + _YEAR + r"\s*年\s*)?" + _MONTH + r"\s*(?:—+|–|-|~|～|至)\s*" + _MONTH + r"\s*月(?:份)?"
)
# 截至6月底: everything from the year's start to that month (a half-year report's "so far").
_UNTIL_RE = re.compile(r"(?:截至|截止|截止到|到)\s*(?:" + _YEAR + r"\s*年\s*)?" + _MONTH + r"\s*月(?:底|末|份)?")
# A month on its own dates a clause ("4月份，…"); one followed by 前/底前 is a deadline, not a period.
_ONE_MONTH_RE = re.compile(
    r"(?:" + _YEAR + r"\s*年\s*)?" + _MONTH + r"\s*月(?:上旬|中旬|下旬|份|初)?(?![\d日号]|底?(?:以|之)?前)"
)
_PART_RE = re.compile(
    _YEAR
    + r"\s*年(?:度)?\s*(上半年|下半年|前三季度|(?:第)?[一二三四1-4]季度|全年|年底|年末|底|末)?"
    + r"|(上半年|下半年|前三季度|(?:第)?[一二三四1-4]季度)"
)
# 全年 / 年底 name no year of their own: the whole year of whatever period the context gives (a half-year
# report's "力争全年…" plans the whole year, not the half; a review's "全年…" is the reviewed year).
_WHOLE_YEAR_RE = re.compile(r"全年|年底|年末|年内")
# What may stand before a period that dates its clause: nothing (the clause opens with it), a preposition
# of time, or scope and connective words. A year after a verb or inside an object ("申报2020年湖北省科技奖",
# "对2018年立项的项目") names a programme or a cohort: an attribute of a name, not the figure's period.
_PERIOD_LEAD_RE = re.compile(
    r"^(?:在|于|至|到|从|自|截至|截止|截止到|是|为|即|其中|同时|另外|此外|而|并|且|全市|全区|全县|全省|全国|全旗|"
    r"我市|我县|我区|我省|我国|我局|全年|预计|初步统计|经初步核算|据统计|力争|争取|确保|计划|要|将|随着)*$"
)
# A year that is a comparison base or the start of a "since" span is not the figure's period.
_BASE_BEFORE_RE = re.compile(r"(?:比|较|同|与|和|相对于|相比于|对比|高于|低于|快于|慢于|多于|少于|好于|超过)\s*$")
_BASE_AFTER_RE = re.compile(r"^\s*(?:相比|同期|水平|基础上)")
_SINCE_AFTER_RE = re.compile(r"^\s*(?:以来|至今|来)")
# Words that make a figure a total, average or change over a multi-year span.
# (新增: what was added over a span is a total, "城镇新增就业人数超过6400万人" under "过去五年".)
_SPAN_WORDS_RE = re.compile(r"年均|累计|五年|十年|三年|两年|共计|总计|合计|期间|以来|年来|新增")
_REACHED_RE = re.compile(
    r"(?:达到|增加到|提高到|上升到|下降到|降到|降至|增至|提升到|扩大到|超过|突破|达)\s*[^，,；;。]{0,12}$"
)
_LOOKED_BACK_RE = re.compile(r"(?:过去|近|前)((?:[一二两三四五六七八九十\d]+年[和及与、]?)+)")
_LAST_YEAR_RE = re.compile(r"过去一年|上一年|去年|上年")
# Relative periods inside a clause (the report's year resolves them): 五年来, 过去五年, 近三年, 今年, 去年.
_RELATIVE_RE = re.compile(
    r"(?:过去|近)([两三四五六七八九十\d]+)年|([两三四五六七八九十\d]+)年来"
    # "五年年均增长5.2%", "十年增加近70万亿元": a count of years opening a total or an average
    r"|(?<![\d年])([两三四五六七八九十]+|\d{1,2})年(?=年均|累计|共|增加|减少|间|以来)"
    r"|(?:今后|未来)([两三四五六七八九十\d]+)年"
    r"|今年|去年|上一年|上年|明年|本年"
)
_THIS_YEAR_RE = re.compile(r"今年|本年|当年|明年")
_HALF_RE = re.compile(r"(上半年|下半年)")


@dataclass(frozen=True)
class Period:
    """``text`` as a reader writes it; ``start``/``end`` as ``YYYY-MM`` (inclusive)."""

    text: str
    start: str
    end: str

    @property
    def first_year(self) -> int:
        return int(self.start[:4])

    @property
    def last_year(self) -> int:
        return int(self.end[:4])


def year(y: int) -> Period:
    return Period(f"{y}年", f"{y}-01", f"{y}-12")


def span(a: int, b: int) -> Period:
    return year(a) if a == b else Period(f"{a}—{b}年", f"{a}-01", f"{b}-12")


_PART_MONTHS = {
    "上半年": (1, 6),
    "下半年": (7, 12),
    "前三季度": (1, 9),
    "一季度": (1, 3),
    "二季度": (4, 6),
    "三季度": (7, 9),
    "四季度": (10, 12),
}


def _part(y: int, part: str | None) -> Period:
    if not part or part in ("全年", "年底", "年末", "底", "末"):
        return year(y)
    key = part.removeprefix("第")
    key = {"1季度": "一季度", "2季度": "二季度", "3季度": "三季度", "4季度": "四季度"}.get(key, key)
    a, b = _PART_MONTHS[key]
    return Period(f"{y}年{key}", f"{y}-{a:02d}", f"{y}-{b:02d}")


def plan_span(name: str) -> Period | None:
    """``十二五`` -> 2011—2015年. The third plan began in 1966 (1963—1965 had none); every one since is five
    years long, so the n-th (n >= 3) begins in 1966 + 5(n - 3)."""
    number = cn_to_int(name[:-1])
    if number is None or number < 3:
        return None
    start = 1966 + 5 * (number - 3)
    return span(start, start + 4)


def parse_period(text: str | None) -> Period | None:
    """A period label as written (a gold label, a model's ``period``, a heading's year) -> Period."""
    if not text:
        return None
    text = text.strip()
    if m := _RANGE_RE.search(text):
        return span(int(m.group(1)), int(m.group(2)))
    if (m := _MONTHS_RE.search(text)) and m.group(1):
        y, a, b = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if 1 <= a <= b <= 12:
            return Period(f"{y}年{a}—{b}月", f"{y}-{a:02d}", f"{y}-{b:02d}")
    if (m := _PART_RE.search(text)) and m.group(1):
        return _part(int(m.group(1)), m.group(2))
    if m := _PLAN_RE.search(text):
        return plan_span(m.group(1))
    return None


def _month(text: str) -> int:
    return int(text) if text.isdigit() else (cn_to_int(text) or 0)


def _months(y: int, a: int, b: int) -> Period | None:
    if not 1 <= a <= b <= 12:
        return None
    if (a, b) in ((1, 12),):
        return year(y)
    named = {(1, 6): "上半年", (7, 12): "下半年", (1, 9): "前三季度", (1, 3): "一季度", (4, 6): "二季度"}
    if (a, b) in named:
        return _part(y, named[(a, b)])
    return Period(f"{y}年{a}—{b}月" if a != b else f"{y}年{a}月", f"{y}-{a:02d}", f"{y}-{b:02d}")


def _dates_clause(clause: str, start: int) -> bool:
    """Whether a period at ``start`` dates its clause (see ``_PERIOD_LEAD_RE``)."""
    lead = re.split(r"[，,；;。：:]", clause[:start])[-1]
    return _PERIOD_LEAD_RE.match(re.sub(r"\s+", "", lead)) is not None


def _is_base(text: str, start: int, end: int) -> bool:
    return bool(_BASE_BEFORE_RE.search(text[max(0, start - 6) : start]) or _BASE_AFTER_RE.match(text[end : end + 4]))


class _Found:
    """The periods found in one clause so far, and the spans already read (a span is read once: a range
    ``2016—2020年`` is not read again as ``2020年``)."""

    def __init__(self, clause: str) -> None:
        self.clause = clause
        self.found: list[tuple[int, Period]] = []
        self.taken: list[tuple[int, int]] = []

    def free(self, a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in self.taken)

    def add(self, m: re.Match[str], period: Period | None) -> None:
        """Read the match; keep its period if it dates the clause and is not a comparison base."""
        if self.free(*m.span()):
            self.taken.append(m.span())
            clause = self.clause
            if period is not None and _dates_clause(clause, m.start()) and not _is_base(clause, m.start(), m.end()):
                self.found.append((m.start(), period))

    def periods(self) -> list[Period]:
        return [p for _, p in sorted(self.found, key=lambda fp: fp[0])]


def explicit_periods(clause: str, report_year: int | None) -> list[Period]:
    """Periods that date the clause, in order: comparison bases, "since" starts and years inside names
    left out (``_PERIOD_LEAD_RE``)."""
    found = _Found(clause)
    _absolute_periods(found, report_year)
    if report_year is not None:
        for m in _RELATIVE_RE.finditer(clause):
            _relative_period(found, m, report_year)
    return found.periods()


def _absolute_periods(found: _Found, report_year: int | None) -> None:
    """Ranges, months, parts of a year and plan periods; one without its year takes the report's."""
    clause = found.clause
    for m in _RANGE_RE.finditer(clause):
        found.add(m, span(int(m.group(1)), int(m.group(2))))
    for m in _UNTIL_RE.finditer(clause):
        y = int(m.group(1)) if m.group(1) else report_year
        found.add(m, _months(y, 1, _month(m.group(2))) if y else None)
    for m in _MONTHS_RE.finditer(clause):
        y = int(m.group(1)) if m.group(1) else report_year
        found.add(m, _months(y, _month(m.group(2)), _month(m.group(3))) if y else None)
    for m in _PART_RE.finditer(clause):
        if _SINCE_AFTER_RE.match(clause[m.end() : m.end() + 3]):
            found.taken.append(m.span())
            continue
        if m.group(1):
            found.add(m, _part(int(m.group(1)), m.group(2)))
        else:
            found.add(m, _part(report_year, m.group(3)) if report_year else None)
    for m in _ONE_MONTH_RE.finditer(clause):
        y = int(m.group(1)) if m.group(1) else report_year
        month = _month(m.group(2))
        found.add(m, _months(y, month, month) if y else None)
    for m in _PLAN_RE.finditer(clause):
        found.add(m, plan_span(m.group(1)))


def _relative_period(found: _Found, m: re.Match[str], report_year: int) -> None:
    """One relative period (今年, 去年, 五年来, 过去五年, 今后五年 …) resolved against the report's year."""
    clause = found.clause
    count = m.group(1) or m.group(2) or m.group(3)
    if m.group(4):  # 今后五年: the years ahead, this one first
        n = int(m.group(4)) if m.group(4).isdigit() else cn_to_int(m.group(4))
        found.add(m, span(report_year, report_year + n - 1) if n and n > 1 else None)
    elif count:  # 五年来, 过去五年, 近三年
        n = int(count) if count.isdigit() else cn_to_int(count)
        found.add(m, span(report_year - n, report_year - 1) if n and n > 1 else None)
    elif _dates_a_noun_or_figure(clause, m):
        found.taken.append(m.span())  # 从去年的2.1%提高到2.3%: last year's is the starting figure's
    elif found.free(*m.span()) and not _is_base(clause, m.start(), m.end()):
        # 今年/去年 are time adverbs: they date the clause wherever they stand ("新增市场主体去年纳税…").
        found.taken.append(m.span())
        found.found.append((m.start(), year(_year_of_word(m.group(0), report_year))))
    else:
        found.add(m, year(_year_of_word(m.group(0), report_year)))


def _dates_a_noun_or_figure(clause: str, m: re.Match[str]) -> bool:
    """A year word that dates what follows it rather than the clause: an attributive (去年出台的政策) or the
    starting figure of a change (从去年的2.1%提高到2.3%), unless it opens the clause."""
    after = clause[m.end() :]
    attributive = re.match(r"[^\d，,；;。的]{1,6}的", after) is not None
    start_value = clause[max(0, m.start() - 1) : m.start()] in ("从", "由") and re.search(r"\d", after)
    return not _dates_clause(clause, m.start()) and bool(attributive or start_value)


def _year_of_word(word: str, report_year: int) -> int:
    """去年/上年/上一年: the year before the report's; 明年: the year after; 今年 (and the rest): its own."""
    if word in ("去年", "上年", "上一年"):
        return report_year - 1
    return report_year + (word == "明年")


_JOINERS_RE = re.compile(r"[“”\"'和及与、暨\s]|时期|期间")


def heading_periods(title: str, report: Period | None) -> list[Period]:
    """The periods a heading dates its content to (see the module doc, step 2): those it opens with, joined
    by 和/及/与 ("“十二五”时期和2015年工作回顾" -> 2011—2015年, 2015年), or relative ones (过去一年, 过去五年,
    下半年, 今年) resolved against the report's period."""
    ry = report.last_year if report is not None else None
    found: list[tuple[int, int, Period]] = []
    for regex in (_RANGE_RE, _PART_RE, _PLAN_RE):
        for m in regex.finditer(title):
            if regex is _PART_RE and not m.group(1):
                continue
            p = parse_period(m.group(0))
            if p is not None and all(e <= m.start() or s >= m.end() for s, e, _ in found):
                found.append((m.start(), m.end(), p))
    found.sort(key=lambda f: f[0])
    kept, at = [], 0
    for s, e, p in found:
        if _JOINERS_RE.sub("", title[at:s]):
            break  # a word before it: the year names something in the heading, not the heading's period
        kept.append(p)
        at = e
    if kept or ry is None:
        return kept
    if looked := _LOOKED_BACK_RE.search(title):
        # "过去一年和五年工作回顾": last year, and the five years to it
        found_spans = []
        for count in re.findall(r"([一二两三四五六七八九十\d]+)年", looked.group(1)):
            n = int(count) if count.isdigit() else cn_to_int(count)
            if n:
                found_spans.append(year(ry - 1) if n == 1 else span(ry - n, ry - 1))
        if found_spans:
            return found_spans
    if _LAST_YEAR_RE.search(title):
        return [year(ry - 1)]
    if half := _HALF_RE.search(title):
        return [_part(ry, half.group(1))]
    if _THIS_YEAR_RE.search(title):
        return [year(ry + 1 if "明年" in title else ry)]
    return []


# "一、2015年工作回顾", "一、2019年和今年以来工作回顾" (the 2020 report, delivered in May).
_FROM_WHEN_RE = re.compile(r"[从由]\s*(?:((?:19|20)\d\d)\s*年|去年|上年|上一年)\s*的\s*$")
_OPENER_LEAD_RE = re.compile(r"^(?:刚刚过去的|过去的|在)")
# A clause that is nothing but a period: a year or half year, or the last n years. A point in time
# ("2012年底，…") dates its own sentence only.
_OPENER_RE = re.compile(r"(?:19|20)\d\d年(?:上半年|下半年)?|过去[一二两三四五六七八九十\d]+年|今年|新的一年")
_OPENER_SPLIT_RE = re.compile(r"[。！？!?；;]")


def paragraph_opener(prefix: str, report: Period | None) -> str | None:
    """The opening clause of the latest sentence of ``prefix`` (the paragraph up to the figure)
    that opens with a clause that is only a period: "刚刚过去的2017年，…" -> "2017年", "过去五年，我国发展
    成就举世瞩目" -> "过去五年".
    It dates the paragraph's figures that name no period of their own, like a heading (module doc, step 2)."""
    for sentence in reversed(_OPENER_SPLIT_RE.split(prefix)):
        clause = _OPENER_LEAD_RE.sub("", re.split(r"[，,：:]", sentence.strip())[0])
        clause = "今年" if clause == "新的一年" else clause  # "过去一年，…。新的一年，要…"
        if _OPENER_RE.fullmatch(clause) and heading_periods(clause, report):
            return clause
    return None


_REVIEW_RE = re.compile(_YEAR + r"\s*年(?:和今年以来)?(?:工作)?(?:回顾|总结)")
_PLAN_HEADING_RE = re.compile(
    _YEAR + r"\s*年[^，,。]{0,12}?(?:总体要求|工作任务|重点工作|工作部署|总体部署|政府工作|工作的建议)"
)


def period_from_headings(headings: Sequence[str]) -> Period | None:
    """An annual report without a dateline: the year after the one its first parts review
    (``一、2015年工作回顾`` opens the 2016 report), or the year its plan part is for
    (``二、2018年经济社会发展总体要求和政策取向``)."""
    for heading in headings[:3]:
        if m := _REVIEW_RE.search(heading):
            return year(int(m.group(1)) + 1)
        if m := _PLAN_HEADING_RE.search(heading):
            return year(int(m.group(1)))
    return None


def figure_period(
    sentence: str,
    before: str,
    headings: Sequence[str],
    report: Period | None,
    *,
    kind: str,
    annual_report: bool,
) -> Period | None:
    """The period of one figure. ``before`` is the sentence text up to the figure (its own clause last),
    ``headings`` the heading titles above it, outermost first; see the module doc for the order."""
    context = _context_period(sentence, before, headings, report, kind=kind, annual_report=annual_report)
    if context is None or explicit_periods(before, _year_of(report)):
        return context
    if _dates_whole_year(before):
        return year(context.last_year)
    part_of_year = context.first_year == context.last_year and (context.start[5:], context.end[5:]) != ("01", "12")
    if kind == "target" and part_of_year:
        # A target for part of a year that its words do not date, which is a level to reach (全市高新技术企业
        # 达到248家, 占GDP比例达到15.5%): a level stands at the year's end, so the target is the year's.
        own_clause = re.split(r"[，,；;：:]", before)[-1]
        if _REACHED_RE.search(own_clause):
            return year(context.last_year)
    return context


def _dates_whole_year(before: str) -> bool:
    """全年/年底 opening the figure's clause (after leads such as 力争): "占全年任务66.66%" measures against
    the year's task, it does not date the figure."""
    clause = re.split(r"[，,；;：:]", before)[-1]
    return any(_dates_clause(clause, m.start()) for m in _WHOLE_YEAR_RE.finditer(clause))


def _year_of(report: Period | None) -> int | None:
    return report.last_year if report is not None else None


def own_period(before: str, report: Period | None) -> Period | None:
    """The period the figure's own words give it (step 1 of the module doc), or None. ``before`` is its
    sentence up to the figure."""
    ry = _year_of(report)
    # "赤字率从去年的2.1%提高到2.3%", "从2009年的2.8%降到…": the figure right after 从/由 + a period is that
    # period's (the start of a change, dated by its own words; a bare 从54万亿元 is left to the context).
    if (m := _FROM_WHEN_RE.search(before)) is not None:
        if m.group(1):
            return year(int(m.group(1)))
        if ry is not None:
            return year(ry - 1)
    # Only what stands before the figure dates it: a period later in the sentence belongs to later figures.
    own = explicit_periods(before, ry)
    return own[-1] if own else None


def _context_period(
    sentence: str,
    before: str,
    headings: Sequence[str],
    report: Period | None,
    *,
    kind: str,
    annual_report: bool,
) -> Period | None:
    own = own_period(before, report)
    if own is not None:
        return own
    for title in reversed(headings):
        periods = heading_periods(title, report)
        if not periods:
            continue
        spans = [p for p in periods if p.first_year != p.last_year]
        years = [p for p in periods if p.first_year == p.last_year]
        totals = _SPAN_WORDS_RE.search(before) is not None
        if spans and (totals or not years):
            # A multi-year review: totals and averages keep the span, a level reached is its last year's.
            # (A target for the span's end, "到2020年…达到…", is a target of the plan period: it keeps the span.)
            reached = kind != "target" and _REACHED_RE.search(before) is not None and not totals
            # "“十三五”时期发展成就和“十四五”时期主要目标任务": results are the first span's, targets the last's.
            chosen = spans[-1] if kind == "target" else spans[0]
            return year(chosen.last_year) if reached else chosen
        return years[0]
    if report is None:
        return None
    if annual_report and report.first_year == report.last_year:
        return report if kind == "target" else year(report.last_year - 1)
    if kind == "target" and report.text.endswith("上半年"):
        return _part(report.last_year, "下半年")
    return report


# --------------------------------------------------------------------------------------------------
# A figure of a summary in its text (merge dates each metric with these; verify checks the dates with them)
# --------------------------------------------------------------------------------------------------

_SENTENCE_END_RE = re.compile(r"[。！？!?；;\n]")


def figure_context(text: str, outline: Outline, metric: Metric, report: Period | None) -> tuple[str, str, list[str]]:
    """(the figure's sentence, that sentence up to the figure, the headings above it with its paragraph's
    period opener innermost)."""
    ev = metric.evidence
    offset = ev.quote.find(metric.value) if metric.value else -1
    return context_at(text, outline, ev.start + offset if offset >= 0 else ev.end, ev.end, report)


def context_at(text: str, outline: Outline, at: int, end: int, report: Period | None) -> tuple[str, str, list[str]]:
    lo = max(0, at - 300)
    sentence_start = max((m.end() for m in _SENTENCE_END_RE.finditer(text, lo, at)), default=lo)
    end_match = _SENTENCE_END_RE.search(text, end)
    sentence = text[sentence_start : end_match.start() if end_match else len(text)]
    headings = [s.title for s in path_at(outline, at) if s.style != "enum"]  # 一是… is prose, not a heading
    paragraph_start = max(text.rfind("\n", 0, sentence_start) + 1, headings_end(outline, at))
    opener = paragraph_opener(text[paragraph_start:at], report)
    if opener is not None:
        headings.append(opener)
    return sentence, text[sentence_start:at], headings


def metric_period(text: str, outline: Outline, metric: Metric, report: Period | None) -> Period | None:
    """The period of the figure (``periods.figure_period``): its sentence up to the figure, its paragraph's
    period opener and the headings above it, the report's period and whether the figure is a target."""
    sentence, before, headings = figure_context(text, outline, metric, report)
    annual = report is not None and report.start.endswith("-01") and report.end.endswith("-12")
    return _figure_period_once(sentence, before, tuple(headings), report, metric.kind, annual)


@lru_cache(maxsize=1024)
def _figure_period_once(
    sentence: str, before: str, headings: tuple[str, ...], report: Period | None, kind: str, annual: bool
) -> Period | None:
    """``figure_period`` read once per figure: merge dates every metric with it and verify reads the same
    figure's date again to check it (the same sentence, headings, report and kind), a few ms per document."""
    return figure_period(sentence, before, headings, report, kind=kind, annual_report=annual)


def headings_end(outline: Outline, position: int) -> int:
    """Where the text under the innermost heading above ``position`` begins (a paragraph opener is never
    looked for across a heading)."""
    path = [s for s in path_at(outline, position) if s.style != "enum"]
    return path[-1].body_start if path else 0
