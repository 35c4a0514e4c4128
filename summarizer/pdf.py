"""pdf: the text layer of a PDF -> report text with page starts, page furniture dropped, paragraphs rejoined.

Library: pypdfium2 (PDFium, Chromium's PDF engine, as a binary wheel with no system dependency). Measured
against pdfminer.six and pypdf on report-like PDFs generated from the corpus (``bench/bench_pdf.py``, figures
in ``bench/README.md``): on reportlab PDFs all three read the Chinese text of a CID font and of an embedded
TrueType subset (nearly) character for character, but pdfminer's layout analysis moved a short wrapped line
("11日") below the next paragraph and collapsed runs of spaces; on PDFs printed by Chromium, pypdf and pdfminer
read the Noto CJK text as Kangxi radicals ("⼈⺠" for 人民: 8% of paragraphs intact) where PDFium read it
exactly; and PDFium was the fastest (100-450 pages/s, against 7-170 for pypdf and 8-38 for pdfminer) while
giving each character's box in one call, which the furniture and paragraph rules below need. PDFium also
opens the widest range of damaged files, which is why the checks for a truncated file and for a decompression
bomb are done here, before it sees the bytes.

What the text of a report PDF needs beyond PDFium's character stream:

* **Page furniture.** Running headers, footers and page numbers are lines among the outermost three of a page
  repeated at the same height on at least 40% of the pages (so headers alternating between odd and even pages
  count; digits compare as one class, so "- 3 -" and "- 4 -" repeat); they are dropped, as the cleaner drops
  site chrome. A page-number-shaped line at a page's edge is dropped too when it carries the
  page's own number (a one-page file has nothing to repeat).
* **Line and page breaks inside paragraphs.** A line that reaches the right margin (within a character, or
  closer than the next line's first word is wide: ragged text breaks before a figure that does not fit)
  followed by a line that starts at the left margin (not indented, no extra space between them, not a new
  heading after a finished sentence) continues the same paragraph, across a page break too: Chinese text is
  joined with nothing between, so a word split by the break becomes whole again; Latin words and figures get
  one space.
* **Radical code points.** Fonts share one glyph between a Kangxi radical and the ideograph it looks like, and
  some producers' ToUnicode maps name the radical ("⼈⺠" for 人民; pdfminer.six and pypdf read Chromium's
  PDFs that way, PDFium passes through whatever the map says): radicals are mapped to their ideographs,
  character for character, so offsets do not move. Reports never mean the radical itself.
* **Pages.** ``PdfText.pages`` holds the offset in the text where each page's first line starts, so any
  offset maps to its page (``Document.page_at``).
"""

from __future__ import annotations

import logging
import re
import unicodedata
import zlib
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise
from statistics import median
from typing import Any

from summarizer.errors import LoadError

log = logging.getLogger(__name__)

OCR_HINT = "OCR it first, e.g. `ocrmypdf -l chi_sim in.pdf out.pdf` (Debian: ocrmypdf tesseract-ocr-chi-sim)"

# A page with fewer visible characters than this (furniture not counted) is reported as probably scanned.
MIN_CHARS_PER_PAGE = 10
# Share of characters PDFium could not map to Unicode (private use, U+FFFD, controls) above which the text
# layer is garbage: fonts without a ToUnicode map, typical of some scanned-and-"OCRed" or copy-protected files.
MAX_UNMAPPED_SHARE = 0.3
# Furniture: a line repeated at the same height (within this many points) on at least this share of pages.
FURNITURE_Y_TOLERANCE = 3.0
FURNITURE_SHARE = 0.4
# Only the outermost lines of a page can be furniture.
FURNITURE_EDGE_LINES = 3


@dataclass(frozen=True)
class PdfText:
    text: str
    pages: tuple[int, ...]  # offset in ``text`` where each page starts; pages[0] == 0
    page_count: int


@dataclass
class _Line:
    text: str
    x0: float
    x1: float
    bottom: float
    top: float
    page: int
    page_width: float = 0.0
    head_x1: float = 0.0  # right edge of the line's first word (a Latin/figure run, or one CJK character)
    lead_space: bool = False
    trail_space: bool = False

    @property
    def size(self) -> float:
        return max(self.top - self.bottom, 1.0)


# --------------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------------


