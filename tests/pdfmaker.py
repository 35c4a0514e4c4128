"""Report-like PDFs made at test time from plain paragraphs (reportlab), so the PDF tests need no binary fixture.

What a government report PDF looks like, as far as text extraction cares:

* body text in a CJK font, each paragraph's first line indented two characters, lines justified to the right
  margin (character spacing spread over the line, as Word and WPS do) except a paragraph's last line;
* page furniture on every page: a running header, a page number ("- 3 -") and a footer, each at the same
  position on every page;
* paragraphs (and words) split across line and page breaks wherever the line is full;
* Latin and digit runs ("GDP", "2020", "011336941/2020-22579") kept whole on a line unless longer than it,
  and a space at a line break drawn at the end of the line, as word processors do.

The default font is reportlab's built-in CID font STSong-Light (Adobe-GB1, not embedded: no font file needed);
``font`` may instead name a TrueType file (.ttf/.ttc), which is embedded as a subset with a ToUnicode map.
``make_pdf`` returns what it drew on each page (``Drawn``: furniture, and body lines flagged where a paragraph
starts), from which ``expected`` computes the text and page starts a perfect reader would return,
independently of the reader under test.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

CID_FONT = "STSong-Light"
# A run that a word processor keeps on one line: Latin letters, digits and the punctuation inside figures.
_RUN_RE = re.compile(r"[A-Za-z0-9.,:/%+\-]+ ?| |.", re.S)


@dataclass(frozen=True)
class Layout:
    font: str = CID_FONT  # a CID font name reportlab knows, or a path to a .ttf/.ttc
    size: float = 12.0
    leading: float = 1.6  # line pitch, in font sizes
    margins: tuple[float, float, float, float] = (72.0, 72.0, 96.0, 96.0)  # left, right, top, bottom
    indent: int = 2  # first-line indent, in characters
    justify: bool = True
    header: str | None = "XX市人民政府工作报告"
    footer: str | None = "XX市人民政府办公室 印发"
    page_number: str | None = "- {n} -"  # None: no page numbers
    furniture_size: float = 9.0
    # Two columns of furniture: a second header text at the right end of the header's baseline, and page
    # numbers on the outside edge (right on odd pages, left on even ones, as GB/T 9704 prints them).
    header_right: str | None = None
    numbers_outside: bool = False


@dataclass
class Drawn:
    """One page as drawn: its furniture lines and its body lines (text, starts a paragraph)."""

    furniture: list[str] = field(default_factory=list)
    body: list[tuple[str, bool]] = field(default_factory=list)


def expected(pages: list[Drawn]) -> tuple[str, tuple[int, ...]]:
    """The text a perfect reader returns (paragraphs one per line, furniture gone) and each page's start.
    A line break inside a paragraph fell where the line was full, so the paragraph is its lines joined."""
    parts: list[str] = []
    length = 0
    starts: list[int] = []
    for page in pages:
        starts.append(length + (1 if page.body and page.body[0][1] and parts else 0))
        for text, first in page.body:
            sep = "\n" if first and parts else ""
            parts.append(sep + text)
            length += len(sep) + len(text)
    return "".join(parts), tuple(starts)


def register(font: str) -> str:
    """The reportlab font name for ``font`` (registered once)."""
    if font == CID_FONT:
        if CID_FONT not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))
        return CID_FONT
    name = "F_" + Path(font).stem.replace("-", "_")
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(name, font, subfontIndex=0))
    return name


def wrap(paragraph: str, font: str, size: float, width: float, indent: float) -> list[str]:
    """Lines of at most ``width`` points: breaks anywhere in CJK text, between runs in Latin text."""
    lines: list[str] = []
    line, used, room = "", 0.0, width - indent

    def push() -> None:
        nonlocal line, used, room
        lines.append(line)
        line, used, room = "", 0.0, width

    for m in _RUN_RE.finditer(paragraph):
        token = m.group()
        w = pdfmetrics.stringWidth(token.rstrip(" "), font, size)
        if line and used + w > room:
            push()
        if w > room:  # longer than a line: break it character by character
            for ch in token:
                cw = pdfmetrics.stringWidth(ch, font, size)
                if line and used + cw > room:
                    push()
                line += ch
                used += cw
            continue
        line += token
        used += pdfmetrics.stringWidth(token, font, size)
    if line or not lines:
        lines.append(line)
    return lines


def make_pdf(paragraphs: list[str], target: str | Path | io.BytesIO, layout: Layout | None = None) -> list[Drawn]:
    """Write ``paragraphs`` as a paged report; return what was drawn on each page."""
    lay = layout or Layout()
    font = register(lay.font)
    width_pt, height_pt = A4
    left, right, top, bottom = lay.margins
    width = width_pt - left - right
    pitch = lay.size * lay.leading
    c = canvas.Canvas(target if isinstance(target, io.BytesIO) else str(target), pagesize=A4, invariant=1)
    c.setTitle("report")
    drawn: list[Drawn] = []

    def new_page() -> float:
        # Furniture first in the content stream, as many generators write it: the reader may not rely on
        # stream order putting it at the page's edges.
        n = len(drawn) + 1
        drawn.append(Drawn())
        c.setFont(font, lay.furniture_size)
        for text, y in ((lay.header, height_pt - 56), (lay.page_number, 62), (lay.footer, 42)):
            if not text:
                continue
            shown = text.format(n=n)
            if text is lay.page_number and lay.numbers_outside:
                if n % 2:
                    c.drawRightString(width_pt - right, y, shown)
                else:
                    c.drawString(left, y, shown)
            elif text is lay.header and lay.header_right:
                c.drawString(left, y, shown)
                c.drawRightString(width_pt - right, y, lay.header_right)
                shown = f"{shown} {lay.header_right}"
            else:
                c.drawCentredString(width_pt / 2, y, shown)
            drawn[-1].furniture.append(shown)
        return height_pt - top

    y = new_page()
    for paragraph in paragraphs:
        indent = lay.indent * lay.size
        lines = wrap(paragraph, font, lay.size, width, indent)
        for i, line in enumerate(lines):
            if y < bottom:
                c.showPage()
                y = new_page()
            x = left + (indent if i == 0 else 0)
            text = c.beginText(x, y)
            text.setFont(font, lay.size)
            last = i == len(lines) - 1
            if lay.justify and not last and len(line) > 1:
                room = width - (indent if i == 0 else 0) - pdfmetrics.stringWidth(line, font, lay.size)
                text.setCharSpace(max(0.0, room) / (len(line) - 1))
            text.textOut(line)
            c.drawText(text)
            drawn[-1].body.append((line, i == 0))
            y -= pitch
    c.showPage()
    c.save()
    return drawn


def pdf_bytes(paragraphs: list[str], layout: Layout | None = None) -> tuple[bytes, list[Drawn]]:
    buf = io.BytesIO()
    drawn = make_pdf(paragraphs, buf, layout)
    return buf.getvalue(), drawn


_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"


def paragraphs_of(text: str) -> list[str]:
    """The paragraphs a PDF can carry: lines stripped of spaces and invisible characters at their ends, blank
    ones left out (a blank line, or one of only a zero-width space, is vertical space in a PDF)."""
    out = []
    for line in text.splitlines():
        stripped = line.strip().strip(_INVISIBLE).strip()
        if stripped:
            out.append(stripped)
    return out
