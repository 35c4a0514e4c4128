"""clean: original text -> ``CleanText`` (cleaned text + offset map back to the original).

The cleaner is a fixed sequence of passes. Each pass looks at the current text and returns *edits*
``(start, end, replacement)``; ``_apply`` performs them and carries the offset map along, so the map
from the final text to the original is the composition of every pass's map and never has to be
reconstructed afterwards. A replacement of the same length maps character for character; any other
replacement maps all its characters to the start of the span it replaced (so the map stays
non-decreasing and spans still land inside what they came from).

The patterns that recognise site chrome are data (``summarizer.patterns.RULES``); the passes below are
the general mechanisms that need more than a regex (pinyin glosses, page-break markers, repeated titles,
trailing counters, the 温馨提示 block).

Guiding rule: a cleaner that deletes body text is worse than one that leaves chrome in. Every deletion
is shaped to things that are not sentences: short lines, no sentence end, label words.

Speed: each pass is one or a few ``re`` scans over the whole text plus array slicing for the offset map;
Python-level loops run per edit or per line, never per character. OpenCC (C++) converts the whole text
once and changed lines become edits.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, NamedTuple

from summarizer.patterns import (
    AD_MARKS,
    AD_WORDS,
    COPYRIGHT,
    CRUMB_SEPARATORS,
    DESCRIPTION_LABELS,
    FILE_NAME,
    GENRE_WORDS,
    ICP,
    LABEL_HINTS,
    LIST_SEPARATORS,
    ORG_SUFFIXES,
    RULES,
    SENTENCE_BACK,
    SITE_NAME_SUFFIXES,
    SITE_VOCAB,
    SITE_WORDS,
    TITLE_CONNECTORS,
    UI_WORDS,
)

Edit = tuple[int, int, str, str]  # (start, end, replacement, rule that asked for it)
Script = Literal["simplified", "traditional"]


@dataclass(frozen=True)
class CleanText:
    text: str
    # offsets[i] is the index in the original text of clean character i; len(offsets) == len(text) + 1
    # and offsets[len(text)] == len(original). Non-decreasing.
    offsets: Sequence[int]
    script: Literal["simplified", "traditional"]  # detected on the original

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of the clean text to the original text."""
        if not 0 <= start <= end <= len(self.text):
            raise ValueError(f"span ({start}, {end}) outside the clean text (length {len(self.text)})")
        if start == end:
            at = self.offsets[start]
            return at, at
        return self.offsets[start], self.offsets[end - 1] + 1


class Removal(NamedTuple):
    """Text a rule took out, in the original's coordinates: what ``clean(..., trace=[])`` reports, so the
    benchmark can say which rule removed what, and a false removal can be traced to its rule."""

    rule: str
    start: int
    end: int
    text: str


# Passes whose edits rewrite characters rather than remove text: not reported as removals.
_REWRITES = frozenset({"fullwidth", "t2s", "whitespace", "controls", "letter_spaced", "blank_lines"})


def clean(original: str, *, to_simplified: bool = True, trace: list[Removal] | None = None) -> CleanText:
    text = original
    offsets = array("i", range(len(original) + 1))
    passes: list[Callable[[str], list[Edit]]] = [
        _controls,
        _fullwidth,
        _pinyin_glosses,
    ]
    if to_simplified:
        passes.append(_to_simplified)
    passes += [
        _whitespace,
        _letter_spaced_lines,
        _chrome_rules,
        _chrome_lines,
        _tip_blocks,
        _descriptions,
        _trailing_counter,
        _page_breaks,
        _glued_title,
        _repeated_title,
        _blank_lines,
    ]
    for step in passes:
        edits = step(text)
        if edits:
            if trace is not None:
                _record(trace, original, text, offsets, edits)
            text, offsets = _apply(text, offsets, edits)
    return CleanText(text=text, offsets=offsets, script=detect_script(original))


def _record(trace: list[Removal], original: str, text: str, offsets: array[int], edits: list[Edit]) -> None:
    for start, end, repl, rule in edits:
        if rule in _REWRITES or end - start <= len(repl) or not text[start:end].strip():
            continue
        o_start, o_end = offsets[start], offsets[end - 1] + 1
        trace.append(Removal(rule, o_start, o_end, original[o_start:o_end]))


# --------------------------------------------------------------------------------------------------
# Edit machinery
# --------------------------------------------------------------------------------------------------


def _apply(text: str, offsets: array[int], edits: list[Edit]) -> tuple[str, array[int]]:
    """Perform non-overlapping edits (later ones overlapping an earlier one are dropped)."""
    pieces: list[str] = []
    new = array("i")
    pos = 0
    for start, end, repl, _rule in sorted(edits, key=lambda e: (e[0], e[1])):
        if start < pos:  # overlaps an edit already applied: rules are independent, first one wins
            continue
        pieces.append(text[pos:start])
        new.extend(offsets[pos:start])
        if repl:
            pieces.append(repl)
            if len(repl) == end - start:
                new.extend(offsets[start:end])
            else:
                new.extend(array("i", [offsets[start]]) * len(repl))
        pos = end
    pieces.append(text[pos:])
    new.extend(offsets[pos:])
    return "".join(pieces), new


# --------------------------------------------------------------------------------------------------
# Character-level passes
# --------------------------------------------------------------------------------------------------

