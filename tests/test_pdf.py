"""PDF input: text, furniture, paragraphs and pages on PDFs made here from the corpus (tests/pdfmaker.py), the
summary of a PDF against the summary of the same text as .txt, and every refusal in one line."""

from __future__ import annotations

import functools
import io
import json
import os
import re
import shutil
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import pytest
from pdfmaker import Drawn, Layout, expected, paragraphs_of, pdf_bytes, register
from support import run_cli

from summarizer import Summarizer
from summarizer.errors import LoadError
from summarizer.load import LoadLimits, load_bytes, load_path
from summarizer.models import Evidence, ReportSummary
from summarizer.pdf import check_unpacked_size

DATA = Path(__file__).parent / "data"
STEMS = sorted(p.stem for p in DATA.glob("*.txt"))


def _paragraphs(stem: str) -> list[str]:
    return paragraphs_of((DATA / f"{stem}.txt").read_text(encoding="utf-8-sig"))


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.fixture(scope="module")
def corpus_pdfs() -> dict[str, tuple[bytes, list[Drawn]]]:
    return {stem: pdf_bytes(_paragraphs(stem)) for stem in STEMS}


# --------------------------------------------------------------------------------------------------
# Text, furniture, paragraphs, pages
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("stem", STEMS)
def test_corpus_pdf_reads_as_its_paragraphs_with_page_starts(
    stem: str, corpus_pdfs: dict[str, tuple[bytes, list[Drawn]]], tmp_path: Path
) -> None:
    data, drawn = corpus_pdfs[stem]
    doc = load_path(_write(tmp_path, f"{stem}.pdf", data))
    text, starts = expected(drawn)
    assert text == "\n".join(_paragraphs(stem))  # the generator drew every paragraph whole
    assert doc.text == text
    assert doc.pages == starts
    assert (doc.format, doc.encoding, doc.page_count) == ("pdf", "pdf", len(drawn))
    for furniture in ("XX市人民政府工作报告", "XX市人民政府办公室", "- 1 -", "- 2 -"):
        assert furniture not in doc.text
    # Every page's first body line starts where its page does.
    for n, page in enumerate(drawn):
        assert doc.text.startswith(page.body[0][0], starts[n])
        assert doc.page_at(starts[n]) == n + 1
        assert n == 0 or doc.page_at(starts[n] - 1) == n


def test_paragraph_and_word_split_across_a_page_break(tmp_path: Path) -> None:
    # Line 1 of page 2 continues the paragraph that ends page 1; a 6-character word repeated over lines of
    # 37 characters is cut in two by almost every line break, and by the page break.
    word = "研发经费投入"
    opening = ["关于研发投入的报告", *["一、" + "科技创新工作稳步推进。" * 3] * 8]
    long = "全年" + word * 300 + "。"
    data, drawn = pdf_bytes([*opening, long, "二、下一步工作安排"])
    doc = load_bytes(data, "split.pdf", ".pdf")
    assert len(drawn) >= 2 and not drawn[1].body[0][1]  # page 2 opens mid-paragraph
    assert doc.text.split("\n") == [*opening, long, "二、下一步工作安排"]
    assert doc.pages is not None
    page2 = doc.pages[1]
    offset_in_word = (page2 - doc.text.index(long) - 2) % len(word)
    assert offset_in_word != 0, "the page break should fall inside the word"
    around = doc.text[page2 - offset_in_word : page2 - offset_in_word + len(word)]
    assert around == word  # rejoined across the page break, no newline or space inside
    assert doc.page_at(page2 - 1) == 1 and doc.page_at(page2) == 2


def test_latin_words_and_figures_keep_their_spaces_across_line_breaks() -> None:
    par = "GDP growth " * 30 + "与 2020 年相比增长 15.3%,经费 1,234.5 万元,比例 3.6 : 48 : 48.4。"
    data, _ = pdf_bytes([par], Layout(header=None, footer=None))
    assert load_bytes(data, "latin.pdf", ".pdf").text == par.strip()


