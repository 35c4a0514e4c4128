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
``make_pdf`` returns the lines it drew on each page, top to bottom, so a test can compare an extractor's
lines with what was drawn.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
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


def make_pdf(
    paragraphs: list[str], target: str | Path | io.BytesIO, layout: Layout | None = None
) -> list[list[str]]:
    """Write ``paragraphs`` as a paged report; return the lines drawn on each page, top to bottom."""
    lay = layout or Layout()
    font = register(lay.font)
    width_pt, height_pt = A4
    left, right, top, bottom = lay.margins
    width = width_pt - left - right
    pitch = lay.size * lay.leading
    c = canvas.Canvas(target if isinstance(target, io.BytesIO) else str(target), pagesize=A4, invariant=1)
    c.setTitle("report")
    drawn: list[list[str]] = []

    def new_page() -> float:
        n = len(drawn) + 1
        drawn.append([])
        c.setFont(font, lay.furniture_size)
        if lay.header:
            c.drawCentredString(width_pt / 2, height_pt - 56, lay.header)
            drawn[-1].append(lay.header)
        tail = []
        if lay.page_number:
            c.drawCentredString(width_pt / 2, 62, lay.page_number.format(n=n))
            tail.append(lay.page_number.format(n=n))
        if lay.footer:
            c.drawCentredString(width_pt / 2, 42, lay.footer)
            tail.append(lay.footer)
        drawn[-1].extend(tail)
        return height_pt - top

    def finish_page() -> None:
        c.showPage()

    y = new_page()
    body_at = len(drawn[-1]) - (bool(lay.page_number) + bool(lay.footer))
    for paragraph in paragraphs:
        indent = lay.indent * lay.size
        lines = wrap(paragraph, font, lay.size, width, indent)
        for i, line in enumerate(lines):
            if y < bottom:
                finish_page()
                y = new_page()
                body_at = len(drawn[-1]) - (bool(lay.page_number) + bool(lay.footer))
            x = left + (indent if i == 0 else 0)
            text = c.beginText(x, y)
            text.setFont(font, lay.size)
            last = i == len(lines) - 1
            if lay.justify and not last and len(line) > 1:
                room = width - (indent if i == 0 else 0) - pdfmetrics.stringWidth(line, font, lay.size)
                text.setCharSpace(max(0.0, room) / (len(line) - 1))
            text.textOut(line)
            c.drawText(text)
            drawn[-1].insert(body_at, line)
            body_at += 1
            y -= pitch
    finish_page()
    c.save()
    return drawn


def pdf_bytes(paragraphs: list[str], layout: Layout | None = None) -> tuple[bytes, list[list[str]]]:
    buf = io.BytesIO()
    drawn = make_pdf(paragraphs, buf, layout)
    return buf.getvalue(), drawn


def paragraphs_of(text: str) -> list[str]:
    """The paragraphs a PDF can carry: non-blank lines, stripped (a blank line is only vertical space)."""
    return [line.strip(" \t\u3000\u00a0") for line in text.splitlines() if line.strip(" \t\u3000\u00a0")]
