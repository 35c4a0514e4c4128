"""PDF: which library reads report PDFs best, and how fast summarizer reads them (issue 18).

    python bench/bench_pdf.py                 # compare libraries, then time load_path
    python bench/bench_pdf.py --repeat 5      # more timing rounds
    pip install pdfminer.six pypdf            # the two other candidates (not dependencies)

PDFs are made here from the corpus paragraphs (``tests/data/*.txt`` and the national reports 2013-2025):

* ``cid``:    reportlab, built-in CID font STSong-Light (not embedded), justified, header + page number + footer;
* ``ttf``:    the same with an embedded TrueType subset (WenQuanYi Micro Hei, when Debian's fonts-wqy-microhei
              is installed), which is what word processors write;
* ``chrome``: the report as an HTML page printed to PDF by headless Chromium (when installed): another
              producer's text objects, Noto CJK fonts, a fixed header and footer on every page.

Library comparison, on each library's own plain-text output (no furniture or paragraph handling of ours):

* ``text``:  share of the body's characters (whitespace ignored, furniture lines taken out of both sides) that
             the extraction reproduces in order (difflib matching blocks / expected characters);
* ``order``: share of paragraphs found whole and in order (a paragraph read after the next one is lost);
* ``lines``: (reportlab PDFs, whose drawn lines are known) share of drawn body lines extracted exactly as a line;
* ``pages/s``: plain extraction speed, single process.

Then summarizer's own reader (``load_path``: PDFium + furniture + paragraphs + page starts): pages/s over every
generated PDF, and how many come out exactly as the source paragraphs.
"""

from __future__ import annotations