def test_radical_code_points_read_as_the_ideographs_they_stand_for() -> None:
    # What some producers' ToUnicode maps say for 人民生命 一年 工作 (Kangxi radicals and one supplement form).
    data, _ = pdf_bytes(["保障了⼈⺠⽣命安全,⼀年来⼯作稳步推进。"], Layout(header=None, footer=None))
    doc = load_bytes(data, "r.pdf", ".pdf")
    assert doc.text == "保障了人民生命安全,一年来工作稳步推进。"


@pytest.mark.parametrize(
    "layout",
    [
        Layout(page_number="第{n}页"),
        Layout(page_number="{n}", header=None),
        Layout(page_number="第 {n} 页 共 9 页", footer=None),
        Layout(page_number=None),
        Layout(justify=False, size=14),  # ragged right: lines end within a character of the margin
        Layout(header="XX市人民政府文件", header_right="2022年第3期", page_number="— {n} —", numbers_outside=True),
    ],
    ids=["di-n-ye", "bare", "of-total", "no-number", "ragged", "two-columns-of-furniture"],
)
def test_furniture_variants(layout: Layout) -> None:
    paragraphs = _paragraphs("xianning_city_2020h1")
    data, drawn = pdf_bytes(paragraphs, layout)
    doc = load_bytes(data, "v.pdf", ".pdf")
    text, starts = expected(drawn)
    assert doc.text == text == "\n".join(paragraphs)
    assert doc.pages == starts


def test_ragged_lines_that_broke_before_a_long_figure_still_join() -> None:
    # Left-aligned text: "…森林覆盖率达到" ends a line far from the margin because "24.1%。" did not fit; the gap is
    # wider than a character but narrower than the figure, so the paragraph goes on.
    paragraphs = paragraphs_of((DATA / "national" / "national_2021_gov_report.txt").read_text(encoding="utf-8-sig"))
    data, drawn = pdf_bytes(paragraphs, Layout(justify=False, size=14))
    doc = load_bytes(data, "ragged.pdf", ".pdf")
    lines = [line for page in drawn for line, _ in page.body]
    assert any(line.endswith("森林覆盖率达到") for line in lines)
    assert (doc.text, doc.pages) == expected(drawn)


def test_one_page_keeps_its_body_and_drops_its_page_number() -> None:
    # Nothing repeats on one page; the page number is recognised by its shape and its value (1).
    data, drawn = pdf_bytes(["工作总结", "一、主要工作", "完成技术合同登记649项。"], Layout(header=None, footer=None))
    assert drawn[0].furniture == ["- 1 -"]
    doc = load_bytes(data, "one.pdf", ".pdf")
    assert doc.text == "工作总结\n一、主要工作\n完成技术合同登记649项。"
    assert doc.pages == (0,)


def test_a_body_line_that_looks_like_a_page_number_stays() -> None:
    # "2" at the bottom of page 1 is not page 1's number: it is kept.
    data, _ = pdf_bytes(["工作总结", "表1 数量", "2"], Layout(header=None, footer=None, page_number=None))
    assert load_bytes(data, "n.pdf", ".pdf").text == "工作总结\n表1 数量\n2"


def test_scanned_pages_among_text_pages_are_named(caplog: pytest.LogCaptureFixture) -> None:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1)
    c.setFont(register("STSong-Light"), 12)
    c.drawString(72, 700, "一、主要工作完成情况。")
    c.showPage()
    c.rect(72, 72, 400, 600, fill=1)  # page 2: an image-only page
    c.showPage()
    c.save()
    doc = load_bytes(buf.getvalue(), "mixed.pdf", ".pdf")
    assert doc.text == "一、主要工作完成情况。" and doc.pages == (0, len(doc.text))
    assert "no text on page(s) 2 (scanned images?)" in caplog.text


# --------------------------------------------------------------------------------------------------
# The summary of a PDF is the summary of its text
# --------------------------------------------------------------------------------------------------


def _evidences(summary: ReportSummary) -> list[Evidence]:
    out = [m.evidence for m in summary.metrics]
    return out + [it.evidence for s in summary.sections for it in s.items if it.evidence is not None]


def _without_pages(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _without_pages(v) for k, v in data.items() if k != "page"}
    if isinstance(data, list):
        return [_without_pages(v) for v in data]
    return data


