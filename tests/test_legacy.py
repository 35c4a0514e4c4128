""".doc / .wps / .rtf: antiword on Word 97 files made here (tests/docmaker.py), LibreOffice's command line through a
stand-in ``soffice`` (LibreOffice itself is too large for CI), the one-line error when no converter is installed,
and files that are something else under a .doc name."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest
from docmaker import doc_bytes
from pdfmaker import paragraphs_of
from support import run_cli

from summarizer import Summarizer
from summarizer.errors import LoadError
from summarizer.load import LoadLimits, load_bytes, load_path

DATA = Path(__file__).parent / "data"
PARAGRAPHS = ["2020年上半年工作总结", "一、主要工作", "完成技术合同登记649项,成交总额30.13亿元。", "GDP growth 6.5%."]

# .ci/run sets SUMMARIZER_REQUIRE_ANTIWORD=1 (and installs antiword): there a missing antiword fails instead.
needs_antiword = pytest.mark.skipif(
    shutil.which("antiword") is None and os.environ.get("SUMMARIZER_REQUIRE_ANTIWORD") != "1",
    reason="needs antiword (apt-get install antiword)",
)


def _paragraphs(stem: str) -> list[str]:
    return paragraphs_of((DATA / f"{stem}.txt").read_text(encoding="utf-8-sig"))


def _tool(folder: Path, name: str, script: str) -> None:
    path = folder / name
    path.write_text("#!/bin/sh\n" + script, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


# A stand-in for LibreOffice that honours its command line: --outdir DIR and the input file, output named
# after the input with .txt, UTF-8 with BOM and CRLF as LibreOffice writes it. It records its arguments.
FAKE_SOFFICE = r"""
PATH=/usr/bin:/bin
out=""; src=""; prev=""
for a in "$@"; do
  [ "$prev" = "--outdir" ] && out="$a"
  prev="$a"; src="$a"
done
printf '%s\n' "$@" > "$(dirname "$0")/soffice.args"
mkdir -p "$out"
base=$(basename "$src"); base="${base%.*}"
if [ -f "$(dirname "$0")/soffice.text" ]; then cp "$(dirname "$0")/soffice.text" "$out/$base.txt"
else printf '\357\273\277%s\r\n%s\r\n' 第一段 第二段 > "$out/$base.txt"; fi
"""


@pytest.fixture
def bin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty PATH of our own: only the converters a test puts there exist."""
    folder = tmp_path / "bin"
    folder.mkdir()
    monkeypatch.setenv("PATH", str(folder))
    return folder


# --------------------------------------------------------------------------------------------------
# antiword
# --------------------------------------------------------------------------------------------------


@needs_antiword
@pytest.mark.parametrize("suffix", [".doc", ".wps", ".DOC"])
def test_word97_through_antiword(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"report{suffix}"
    path.write_bytes(doc_bytes(PARAGRAPHS))
    doc = load_path(path)
    assert doc.text == "\n".join(PARAGRAPHS)
    assert (doc.format, doc.encoding, doc.pages) == (suffix.lower()[1:], "antiword", None)


@needs_antiword
def test_summary_of_doc_equals_summary_of_txt(tmp_path: Path) -> None:
    paragraphs = _paragraphs("xianning_city_2020h1")
    doc = tmp_path / "x.doc"
    doc.write_bytes(doc_bytes(paragraphs))
    txt = tmp_path / "x.txt"
    txt.write_text("\n".join(paragraphs), encoding="utf-8")
    with Summarizer(backend="offline", cache_dir=tmp_path / "c") as s:
        a = json.loads(s.summarize(doc).model_dump_json())
        b = json.loads(s.summarize(txt).model_dump_json())
    source_a, source_b = a.pop("source"), b.pop("source")
    assert a == b
    assert (source_a["format"], source_a["encoding"]) == ("doc", "antiword")
    assert source_a["raw_chars"] == source_b["raw_chars"]


@needs_antiword
def test_not_a_word_file_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "broken.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)  # an OLE2 header and nothing else
    monkeypatch.setenv("PATH", str(Path(shutil.which("antiword") or "/usr/bin/antiword").parent))
    code, out, err = run_cli(monkeypatch, capsys, str(path))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"summarize: error: {path}: cannot read .doc file (antiword: ")


# --------------------------------------------------------------------------------------------------
# LibreOffice (stand-in), fallbacks, no converter
# --------------------------------------------------------------------------------------------------


