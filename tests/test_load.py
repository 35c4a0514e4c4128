"""load: encodings, formats, newline normalisation and every refusal, on files made at test time."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import pytest

from summarizer.errors import LoadError
from summarizer.load import SUPPORTED_SUFFIXES, discover, load_bytes, load_path, load_text

DATA = Path(__file__).parent / "data"

# Copied from tests/data/xianning_city_2020h1.txt (simplified) and county_trad_pinyin_2020h1.txt
# (traditional, pinyin glosses taken out because Big5 cannot encode them).
SIMPLIFIED = (
    "根据工作要求,现将市科技局2020年上半年工作总结及下半年重点工作安排汇报如下:\n"
    "一、参与和服务疫情防控情况\n"
    "新冠肺炎疫情发生以来,我局始终把疫情防控当做头等大事和压倒一切的政治任务来抓。"
)
TRADITIONAL = (
    "2020年上半年,XX縣科技創新工作在縣委、縣政府的正確領導和上級業務主管部門的大力支持下,"
    "深入實施創新驅動發展戰略,積極推進創新型城市建設,各項工作進展順利,取得明顯成效。\n"
    "二、下一步重點工作安排"
)


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)
    return p


# --------------------------------------------------------------------------------------------------
# Encodings
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "codec", "expected"),
    [
        (SIMPLIFIED, "utf-8", "utf_8"),
        (SIMPLIFIED, "utf-8-sig", "utf_8"),
        (SIMPLIFIED, "utf-16", "utf_16"),  # Python writes a BOM for "utf-16"
        (TRADITIONAL, "utf-16", "utf_16"),
        (SIMPLIFIED, "gbk", "gb18030"),  # GB family is reported (and decoded) as its superset
        (SIMPLIFIED, "gb2312", "gb18030"),
        (SIMPLIFIED + "𠀀", "gb18030", "gb18030"),  # a character outside GBK
        (TRADITIONAL, "big5", "big5"),
    ],
)
def test_encodings_round_trip(tmp_path: Path, text: str, codec: str, expected: str) -> None:
    raw = text.encode(codec)
    doc = load_path(_write(tmp_path, f"r_{codec}.txt", raw))
    assert doc.text == text  # BOM stripped, nothing else touched
    assert doc.encoding == expected
    assert doc.sha256 == hashlib.sha256(raw).hexdigest()
    assert doc.format == "txt"


def test_utf16_big_endian_bom(tmp_path: Path) -> None:
    raw = b"\xfe\xff" + SIMPLIFIED.encode("utf-16-be")
    assert load_path(_write(tmp_path, "be.txt", raw)).text == SIMPLIFIED


def test_short_gbk_is_not_taken_for_korean() -> None:
    # charset-normalizer alone reads these 8 bytes as cp949 Hangul.
    doc = load_bytes("工作总结".encode("gbk"), "<stdin>")
    assert (doc.text, doc.encoding) == ("工作总结", "gb18030")


def test_newlines_normalised(tmp_path: Path) -> None:
    raw = "第一行\r\n第二行\r第三行\n第四行\r\n".encode()
    doc = load_path(_write(tmp_path, "crlf.txt", raw))
    assert doc.text == "第一行\n第二行\n第三行\n第四行\n"
    assert doc.sha256 == hashlib.sha256(raw).hexdigest()  # of the raw bytes, not the normalised text


def test_corpus_files_load() -> None:
    national = load_path(DATA / "national_2022_gov_report.txt")  # UTF-8 with BOM and CRLF
    assert national.text.startswith("政府工作报告\n——2022年3月5日")
    assert "\r" not in national.text and "\ufeff" not in national.text
    assert national.path == str(DATA / "national_2022_gov_report.txt")
    county = load_path(DATA / "county_trad_pinyin_2020h1.txt")
    assert county.text.startswith("找總結網(wǎng) > 工作計劃")
    assert county.encoding == "utf_8"


def test_md_is_text(tmp_path: Path) -> None:
    doc = load_path(_write(tmp_path, "r.MD", "# 工作总结\n\n正文。".encode()))
    assert doc.format == "md" and doc.text == "# 工作总结\n\n正文。"


def test_load_bytes_stdin_and_suffix_forms() -> None:
    doc = load_bytes(SIMPLIFIED.encode("gbk"), "<stdin>")
    assert doc.name == "<stdin>" and doc.path is None and doc.text == SIMPLIFIED
    html = load_bytes(b"<p>\xe6\xad\xa3\xe6\x96\x87</p>", "<stdin>", "html")  # suffix without a dot
    assert html.format == "html" and html.text == "正文"


def test_load_text() -> None:
    doc = load_text("\ufeff一、总结\r\n正文。")
    assert doc.text == "一、总结\n正文。"
    assert doc.name == "<text>" and doc.format == "text" and doc.encoding == "unicode"
    assert doc.sha256 == hashlib.sha256("一、总结\n正文。".encode()).hexdigest()
    with pytest.raises(LoadError, match="empty"):
        load_text("  \n\u3000 ")


# --------------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------------

HTML_PAGE = """<!DOCTYPE html>
<html><head><meta charset="gbk"><title>站点标题</title>
<style>.x { color: red }</style><script>var tracking = "脚本内容";</script></head>
<body>
<div class="site-header"><a href="/">首页</a></div>
<nav><ul><li>导航一</li><li>导航二</li></ul></nav>
<div class="breadcrumb">当前位置 &gt; 工作总结</div>
<article>
  <header><h1>科技局工作总结</h1></header>
  <p>一、上半年工作
     情况</p>
  <p>完成技术合同登记<b>649</b>项&nbsp;，增长15%。</p>
  <p style="display: none">隐藏段落</p>
  <div hidden>也隐藏</div>
  <table><tr><td>指标</td><td>数值</td></tr><tr><td>企业</td><td>30家</td></tr></table>
  第一行<br>第二行
  <!-- 注释 -->
  <noscript>请启用脚本</noscript>