@pytest.mark.parametrize("stem", STEMS)
def test_summary_of_pdf_equals_summary_of_txt_but_for_pages(
    stem: str, corpus_pdfs: dict[str, tuple[bytes, list[Drawn]]], tmp_path: Path
) -> None:
    data, drawn = corpus_pdfs[stem]
    pdf = _write(tmp_path, f"{stem}.pdf", data)
    txt = _write(tmp_path, f"{stem}.txt", "\n".join(_paragraphs(stem)).encode())
    with Summarizer(backend="offline", cache_dir=tmp_path / "cache") as s:
        from_pdf, from_txt = s.summarize(pdf), s.summarize(txt)
    a = json.loads(from_pdf.model_dump_json())
    b = json.loads(from_txt.model_dump_json())
    source_a, source_b = a.pop("source"), b.pop("source")
    assert _without_pages(a) == b
    assert source_a["pages"] == len(drawn) and "pages" not in source_b
    assert source_a["raw_chars"] == source_b["raw_chars"] and source_a["clean_chars"] == source_b["clean_chars"]
    assert all(ev.page is None for ev in _evidences(from_txt))
    # Every quote's page, checked against what was drawn: its original start lies on that page, and the
    # characters there were drawn on it.
    text, starts = expected(drawn)
    evidences = _evidences(from_pdf)
    assert evidences
    for ev in evidences:
        assert ev.page is not None
        end = starts[ev.page] if ev.page < len(starts) else len(text)
        assert starts[ev.page - 1] <= ev.original_start < end
        head = text[ev.original_start : min(end, ev.original_start + 4)].split("\n")[0]
        assert head in "".join(line for line, _ in drawn[ev.page - 1].body)


# The two reports whose cleaned text is the same whether read from the corpus file or from its paragraphs (the
# others lose blank lines or indentation a PDF cannot carry): their PDFs hit the corpus cassettes, recorded for
# the .txt files, only if every request is the same.
SAME_CLEAN_TEXT = ["xianning_city_2020h1", "xuancheng_county_2020h1"]


@pytest.mark.parametrize("stem", SAME_CLEAN_TEXT)
def test_replayed_llm_summary_of_pdf_is_the_golden_summary_of_txt(
    stem: str, corpus_pdfs: dict[str, tuple[bytes, list[Drawn]]], tmp_path: Path
) -> None:
    data, _ = corpus_pdfs[stem]
    pdf = _write(tmp_path, f"{stem}.pdf", data)
    cassettes = Path(__file__).parent / "cassettes" / "corpus"
    with Summarizer(backend="replay", cassettes=cassettes, cache_dir=tmp_path / "cache", concurrency=2) as s:
        result = s.run(pdf)
    golden = json.loads((Path(__file__).parent.parent / "golden" / f"{stem}.json").read_text(encoding="utf-8"))
    actual = json.loads(result.summary.model_dump_json())

    def comparable(summary: dict[str, Any]) -> Any:
        summary = {k: v for k, v in summary.items() if k != "source"}
        return re.sub(r'"(original_start|original_end|page)": \d+', "", json.dumps(_without_pages(summary)))

    assert comparable(actual) == comparable(golden)
    # Original offsets differ (the .txt has blank lines and indentation); in the PDF's own text they hold the
    # same words.
    document, clean = result.analysis.document, result.analysis.clean
    for ev in _evidences(result.summary):
        assert ev.page == document.page_at(ev.original_start)
        assert (ev.original_start, ev.original_end) == clean.original_span(ev.start, ev.end)
        assert document.text[ev.original_start : ev.original_end].replace(",", ",")[:2] == ev.quote[:2]


def test_json_output_carries_pages_only_for_paged_inputs(
    corpus_pdfs: dict[str, tuple[bytes, list[Drawn]]], tmp_path: Path
) -> None:
    data, _ = corpus_pdfs["xuancheng_county_2020h1"]
    pdf = _write(tmp_path, "x.pdf", data)
    with Summarizer(backend="offline", cache_dir=tmp_path / "c") as s:
        paged = s.summarize(pdf).model_dump_json()
        unpaged = s.summarize(DATA / "xuancheng_county_2020h1.txt").model_dump_json()
    assert '"page":' in paged and '"pages":' in paged
    assert '"page"' not in unpaged and '"pages"' not in unpaged
    # Written without pages, read back: the same model (the field is optional in the schema too).
    assert ReportSummary.model_validate_json(unpaged).model_dump_json() == unpaged
    assert ReportSummary.model_validate_json(paged).model_dump_json() == paged


