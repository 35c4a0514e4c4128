"""Hostile and broken inputs, one at a time (issue 17): each gets a summary or one line and exit 2, never an
internal error, a hang or the machine's memory.

Items: 3 (a file name that is not UTF-8), 5 (a .docx zip bomb), 6 (deeply nested HTML), 12 (the API's path
rule), 13 (bad settings), 14 (a FIFO or a device as input, one bad byte in a UTF-8 file).
"""

from __future__ import annotations

import io
import json
import logging
import math
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from support import child_env, run_cli

from summarizer import Summarizer, summarize
from summarizer.config import Settings
from summarizer.errors import LoadError, SettingsError
from summarizer.load import load_bytes, load_path

DATA = Path(__file__).resolve().parent / "data"
MINI = DATA / "mini" / "mini_report.txt"
MINI_TEXT = MINI.read_text(encoding="utf-8")
XIANNING = (DATA / "xianning_city_2020h1.txt").read_text(encoding="utf-8")


def one_line_error(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err and "internal error" not in err, err
    return lines[0]


# -- 3: a file name that is not valid UTF-8 ------------------------------------------------------------------

GBK_NAME = "工作总结".encode("gbk") + b".txt"  # 0xb9 0xa4 ...: not UTF-8


@pytest.mark.skipif(sys.platform == "darwin", reason="macOS file systems refuse names that are not UTF-8")
def test_a_file_name_that_is_not_utf8_is_summarized_in_a_batch(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "ok.txt").write_text(MINI_TEXT, encoding="utf-8")
    with open(os.path.join(os.fsencode(folder), GBK_NAME), "wb") as fh:
        fh.write(MINI_TEXT.encode("utf-8"))
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "summarizer", str(folder), "--out", str(out), "--no-progress", "--format", "md"],
        capture_output=True,
        text=True,
        env=child_env(tmp_path / "cache"),
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "internal error" not in proc.stderr
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    assert [d["status"] for d in index["documents"]] == ["ok", "ok"]
    # The name is shown with its undecodable bytes escaped: readable, and valid UTF-8 everywhere it is written.
    names = sorted(d["source"] for d in index["documents"])
    assert any("\\xb9\\xa4" in n for n in names), names
    for o in (o for d in index["documents"] for o in d["outputs"]):
        assert (out / o).is_file()
    csv_text = (out / "metrics.csv").read_text(encoding="utf-8-sig")
    assert "\\xb9\\xa4" in csv_text


def test_a_file_name_that_is_not_utf8_alone(tmp_path: Path) -> None:
    path = os.path.join(os.fsencode(tmp_path), GBK_NAME)
    with open(path, "wb") as fh:
        fh.write(MINI_TEXT.encode("utf-8"))
    proc = subprocess.run(
        [sys.executable, "-m", "summarizer", os.fsdecode(path)],
        capture_output=True,
        env=child_env(tmp_path / "cache"),
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout.decode("utf-8"))  # valid UTF-8 output
    assert "\\xb9\\xa4" in summary["source"]["name"]
    proc.stderr.decode("utf-8")


# -- 5: a .docx zip bomb -------------------------------------------------------------------------------------


