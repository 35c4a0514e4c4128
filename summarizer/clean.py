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
from typing import Literal

from summarizer.patterns import DESCRIPTION_LABELS, RULES, SENTENCE_BACK, SITE_VOCAB

Edit = tuple[int, int, str]
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


def clean(original: str, *, to_simplified: bool = True) -> CleanText:
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
        _tip_blocks,
        _descriptions,
        _trailing_counter,
        _page_breaks,
        _repeated_title,
        _blank_lines,
    ]
    for step in passes:
        edits = step(text)
        if edits:
            text, offsets = _apply(text, offsets, edits)
    return CleanText(text=text, offsets=offsets, script=detect_script(original))


# --------------------------------------------------------------------------------------------------
# Edit machinery
# --------------------------------------------------------------------------------------------------


def _apply(text: str, offsets: array[int], edits: list[Edit]) -> tuple[str, array[int]]:
    """Perform non-overlapping edits (later ones overlapping an earlier one are dropped)."""
    pieces: list[str] = []
    new = array("i")
    pos = 0
    for start, end, repl in sorted(edits, key=lambda e: (e[0], e[1])):
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
_INVISIBLE_RE = re.compile(
    "[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\u00ad\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]"
)
_LINEBREAK_LIKE_RE = re.compile("[\x0b\x0c\x85\u2028\u2029]")


def _controls(text: str) -> list[Edit]:
    edits: list[Edit] = [(m.start(), m.end(), "") for m in _INVISIBLE_RE.finditer(text)]
    edits += [(m.start(), m.end(), "\n") for m in _LINEBREAK_LIKE_RE.finditer(text)]
    return edits


# Full-width ASCII (U+FF01-U+FF5E) folds to ASCII so numbers and Latin abbreviations read the same
# everywhere ('２０２０' -> '2020', 'ＧＤＰ' -> 'GDP', '％' -> '%'). The full-width forms that are
# *Chinese punctuation* stay: the genre writes ，：；（）！？ and downstream splitters expect them.
# (unicodedata NFKC would also fold these and much more, e.g. ① -> 1, so a table is used instead.)
_KEEP_FULLWIDTH = "！（），：；？［］｛｝～"
_FULLWIDTH_TABLE = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F) if chr(cp) not in _KEEP_FULLWIDTH}
_FULLWIDTH_RE = re.compile("[" + "".join(re.escape(chr(cp)) for cp in _FULLWIDTH_TABLE) + "]+")


def _fullwidth(text: str) -> list[Edit]:
    return [(m.start(), m.end(), m.group().translate(_FULLWIDTH_TABLE)) for m in _FULLWIDTH_RE.finditer(text)]


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
            (toned if has_tone else toneless).append((m.start(), m.end(), ""))
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
        return [(0, len(text), new)]
    edits: list[Edit] = []
    at = 0
    for old, converted in zip(old_lines, new_lines, strict=True):
        if old != converted:
            edits.append((at, at + len(old), converted))
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
        edits.append((s, e, "" if at_edge else " "))
    return edits


# Titles set in spaced-out characters ('政 府 工 作 报 告', '目 录'): a short line made only of single
# Han characters separated by single spaces. Prose never spaces every character.
_LETTER_SPACED_RE = re.compile(rf"^[{_HAN}](?: [{_HAN}]){{1,15}}$", re.M)


def _letter_spaced_lines(text: str) -> list[Edit]:
    edits: list[Edit] = []
    for m in _LETTER_SPACED_RE.finditer(text):
        s = m.start()
        edits += [(s + i, s + i + 1, "") for i in range(1, m.end() - s, 2)]
    return edits


_BLANK_RUN_RE = re.compile(r"\n{3,}")


def _blank_lines(text: str) -> list[Edit]:
    """At most one blank line in a row; none at the very start or end."""
    edits: list[Edit] = [(m.start() + 2, m.end(), "") for m in _BLANK_RUN_RE.finditer(text)]
    lead = len(text) - len(text.lstrip("\n"))
    if lead:
        edits.append((0, lead, ""))
    trail = len(text) - len(text.rstrip("\n"))
    if trail and trail < len(text):
        edits.append((len(text) - trail, len(text), ""))
    return edits


# --------------------------------------------------------------------------------------------------
# Chrome
# --------------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _compiled_rules() -> tuple[tuple[str, str, re.Pattern[str]], ...]:
    # All whole-line rules go into one alternation: one scan of the text instead of one per rule (the line
    # rules were most of clean's time). The table keeps them apart for reading; a test checks the union.
    lines = "|".join(f"(?:{rule.pattern})" for rule in RULES if rule.kind == "line")
    out = [("line_rules", "line", re.compile(f"^(?:{lines})$", re.M))]
    for rule in RULES:
        if rule.kind != "line":
            out.append((rule.name, rule.kind, re.compile(rule.pattern, re.M)))
    return tuple(out)


def _chrome_rules(text: str) -> list[Edit]:
    edits: list[Edit] = []
    for _name, kind, regex in _compiled_rules():
        for m in regex.finditer(text):
            if kind == "line":
                s, e = m.start(), m.end()
                edits.append((s, e + 1 if e < len(text) else e, ""))
            elif kind == "sentence":
                s = m.start()
                floor = max(text.rfind("\n", 0, s) + 1, s - SENTENCE_BACK)
                cut = max(text.rfind(c, floor, s) + 1 for c in "。！？!? ")
                line_end = text.find("\n", s)
                edits.append((max(floor, cut), len(text) if line_end < 0 else line_end, ""))
            elif m.end() > m.start():
                edits.append((m.start(), m.end(), ""))
    return _merge(edits)