</article>
<aside>相关推荐</aside>
<footer>版权所有</footer>
</body></html>
"""


def test_html_visible_text_only(tmp_path: Path) -> None:
    doc = load_path(_write(tmp_path, "page.html", HTML_PAGE.encode("gbk")))
    assert doc.format == "html" and doc.encoding == "gb18030"
    assert doc.text.split("\n") == [
        "科技局工作总结",  # the article's own <header> is kept
        "一、上半年工作 情况",  # source line breaks inside a paragraph are just spaces
        "完成技术合同登记649项\xa0，增长15%。",  # inline tags do not break lines; &nbsp; decoded
        "指标",
        "数值",
        "企业",
        "30家",
        "第一行",
        "第二行",
    ]
    for gone in (
        "脚本内容",
        "站点标题",
        "导航",
        "首页",
        "当前位置",
        "隐藏",
        "注释",
        "请启用",
        "相关推荐",
        "版权所有",
    ):
        assert gone not in doc.text


def test_htm_utf8_without_meta(tmp_path: Path) -> None:
    doc = load_path(
        _write(tmp_path, "p.htm", "<html><body><p>正文一</p><p>正文二</p></body></html>".encode())
    )
    assert doc.text == "正文一\n正文二"


def test_html_without_visible_text(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="no visible text"):
        load_path(_write(tmp_path, "s.html", b"<html><script>var a = 1;</script></html>"))


# --------------------------------------------------------------------------------------------------
# DOCX
# --------------------------------------------------------------------------------------------------


def test_docx_paragraphs_and_tables_in_order(tmp_path: Path) -> None:
    import docx

    d = docx.Document()
    d.add_paragraph("科技局2020年工作总结")
    d.add_paragraph("一、主要工作")
    table = d.add_table(rows=2, cols=3)
    table.cell(0, 0).text = "指标"
    table.cell(0, 1).text = "完成"
    table.cell(0, 2).text = "备注"
    table.cell(1, 0).text = "高企"
    merged = table.cell(1, 1).merge(table.cell(1, 2))
    merged.text = "30家"
    d.add_paragraph("二、下一步安排。")
    path = tmp_path / "r.docx"
    d.save(str(path))

    doc = load_path(path)
    assert doc.format == "docx" and doc.encoding == "docx"
    assert doc.text.split("\n") == [
        "科技局2020年工作总结",
        "一、主要工作",
        "指标",
        "完成",
        "备注",
        "高企",
        "30家",
        "二、下一步安排。",
    ]
    assert doc.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_docx_that_is_not_a_zip(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match=r"not a valid \.docx"):
        load_path(_write(tmp_path, "fake.docx", "只是文本".encode()))


def test_docx_zip_without_document(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "empty.docx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(LoadError, match=r"not a valid \.docx"):
        load_path(path)


# --------------------------------------------------------------------------------------------------
# Refusals
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b" \r\n\t\n", "empty file"),
        ("\u3000\u3000\n".encode(), "empty file"),
        (b"\xef\xbb\xbf", "empty file"),  # a BOM and nothing else
        ("工作总结\x00\x00\x01".encode(), "binary file"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(1, 200)), "binary file"),
        (b"%PDF-1.7\n1 0 obj", "binary file"),
        (bytes(range(128, 256)) * 8, "cannot decode text"),
        (b"\xff\xfe\x00\xd8", "cannot decode text"),  # UTF-16 BOM then a lone surrogate
    ],
)
def test_refused_bytes(tmp_path: Path, data: bytes, reason: str) -> None:
    path = _write(tmp_path, "bad.txt", data)
    with pytest.raises(LoadError) as info:
        load_path(path)
    assert info.value.source == str(path)
    assert info.value.reason.startswith(reason)
    assert "\n" not in info.value.reason


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="file not found"):
        load_path(tmp_path / "nope.txt")


def test_directory_passed_to_load_path(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="is a directory"):
        load_path(tmp_path)


@pytest.mark.parametrize("name", ["report.xls", "report.odt", "README"])
def test_unsupported_suffix(tmp_path: Path, name: str) -> None:
    path = _write(tmp_path, name, "正文".encode())
    with pytest.raises(LoadError) as info:
        load_path(path)
    assert info.value.reason.startswith("unsupported file type")
    assert all(s in info.value.reason for s in SUPPORTED_SUFFIXES)
    with pytest.raises(LoadError, match=r"unsupported file type \.ppt"):
        load_bytes(b"x", "<stdin>", ".ppt")


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads any file")
def test_permission_denied(tmp_path: Path) -> None:
    path = _write(tmp_path, "locked.txt", "正文".encode())
    path.chmod(0)
    try:
        with pytest.raises(LoadError, match="permission denied"):
            load_path(path)
    finally:
        path.chmod(0o644)


# --------------------------------------------------------------------------------------------------
# discover
# --------------------------------------------------------------------------------------------------


def test_discover(tmp_path: Path) -> None:
    for name in [
        "b.txt", "a.md", "sub/c.html", "sub/deeper/d.DOCX", "sub/e.htm",
        ".hidden.txt", ".git/f.txt", "sub/.cache/g.txt", "~$lock.docx", "notes.pdf", "image.png",
        "old.doc", "sheet.xls",
    ]:  # fmt: skip
        _write(tmp_path, name, b"x")
    (tmp_path / "dir.txt").mkdir()  # a directory with a supported-looking name is not a file
    found = [p.relative_to(tmp_path).as_posix() for p in discover(tmp_path)]
    assert found == ["a.md", "b.txt", "notes.pdf", "old.doc", "sub/c.html", "sub/deeper/d.DOCX", "sub/e.htm"]


def test_discover_file_and_missing(tmp_path: Path) -> None:
    f = _write(tmp_path, "one.txt", b"x")
    assert discover(f) == [f]
    with pytest.raises(LoadError, match="no such file"):
        discover(tmp_path / "missing")


def test_discover_then_load_corpus() -> None:
    docs = [load_path(p) for p in discover(DATA) if p.suffix == ".txt"]
    assert len(docs) >= 5
    assert all(d.text.strip() and "\r" not in d.text for d in docs)
    assert all(re.fullmatch(r"[0-9a-f]{64}", d.sha256) for d in docs)
