"""head: the head of a report — title, reporting body, period, dateline — read from the cleaned text.

Scraped pages mangle the head: the title is repeated, glued to the first sentence, letter-spaced
("政 府 工 作 报 告") or split over two lines ("政府工作报\\n告"); the reporting body sits in a metadata block
the cleaner removed (``发文单位: 咸宁市科技局``, kept by ``clean.source_facts``), in the title's prefix
("县科技局上半年…工作安排"), on the speaker's line ("海拉尔区人民政府区长 张天喜") or in the opening
sentence ("我代表国务院"). Bodies named inside the text — "《XX县人民政府关于…的通知》", "县委、县政府" —
are never the reporting body: only those positions are read.

The period is what the report as a whole covers: for an annual 政府工作报告 the year it is delivered
(its dateline: "——2013年3月5日在…" → 2013年; without a dateline, the year after the one its first part
looks back on: "一、2015年工作回顾" → 2016年); for a half-year 工作总结 the half year ("2020年上半年").

The offline backend's overview takes its title, organization and period from here; ``head_lines``
renders the same facts for a prompt.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .clean import glue_point, is_title_shaped
from .patterns import ORG_SUFFIXES
from .periods import period_from_headings

HEAD_LINES = 12  # the head is within the first lines of the cleaned text
_LETTER_SPACED_RE = re.compile(r"^[\u4e00-\u9fff](?: [\u4e00-\u9fff]){1,15}$")
_DATELINE_RE = re.compile(r"^[—\-－─]+\s*(.+)$|^(\d{4}年\d{1,2}月\d{1,2}日在.+)$")
_DATE_RE = re.compile(r"((?:19|20)\d\d)年(?:(\d{1,2})月(?:(\d{1,2})日)?)?")
_CN_DATE_LINE_RE = re.compile(r"^(?:19|20)\d\d年\d{1,2}月\d{1,2}日$")
_PERIOD_RE = re.compile(r"((?:19|20)\d\d)年(上半年|下半年|全年|第[一二三四]季度|度)?")
_HALF_RE = re.compile(r"上半年|下半年|第[一二三四]季度")
_ORG_FACT_RE = re.compile(r"^(?:发文单位|发文机关|发布机构|来源)[:：](.+)$")
_DATE_FACT_RE = re.compile(r"^(?:成文日期|发布日期|发文日期)[:：](.+)$")
_ORG_END = "|".join(sorted((re.escape(s) for s in ORG_SUFFIXES), key=len, reverse=True))
# The reporting body before the rest of a title: "县科技局上半年…", "江宁县科技局2019年…", "XX市人民政府关于…".
_TITLE_ORG_RE = re.compile(
    rf"^([\u4e00-\u9fffXx]{{2,20}}?(?:{_ORG_END}))(?=(?:19|20)\d\d|上半年|下半年|全年|年度|关于|工作|政府工作)"
)
# The speaker's line under a government report's title: "国务院总理 李克强", "海拉尔区人民政府区长 张天喜".
_SPEAKER_RE = re.compile(
    r"^((?:[\u4e00-\u9fff]{2,20}?)?(?:国务院|人民政府|政府))(?:总理|代总理|省长|代省长|市长|代市长|区长|代区长|县长|代县长|"
    r"主席|旗长|州长|镇长|乡长)\s*[\u4e00-\u9fff ]{0,6}$"
)
# "我代表国务院，向大会报告…", "我代表区政府向大会作工作报告".
_ON_BEHALF_RE = re.compile(r"我代表([\u4e00-\u9fff]{2,12}?)(?:[，,、]|向|作)")
_LOOKED_BACK_RE = re.compile(r"((?:19|20)\d\d)年(?:[^，。\n]{0,8})?(?:工作)?回顾")
_YEAR_SCAN = 1500  # a half-year report without a year in its title names it early on
_ANNUAL_GOV_RE = re.compile(r"政府工作报告|向大会(?:作|报告)")


@dataclass(frozen=True)
class ReportHead:
    title: str | None
    organization: str | None
    period: str | None
    dateline: str | None  # "2013年3月5日在第十二届全国人民代表大会第一次会议上", or a signature date


def read_head(
    text: str,
    *,
    facts: Sequence[str] = (),
    first_heading: str | None = None,
    preamble_end: int | None = None,
    headings: Sequence[str] = (),
) -> ReportHead:
    """The head of the cleaned ``text``. ``facts`` are ``label:value`` pairs from the original's metadata
    block (``clean.source_facts``); ``first_heading`` the report's first top-level heading, if known, and
    ``headings`` every top-level heading (an annual report's plan part names its year);
    ``preamble_end`` where its first heading starts (the head is read only before it)."""
    head_text = text[: preamble_end if preamble_end else len(text)]
    lines = [ln.strip() for ln in head_text.split("\n")[:HEAD_LINES] if ln.strip()]
    title = _title(lines)
    dateline = _dateline(lines) or _signature_date(text)
    organization = _organization(lines, facts, title, head_text)
    period = _period(title, dateline, facts, head_text, first_heading, text)
    if period is None and headings:
        found = period_from_headings(headings)
        period = found.text if found else None
    return ReportHead(title=title, organization=organization, period=period, dateline=dateline)


def head_lines(head: ReportHead) -> list[str]:
    """The head as ``label:value`` lines for a prompt (only what was found)."""
    pairs = [("标题", head.title), ("报告单位", head.organization), ("时期", head.period), ("日期", head.dateline)]
    return [f"{label}:{value}" for label, value in pairs if value]


# --------------------------------------------------------------------------------------------------


def _title(lines: list[str]) -> str | None:
    for i, line in enumerate(lines):
        if _DATELINE_RE.match(line) or line.startswith(("各位代表", "同志们")):
            break
        if _LETTER_SPACED_RE.match(line):
            line = line.replace(" ", "")
        if is_title_shaped(line):
            return line
        # A title broken over two lines ("政府工作报\n告").
        if i + 1 < len(lines) and len(line) + len(lines[i + 1]) <= 60 and is_title_shaped(line + lines[i + 1]):
            return line + lines[i + 1]
        # Glued to what follows: twice ("TT一年来…") or once ("T一年来…").
        for size in range(4, min(60, len(line) // 2) + 1):
            if line[size : 2 * size] == line[:size] and is_title_shaped(line[:size]):
                return line[:size]
        cut = glue_point(line)
        if cut:
            return line[:cut]
        if " " in line:  # a one-line page: the title is the first space-delimited segment
            first = line.split(" ", 1)[0]
            if is_title_shaped(first):
                return first
    return None


def _dateline(lines: list[str]) -> str | None:
    for line in lines:
        m = _DATELINE_RE.match(line)
        if m and _DATE_RE.search(line):
            return (m.group(1) or m.group(2)).strip()
    return None


def _signature_date(text: str) -> str | None:
    """A date alone on one of the last lines (the report signs off with its date)."""
    for line in text.rstrip().split("\n")[-3:]:
        if _CN_DATE_LINE_RE.match(line.strip()):
            return line.strip()
    return None


def _organization(lines: list[str], facts: Sequence[str], title: str | None, head_text: str) -> str | None:
    for fact in facts:
        m = _ORG_FACT_RE.match(fact)
        if m and m.group(1).strip():
            return m.group(1).strip()
    if title:
        m = _TITLE_ORG_RE.match(title)
        if m:
            return m.group(1)
    for line in lines:
        m = _SPEAKER_RE.match(line.replace("\u3000", " "))
        if m:
            return m.group(1)
    # The opening sentence only: further down, 我代表 is someone else's speech.
    m = _ON_BEHALF_RE.search(head_text[:600])
    return m.group(1) if m else None


def _period(
    title: str | None, dateline: str | None, facts: Sequence[str], head_text: str, first_heading: str | None, text: str
) -> str | None:
    annual_gov = bool(title and "政府工作报告" in title) or bool(_ANNUAL_GOV_RE.search(head_text[:600]))
    dated = _DATE_RE.search(dateline) if dateline else None
    if title:
        m = _PERIOD_RE.search(title)
        if m and (m.group(2) or not annual_gov):
            return m.group(0).replace("年度", "年") if m.group(2) == "度" else m.group(0)
        half = _HALF_RE.search(title)
        if half:  # "县科技局上半年…": the year from the dateline, a date fact or the text
            year = dated.group(1) if dated else _fact_year(facts) or _first_year(text)
            if year:
                return f"{year}年{half.group(0)}"
    if dated and (annual_gov or not title):
        return f"{dated.group(1)}年"
    if annual_gov and first_heading:
        looked = _LOOKED_BACK_RE.search(first_heading)
        if looked:
            return f"{int(looked.group(1)) + 1}年"
    if title:
        m = _PERIOD_RE.search(title)
        if m:
            return f"{m.group(1)}年"
    if dated:
        return f"{dated.group(1)}年"
    m = _PERIOD_RE.search(head_text[:400])
    return m.group(0) if m else None


def _fact_year(facts: Sequence[str]) -> str | None:
    for fact in facts:
        m = _DATE_FACT_RE.match(fact)
        if m:
            year = re.search(r"(?:19|20)\d\d", m.group(1))
            if year:
                return year.group(0)
    return None


def _first_year(text: str) -> str | None:
    m = re.search(r"((?:19|20)\d\d)年", text[:_YEAR_SCAN])
    return m.group(1) if m else None