def pdf_text(data: bytes, name: str, *, max_pages: int, max_unpacked_bytes: int) -> PdfText:
    """The report text of a PDF; ``LoadError`` (one line) for anything that is not a readable text PDF."""
    _check_container(data, name)
    check_unpacked_size(data, name, max_unpacked_bytes)
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise LoadError(name, _open_error(exc)) from None
    try:
        count = len(document)
        if count > max_pages:
            raise LoadError(name, f"{count} pages, more than the limit of {max_pages} (raise it with --max-pages)")
        pages: list[list[_Line]] = []
        for index in range(count):
            page = document[index]
            try:
                textpage = page.get_textpage()
                try:
                    pages.append(_page_lines(textpage, index, page.get_width()))
                finally:
                    textpage.close()
            finally:
                page.close()
    except pdfium.PdfiumError as exc:
        raise LoadError(name, f"not a readable PDF ({exc})") from None
    finally:
        document.close()
    body = drop_furniture(pages)
    _check_text_layer(body, name)
    text, starts = join_lines(body, len(pages))
    return PdfText(text=text, pages=starts, page_count=len(pages))


def _open_error(exc: Exception) -> str:
    import pypdfium2.raw as pdfium_c

    code = getattr(exc, "err_code", None)
    if code == pdfium_c.FPDF_ERR_PASSWORD:
        return "encrypted PDF (needs a password): decrypt it first, e.g. `qpdf --decrypt --password=… in.pdf out.pdf`"
    if code == pdfium_c.FPDF_ERR_SECURITY:
        return "encrypted PDF with an unsupported security handler"
    if code == pdfium_c.FPDF_ERR_SUCCESS:
        return "PDF without pages"
    return "not a valid PDF (malformed: PDFium cannot open it)"


# --------------------------------------------------------------------------------------------------
# Checks before PDFium sees the bytes
# --------------------------------------------------------------------------------------------------

_EOF_WINDOW = 2048  # readers accept %%EOF within the last 1024 bytes; a little slack for trailing junk


def _check_container(data: bytes, name: str) -> None:
    """A PDF starts with %PDF- (within its first KB) and ends with %%EOF. PDFium repairs a file cut short
    and reads whatever pages survive; a summary of half a report must not pass for the report."""
    if b"%PDF-" not in data[:1024]:
        raise LoadError(name, "not a PDF file (no %PDF header)")
    if b"%%EOF" not in data[-_EOF_WINDOW:]:
        raise LoadError(name, "truncated PDF (no %%EOF at the end of the file): download it again")


# The ``stream`` keyword that opens a stream's data ("endstream" is excluded by the lookbehind).
_STREAM_RE = re.compile(rb"(?<!end)stream\r?\n")
_DICT_WINDOW = 4096
_INFLATE_STEP = 1 << 20


def check_unpacked_size(data: bytes, name: str, limit: int) -> int:
    """Inflate every Flate stream that is not an image, counting, and refuse the file once the total passes
    ``limit`` bytes. PDFium inflates content streams whole: a 1 MB file whose page content inflates to 1 GB
    took 2 GB of memory in it. Images are skipped: text extraction never decodes them. Returns the total."""
    total = 0
    for m in _STREAM_RE.finditer(data):
        head = data[max(0, m.start() - _DICT_WINDOW) : m.start()]
        obj = head.rfind(b" obj")
        head = head[obj:] if obj >= 0 else head
        if b"/Image" in head or (b"/FlateDecode" not in head and b"/Fl " not in head and b"/Fl]" not in head):
            continue
        end = data.find(b"endstream", m.end())
        inflater = zlib.decompressobj()
        pending = data[m.end() : end if end >= 0 else len(data)]
        try:
            while pending and not inflater.eof:
                out = len(inflater.decompress(pending, _INFLATE_STEP))
                if not out and len(inflater.unconsumed_tail) == len(pending):
                    break  # no progress: nothing more this stream will give
                total += out
                if total > limit:
                    raise LoadError(
                        name,
                        f"PDF content inflates to more than {limit // (1 << 20)} MB "
                        "(raise the limit with --max-unpacked-mb)",
                    )
                pending = inflater.unconsumed_tail
        except zlib.error:
            continue  # not our business: PDFium decides what a damaged stream means
    return total


# --------------------------------------------------------------------------------------------------
# Characters -> lines
# --------------------------------------------------------------------------------------------------

_SPACES = frozenset(" \t\u00a0\u3000")
_BREAKS = (10, 13)
_UNMAPPED_RE = re.compile("[\ue000-\uf8ff\ufffd\ufffe\x00-\x08\x0e-\x1f]")
_WORD_RE = re.compile(r"[A-Za-z0-9.,:%/+\-]")  # what word processors keep on one line