# --------------------------------------------------------------------------------------------------
# Refusals: one line each, exit 2 through the CLI
# --------------------------------------------------------------------------------------------------


def _scanned() -> bytes:
    """A 'scan': pages of drawn shapes and no text layer."""
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1)
    for _ in range(3):
        for i in range(40):
            c.rect(72, 72 + i * 16, 400, 10, fill=1)
        c.showPage()
    c.save()
    return buf.getvalue()


def _encrypted() -> bytes:
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    enc = pdfencrypt.StandardEncryption("secret", canPrint=0)
    c = canvas.Canvas(buf, encrypt=enc, invariant=1)
    c.setFont(register("STSong-Light"), 12)
    c.drawString(72, 700, "工作总结")
    c.showPage()
    c.save()
    return buf.getvalue()


def _bomb(megabytes: int) -> bytes:
    """A one-page PDF whose content stream inflates to ``megabytes`` MB of spaces (about 1/1000 of it on disk)."""
    inflater = zlib.compressobj(9)
    content = b"".join(inflater.compress(b" " * (1 << 20)) for _ in range(megabytes)) + inflater.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 5\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


@functools.cache
def _refusal_data(case: str) -> bytes:
    if case == "scanned":
        return _scanned()
    if case == "encrypted":
        return _encrypted()
    if case == "bomb":
        return _bomb(210)  # past the default cap of 200 MB, from a file of 200 KB
    if case == "not-pdf":
        return "正文".encode() * 100
    if case == "malformed":
        return b"%PDF-1.7\n" + bytes(range(256)) * 20 + b"\n%%EOF\n"
    good, _ = pdf_bytes(_paragraphs("xianning_city_2020h1"))
    return good[: len(good) // 2]  # truncated


REFUSALS = {
    "scanned": r"PDF has no text layer \(0 characters on 3 pages, scanned\?\): OCR it first, e\.g\. `ocrmypdf",
    "encrypted": r"encrypted PDF \(needs a password\)",
    "truncated": r"truncated PDF",
    "malformed": r"not a valid PDF",
    "not-pdf": r"not a PDF file",
    "bomb": r"PDF content inflates to more than 200 MB \(raise the limit with --max-unpacked-mb\)",
}


@pytest.mark.parametrize("case", REFUSALS)
def test_refused_pdfs(tmp_path: Path, case: str) -> None:
    path = _write(tmp_path, f"{case}.pdf", _refusal_data(case))
    with pytest.raises(LoadError) as info:
        load_path(path)
    assert re.search(REFUSALS[case], info.value.reason), info.value.reason
    assert "\n" not in str(info.value)


def test_refusals_through_the_cli_are_one_line_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for case, reason in REFUSALS.items():
        path = _write(tmp_path, f"{case}.pdf", _refusal_data(case))
        code, out, err = run_cli(monkeypatch, capsys, str(path))
        assert code == 2, (case, err)
        assert out == ""
        lines = err.strip().split("\n")
        assert len(lines) == 1 and lines[0].startswith(f"summarize: error: {path}: "), (case, err)
        assert re.search(reason, lines[0]), (case, err)


def test_page_and_size_caps_and_raising_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data, drawn = pdf_bytes(_paragraphs("national_2022_gov_report"))
    path = _write(tmp_path, "n.pdf", data)
    with pytest.raises(LoadError, match=rf"{len(drawn)} pages, more than the limit of 5 \(raise it with --max-pages\)"):
        load_path(path, LoadLimits(max_pages=5))
    code, _, err = run_cli(monkeypatch, capsys, str(path), "--max-pages", "5", "--stage", "clean")
    assert code == 2 and "more than the limit of 5" in err
    code, out, _ = run_cli(monkeypatch, capsys, str(path), "--max-pages", str(len(drawn)), "--stage", "clean")
    assert code == 0 and out.startswith("政府工作报告")
    # The file size cap applies to every format; the unpacked cap can be raised past a bomb's size.
    code, _, err = run_cli(monkeypatch, capsys, str(path), "--max-input-mb", "0.01")
    assert code == 2 and "more than the limit of 0.01 MB (raise it with --max-input-mb)" in err
    bomb = _write(tmp_path, "bomb.pdf", _bomb(30))
    code, _, err = run_cli(monkeypatch, capsys, str(bomb), "--max-unpacked-mb", "20")
    assert code == 2 and "inflates to more than 20 MB" in err
    assert check_unpacked_size(_bomb(30), "b", 64 << 20) == 30 << 20  # under the cap: counted, not refused


def test_docx_bomb_is_refused_before_it_is_inflated(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b" " * (30 << 20))
    assert path.stat().st_size < 100_000
    with pytest.raises(LoadError, match=r"\.docx inflates to 30 MB, more than the limit of 20 MB"):
        load_path(path, LoadLimits(max_unpacked_mb=20))


# --------------------------------------------------------------------------------------------------
# Rendering: 第N页 beside each quote, page starts in the source panes
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pdf_result(corpus_pdfs: dict[str, tuple[bytes, list[Drawn]]], tmp_path_factory: pytest.TempPathFactory) -> Any:
    data, _ = corpus_pdfs["xianning_city_2020h1"]
    folder = tmp_path_factory.mktemp("render")
    pdf = _write(folder, "xianning.pdf", data)
    cassettes = Path(__file__).parent / "cassettes" / "corpus"
    with Summarizer(backend="replay", cassettes=cassettes, cache_dir=folder / "cache") as s:
        return s.run(pdf)


def test_markdown_shows_the_page_of_each_quote(pdf_result: Any) -> None:
    from summarizer.render.markdown import render_markdown

    summary = pdf_result.summary
    md = render_markdown(summary)
    pages = [it.evidence.page for sec in summary.sections for it in sec.items if it.evidence is not None]
    bullets = [line for line in md.splitlines() if line.startswith("- [")]
    assert len(bullets) == len(pages) and len(set(pages)) > 1
    assert all(line.endswith(f"(第{page}页)") for line, page in zip(bullets, pages, strict=True))
    assert "| # | 指标 | 数值 | 约数 | 类型 | 核验 | 页 |" in md
    rows = [line for line in md.splitlines() if line.startswith("| m")]
    assert [row.rstrip(" |").rsplit("| ", 1)[1] for row in rows] == [f"第{m.evidence.page}页" for m in summary.metrics]
    assert f"; {len(pdf_result.analysis.document.pages)} 页, " in md
    by_id = {m.id: m for m in summary.metrics}
    key = [line for line in md.splitlines() if line.startswith("- **")]
    assert summary.highlights and len(key) == len(summary.highlights)
    for line, mid in zip(key, summary.highlights, strict=True):
        assert f"(第{by_id[mid].evidence.page}页)" in line
    # An unpaged summary renders as before: no page column, no page marks.
    plain = render_markdown(ReportSummary.model_validate_json((DATA / "sample_summary.json").read_text("utf-8")))
    assert "| # | 指标 | 数值 | 约数 | 类型 | 核验 |\n" in plain and "页)" not in plain and " 页, " not in plain


def test_html_shows_pages_beside_quotes_and_page_starts_in_both_panes(pdf_result: Any) -> None:
    from bs4 import BeautifulSoup

    from summarizer.batch import render

    summary, document, clean = pdf_result.summary, pdf_result.analysis.document, pdf_result.analysis.clean
    soup = BeautifulSoup(render(pdf_result, "html"), "html.parser")
    items = [it for sec in summary.sections for it in sec.items]
    labels = [li.select_one(".page") for li in soup.select("li.item")]
    assert [el.get_text() if el else "" for el in labels] == [f"第{it.evidence.page}页" for it in items if it.evidence]
    by_id = {m.id: m for m in summary.metrics}
    metas = [el.get_text() for el in soup.select("#highlights .hl-meta")]
    assert metas and all(
        meta.endswith(f" · 第{by_id[mid].evidence.page}页") for meta, mid in zip(metas, summary.highlights, strict=True)
    )
    cells = [td.get_text() for td in soup.select("#metrics td.page-cell")]
    assert cells == [f"第{m.evidence.page}页" for m in summary.metrics]
    for pane, text in (("#text-original", document.text), ("#text-clean", clean.text)):
        marks = soup.select(f"{pane} .page-mark")
        assert [m["data-page"] for m in marks] == [str(n) for n in range(1, len(document.pages) + 1)]
        assert soup.select_one(pane).get_text() == text  # the marks add no text
    # Page 2's mark in the original pane sits exactly where page 2 starts.
    before = []
    for node in soup.select_one("#text-original").descendants:
        if getattr(node, "get", None) and node.get("data-page") == "2":
            break
        if isinstance(node, str):
            before.append(str(node))
    assert "".join(before) == document.text[: document.pages[1]]


# --------------------------------------------------------------------------------------------------
# Another producer: a report printed to PDF by Chromium (needs Debian's chromium, which CI installs)
# --------------------------------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None and os.environ.get("SUMMARIZER_REQUIRE_BROWSER") != "1",
    reason="needs Debian chromium",
)