# Zero-width and bidi controls, soft hyphens and C0/C1 controls are invisible in the browser the text
# was scraped from; form feed / vertical tab / Unicode line separators are line breaks in disguise.
_INVISIBLE_RE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\u00ad\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
_LINEBREAK_LIKE_RE = re.compile("[\x0b\x0c\x85\u2028\u2029]")


def _controls(text: str) -> list[Edit]:
    edits: list[Edit] = [(m.start(), m.end(), "", "controls") for m in _INVISIBLE_RE.finditer(text)]
    edits += [(m.start(), m.end(), "\n", "controls") for m in _LINEBREAK_LIKE_RE.finditer(text)]
    return edits


# Full-width ASCII (U+FF01-U+FF5E) folds to ASCII so numbers and Latin abbreviations read the same
# everywhere ('２０２０' -> '2020', 'ＧＤＰ' -> 'GDP', '％' -> '%'). The full-width forms that are
# *Chinese punctuation* stay: the genre writes ，：；（）！？ and downstream splitters expect them.
# (unicodedata NFKC would also fold these and much more, e.g. ① -> 1, so a table is used instead.)
_KEEP_FULLWIDTH = "！（），：；？［］｛｝～"
_FULLWIDTH_TABLE = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F) if chr(cp) not in _KEEP_FULLWIDTH}
_FULLWIDTH_RE = re.compile("[" + "".join(re.escape(chr(cp)) for cp in _FULLWIDTH_TABLE) + "]+")


def _fullwidth(text: str) -> list[Edit]:
    return [
        (m.start(), m.end(), m.group().translate(_FULLWIDTH_TABLE), "fullwidth") for m in _FULLWIDTH_RE.finditer(text)
    ]


# Pinyin glosses: some sites annotate characters with their reading, '創(chuàng)新', '發(fā)展'. A gloss
# is a parenthesised run of pinyin syllables right after a Han character. Tone-marked ones (or tone
# numbers, 'wang3') are unambiguous. Toneless ones ('的(de)') are removed only in a document that
# already has at least _GLOSS_MIN tone-marked glosses: elsewhere '(a)' or '(ha)' after a Han character
# is more likely real text. Upper-case groups ('(GDP)', '(Pinyin)') are never glosses.
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_GLOSS_RE = re.compile(rf"(?<=[{_HAN}])[(（] ?([a-zA-Z\u00c0-\u024f\u1e3e\u1e3f' ]{{1,40}}?[1-5]?) ?[)）]")
_TONE_MARKS = frozenset("\u0300\u0301\u0304\u030c")  # grave, acute, macron, caron after NFD
_INITIAL = r"(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])"
_FINAL = (
    r"(?:iang|iong|uang|ang|eng|ing|ong|iao|ian|uai|uan|van|ai|ei|ui|ao|ou|iu|ie|ve|ue|vn|er|an|en|in|un"
    r"|ia|ua|uo|a|o|e|i|u|v)"
)
_SYLLABLES_RE = re.compile(rf"(?:(?:{_INITIAL}?{_FINAL}|ng|hng|hm|m|n)[1-5]?)+")
_GLOSS_MIN = 3


def _pinyin_form(gloss: str) -> tuple[bool, bool]:
    """(is pinyin, carries a tone) for the inside of a parenthesis."""
    if gloss != gloss.lower():
        return False, False
    decomposed = unicodedata.normalize("NFD", gloss)
    toned = any(c in _TONE_MARKS for c in decomposed) or gloss[-1].isdigit()
    bare = "".join(c for c in decomposed if not unicodedata.combining(c) or c == "\u0308")
    bare = bare.replace("u\u0308", "v").replace("'", " ")
    words = bare.split()
    return bool(words) and all(_SYLLABLES_RE.fullmatch(w) for w in words), toned


def _pinyin_glosses(text: str) -> list[Edit]:
    if "(" not in text and "（" not in text:
        return []
    toned: list[Edit] = []
    toneless: list[Edit] = []
    for m in _GLOSS_RE.finditer(text):
        is_pinyin, has_tone = _pinyin_form(m.group(1))
        if is_pinyin:
            (toned if has_tone else toneless).append((m.start(), m.end(), "", "pinyin_gloss"))
    return toned + toneless if len(toned) >= _GLOSS_MIN else toned


# --------------------------------------------------------------------------------------------------
# Traditional -> simplified
# --------------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _t2s() -> Callable[[str], str]:
    """OpenCC t2s (the C++ library's binding: ~75 MB/s here, where the pure-Python port ran ~1.5)."""
    import opencc

    convert: Callable[[str], str] = opencc.OpenCC("t2s").convert
    return convert


_HAN_RE = re.compile(f"[{_HAN}\U00020000-\U0003134f]")
# Share of Han characters that OpenCC t2s changes *in context* above which a text is traditional.
# Traditional prose sits around 25-35 %; simplified text changes only where it uses a character that is
# also traditional outside a phrase OpenCC knows (乾县 -> 干县), well under 10 %.
TRADITIONAL_SHARE = 0.10
# The script is decided on the head of the text: enough Han characters for a stable share, and the cost
# of the per-character comparison stays constant however long the document is.
SCRIPT_SAMPLE_CHARS = 50_000


def detect_script(text: str) -> Script:
    sample = text[:SCRIPT_SAMPLE_CHARS]
    converted = _t2s()(sample)
    if converted == sample:  # the common case, decided without a per-character pass
        return "simplified"
    han = len(sample) - len(_HAN_RE.sub("", sample))
    if not han:
        return "simplified"
    if len(converted) == len(sample):
        changed = sum(map(str.__ne__, sample, converted))
    else:  # pragma: no cover - t2s tables are length-preserving
        changed = han
    return "traditional" if changed / han >= TRADITIONAL_SHARE else "simplified"