import argparse
import difflib
import html
import io
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
for p in (ROOT, ROOT / "tests"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from pdfmaker import Drawn, Layout, make_pdf, paragraphs_of  # noqa: E402

from summarizer.load import load_path  # noqa: E402

WQY = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
# What the generators draw as furniture (taken out of both sides before comparing body text).
FURNITURE_RE = re.compile(
    r"^(XX市人民政府工作报告|XX市人民政府办公室 ?印发|- ?\d+ ?-|国务院公报 ?第\d+号|中国政府网 ?发布)$"
)
CHROME_HEADER = "国务院公报 第7号"
CHROME_FOOTER = "中国政府网 发布"


def corpus() -> list[tuple[str, list[str]]]:
    files = sorted(DATA.glob("*.txt")) + sorted((DATA / "national").glob("*.txt"))
    return [(f.stem, paragraphs_of(f.read_text(encoding="utf-8-sig"))) for f in files]


def chrome_pdf(paragraphs: list[str], out: Path) -> bool:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        return False
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    page = f"""<!doctype html><html><head><meta charset="utf-8"><style>
@page {{ size: A4; margin: 30mm 25mm; }}
body {{ font-family: 'Noto Serif CJK SC', 'WenQuanYi Micro Hei', serif; font-size: 15px; line-height: 1.8;
  text-align: justify; }}
p {{ text-indent: 2em; margin: 0; }}
.h, .f {{ position: fixed; left: 0; right: 0; text-align: center; font-size: 10px; }}
.h {{ top: -18mm; }} .f {{ bottom: -18mm; }}
</style></head><body><div class="h">{CHROME_HEADER}</div><div class="f">{CHROME_FOOTER}</div>{body}</body></html>"""
    src = out.with_suffix(".html")
    src.write_text(page, encoding="utf-8")
    subprocess.run(
        [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer", f"--print-to-pdf={out}",
         src.as_uri()],
        capture_output=True, timeout=180, check=False,
    )  # fmt: skip
    return out.is_file()


# --------------------------------------------------------------------------------------------------
# The candidates, each as plain text lines per page
# --------------------------------------------------------------------------------------------------


def pdfium_lines(data: bytes) -> list[list[str]]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(data)
    pages = [page.get_textpage().get_text_range().replace("\r\n", "\n").split("\n") for page in doc]
    doc.close()
    return pages


def pypdf_lines(data: bytes) -> list[list[str]]:
    import pypdf

    return [page.extract_text().split("\n") for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def pdfminer_lines(data: bytes) -> list[list[str]]:
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTTextContainer, LTTextLine

    pages = []
    for page in extract_pages(io.BytesIO(data)):
        lines = []
        for box in page:
            if isinstance(box, LTTextContainer):
                lines += [line.get_text().rstrip("\n") for line in box if isinstance(line, LTTextLine)]
        pages.append(lines)
    return pages


CANDIDATES: dict[str, Callable[[bytes], list[list[str]]]] = {
    "pypdfium2": pdfium_lines,
    "pypdf": pypdf_lines,
    "pdfminer.six": pdfminer_lines,
}


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def score(
    paragraphs: list[str], pages: list[list[str]], drawn: list[Drawn] | None
) -> tuple[float, float, float | None]:
    body = [line for page in pages for line in page if not FURNITURE_RE.match(line.strip())]
    got = _squash("".join(body))
    want = _squash("".join(paragraphs))
    blocks = difflib.SequenceMatcher(a=want, b=got, autojunk=False).get_matching_blocks()
    text = sum(b.size for b in blocks) / len(want)
    at, found = 0, 0
    for p in paragraphs:
        k = got.find(_squash(p), at)
        if k >= 0:
            found += 1
            at = k + len(_squash(p))
    lines = None
    if drawn is not None:
        want_lines = [line.strip() for page in drawn for line, _ in page.body]
        got_lines = [line.strip() for line in body]
        matcher = difflib.SequenceMatcher(a=want_lines, b=got_lines, autojunk=False)
        lines = sum(b.size for b in matcher.get_matching_blocks()) / len(want_lines)
    return text, found / len(paragraphs), lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="timing rounds of load_path (best is reported)")
    parser.add_argument("--docs", type=int, default=0, help="only the first N documents (0: all)")
    args = parser.parse_args()
    docs = corpus()[: args.docs or None]
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _common import core_reference, machine_line

    print(machine_line())
    print(core_reference().line())
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        sets: dict[str, list[tuple[str, list[str], Path, list[Drawn] | None]]] = {"cid": [], "ttf": [], "chrome": []}
        for stem, paragraphs in docs:
            path = folder / f"{stem}.cid.pdf"
            sets["cid"].append((stem, paragraphs, path, make_pdf(paragraphs, path)))
            if WQY.is_file():
                path = folder / f"{stem}.ttf.pdf"
                sets["ttf"].append((stem, paragraphs, path, make_pdf(paragraphs, path, Layout(font=str(WQY)))))
        # Chromium is slow to start: the two largest reports only.
        for stem, paragraphs in sorted(docs, key=lambda d: -sum(map(len, d[1])))[:2]:
            path = folder / f"{stem}.chrome.pdf"
            if chrome_pdf(paragraphs, path):
                sets["chrome"].append((stem, paragraphs, path, None))

        print("\nlibrary comparison (mean over documents; text/order/lines as shares, higher is better)")
        head = f"{'set':7} {'docs':>4} {'pages':>5}  {'library':13} {'text':>7} {'order':>7} {'lines':>7}"
        print(f"{head} {'pages/s':>8}")
        for name, items in sets.items():
            if not items:
                print(f"{name:7} (skipped: {'no fonts-wqy-microhei' if name == 'ttf' else 'no chromium'})")
                continue
            for lib, extract in CANDIDATES.items():
                try:
                    extract(items[0][2].read_bytes())  # warm-up: imports, CMaps
                except ImportError:
                    print(f"{name:7} {'':>4} {'':>5}  {lib:13} (not installed)")
                    continue
                n_pages, seconds, scores = 0, 0.0, []
                for _, paragraphs, path, drawn in items:
                    data = path.read_bytes()
                    t0 = time.perf_counter()
                    pages = extract(data)
                    seconds += time.perf_counter() - t0
                    n_pages += len(pages)
                    scores.append(score(paragraphs, pages, drawn))
                mean = [sum(s[i] for s in scores) / len(scores) if scores[0][i] is not None else None for i in range(3)]
                shown = " ".join(f"{v:7.4f}" if v is not None else f"{'—':>7}" for v in mean)
                print(f"{name:7} {len(items):4d} {n_pages:5d}  {lib:13} {shown} {n_pages / seconds:8.1f}")

        print("\nsummarizer load_path (PDFium + furniture + paragraphs + page starts)")
        for name, items in sets.items():
            if not items:
                continue
            exact = sum(load_path(path).text == "\n".join(paragraphs) for _, paragraphs, path, _ in items)
            best = float("inf")
            n_pages = 0
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                n_pages = sum(len(load_path(path).pages or ()) for _, _, path, _ in items)
                best = min(best, time.perf_counter() - t0)
            print(
                f"{name:7} {len(items):3d} docs {n_pages:5d} pages  {n_pages / best:7.1f} pages/s  "
                f"exact text: {exact}/{len(items)}"
            )


if __name__ == "__main__":
    main()