@pytest.mark.browser
@needs_chromium
def test_pdf_printed_by_chromium(tmp_path: Path) -> None:
    # Chromium writes its own text objects and embedded CJK subsets; pypdf and pdfminer.six read this kind of
    # file as Kangxi radicals (bench/README.md). Header and footer are fixed elements, repeated on every page.
    import html

    assert CHROMIUM is not None, "chromium is required here (SUMMARIZER_REQUIRE_BROWSER=1)"
    paragraphs = _paragraphs("hailar_2012_gov_report")
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    page = tmp_path / "r.html"
    page.write_text(
        '<!doctype html><html><head><meta charset="utf-8"><style>@page { size: A4; margin: 30mm 25mm; }'
        "body { font-size: 15px; line-height: 1.8; text-align: justify; } p { text-indent: 2em; margin: 0; }"
        ".h, .f { position: fixed; left: 0; right: 0; text-align: center; font-size: 10px; }"
        ".h { top: -18mm; } .f { bottom: -18mm; }</style></head><body>"
        f'<div class="h">海拉尔区人民政府公报</div><div class="f">区政府办公室 印发</div>{body}</body></html>',
        encoding="utf-8",
    )
    pdf = tmp_path / "r.pdf"
    subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
         f"--print-to-pdf={pdf}", page.as_uri()],
        capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    doc = load_path(pdf)
    assert doc.page_count is not None and doc.page_count > 3
    assert "海拉尔区人民政府公报" not in doc.text and "区政府办公室" not in doc.text

    def spaces(text: str) -> str:  # Chromium may draw an ideographic or no-break space as a plain one
        return re.sub(r"[ \u3000\u00a0]+", " ", text)

    assert spaces(doc.text) == spaces("\n".join(paragraphs))
    assert doc.pages is not None and list(doc.pages) == sorted(set(doc.pages))


def test_a_pdf_on_stdin_is_read_as_a_pdf(
    corpus_pdfs: dict[str, tuple[bytes, list[Drawn]]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from summarizer.clean import clean

    data, drawn = corpus_pdfs["xuancheng_county_2020h1"]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    code, out, _ = run_cli(monkeypatch, capsys, "-", "--stage", "clean")
    assert code == 0 and out.rstrip("\n") == clean(expected(drawn)[0]).text.rstrip("\n")


def test_a_pdf_locked_by_an_owner_password_only_is_read() -> None:
    # Permissions (no printing, no copying) with an empty user password: any reader opens it, so do we.
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    enc = pdfencrypt.StandardEncryption("", ownerPassword="owner", canPrint=0, canCopy=0)
    c = canvas.Canvas(buf, encrypt=enc, invariant=1)
    c.setFont(register("STSong-Light"), 12)
    c.drawString(72, 700, "一、主要工作完成情况。")
    c.showPage()
    c.save()
    assert load_bytes(buf.getvalue(), "locked.pdf", ".pdf").text == "一、主要工作完成情况。"