def _to_simplified(text: str) -> list[Edit]:
    """OpenCC t2s over the whole text, turned into one edit per changed line.

    OpenCC never matches a phrase across a line break and its t2s tables are length-preserving, so lines
    correspond one to one and a changed line maps character for character; were a future table not
    length-preserving, _apply would map the whole line to its start, still a valid map.
    """
    new = _t2s()(text)
    if new == text:
        return []
    old_lines, new_lines = text.split("\n"), new.split("\n")
    if len(old_lines) != len(new_lines):  # pragma: no cover - OpenCC keeps line breaks
        return [(0, len(text), new, "t2s")]
    edits: list[Edit] = []
    at = 0
    for old, converted in zip(old_lines, new_lines, strict=True):
        if old != converted:
            edits.append((at, at + len(old), converted, "t2s"))
        at += len(old) + 1
    return edits


# --------------------------------------------------------------------------------------------------
# Whitespace
# --------------------------------------------------------------------------------------------------

_SPACE = " \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"
# Leading/trailing runs on a line go; inner runs of 2+ (or any single non-ASCII space) become one space.
_SPACE_RE = re.compile(
    f"^[{_SPACE}]+|[{_SPACE}]+$|[{_SPACE}]{{2,}}|[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]", re.M
)


def _whitespace(text: str) -> list[Edit]:
    edits: list[Edit] = []
    n = len(text)
    for m in _SPACE_RE.finditer(text):
        s, e = m.span()
        at_edge = s == 0 or text[s - 1] == "\n" or e == n or text[e] == "\n"
        edits.append((s, e, "" if at_edge else " ", "whitespace"))
    return edits


# Titles set in spaced-out characters ('政 府 工 作 报 告', '目 录'): a short line made only of single
# Han characters separated by single spaces. Prose never spaces every character.
_LETTER_SPACED_RE = re.compile(rf"^[{_HAN}](?: [{_HAN}]){{1,15}}$", re.M)


def _letter_spaced_lines(text: str) -> list[Edit]:
    edits: list[Edit] = []
    for m in _LETTER_SPACED_RE.finditer(text):
        s = m.start()
        edits += [(s + i, s + i + 1, "", "letter_spaced") for i in range(1, m.end() - s, 2)]
    return edits


_BLANK_RUN_RE = re.compile(r"\n{3,}")


def _blank_lines(text: str) -> list[Edit]:
    """At most one blank line in a row; none at the very start or end."""
    edits: list[Edit] = [(m.start() + 2, m.end(), "", "blank_lines") for m in _BLANK_RUN_RE.finditer(text)]
    lead = len(text) - len(text.lstrip("\n"))
    if lead:
        edits.append((0, lead, "", "blank_lines"))
    trail = len(text) - len(text.rstrip("\n"))
    if trail and trail < len(text):
        edits.append((len(text) - trail, len(text), "", "blank_lines"))
    return edits


# --------------------------------------------------------------------------------------------------
# Chrome
# --------------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _compiled_rules() -> tuple[tuple[str, str, re.Pattern[str]], ...]:
    # All whole-line rules go into one alternation: one scan of the text instead of one per rule (the line
    # rules were most of clean's time). The table keeps them apart for reading; a test checks the union.
    # Each alternative is a named group (r0, r1, …) so a match still says which rule it was.
    lines = "|".join(f"(?P<r{i}>{rule.pattern})" for i, rule in enumerate(RULES) if rule.kind == "line")
    out = [("line_rules", "line", re.compile(f"^(?:{lines})$", re.M))]
    for rule in RULES:
        if rule.kind != "line":
            out.append((rule.name, rule.kind, re.compile(rule.pattern, re.M)))
    return tuple(out)


def _chrome_rules(text: str) -> list[Edit]:
    edits: list[Edit] = []
    for name, kind, regex in _compiled_rules():
        for m in regex.finditer(text):
            if kind == "line":
                s, e = m.start(), m.end()
                rule = RULES[int(m.lastgroup[1:])].name if m.lastgroup else name
                edits.append((s, e + 1 if e < len(text) else e, "", rule))
            elif kind == "sentence":
                s = m.start()
                floor = max(text.rfind("\n", 0, s) + 1, s - SENTENCE_BACK)
                cut = max(text.rfind(c, floor, s) + 1 for c in "。！？!? ")
                line_end = text.find("\n", s)
                edits.append((max(floor, cut), len(text) if line_end < 0 else line_end, "", name))
            elif m.end() > m.start():
                edits.append((m.start(), m.end(), "", name))
    return _merge(edits)


def _merge(edits: list[Edit]) -> list[Edit]:
    """Union of overlapping deletions (line and inline rules may hit the same line)."""
    out: list[Edit] = []
    for s, e, r, rule in sorted(edits):
        if out and s <= out[-1][1] and not r and not out[-1][2]:
            ps, pe, _, first = out[-1]
            out[-1] = (ps, max(pe, e), "", first)
        else:
            out.append((s, e, r, rule))
    return out