def _radical_table() -> dict[int, str]:
    """Kangxi radicals (U+2F00-U+2FD5) by their Unicode compatibility mapping; the CJK radicals supplement has
    none, so the forms that stand for a whole (mostly simplified) character are listed by hand."""
    table = {}
    for cp in range(0x2E80, 0x2FE0):
        folded = unicodedata.normalize("NFKC", chr(cp))
        if folded != chr(cp) and len(folded) == 1:
            table[cp] = folded
    supplement = (
        "⺠民⻓长⻔门⻛风⻜飞⻢马⻚页⻉贝⻋车⻅见⻘青⻝食⻥鱼⻦鸟⻨麦"
        "⻩黄⻬齐⻮齿⻰龙⻄西⻗雨⻆角⻊足⻑長⻙韦⻤鬼⻣骨"
    )
    for radical, ideograph in zip(supplement[::2], supplement[1::2], strict=True):
        table[ord(radical)] = ideograph
    return table


_RADICALS = _radical_table()


_Box = tuple[float, float, float, float]  # a character's left, bottom, right, top


def _page_lines(textpage: object, page: int, width: float) -> list[_Line]:
    """The page's lines in PDFium's order (the content stream's, which is the reading order of the files
    word processors write), each with the box of its first and last visible character."""
    import pypdfium2.raw as pdfium_c

    raw = textpage.raw  # type: ignore[attr-defined]
    box = pdfium_c.FS_RECTF()  # one box for the page's calls

    def edges(index: int) -> _Box:
        pdfium_c.FPDFText_GetLooseCharBox(raw, index, box)
        return box.left, box.bottom, box.right, box.top

    lines: list[_Line] = []
    for chars, indices in _char_runs(raw):
        line = _line(chars, indices, edges, page, width)
        if line is not None:
            lines.append(line)
    return lines


def _char_runs(raw: Any) -> Iterator[tuple[list[str], list[int]]]:
    """The page's characters between line breaks, each with its PDFium index. A hyphen that ends a line
    reads "-" (PDFium reports it as a control character), a radical as its ideograph, a code point Python
    cannot hold as U+FFFD."""
    import pypdfium2.raw as pdfium_c

    get_unicode = pdfium_c.FPDFText_GetUnicode  # bound once: this loop runs for every character
    is_hyphen = pdfium_c.FPDFText_IsHyphen
    chars: list[str] = []
    indices: list[int] = []
    for i in range(pdfium_c.FPDFText_CountChars(raw)):
        cp = get_unicode(raw, i)
        if cp in _BREAKS:
            yield chars, indices
            chars, indices = [], []
            continue
        if cp == 2 or (cp == 0xFFFE and is_hyphen(raw, i)):
            ch = "-"
        elif cp in _RADICALS:
            ch = _RADICALS[cp]
        else:
            try:
                ch = chr(cp)
            except (ValueError, OverflowError):
                ch = "\ufffd"
        chars.append(ch)
        indices.append(i)
    yield chars, indices


def _line(chars: list[str], indices: list[int], edges: Callable[[int], _Box], page: int, width: float) -> _Line | None:
    """One run of characters as a line, or None when it holds nothing but spaces."""
    first, last = 0, len(chars) - 1
    while first <= last and chars[first] in _SPACES:
        first += 1
    if first > last:
        return None
    while chars[last] in _SPACES:
        last -= 1
    text = "".join(chars)
    head_x1 = edges(indices[_first_word_end(chars, first)])[2]
    x0, bottom, _, top = edges(indices[first])
    return _Line(
        text=text.strip(" \t\u00a0\u3000"),
        x0=x0,
        x1=edges(indices[last])[2],
        bottom=bottom,
        top=top,
        page=page,
        page_width=width,
        head_x1=head_x1,
        lead_space=text[:1] in _SPACES,
        trail_space=text[-1:] in _SPACES,
    )


def _first_word_end(chars: list[str], first: int) -> int:
    """Where the line's first word ends: the end of the first run of Latin letters and figures, or the
    first character itself (the ragged-margin rule asks how wide the next line's first word is)."""
    head = first
    while head + 1 < len(chars) and _WORD_RE.match(chars[head]) and _WORD_RE.match(chars[head + 1]):
        head += 1
    return head