def _merge(edits: list[Edit]) -> list[Edit]:
    """Union of overlapping deletions (line and inline rules may hit the same line)."""
    out: list[Edit] = []
    for s, e, r in sorted(edits):
        if out and s <= out[-1][1] and not r and not out[-1][2]:
            ps, pe, _ = out[-1]
            out[-1] = (ps, max(pe, e), "")
        else:
            out.append((s, e, r))
    return out


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
        edits.append((start, end, ""))
    return edits


_DESCRIPTION_RE = re.compile(rf"^(?:{'|'.join(DESCRIPTION_LABELS)}) ?[:：] ?([^\n]*)$", re.M)
_CLAUSE_SPLIT_RE = re.compile(r"[\s。，、；：！？,.;:!?…]+")
_CLAUSE_MIN = 4


def _descriptions(text: str) -> list[Edit]:
    """'资源描述:' abstracts: the label goes; the abstract (on the label's line, or the lines up to the
    next blank line) goes only if its opening reappears later, i.e. it is a preview copy of the body."""
    edits: list[Edit] = []
    for m in _DESCRIPTION_RE.finditer(text):
        if m.group(1):
            start, end = m.start(1), m.end(1)
        else:
            start = end = min(m.end() + 1, len(text))
            stop = text.find("\n\n", start)
            end = len(text) if stop < 0 else stop
        # A copy if every clause of the abstract but the last (cut off mid-way) reappears later; line
        # breaks and punctuation may differ between the preview and the body.
        clauses = [p for p in _CLAUSE_SPLIT_RE.split(text[start:end])[:-1] if len(p) >= _CLAUSE_MIN]
        if clauses and all(text.find(p, end) >= 0 for p in clauses):
            edits.append((m.start(), min(end + 1, len(text)), ""))
        else:
            edits.append((m.start(), m.start(1) if m.group(1) else min(m.end() + 1, len(text)), ""))
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
        return [(last_start, len(body), "")]
    return []


# --------------------------------------------------------------------------------------------------
# Page-break markers
# --------------------------------------------------------------------------------------------------

# Document sites serve each page as one long line and number the pages '1、', '2、' … glued to the text
# that continues the previous page mid-word ('研发经费投\n2、入数据'). Real list items look alike
# ('1、优化完善…'), so a marker is believed only as part of a *run* whose shape no list has:
#   * the markers number 1, 2, 3 … in order (the first page's '1、' may be missing);
#   * each page between two markers is a single long line (>= _PAGE_MIN characters): list items are
#     short headings or paragraphs followed by more lines;
#   * at least half of the breaks fall mid-sentence (the page before does not end with 。！？；： etc.):
#     pages break wherever the page is full, list items end their sentence.
# Then every marker of the run is deleted together with the line break before it, joining the pages.
_PAGE_MARKER_RE = re.compile(r"^(\d{1,3})、", re.M)
_PAGE_MIN = 200
_PAGE_END_PUNCT = ("。", "！", "？", "!", "?", "；", ";", "：", ":")


def _page_breaks(text: str) -> list[Edit]:
    markers = [(int(m.group(1)), m.start(), m.end()) for m in _PAGE_MARKER_RE.finditer(text)]
    edits: list[Edit] = []
    taken_until = -1
    for i, (number, start, _end) in enumerate(markers):
        if number not in (1, 2) or start <= taken_until:
            continue
        # Greedy: the next marker with the next number. A run that jumps over other lines fails the
        # one-line-per-page test in _valid_page_run, so greed cannot join unrelated markers.
        run = [markers[i]]
        for marker in markers[i + 1 :]:
            if marker[0] == run[-1][0] + 1:
                run.append(marker)
        run = _valid_page_run(text, run)
        if not run:
            continue
        taken_until = run[-1][1]
        for n, s, e in run:
            # Page 1's marker opens the text; later ones also take the line break that split the page.
            edits.append((s, e, "") if n == 1 else (s - 1, e, ""))
    return edits


def _valid_page_run(text: str, run: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """The longest prefix of ``run`` whose pages all look like pages, or [] if that is no page run."""
    good: list[tuple[int, int, int]] = []
    mid_sentence = 0
    for number, start, end in run:
        if number == 1:
            if text[:start].strip():  # page 1's marker must open the document
                break
            good.append((number, start, end))
            continue
        if start == 0 or text[start - 1] != "\n":
            break
        page_start = good[-1][2] if good else text.rfind("\n", 0, start - 1) + 1
        page = text[page_start : start - 1]
        if "\n" in page or len(page) < _PAGE_MIN:
            break
        if not page.endswith(_PAGE_END_PUNCT):
            mid_sentence += 1
        good.append((number, start, end))
    breaks = len(good) - (1 if good and good[0][0] == 1 else 0)
    # One break is enough when page 1's marker confirms the numbering; otherwise ask for two.
    needed = 1 if good and good[0][0] == 1 else 2
    if breaks < needed or mid_sentence * 2 < breaks:
        return []
    return good


# --------------------------------------------------------------------------------------------------
# Repeated title
# --------------------------------------------------------------------------------------------------

_TITLE_MAX = 60
# A page <title> copied as the first line: '科技局工作总结_找总结网', '工作总结 - 豆丁网'. Only the first
# line is checked: a site name glued to the end of a body line would be a sentence.
_SITE_SUFFIX_RE = re.compile(
    r"(.{4,60}?)( ?(?:_| - |-|—|–|\|) ?[^\n_|—–\-]{1,16}(?:网|文库|文档|网站|范文|大全|站))"
)
_HEAD_END_RE = re.compile(r"[。！？]")


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
        edits.append((head_start + suffix.start(2), head_start + len(first_line), ""))
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
                edits.append((at, after + 1, ""))  # with its line break / separating space
            else:
                edits.append((at - 1 if at and text[at - 1] in "\n " else at, after, ""))
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