# --------------------------------------------------------------------------------------------------
# Chrome by shape and position
# --------------------------------------------------------------------------------------------------
# Each line is judged by its shape (short, without a sentence end, label:value pairs, a file name, a
# list of short links, a row of page controls, site words) and by where it stands: above the report's
# first content line (the *head*: site header, navigation, breadcrumbs, file metadata), inside the
# report (the *body*), or below its last sentence (the *tail*: download notes, copyright, ICP, related
# articles). Inside the body only unmistakable shapes go; above and below it, any line that carries a
# chrome signal and is not a title, dateline, salutation or signature goes. A line opening with a
# heading marker (一、 （一） 第一部分) is never chrome inside the body.

_SENT_END_CHARS = "。！？!?；;"
_HEADING_START_RE = re.compile(
    r"^(?:第[一二三四五六七八九十]{1,3}部分|[一二三四五六七八九十]{1,3}[、.．]|[（(][一二三四五六七八九十]{1,3}[）)]"
    r"|[一二三四五六七八九十]{1,3}是)"
)
_ARABIC_ITEM_RE = re.compile(r"^(?:\d{1,2}[、.．]|[（(]\d{1,2}[）)]|[①-⑳])")
_SITE_WORDS_RE = re.compile("|".join(sorted(map(re.escape, SITE_WORDS), key=len, reverse=True)))
_AD_WORDS_RE = re.compile("|".join(sorted(map(re.escape, AD_WORDS), key=len, reverse=True)))
_AD_MARKS_RE = re.compile(AD_MARKS)
_UI_WORDS_RE = re.compile("|".join(sorted(map(re.escape, UI_WORDS), key=len, reverse=True)))
_GENRE_RE = re.compile("|".join(GENRE_WORDS))
_LABEL_HINT_RE = re.compile("|".join(map(re.escape, LABEL_HINTS)))
_FILE_NAME_RE = re.compile(FILE_NAME)
_PAGE_LIST_RE = re.compile(r"_第 ?\d{1,3} ?页|^(?:第 ?\d{1,3} ?页[ /|、，,]*){2,}$")
_COPYRIGHT_RE = re.compile(COPYRIGHT)
_ICP_RE = re.compile(ICP)
_DOMAIN_RE = re.compile(r"(?:https?://|www\.)\S+|[A-Za-z0-9-]{2,}\.(?:com|cn|net|org|cc|gov\.cn|com\.cn)\b")
_SITE_NAME_RE = re.compile(rf"[^\s|｜\-_—]{{1,14}}(?:{'|'.join(SITE_NAME_SUFFIXES)})(?:首页)?(?=$|[\s|｜\-_—（(])")
_ORG_END_RE = re.compile(rf"(?:{'|'.join(ORG_SUFFIXES)})$")
_CN_DATE_RE = re.compile(
    r"^\d{4}年\d{1,2}月(?:\d{1,2}日)?$|^[一二三四五六七八九〇零○]{4}年[一二三四五六七八九十]{1,2}月"
)
_DATELINE_RE = re.compile(r"^(?:——|—|-{2,}|－{2,})|\d{4}年\d{1,2}月\d{1,2}日在")
_DOC_NUMBER_RE = re.compile(r"〔\d{4}〕|\[\d{4}\]\d+号")
_LOCATION_LABEL_RE = re.compile(r"^[^:：\s]{0,6}(?:位置|导航|当前页面?)\s?[:：]")
_HOME_RE = re.compile(r"^(?:首页|主页|网站首页|返回首页|[Hh]ome)$")
_CRUMB_SPLIT_RE = re.compile(rf"\s?{CRUMB_SEPARATORS}\s?")
_LIST_SPLIT_RE = re.compile(rf"(?:{LIST_SEPARATORS}|[:：【】\[\]])+")
_LABEL = r"[^\s:：|｜,，。；;！？!?【】\[\]]{1,8}"
_VALUE = r"[^\s:：|｜。；;！？!?]{1,40}"
_PAIR = rf"[【\[]?{_LABEL}[】\]]? ?[:：] ?{_VALUE}"
_PAIR_RE = re.compile(rf"[【\[]?({_LABEL})[】\]]? ?[:：] ?{_VALUE}")
_KV_LINE_RE = re.compile(rf"(?:{_PAIR})(?:[\s|｜/·•]+(?:{_PAIR}))*[\s|｜]*")
_TITLE_MAX_LINE = 60
_BODY_LONG = 120  # a line this long with a sentence end is prose whatever words it holds


def is_title_shaped(line: str) -> bool:
    """A report title: short, no sentence end or comma, holding a genre word (报告 总结 安排 …)."""
    return (
        4 <= len(line) <= _TITLE_MAX_LINE
        and _GENRE_RE.search(line) is not None
        and not any(c in line for c in "。！？!?；;，,:：>＞›»→|｜/")
        and line.count(" ") <= 2
        and _HEADING_START_RE.match(line) is None
        and _FILE_NAME_RE.search(line) is None
    )


def _site_words(line: str) -> int:
    return len(set(_SITE_WORDS_RE.findall(line)))


def _is_body_sentence(line: str) -> bool:
    """Prose of the report: a sentence end, and no site talk (a long paragraph may mention one)."""
    if len(line) < 3 or not any(c in line for c in _SENT_END_CHARS):
        return False
    if _COPYRIGHT_RE.search(line) or _ICP_RE.search(line) or _FILE_NAME_RE.search(line) or _AD_MARKS_RE.search(line):
        return False
    words = _site_words(line)
    return words == 0 or (words == 1 and len(line) >= 30) or (len(line) > _BODY_LONG and words <= 2)