def _check_text_layer(pages: list[list[_Line]], name: str) -> None:
    visible = 0
    unmapped = 0
    empty: list[int] = []
    for index, lines in enumerate(pages):
        n = sum(len(line.text) - line.text.count(" ") for line in lines)
        visible += n
        unmapped += sum(len(_UNMAPPED_RE.findall(line.text)) for line in lines)
        if n < MIN_CHARS_PER_PAGE:
            empty.append(index + 1)
    if not visible:  # a scan: no text at all, or only a stamped page number that went with the furniture
        raise LoadError(
            name, f"PDF has no text layer ({visible} characters on {len(pages)} pages, scanned?): {OCR_HINT}"
        )
    if visible and unmapped / visible > MAX_UNMAPPED_SHARE:
        raise LoadError(
            name,
            f"PDF text layer cannot be decoded ({unmapped} of {visible} characters have no Unicode mapping): "
            f"{OCR_HINT}",
        )
    if empty:
        shown = ", ".join(map(str, empty[:10])) + (" …" if len(empty) > 10 else "")
        log.warning("%s: no text on page(s) %s (scanned images?); they are left out", name, shown)


# --------------------------------------------------------------------------------------------------
# Page furniture
# --------------------------------------------------------------------------------------------------

_DIGITS_RE = re.compile(r"\d+")
_INNER_SPACE_RE = re.compile(r"\s+")
# Page numbers as reports print them: "3", "- 3 -", "— 3 —", "第3页", "第 3 页 共 12 页", "3/12", "Page 3".
_PAGE_NUMBER_RE = re.compile(
    r"[-—–－·\s]*(?:第\s*)?(\d{1,4})(?:\s*页)?(?:\s*[/,，]?\s*(?:共\s*)?\d{1,4}\s*页?)?[-—–－·\s]*"
    r"|(?:page|Page|PAGE)\s*(\d{1,4})(?:\s*(?:of|/)\s*\d{1,4})?"
)


def _shape(text: str) -> str:
    """What repeats from page to page: the text without spaces, every number as '#'."""
    return _DIGITS_RE.sub("#", _INNER_SPACE_RE.sub("", text))


def _edges(lines: list[_Line]) -> list[int]:
    """Indices of the outermost lines of a page by height: the top and bottom FURNITURE_EDGE_LINES."""
    order = sorted(range(len(lines)), key=lambda i: -lines[i].top)
    k = FURNITURE_EDGE_LINES
    return sorted(set(order[:k] + order[-k:]))


def _page_number(text: str) -> int | None:
    m = _PAGE_NUMBER_RE.fullmatch(text)
    if m is None:
        return None
    return int(m.group(1) or m.group(2))


def drop_furniture(pages: list[list[_Line]]) -> list[list[_Line]]:
    """Each page's lines without running headers, footers and page numbers."""
    n_pages = len(pages)
    # shape -> [(page, height)] for every edge line; a line repeats if enough *other* pages have the same
    # shape at about the same height.
    seen: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for p, lines in enumerate(pages):
        for i in _edges(lines):
            seen[_shape(lines[i].text)].append((p, lines[i].bottom))
    needed = max(2, round(FURNITURE_SHARE * n_pages + 0.4999))
    out: list[list[_Line]] = []
    for p, lines in enumerate(pages):
        drop: set[int] = set()
        for i in _edges(lines):
            line = lines[i]
            same = {q for q, y in seen[_shape(line.text)] if abs(y - line.bottom) <= FURNITURE_Y_TOLERANCE}
            repeated = len(same) >= needed
            if repeated or (_page_number(line.text) == p + 1 and _outermost(lines, i, drop)):
                drop.add(i)
        out.append([line for i, line in enumerate(lines) if i not in drop and line.text])
    return out


def _outermost(lines: list[_Line], i: int, dropped: set[int]) -> bool:
    """No kept line lies above (or below) line ``i``: it is at the page's edge, not among the body."""
    above = any(j not in dropped and lines[j].bottom > lines[i].top for j in range(len(lines)) if j != i)
    below = any(j not in dropped and lines[j].top < lines[i].bottom for j in range(len(lines)) if j != i)
    return not above or not below


# --------------------------------------------------------------------------------------------------
# Lines -> paragraphs
# --------------------------------------------------------------------------------------------------