def docx_bomb(megabytes: int) -> bytes:
    """A .docx whose document.xml inflates to ``megabytes`` MB (a few hundred KB on disk)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with z.open("word/document.xml", "w") as fh:
            block = b" " * (1 << 20)
            for _ in range(megabytes):
                fh.write(block)
    return buf.getvalue()


def test_docx_zip_bomb_is_refused_with_one_line_and_the_cap_can_be_raised(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "bomb.docx"
    path.write_bytes(docx_bomb(210))
    assert path.stat().st_size < 2 << 20
    code, out, err = run_cli(monkeypatch, capsys, str(path))
    assert code == 2 and out == ""
    line = one_line_error(err)
    assert "bomb.docx" in line and "--max-unpacked-mb" in line and "210 MB" in line
    # Raised past the bomb's size, the cap lets it through to the .docx reader (which says what it really is).
    code, _, err = run_cli(monkeypatch, capsys, str(path), "--max-unpacked-mb", "300")
    assert code == 2 and "--max-unpacked-mb" not in err
    one_line_error(err)


# -- 6: deeply nested HTML -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "markup",
    [
        "<div>" * 3000 + "工作总结：完成技术合同登记649项。" + "</div>" * 3000,
        "<font>" * 5000 + "工作总结：完成技术合同登记649项。",  # never closed
        "<b><i>" * 3000 + "工作总结：完成技术合同登记649项。",
    ],
    ids=["nested-divs", "unclosed-font", "unclosed-inline"],
)
def test_deeply_nested_html_is_read(markup: str) -> None:
    page = f"<html><body><p>标题</p>{markup}<p>下一步工作安排。</p></body></html>".encode()
    doc = load_bytes(page, "deep.html", ".html")
    assert "完成技术合同登记649项" in doc.text and "下一步工作安排" in doc.text


def test_deeply_nested_html_through_the_cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    body = "<font>" * 1200 + XIANNING.replace("\n", "<br>\n")
    path = tmp_path / "deep.html"
    path.write_text(f"<html><body>{body}</body></html>", encoding="utf-8")
    code, out, err = run_cli(monkeypatch, capsys, str(path), "--backend", "offline", "-q")
    assert code == 0, err
    assert json.loads(out)["metrics"]


# -- 12: the API's rule for paths and text -----------------------------------------------------------------------


def test_api_raises_on_a_missing_path_instead_of_summarizing_its_name(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="file not found"):
        summarize("/no/such/report.txt", backend="offline")
    with pytest.raises(LoadError, match="file not found"):
        summarize(str(tmp_path / "missing.docx"), backend="offline")
    with pytest.raises(LoadError, match="file not found"):
        summarize(tmp_path / "missing", backend="offline")  # a Path is always a path


def test_api_raises_on_a_folder(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="is a directory"):
        summarize(str(tmp_path), backend="offline")
    with pytest.raises(LoadError, match="is a directory"):
        summarize(tmp_path, backend="offline")


def test_api_text_goes_through_an_explicit_argument() -> None:
    s = summarize(text=MINI_TEXT, backend="offline")
    assert s.source.name == "<text>" and s.metrics
    with Summarizer(backend="offline") as summarizer:
        assert summarizer.run(text=MINI_TEXT).summary.source.name == "<text>"
        # a one-line text that looks like a path is still text when it is passed as text
        assert summarizer.summarize(text="/etc/passwd完成技术合同登记649项。").source.name == "<text>"
    with pytest.raises(TypeError, match="either"):
        summarize(MINI, text=MINI_TEXT, backend="offline")


def test_api_bytes_are_decoded_like_a_file() -> None:
    gbk = MINI_TEXT.encode("gb18030")
    s = summarize(gbk, backend="offline")
    assert s.source.encoding == "gb18030" and s.source.name == "<bytes>"
    assert [m.value for m in s.metrics] == [m.value for m in summarize(text=MINI_TEXT, backend="offline").metrics]


# -- 13: bad settings are one line and exit 2 ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "env", "needle"),
    [
        ([], {"SUMMARIZER_CONCURRENCY": "0"}, "SUMMARIZER_CONCURRENCY"),
        ([], {"SUMMARIZER_BACKEND": "foo"}, "unknown backend 'foo'"),
        (["--backend", "llm"], {}, "needs an endpoint"),
        (["--backend", "llm", "--base-url", "htp:/x y"], {}, "base_url"),
        (["--backend", "llm", "--base-url", "not a url"], {}, "base_url"),
        (["--backend", "llm", "--base-url", "http://"], {}, "base_url"),
        ([], {"OPENAI_BASE_URL": "localhost:8000/v1"}, "OPENAI_BASE_URL"),
        (["--timeout", "-1"], {}, "timeout"),
        (["--timeout", "nan"], {}, "timeout"),
        (["--price", "m=-1,2"], {}, "price"),
        (["--price", "gpt-4o-mini=nan,nan"], {}, "price"),
        (["--price", "m=inf,1"], {}, "price"),
    ],
)
def test_bad_settings_one_line_exit_2(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    env: dict[str, str],
    needle: str,
) -> None:
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    code, out, err = run_cli(monkeypatch, capsys, str(MINI), *args)
    assert code == 2 and out == "", err
    line = one_line_error(err)
    assert line.startswith("summarize: error:") and needle in line and "$nan" not in line


@pytest.mark.parametrize(
    "values",
    [
        {"prices": {"m": (math.nan, 1.0)}},
        {"prices": {"m": (-1.0, 1.0)}},
        {"base_url": "ftp://example.com/v1"},
        {"timeout": math.inf},
        {"backoff_max": math.nan},
    ],
)
def test_bad_settings_raise_settings_error(values: dict[str, Any]) -> None:
    with pytest.raises(SettingsError) as info:
        Settings(**values) if False else Settings.validated(values)
    assert "\n" not in str(info.value)


def test_good_base_urls_are_accepted() -> None:
    for url in (
        "http://127.0.0.1:8000/v1",
        "https://api.deepseek.com/v1",
        "http://[::1]:11434/v1/",
        "http://ollama/v1",
    ):
        assert Settings(base_url=url).base_url == url


# -- 14: a FIFO or a device as input; a tiny damage in a UTF-8 file ---------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "report.txt"
    os.mkfifo(fifo)
    proc = subprocess.run(
        [sys.executable, "-m", "summarizer", str(fifo)],
        capture_output=True,
        text=True,
        env=child_env(tmp_path / "cache"),
        timeout=30,  # a FIFO with no writer would block the read forever
    )
    assert proc.returncode == 2
    line = one_line_error(proc.stderr)
    assert "not a regular file" in line and str(fifo) in line


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_device_is_refused() -> None:
    with pytest.raises(LoadError, match="not a regular file"):
        load_path("/dev/zero")
    with pytest.raises(LoadError, match="not a regular file"):
        load_path(Path("/dev/zero"))


def test_one_bad_byte_in_a_utf8_file_is_replaced_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = XIANNING.encode("utf-8")
    assert len(data) > 10_000
    cut = data.index("。".encode()) + 3
    path = tmp_path / "damaged.txt"
    path.write_bytes(data[:cut] + b"\xff" + data[cut:])
    with caplog.at_level(logging.WARNING):
        doc = load_path(path)
    assert doc.encoding == "utf_8"
    assert doc.text == XIANNING[: len(data[:cut].decode())] + "\ufffd" + XIANNING[len(data[:cut].decode()) :]
    assert any("1 invalid byte" in r.getMessage() and "damaged.txt" in r.getMessage() for r in caplog.records)


def test_much_damage_is_still_refused() -> None:
    data = XIANNING.encode("utf-8")
    damaged = bytearray(data)
    for i in range(0, len(damaged), 50):
        damaged[i] = 0xFF
    with pytest.raises(LoadError):
        load_bytes(bytes(damaged), "bad.txt", ".txt")


# -- 14: a text too large to summarize in reasonable time ----------------------------------------------------------


def test_a_text_past_the_limit_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """10 MB of text takes about 30 s offline and grows faster than linearly (bench/README.md): past the limit,
    one line naming the option, before any work."""
    big = tmp_path / "big.txt"
    big.write_text(XIANNING * (11 * (1 << 20) // len(XIANNING.encode("utf-8")) + 1), encoding="utf-8")
    code, out, err = run_cli(monkeypatch, capsys, str(big), "--backend", "offline")
    assert code == 2 and out == ""
    line = one_line_error(err)
    assert "big.txt" in line and "more than the limit of 10 MB" in line and "--max-text-mb" in line
    small = tmp_path / "small.txt"
    small.write_text(XIANNING, encoding="utf-8")
    code, _, err = run_cli(monkeypatch, capsys, str(small), "--max-text-mb", "0.01")
    assert code == 2 and "--max-text-mb" in one_line_error(err)
    with pytest.raises(LoadError, match="--max-text-mb"):
        summarize(text=XIANNING, backend="offline", max_text_mb=0.01)