def _is_content_start(line: str) -> bool:
    """Where the report itself begins: a heading, a salutation or lead-in, a dateline, or prose (not a
    labelled preview of it)."""
    if line.endswith(("...", "…")) and _PREVIEW_RE.match(line):
        return False
    if _HEADING_START_RE.match(line) or _DATELINE_RE.search(line):
        return True
    if line.endswith(("：", ":")) and _site_words(line) == 0 and not _KV_LINE_RE.fullmatch(line):
        return len(line) <= 12 or len(line) >= 15
    return _is_body_sentence(line) or (len(line) >= 80 and _site_words(line) == 0)


def _is_signature(line: str) -> bool:
    """What a report may carry below its last sentence: the issuing body, a date, attachments."""
    if len(line) > 30 or _SITE_NAME_RE.fullmatch(line) or _site_words(line) or _LIST_SPLIT_RE.search(line):
        return False
    return bool(_ORG_END_RE.search(line) or _CN_DATE_RE.match(line) or line.startswith("附件"))


def _kv_rule(line: str, zone: str) -> bool:
    """label:value metadata. Outside the body any such line; inside it, pairs whose labels name what
    metadata names (a size, a time, a count, a person…): '责任单位：县科技局' in a plan stays."""
    if not _KV_LINE_RE.fullmatch(line):
        return False
    if zone != "body":
        return True
    labels = _PAIR_RE.findall(line)
    hinted = sum(1 for label in labels if _LABEL_HINT_RE.search(label))
    return hinted >= 2 or (hinted == 1 and len(labels) <= 2 and len(line) <= 40)


def _crumb_rule(line: str, zone: str) -> bool:
    """Breadcrumbs: three or more steps joined by an arrow or slash, no sentence end. Inside the body
    only from a home page or a site, or after a location label ('企业申报 > 部门审核 > 公示' stays)."""
    label = _LOCATION_LABEL_RE.match(line)
    rest = line[label.end() :] if label else line
    steps = [s for s in _CRUMB_SPLIT_RE.split(rest.strip()) if s]
    if len(steps) < 2 and "-" in rest:  # '首页-资讯-标题': a hyphen only counts after a home page or site
        steps = rest.strip().split("-")
        if not (_HOME_RE.match(steps[0]) or _SITE_NAME_RE.fullmatch(steps[0])):
            return False
    if len(steps) < 2 or any(len(s) > 60 for s in steps):
        return False
    rooted = bool(_HOME_RE.match(steps[0]) or _SITE_NAME_RE.fullmatch(steps[0]))
    if label or (zone != "body" and (rooted or len(steps) >= 3)):
        return True
    return rooted and len(steps) >= 3


def _tokens(line: str) -> list[str]:
    return [t for t in _LIST_SPLIT_RE.split(line) if t]


def _list_rule(line: str, zone: str) -> str | None:
    """Navigation bars and toolbars: a row of short tokens. A toolbar has two page-control words
    ('分享 收藏 打印'); a navigation bar four or more short items ('首页 | 范文 | 总结 | 计划')."""
    tokens = _tokens(line)
    if len(tokens) < 2 or any(len(t) > 8 for t in tokens):
        return None
    if sum(1 for t in tokens if _UI_WORDS_RE.search(t)) >= 2:
        return "ui_bar"
    if any(t.isdigit() for t in tokens) or any(c.isdigit() for c in line):
        return None
    if zone != "body" and len(tokens) >= 3:
        return "link_list"
    if len(tokens) >= 4 and re.search(r"[|｜·•/]", line):
        return "link_list"
    return None


def _ad_rule(line: str, zone: str) -> bool:
    if len(line) > 60 or "。" in line:
        return False
    words = len(set(_AD_WORDS_RE.findall(line)))
    marks = _AD_MARKS_RE.search(line) is not None
    return (marks and (words >= 1 or zone != "body")) or words >= 2 or (zone != "body" and words >= 1)


def _line_rule(line: str, zone: str) -> str | None:
    """The rule that makes ``line`` chrome in ``zone`` (head / body / tail), or None."""
    n = len(line)
    if zone == "body" and "。" in line:
        # Prose, the common case, decided first: inside the body only a copyright or licence line with a
        # full stop can be chrome (every other body rule asks for a line without one).
        if n <= 150 and (_COPYRIGHT_RE.search(line) or (n <= 100 and _ICP_RE.search(line))):
            return "copyright_icp"
        return None
    has_end = any(c in line for c in _SENT_END_CHARS)
    if zone == "body" and _HEADING_START_RE.match(line):
        return None
    if "。" not in line:
        if _FILE_NAME_RE.search(line):
            return "file_name"
        if _PAGE_LIST_RE.search(line):
            return "page_list"
    if n <= 150 and (_COPYRIGHT_RE.search(line) or (n <= 100 and _ICP_RE.search(line))):
        return "copyright_icp"
    if not has_end and _crumb_rule(line, zone):
        return "breadcrumb"
    if zone != "body" and _is_signature(line):
        return None
    if zone == "head" and (is_title_shaped(line) or _DATELINE_RE.search(line) or _DOC_NUMBER_RE.search(line)):
        return None
    if n > 150 or (has_end and _is_body_sentence(line)):
        return None
    words = _site_words(line)
    if words >= 2 and (zone != "body" or "。" not in line) and n <= 100:
        return "site_words"
    if _kv_rule(line, zone):
        return "label_value"
    if not has_end:
        listed = _list_rule(line, zone)
        if listed:
            return listed
    if _ad_rule(line, zone):
        return "ad"
    if n <= 40 and not has_end and (_DOMAIN_RE.search(line) or (zone != "body" and _SITE_NAME_RE.search(line))):
        return "site_name"
    if zone == "head" and words and not has_end:
        return "site_words"
    if zone == "tail":
        if _ARABIC_ITEM_RE.match(line) and not (_GENRE_RE.search(line) or words or re.search(r"\d{4}-\d", line)):
            return None  # a numbered item of the report's last list
        if _HEADING_START_RE.match(line):
            return None
        return "after_last_sentence"
    return None