_SENTENCE_END = tuple("。！？；：!?;:")
# The report's own heading marks (sections.py has the full grammar; a line break before one after a finished
# sentence is a new paragraph even when the heading is not indented).
_HEADING_START_RE = re.compile(
    r"(?:第[一二三四五六七八九十百]+[部分章节条]|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）]|\d{1,2}[、.．](?!\d)|[（(]\d{1,2}[)）]|[①-⑳])"
)


@dataclass(frozen=True)
class _Margins:
    left: float
    right: float
    pitch: float  # usual distance between the baselines of two lines of a paragraph


def _margins(lines: Sequence[_Line], fallback: _Margins | None = None) -> _Margins:
    """Left margin: the most common line start. Right margin: where the longer lines end (the 90th
    percentile of line ends; justified lines all end there, ragged ones within a character of it)."""
    usable = [line for line in lines if len(line.text) >= 2]
    if len(usable) < 4 and fallback is not None:
        return fallback
    if not usable:
        usable = list(lines)
    if not usable:
        return _Margins(0.0, 0.0, 0.0)
    starts = Counter(round(line.x0) for line in usable)
    top_start = max(starts.values())
    left = float(min(x for x, c in starts.items() if c == top_start))
    ends = sorted(line.x1 for line in usable)
    right = ends[min(len(ends) - 1, int(0.9 * len(ends)))]
    gaps = [a.bottom - b.bottom for a, b in pairwise(usable) if a.page == b.page and a.bottom > b.bottom]
    pitch = median(gaps) if gaps else (fallback.pitch if fallback else 0.0)
    return _Margins(left, right, pitch)


# A text block (a column) is at least this share of the page wide; lines that all end before it never
# wrapped, however alike their ends (a page of short lines: a title, a table).
MIN_BLOCK_SHARE = 0.35


def _continues(a: _Line, b: _Line, ma: _Margins, mb: _Margins) -> bool:
    """Does line ``b`` continue the paragraph of line ``a``?"""
    size = max(a.size, b.size)
    room = ma.right - a.x1
    # ``a`` stops short of the margin, by more than a character and by more than ``b``'s first word needed (in
    # ragged text a figure like "24.1%" that did not fit leaves a wide gap): its paragraph ends there.
    if room > 1.2 * size and room > (b.head_x1 - b.x0) + 0.3 * size:
        return False
    if a.x1 - ma.left < MIN_BLOCK_SHARE * a.page_width:  # no line of this page is long enough to have wrapped
        return False
    if b.x0 > mb.left + 0.5 * size:  # ``b`` is indented (or centred): a new paragraph
        return False
    if a.page == b.page:
        gap = a.bottom - b.bottom
        if gap <= 0 or (ma.pitch and gap > 1.5 * ma.pitch):  # a column jump, or space between paragraphs
            return False
    return not (a.text.endswith(_SENTENCE_END) and _HEADING_START_RE.match(b.text))


def _separator(a: _Line, b: _Line) -> str:
    """Chinese is written without spaces, so lines join with nothing between them. Between two runs of Latin
    script (words, figures, "3.6 : 48") the break swallowed a space, unless the line still carries it (word
    processors draw it) or the line ends in a hyphen, slash or opening bracket (a word, range, address or
    gloss cut there)."""
    if a.trail_space or b.lead_space:
        return " "
    last, first = a.text[-1], b.text[0]
    if last.isascii() and first.isascii() and last not in "-/([{" and (first.isalnum() or first in "(\"'"):
        return " "
    return ""


def join_lines(pages: list[list[_Line]], page_count: int) -> tuple[str, tuple[int, ...]]:
    """The text (one paragraph per line) and the offset where each page starts."""
    every = [line for lines in pages for line in lines]
    overall = _margins(every)
    margins = [_margins(lines, overall) for lines in pages]
    parts: list[str] = []
    length = 0
    starts: list[int] = []
    prev: _Line | None = None
    for p in range(page_count):
        lines = pages[p] if p < len(pages) else []
        for k, line in enumerate(lines):
            if prev is None:
                sep = ""
            elif _continues(prev, line, margins[prev.page], margins[p]):
                sep = _separator(prev, line)
            else:
                sep = "\n"
            parts.append(sep)
            length += len(sep)
            if k == 0:
                starts.append(length)
            parts.append(line.text)
            length += len(line.text)
            prev = line
        if not lines:
            starts.append(length)
    return "".join(parts), tuple(starts) if starts else (0,)


def page_of(starts: Sequence[int], offset: int) -> int:
    """1-based page holding ``offset`` of the text (the later page when pages without text share a start)."""
    return max(1, bisect_right(starts, offset))
