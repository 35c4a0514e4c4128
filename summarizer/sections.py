"""sections: clean text -> the report's heading hierarchy with spans and roles.

Scraped reports lose their layout: headings may sit on their own lines, be indented with full-width
spaces, or run inline on one enormous line. So headings are found by their *markers* (第一部分 一、 （一） 1. （1）
① 一是) rather than by layout, and a marker is believed only when it (a) stands at a boundary (line start,
after whitespace or after a sentence end) and (b) continues its style's numbering where the outline
currently is. (b) is what rejects ``1、`` inside a sentence, ``进入前四、``, ``2016-2019年``, ``1.2万``
and leftover page-break numbers: they rarely happen to be the next number of an open sequence.

No parser library is used: the grammar is "one regex + a numbering state machine"; a generic parser
would add nothing but a dependency.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal, cast

Role = Literal["work_done", "problems", "plans", "other"]
# Marker styles, outermost first in the usual hierarchy.
Style = Literal["part", "cn", "paren_cn", "arabic", "paren_arabic", "circled", "enum", "none"]


@dataclass
class Section:
    number: str  # the marker as written: "第一部分", "一、", "（一）", "1.", "(1)", "①", "一是"
    title: str  # heading text after the marker (up to the first sentence end or line end)
    level: int  # 1 = top
    style: Style
    start: int  # span in the clean text, marker included, children included
    end: int
    body_start: int  # first character after the title
    children: list[Section] = field(default_factory=list)
    role: Role | None = None  # every top-level section has one; a sub-section only when its title names one

    def heading(self) -> str:
        # "第一部分 2020年工作回顾": a part's number is a word of its own; "一、…", "（一）…" glue on.
        return f"{self.number} {self.title}" if self.style == "part" and self.title else f"{self.number}{self.title}"


@dataclass
class Outline:
    sections: list[Section]  # top level, in source order
    preamble: tuple[int, int]  # span of the text before the first heading
    text_length: int


PartKey = tuple[int | None, str | None]


@dataclass(frozen=True)
class Part:
    """A stretch of the report that gets a summary section of its own.

    Usually a top-level section; but a top-level section whose sub-sections change role
    ("二、上半年…落实情况及下半年…安排" -> "（二）存在的问题", "（三）下半年…") is cut at each such
    sub-section, so problems and plans do not hide under a "work done" heading. Parts are contiguous,
    in source order, and together cover the whole text.
    """

    key: PartKey  # (index of the top-level section, heading of the sub-section that opens it); preamble (None, None)
    path: tuple[str, ...]  # heading path; () for the preamble, ("全文",) for a report without headings
    role: Role | None
    start: int
    end: int


WHOLE_TEXT = "全文"  # the heading of the one part of a report without headings


def summary_parts(outline: Outline) -> list[Part]:
    if not outline.sections:
        return [Part((None, None), (WHOLE_TEXT,), None, 0, outline.text_length)]
    # (start, key, path, role) of each part; each ends where the next begins.
    opens: list[tuple[int, PartKey, tuple[str, ...], Role | None]] = [(0, (None, None), (), None)]
    for k, top in enumerate(outline.sections):
        opens.append((top.start, (k, None), (top.heading(),), top.role))
        for child in top.children:
            if child.role is not None and child.role != opens[-1][3]:
                opens.append((child.start, (k, child.heading()), (top.heading(), child.heading()), child.role))
    ends = [o[0] for o in opens[1:]] + [outline.text_length]
    return [Part(key, path, role, start, end) for (start, key, path, role), end in zip(opens, ends, strict=True)]


def path_at(outline: Outline, pos: int) -> list[Section]:
    """Sections containing ``pos``, outermost first."""
    path: list[Section] = []
    level = outline.sections
    while True:
        # Bisect, not a scan: a long report can give one section thousands of children.
        i = bisect_right(level, pos, key=_start) - 1
        if i < 0 or pos >= level[i].end:
            return path
        path.append(level[i])
        level = level[i].children


def _start(sec: Section) -> int:
    return sec.start


def walk(sections: list[Section]) -> Iterator[Section]:
    """Depth-first, source order."""
    for s in sections:
        yield s
        yield from walk(s.children)


# --------------------------------------------------------------------------------------------------
# Markers
# --------------------------------------------------------------------------------------------------

TITLE_MAX = 60  # longer "titles" are really the first sentence of a paragraph; breadcrumbs stay short
# A line this long without a sentence end before a line-start marker means the line break was a page
# break in the middle of a sentence (scraped PDFs leave "投\n2、入数据"), not a heading line.
_HEADING_LINE_MAX = 60
# A heading's title stops at whitespace only on long lines or before another marker: one-line reports
# separate heading from body by a space, while a normal heading line may legitimately contain one.
_INLINE_LINE_MIN = 80

_CN_DIGITS = "一二三四五六七八九十"
_CN = f"[{_CN_DIGITS}]{{1,3}}"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"

# The leading lookahead is a first-character filter: without it the engine tries all six alternatives at
# every position, which made this regex 5x slower (33 vs 180 MB/s on the corpus).
_MARKER_RE = re.compile(
    rf"(?=[（({_CN_DIGITS}\d{_CIRCLED}第])(?:"
    rf"(?P<part>第(?P<ptn>{_CN})部分)"
    rf"|(?P<paren_cn>[（(](?P<pcn>{_CN})[）)])"
    rf"|(?P<paren_arabic>[（(](?P<par>\d{{1,2}})[）)])"
    rf"|(?P<cn>(?P<cnn>{_CN})、)"
    r"|(?P<arabic>(?<![\d.．])(?P<ar>\d{1,2})(?:[.．](?![\d.．])|、(?!\d)))"
    rf"|(?P<circled>[{_CIRCLED}])"
    rf"|(?P<enum>(?<![{_CN_DIGITS}第])(?P<en>{_CN})是))"
)
# style -> the group holding its number (None: the marker itself is the number)
_VALUE_GROUP: dict[str, str | None] = {
    "part": "ptn",
    "paren_cn": "pcn",
    "paren_arabic": "par",
    "cn": "cnn",
    "arabic": "ar",
    "circled": None,
    "enum": "en",
}

_SENTENCE_END = set("。！？；!?;")
_HEADING_BOUNDARY = _SENTENCE_END | set("：:")
_ENUM_BOUNDARY = _HEADING_BOUNDARY | set("，,、")
_HSPACE = " \t\u3000\xa0"
_TITLE_STOP_RE = re.compile(r"[。！？；!?;：:\n]")
_ENUM_STOP_RE = re.compile(r"[。！？；!?;\n]")
_HSPACE_RE = re.compile(r"[ \t\u3000\xa0]")
_TITLE_CUT = "，,、"


_CN_DIGIT_VALUES = {c: i + 1 for i, c in enumerate("一二三四五六七八九")}


def cn_to_int(numeral: str) -> int | None:
    """一..九十九. Hand-written: cn2an rejects fragments like "十一" inside markers inconsistently and is
    ~50x slower, and markers never go beyond two digits."""
    digits = _CN_DIGIT_VALUES
    if numeral in digits:
        return digits[numeral]
    if numeral == "十":
        return 10
    if len(numeral) == 2 and numeral[0] == "十" and numeral[1] in digits:
        return 10 + digits[numeral[1]]
    if len(numeral) == 2 and numeral[1] == "十" and numeral[0] in digits:
        return digits[numeral[0]] * 10
    if len(numeral) == 3 and numeral[1] == "十" and numeral[0] in digits and numeral[2] in digits:
        return digits[numeral[0]] * 10 + digits[numeral[2]]
    return None


@dataclass
class _Candidate:
    style: Style
    value: int
    start: int  # marker start
    marker_end: int


def _at_boundary(text: str, start: int, style: Style) -> bool:
    """Is the marker where a heading (or an enumeration item) can begin?"""
    i = start - 1
    while i >= 0 and text[i] in _HSPACE:
        i -= 1
    if i < 0:
        return True
    prev = text[i]
    if prev == "\n":
        if i == start - 1:
            return not _is_page_break(text, i)
        return True
    if i < start - 1:  # whitespace between the previous text and the marker: an inline heading
        return True
    if style in ("enum", "circled"):
        return prev in _ENUM_BOUNDARY
    return prev in _HEADING_BOUNDARY


def _is_page_break(text: str, newline: int) -> bool:
    """A marker glued to a line start after a long, unfinished line is a page number, not a heading."""
    j = newline - 1
    while j >= 0 and text[j] in _HSPACE:
        j -= 1
    if j < 0 or text[j] == "\n" or text[j] in _HEADING_BOUNDARY:
        return False
    return text.rfind("\n", max(0, newline - _HEADING_LINE_MAX - 1), newline) < 0 and newline > _HEADING_LINE_MAX


def _candidates(text: str) -> Iterator[_Candidate]:
    for m in _MARKER_RE.finditer(text):
        style = cast(Style, m.lastgroup)  # the outer group closes last, so this is the style's name
        group = _VALUE_GROUP[style]
        raw = m.group(group or style)
        if style == "circled":
            value: int | None = _CIRCLED.index(raw) + 1
        elif style in ("arabic", "paren_arabic"):
            value = int(raw)
        else:
            value = cn_to_int(raw)
        if not value:
            continue
        nxt = text[m.end() : m.end() + 1]
        # "一、二季度": a list of numbers, not a heading ("1、2月" never matches the regex).
        if style == "cn" and nxt and nxt in _CN_DIGITS:
            continue
        # "第一部分 …" / "第一部分：…" is a heading; "第一部分资金已到位" is prose.
        if style == "part" and nxt and nxt not in _HSPACE and nxt not in "\n：:、":
            continue
        if not _at_boundary(text, m.start(), style):
            continue
        yield _Candidate(style, value, m.start(), m.end())


# --------------------------------------------------------------------------------------------------
# Titles
# --------------------------------------------------------------------------------------------------


def _marker_follows(text: str, pos: int) -> bool:
    while pos < len(text) and text[pos] in _HSPACE:
        pos += 1
    return _MARKER_RE.match(text, pos) is not None


def _title_span(text: str, marker_end: int, style: Style) -> tuple[int, int, int]:
    """(title_start, title_end, body_start)."""
    n = len(text)
    i = marker_end
    # "第二部分：2021年工作安排": the colon only separates the part's number from its title.
    while i < n and (text[i] in _HSPACE or (style == "part" and text[i] in "：:、")):
        i += 1
    t_start = i
    limit = min(n, t_start + 4 * TITLE_MAX)
    stop = (_ENUM_STOP_RE if style == "enum" else _TITLE_STOP_RE).search(text, t_start, limit)
    t_end = stop.start() if stop else limit
    if style != "enum":
        # Bounded look: on a one-line report, searching for the line end would make parsing quadratic.
        inline = text.find("\n", t_start, t_start + _INLINE_LINE_MIN) < 0 and n - t_start > _INLINE_LINE_MIN
        for space in _HSPACE_RE.finditer(text, t_start, t_end):
            if inline or _marker_follows(text, space.start()):
                t_end = space.start()
                break
    body_start = t_end + 1 if t_end < n and text[t_end] in _HEADING_BOUNDARY else t_end
    if t_end - t_start > TITLE_MAX:
        # Too long to be a heading: keep the clause-bounded prefix as the title, the rest is body.
        window = text[t_start : t_start + TITLE_MAX]
        cut = max(window.rfind(c) for c in _TITLE_CUT)
        t_end = t_start + cut if cut >= TITLE_MAX // 3 else t_start + TITLE_MAX
        body_start = t_end
    return t_start, t_end, body_start


# --------------------------------------------------------------------------------------------------
# Roles
# --------------------------------------------------------------------------------------------------

# Words that decide a role wherever they appear in a heading.
_STRONG_WORDS: dict[Role, tuple[str, ...]] = {
    "work_done": (
        "上半年",
        "工作总结",
        "开展情况",
        "落实情况",
        "完成情况",
        "进展情况",
        "执行情况",
        "主要成效",
        "工作成效",
        "主要成绩",
        "工作回顾",
    ),
    "problems": ("存在的问题", "存在问题", "主要问题", "问题和不足", "不足之处", "困难和问题"),
    "plans": (
        "下半年",
        "下一步",
        "工作安排",
        "工作计划",
        "工作思路",
        "工作打算",
        "工作任务",
        "目标任务",
        "工作要点",
        "今后",
    ),
    "other": (),
}
# Words that decide only a top-level heading: inside a sub-heading "计划" or "问题" is usually the
# subject of the work ("科技计划项目管理"), not the kind of section.
_WEAK_WORDS: dict[Role, tuple[str, ...]] = {
    "work_done": ("总结", "回顾", "成效", "成绩", "情况"),  # "参与和服务疫情防控情况": how it went
    # "短板" is a topic as often as a kind ("全力补短板强基础" is a plan): only a top-level title may decide.
    "problems": ("问题", "不足", "困难", "差距", "挑战", "短板"),
    "plans": (
        "安排",
        "计划",
        "思路",
        "打算",
        "总体要求",
        "政策取向",
        "明年",
        "展望",
        "部署",
        "预期目标",
        "主要目标",
        "工作的建议",  # 对今年政府工作的建议: a government report's plan part
        "工作建议",
    ),
    "other": ("疫情防控",),
}


def _role_hits(title: str, top_level: bool) -> dict[Role, int]:
    """Each role the title names -> position of its earliest word."""
    hits: dict[Role, int] = {}
    for role, words in _STRONG_WORDS.items():
        candidates = words + _WEAK_WORDS[role] if top_level else words
        positions = [p for p in (title.find(w) for w in candidates) if p >= 0]
        if positions:
            hits[role] = min(positions)
    if "other" in hits and len(hits) > 1:
        # "疫情防控" inside a summary/plan title only says what the work was about.
        del hits["other"]
    return hits


def title_role(title: str, top_level: bool = True) -> Role | None:
    """The role a heading decides on its own; None when it names none or mixes several."""
    hits = _role_hits(title, top_level)
    return next(iter(hits)) if len(hits) == 1 else None


_YEAR_RE = re.compile(r"((?:19|20)\d\d)年")


# How a part reads: a plan's sentences say what is to be done, a review's what was done. Counted only to
# decide a part whose title names no kind after a plans part; the words are the genre's modal verbs.
_FUTURE_RE = re.compile(r"要|将|力争|争取|着力|加快|推进|抓好|确保|继续|进一步")
_PAST_RE = re.compile(r"了|已|取得|完成|实现")


def _reads_as_plans(body: str) -> bool:
    future, past = len(_FUTURE_RE.findall(body)), len(_PAST_RE.findall(body))
    return future >= 3 and future > 2 * past


def _assign_roles(top: list[Section], text: str) -> None:
    """Roles from the report's structure first, words second: a top-level section's role comes from its
    title (or, when the title mixes roles, its first sub-section; or a later year than the report looked
    back on). Below a plans or problems section every sub-section is plans or problems whatever words
    its title holds ("全力补短板强基础" under 2019年工作安排); below a work_done / other section or a mixed
    one, a sub-section whose title names a kind of section (存在的问题, 下半年工作安排) starts a part of
    that role, and its own sub-sections follow it the same way. A top-level section that names no kind
    after a plans section, and whose sentences say what is to be done, is plans too (the tasks that follow a
    government report's 总体部署)."""
    for sec in walk(top):
        if sec.level > 1 and sec.style != "enum":  # an enum "title" is a whole clause: never decisive
            sec.role = title_role(sec.title, top_level=False)
    earliest_year: int | None = None
    previous: Role | None = None
    for sec in top:
        hits = _role_hits(sec.title, top_level=True)
        mixed = len(hits) > 1
        child_role = sec.children[0].role if sec.children else None
        years = [int(y) for y in _YEAR_RE.findall(sec.title)]
        if len(hits) == 1:
            sec.role = next(iter(hits))
        elif len(hits) > 1:
            # Mixed title ("上半年…落实情况及下半年…安排"): the first child says how it opens,
            # else the word that comes first.
            first_word: Role = min(hits, key=hits.__getitem__)
            sec.role = child_role if child_role is not None else first_word
        elif earliest_year is not None and years and min(years) > earliest_year:
            # "二、2021年重点工作" after "一、2020年…": a later year than the report looked back on.
            sec.role = "plans"
        elif child_role is not None:
            sec.role = child_role
        else:
            # Parts after the plan part that name no kind and read as plans are more of its tasks
            # ("二、2015年工作总体部署" then "三、把改革开放扎实推向纵深"); without that evidence, no role is guessed.
            follows_plans = previous == "plans" and _reads_as_plans(text[sec.body_start : sec.end])
            sec.role = "plans" if follows_plans else "other"
        previous = sec.role
        if years:
            earliest_year = min(years + ([earliest_year] if earliest_year is not None else []))
        _follow_structure(sec.children, sec.role, mixed)


def _follow_structure(children: list[Section], role: Role | None, mixed: bool) -> None:
    """Sub-sections under a plans / problems parent (not a mixed one) take its role: their own words
    are the topic, not the kind. Elsewhere a sub-section keeps the role its title names, if any."""
    for child in children:
        if role in ("plans", "problems") and not mixed:
            child.role = None  # no role of its own: it belongs to its parent's part
        _follow_structure(child.children, child.role or role, False)


# --------------------------------------------------------------------------------------------------
# The parser
# --------------------------------------------------------------------------------------------------

# Enumerations and circled items restart freely inside one parent (one list per paragraph).
_RESTARTABLE: frozenset[Style] = frozenset({"enum", "circled"})
# The outermost styles, each with the styles it may sit inside.
_OUTER: dict[Style, frozenset[Style]] = {"part": frozenset({"part"}), "cn": frozenset({"part", "cn"})}
_OUTERMOST = frozenset(_OUTER)


@dataclass
class _Open:
    section: Section
    value: int


# Numbered lists that may start again at 1 inside one section (two lists under one heading), when the
# new 1 opens a line of its own.
_LINE_RESTARTABLE: frozenset[Style] = frozenset({"arabic", "paren_arabic"})


def _own_line(text: str, cand: _Candidate) -> bool:
    i = cand.start - 1
    while i >= 0 and text[i] in _HSPACE:
        i -= 1
    return i < 0 or text[i] == "\n"


def _skips(text: str, cands: list[_Candidate], index: int, outer: list[_Open], expected: int) -> bool:
    """A number skipped ('（四）' after '（二）'): believed when the marker opens its own line and the
    skipped number does not come later in the same parent, i.e. before the next marker of an outer style."""
    cand = cands[index]
    if cand.style in ("enum", "circled") or not _own_line(text, cand):
        return False
    outer_styles = {o.section.style for o in outer}
    for later in cands[index + 1 :]:
        if later.style in outer_styles:
            return True
        if later.style == cand.style and later.value == expected:
            return False
    return True


def parse_sections(text: str) -> Outline:
    n = len(text)
    top: list[Section] = []
    stack: list[_Open] = []

    def close_to(depth: int, at: int) -> None:
        while len(stack) > depth:
            stack.pop().section.end = at

    cands = list(_candidates(text))
    for index, cand in enumerate(cands):
        depth = next((i for i, o in enumerate(stack) if o.section.style == cand.style), None)
        if depth is not None:
            expected = stack[depth].value + 1
            if (
                cand.value == expected
                or (cand.value == 1 and cand.style in _RESTARTABLE)
                or (cand.value == expected + 1 and _skips(text, cands, index, stack[:depth], expected))
                or (cand.value == 1 and cand.style in _LINE_RESTARTABLE and _own_line(text, cand))
            ):
                close_to(depth, cand.start)
            else:
                continue
        elif cand.value != 1:
            continue
        elif cand.style == "enum" and not stack:
            continue  # "一是…二是…" in the preamble is prose, not the report's outline
        elif stack and cand.style in _OUTERMOST and not any(o.section.style in _OUTER[cand.style] for o in stack):
            # 第一部分 (where a report has parts), else 一、, is the outermost style whenever a report uses
            # it; anything opened before the first one was front matter (e.g. a leftover "1、" page
            # number), so it falls back to preamble.
            stack.clear()
            top.clear()
        t_start, t_end, body_start = _title_span(text, cand.marker_end, cand.style)
        sec = Section(
            number=text[cand.start : cand.marker_end],
            title=text[t_start:t_end].strip(),
            level=len(stack) + 1,
            style=cand.style,
            start=cand.start,
            end=n,
            body_start=body_start,
        )
        (stack[-1].section.children if stack else top).append(sec)
        stack.append(_Open(sec, cand.value))
    close_to(0, n)
    for sec in walk(top):
        sec.end = rstrip_end(text, sec.start, sec.end)
    _assign_roles(top, text)
    preamble = (0, top[0].start if top else n)
    return Outline(sections=top, preamble=preamble, text_length=n)


def rstrip_end(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end