_LINE_RE = re.compile(r"[^\n]+")


def has_report_text(text: str) -> bool:
    """Whether cleaned text holds anything of a report: a line that even above a report's title would
    not be taken for chrome (a title, a heading, a sentence, a dateline…). A page that was all chrome has
    none left (the CLI says "no report text found")."""
    return any(_line_rule(m.group(), "head") is None for m in _LINE_RE.finditer(text))

_HEAD_LINES_MAX = 60  # the head (site chrome above a report) is never longer than this many lines


def _chrome_lines(text: str) -> list[Edit]:
    spans = [(m.start(), m.end()) for m in _LINE_RE.finditer(text)]
    if not spans:
        return []
    lines = [text[s:e] for s, e in spans]
    first = next((i for i, ln in enumerate(lines[:_HEAD_LINES_MAX]) if _is_content_start(ln)), 0)
    last = next((i for i in range(len(lines) - 1, first - 1, -1) if _is_body_sentence(lines[i])), len(lines) - 1)
    edits: list[Edit] = []
    for i, (start, end) in enumerate(spans):
        zone = "head" if i < first else "tail" if i > last else "body"
        line = lines[i]
        if zone == "head":
            # The page's <title>: the report's title with the site's name ('…工作总结_某某文库'). The line
            # goes when the title stands again on its own near the top; else only the site's name goes.
            page_title = _SITE_SUFFIX_RE.fullmatch(line)
            if page_title and is_title_shaped(page_title.group(1)):
                if page_title.group(1) in lines[i + 1 : first + 3]:
                    edits.append((start, min(end + 1, len(text)), "", "page_title_site"))
                else:
                    edits.append((start + page_title.start(2), end, "", "page_title_site"))
                continue
        rule = _line_rule(line, zone)
        if rule:
            edits.append((start, min(end + 1, len(text)), "", rule))
    return edits


_TIP_RE = re.compile(r"^(?:温馨提示|下载提示|友情提示|特别提示)(?: ?[:：].*)?$", re.M)
_SITE_VOCAB_RE = re.compile("|".join(SITE_VOCAB))


def _tip_blocks(text: str) -> list[Edit]:
    """Download sites' '温馨提示:' lists: the label line, then numbered lines about downloading,
    uploading, copyright. The block ends at the first line that does not talk about the site."""
    edits: list[Edit] = []
    for m in _TIP_RE.finditer(text):
        first = m.group()
        if len(first) > 6 and not _SITE_VOCAB_RE.search(first):
            continue  # '温馨提示：请市民…' in a body: not about the site
        start, end = m.start(), min(m.end() + 1, len(text))
        while end < len(text):
            nl = text.find("\n", end)
            line_end = len(text) if nl < 0 else nl
            line = text[end:line_end]
            if line.strip() and not _SITE_VOCAB_RE.search(line):
                break
            if len(line) > 300:  # a paragraph, not a tip
                break
            end = min(line_end + 1, len(text))
        edits.append((start, end, "", "tip_block"))
    return edits


_DESCRIPTION_RE = re.compile(rf"^(?:{'|'.join(DESCRIPTION_LABELS)}) ?[:：] ?([^\n]*)$", re.M)
_CLAUSE_SPLIT_RE = re.compile(r"[\s。，、；：！？,.;:!?…]+")
_CLAUSE_MIN = 4


# Any short label before a text cut off with '...' / '…' ('摘要: 各位代表！...'): a preview of the body,
# dropped (line and all) only when it is a copy, else left alone.
_PREVIEW_RE = re.compile(r"^[^\s:：。，,]{1,6} ?[:：] ?([^\n]*?(?:\.{3,}|…+))$", re.M)


def _is_copy(text: str, start: int, end: int) -> bool:
    """Every clause of text[start:end] but the last (cut off mid-way) reappears later; line breaks and
    punctuation may differ between a preview and the body."""
    clauses = [p for p in _CLAUSE_SPLIT_RE.split(text[start:end])[:-1] if len(p) >= _CLAUSE_MIN]
    return bool(clauses) and all(text.find(p, end) >= 0 for p in clauses)


def _descriptions(text: str) -> list[Edit]:
    """'资源描述:' abstracts: the label goes; the abstract (on the label's line, or the lines up to the
    next blank line) goes only if its opening reappears later, i.e. it is a preview copy of the body."""
    edits: list[Edit] = [
        (m.start(), min(m.end() + 1, len(text)), "", "preview")
        for m in _PREVIEW_RE.finditer(text)
        if _is_copy(text, m.start(1), m.end(1))
    ]
    for m in _DESCRIPTION_RE.finditer(text):
        if m.group(1):
            start, end = m.start(1), m.end(1)
        else:
            start = end = min(m.end() + 1, len(text))
            stop = text.find("\n\n", start)
            end = len(text) if stop < 0 else stop
        if _is_copy(text, start, end):
            edits.append((m.start(), min(end + 1, len(text)), "", "description"))
        else:
            label_end = m.start(1) if m.group(1) else min(m.end() + 1, len(text))
            edits.append((m.start(), label_end, "", "description_label"))
    return edits