def test_libreoffice_command_line_and_output(bin_dir: Path, tmp_path: Path) -> None:
    _tool(bin_dir, "soffice", FAKE_SOFFICE)
    path = tmp_path / "r.doc"
    path.write_bytes(doc_bytes(PARAGRAPHS))
    doc = load_path(path)
    assert (doc.text, doc.format, doc.encoding) == ("第一段\n第二段", "doc", "libreoffice")
    args = (bin_dir / "soffice.args").read_text(encoding="utf-8").split("\n")
    assert args[:2] == ["--headless", "--norestore"]
    assert args[2].startswith("-env:UserInstallation=file://")  # a private profile
    assert args[3:5] == ["--convert-to", "txt:Text (encoded):UTF8"]
    assert args[5] == "--outdir" and args[7].endswith("input.doc")


def test_antiword_failure_falls_back_to_libreoffice(bin_dir: Path, tmp_path: Path) -> None:
    _tool(bin_dir, "antiword", 'echo "input.doc is not a Word Document." >&2\nexit 1\n')
    _tool(bin_dir, "soffice", FAKE_SOFFICE)
    path = tmp_path / "r.wps"
    path.write_bytes(doc_bytes(PARAGRAPHS))
    assert load_path(path).encoding == "libreoffice"


def test_every_converter_failing_names_each_reason(bin_dir: Path, tmp_path: Path) -> None:
    _tool(bin_dir, "antiword", 'echo "input.doc is not a Word Document." >&2\nexit 1\n')
    _tool(bin_dir, "soffice", 'echo "Error: source file could not be loaded" >&2\nexit 1\n')
    with pytest.raises(LoadError) as info:
        load_bytes(doc_bytes(PARAGRAPHS), "<stdin>", ".doc")
    assert info.value.reason == (
        "cannot read .doc file (antiword: input.doc is not a Word Document.; "
        "libreoffice: Error: source file could not be loaded)"
    )


@pytest.mark.parametrize(
    ("suffix", "data", "needs"),
    [
        (".doc", doc_bytes(PARAGRAPHS), "install antiword (apt-get install antiword) or LibreOffice"),
        (".wps", doc_bytes(PARAGRAPHS), "install antiword (apt-get install antiword) or LibreOffice"),
        (".rtf", rb"{\rtf1\ansi\ansicpg936 {\'b9\'a4\'d7\'f7}\par}", "install LibreOffice"),
        (".doc", rb"{\rtf1\ansi hello\par}", "install LibreOffice"),  # RTF under a .doc name
    ],
)
def test_no_converter_is_one_line_naming_what_to_install(
    bin_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    suffix: str,
    data: bytes,
    needs: str,
) -> None:
    path = tmp_path / f"r{suffix}"
    path.write_bytes(data)
    code, out, err = run_cli(monkeypatch, capsys, str(path))
    assert code == 2 and out == ""
    assert err.count("\n") == 1
    assert "needs a converter: " + needs in err
    assert "apt-get install libreoffice-writer-nogui" in err


def test_rtf_goes_to_libreoffice(bin_dir: Path, tmp_path: Path) -> None:
    _tool(bin_dir, "antiword", "exit 1\n")  # never asked: antiword does not read RTF
    _tool(bin_dir, "soffice", FAKE_SOFFICE)
    path = tmp_path / "r.rtf"
    path.write_bytes(rb"{\rtf1\ansi\ansicpg936 {\'b9\'a4\'d7\'f7}\par}")
    doc = load_path(path)
    assert (doc.text, doc.format, doc.encoding) == ("第一段\n第二段", "rtf", "libreoffice")


def test_converted_text_is_capped(bin_dir: Path) -> None:
    _tool(bin_dir, "soffice", FAKE_SOFFICE)
    (bin_dir / "soffice.text").write_text("很长" * 300_000, encoding="utf-8")  # 1.8 MB
    with pytest.raises(LoadError, match=r"converted text is larger than 1 MB \(raise the limit with --max-unpacked"):
        load_bytes(doc_bytes(PARAGRAPHS), "big.doc", ".doc", LoadLimits(max_unpacked_mb=1))


# --------------------------------------------------------------------------------------------------
# Something else under a .doc name
# --------------------------------------------------------------------------------------------------


def test_html_and_docx_under_a_doc_name_read_by_their_own_route(bin_dir: Path, tmp_path: Path) -> None:
    import docx

    html = "<html><head><meta charset='gbk'></head><body><p>一、主要工作</p><p>完成登记649项。</p></body></html>"
    doc = load_bytes(html.encode("gbk"), "page.doc", ".doc")
    assert (doc.text, doc.format) == ("一、主要工作\n完成登记649项。", "html")
    d = docx.Document()
    d.add_paragraph("一、主要工作")
    path = tmp_path / "really.docx"
    d.save(str(path))
    doc = load_bytes(path.read_bytes(), "really.doc", ".doc")
    assert (doc.text, doc.format) == ("一、主要工作", "docx")