# A view/download counter at the end of the page ('53769'): a last line that is only digits, after a
# paragraph that ends a sentence. (A table's last cell is also digits, but follows a short cell.)
_SENTENCE_END = ("。", "！", "？", "!", "?", "；", ";", "…", "”")


def _trailing_counter(text: str) -> list[Edit]:
    body = text.rstrip("\n")
    last_start = body.rfind("\n") + 1
    last = body[last_start:]
    if not (last.isdigit() and last.isascii() and len(last) <= 9) or last_start == 0:
        return []
    before = body[:last_start].rstrip("\n")
    if before[before.rfind("\n") + 1 :].endswith(_SENTENCE_END):
        return [(last_start, len(body), "", "trailing_counter")]
    return []


# --------------------------------------------------------------------------------------------------
# Page-break markers
# --------------------------------------------------------------------------------------------------

# Document sites serve a document page by page and number the pages '1、', '2、' … at the start of each
# page, glued to the text that continues the previous page, often mid-word ('研发经费投\n2、入数据',
# '全国科技\n\n2、管理系统', '30.\n2、13亿元'). Real list items look alike ('1、优化完善…'), so a marker is
# believed only as part of a *run* whose shape no list has:
#   * the markers number 2, 3, 4 … in order (page 1's '1、' opens the document, or is missing);
#   * consecutive markers are at least _PAGE_MIN characters apart: a page holds more than a list item;
#   * at least a third of the breaks fall mid-sentence (the text before the marker does not end with
#     。！？；： etc.): pages break wherever the page is full, list items follow a finished sentence.
# A break mid-sentence is deleted with the line breaks before it, joining the pages; a marker after a
# finished sentence goes alone, so the paragraph break stays.
_PAGE_MARKER_RE = re.compile(r"^(\d{1,3})、", re.M)
_PAGE_MIN = 200
_PAGE_END_PUNCT = ("。", "！", "？", "!", "?", "；", ";", "：", ":")


class _Marker(NamedTuple):
    number: int
    start: int
    end: int
    joint: int  # end of the text before the marker (blank lines and spaces between are the break)
    mid: bool  # the break falls mid-sentence


def _page_breaks(text: str) -> list[Edit]:
    markers: list[_Marker] = []
    for m in _PAGE_MARKER_RE.finditer(text):
        j = m.start() - 1
        while j >= 0 and text[j] in "\n \t":
            j -= 1
        ended = j >= 0 and (
            text[j] in _PAGE_END_PUNCT or (text[j] in "”’」" and j > 0 and text[j - 1] in _PAGE_END_PUNCT)
        )
        markers.append(_Marker(int(m.group(1)), m.start(), m.end(), j + 1, j >= 0 and not ended))
    best: list[_Marker] = []
    best_key = (0, 0)
    for i, first in enumerate(markers):
        opens = first.number == 1 and first.joint == 0
        if not (opens or first.number == 2):
            continue
        run = _page_run(markers, i)
        breaks = [mk for mk in run if mk.number != 1]
        mid = sum(mk.mid for mk in breaks)
        if len(breaks) == 1 and not opens:
            # A lone '2、' counts only when it splits a word and does not
            # follow a list's '1、' (then it would be that list's second item).
            if not _lone_break(text, markers, breaks[0]):
                continue
        elif not breaks or not mid or 3 * mid < len(breaks):
            continue
        if (mid, len(run)) > best_key:  # the run with the most mid-sentence breaks wins
            best, best_key = run, (mid, len(run))
    edits: list[Edit] = []
    for mk in best:
        if mk.number == 1 or not mk.mid:
            edits.append((mk.start, mk.end, "", "page_marker"))
        else:
            edits.append((mk.joint, mk.end, "", "page_marker"))
    return edits


_LONE_LINE_MIN = 4
_WORD_CHAR_RE = re.compile(rf"[{_HAN}0-9A-Za-z.%]")


def _lone_break(text: str, markers: list[_Marker], mk: _Marker) -> bool:
    previous = [other for other in markers if other.start < mk.start]
    if not mk.mid or (previous and previous[-1].number == 1):
        return False
    line_start = text.rfind("\n", 0, mk.joint) + 1
    before, after = text[mk.joint - 1 : mk.joint], text[mk.end : mk.end + 1]
    return (
        mk.joint - line_start >= _LONE_LINE_MIN
        and bool(_WORD_CHAR_RE.match(before))
        and bool(_WORD_CHAR_RE.match(after))
    )


def _page_run(markers: list[_Marker], i: int) -> list[_Marker]:
    """The run from markers[i]: for each next number, the first marker far enough on that breaks
    mid-sentence before the next number's first such marker, else the first one far enough on."""
    run = [markers[i]]
    while True:
        want = run[-1].number + 1
        later = [mk for mk in markers if mk.start >= run[-1].end + _PAGE_MIN and mk.number in (want, want + 1)]
        options = [mk for mk in later if mk.number == want]
        if not options:
            return run
        following = next((mk.start for mk in later if mk.number == want + 1 and mk.mid), None)
        mid = [mk for mk in options if mk.mid and (following is None or mk.start < following)]
        run.append(mid[0] if mid else options[0])


# --------------------------------------------------------------------------------------------------
# Repeated title
# --------------------------------------------------------------------------------------------------

_TITLE_MAX = 60
# A page <title> copied as the first line: '科技局工作总结_找总结网', '工作总结 - 豆丁网'. Only the first
# line is checked: a site name glued to the end of a body line would be a sentence.
_SITE_SUFFIX_RE = re.compile(
    r"(.{4,60}?)( ?(?:_|——| - |-|—|–|\||｜) ?[^\n_|｜—–\-]{1,20}"
    rf"(?:{'|'.join(SITE_NAME_SUFFIXES)}|文档|范文|站)(?:首页)?)"
)
_HEAD_END_RE = re.compile(r"[。！？]")


def _glued_title(text: str) -> list[Edit]:
    """A title run into what follows it on one of the first lines: twice ('…工作安排…工作安排一年来,…':
    a line break replaces the copy), after a line holding the title alone (the glued copy goes), or once
    on the first line ('政府工作报告各位代表：…': a line break goes after the title). The title is the
    longest title-shaped prefix ending in a genre word that no connector (及 和 的 …) or verb continues;
    titles separated by a space are left to ``_repeated_title``."""
    at = len(text) - len(text.lstrip())
    titles: list[str] = []
    for index in range(_GLUE_LINES):
        stop = text.find("\n", at)
        end = len(text) if stop < 0 else stop
        line = text[at:end]
        for size in range(6, min(_TITLE_MAX_LINE, len(line) // 2) + 1):
            if line[size : 2 * size] == line[:size] and not line[size - 1].isspace() and is_title_shaped(line[:size]):
                return [(at + size, at + 2 * size, "\n" if 2 * size < len(line) else "", "glued_title")]
        if is_title_shaped(line):
            titles.append(line)
        elif line:
            known = next((t for t in titles if line.startswith(t) and not line[len(t)].isspace()), None)
            if known:
                return [(at, at + len(known), "", "glued_title")]
            if index == 0:
                cut = glue_point(line)
                return [(at + cut, at + cut, "\n", "glued_title")] if cut else []
            return []
        if stop < 0:
            return []
        at = stop + 1
    return []


def glue_point(line: str) -> int:
    """Where a title glued to the sentence after it ends on ``line`` (0: no such title)."""
    head = line[: _TITLE_MAX_LINE + 1]
    limit = next((i for i, c in enumerate(head) if c in _GLUE_STOPS), len(head))
    best = 0
    for m in _GENRE_RE.finditer(head, 0, limit):
        nxt = line[m.end() : m.end() + 1]
        if not nxt or nxt.isspace() or nxt in _GLUE_STOPS or nxt in TITLE_CONNECTORS or nxt in _GLUE_CONTINUES:
            continue
        if m.end() >= 6 and is_title_shaped(line[: m.end()]):
            best = m.end()
    return best if best and any(c in line[best:] for c in _SENT_END_CHARS) else 0


_GLUE_LINES = 4
_GLUE_STOPS = frozenset('，,。：:；;！？!? 、（(“"《')
# Characters that continue a phrase ending in a genre word ('工作总结会议', '报告如下', '安排部署'): no title
# ends before them.
_GLUE_CONTINUES = "会如中是为于在已将要部等书表单"


def _repeated_title(text: str) -> list[Edit]:
    """Sites print the title in the page header, the article heading and again above the body. Keep the
    first copy; drop later copies that stand alone (a whole line, or a space-delimited segment of the
    first long line) before the body's first sentence ends."""
    body = text.lstrip("\n ")
    head_start = len(text) - len(body)
    first_line = body.split("\n", 1)[0]
    edits: list[Edit] = []
    suffix = _SITE_SUFFIX_RE.fullmatch(first_line)
    if suffix:
        edits.append((head_start + suffix.start(2), head_start + len(first_line), "", "page_title_site"))
        first_line = suffix.group(1)
    title = first_line if len(first_line) <= _TITLE_MAX else first_line.split(" ", 1)[0]
    if not title or len(title) > _TITLE_MAX or len(title) < 4:
        return edits
    end_m = _HEAD_END_RE.search(text, head_start)
    head_end = end_m.start() if end_m else min(len(text), head_start + 2000)
    pos = head_start + len(title)
    while True:
        at = text.find(title, pos, head_end)
        if at < 0:
            break
        after = at + len(title)
        before_ok = at == 0 or text[at - 1] in "\n "
        after_ok = after == len(text) or text[after] in "\n "
        if before_ok and after_ok:
            if after < len(text):
                edits.append((at, after + 1, "", "repeated_title"))  # with its line break / separating space
            else:
                edits.append((at - 1 if at and text[at - 1] in "\n " else at, after, "", "repeated_title"))
        pos = after
    return edits


# Government sites put who issued a report and when in a metadata block that ``clean`` removes as chrome
# ("发文单位: 咸宁市科技局 发布日期: 2020年12月11日"); the overview still needs those facts.
_FACT_RE = re.compile(r"(发文单位|发文机关|发布机构|成文日期|发布日期|发文日期)\s*[:：]\s*([^\s:：|]{2,30})")
FACT_SCAN_CHARS = 3000


def source_facts(original: str) -> list[str]:
    """``label:value`` facts from the metadata block at the head of the original text, first of each label."""
    facts: dict[str, str] = {}
    for m in _FACT_RE.finditer(original[:FACT_SCAN_CHARS]):
        facts.setdefault(m.group(1), m.group(2))
    return [f"{k}:{v}" for k, v in facts.items()]
