"""The CLI end to end (offline backend): outputs, stages, exit codes, one-line errors, batches."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from support import run_cli

DATA = Path(__file__).resolve().parent / "data"
XIANNING = DATA / "xianning_city_2020h1.txt"


def test_offline_json_to_stdout(monkeypatch, capsys, tmp_path) -> None:
    code, out, err = run_cli(monkeypatch, capsys, str(XIANNING), "--cache-dir", str(tmp_path / "c"))
    assert code == 0, err
    data = json.loads(out)
    assert data["backend"] == "offline"
    assert data["source"]["name"].endswith("xianning_city_2020h1.txt")
    assert "咸宁" in out  # Chinese left readable, not \\u-escaped
    assert "offline backend" in err and "OPENAI_BASE_URL" in err  # says why and how to configure
    assert "grounded" in err


def test_markdown_and_html(monkeypatch, capsys) -> None:
    code, out, _ = run_cli(monkeypatch, capsys, str(XIANNING), "--format", "md")
    assert code == 0 and out.startswith("#")
    code, out, _ = run_cli(monkeypatch, capsys, str(XIANNING), "--format", "html")
    assert code == 0 and out.lstrip().lower().startswith("<!doctype html")


@pytest.mark.parametrize("stage", ["clean", "sections", "chunks", "numbers"])
def test_stages_text_and_json(monkeypatch, capsys, stage: str) -> None:
    code, out, err = run_cli(monkeypatch, capsys, str(XIANNING), "--stage", stage)
    assert code == 0, err
    assert out.strip()
    code, out, err = run_cli(monkeypatch, capsys, str(XIANNING), "--stage", stage, "--format", "json")
    assert code == 0, err
    json.loads(out)


def test_stage_sections_shows_tree(monkeypatch, capsys) -> None:
    code, out, _ = run_cli(monkeypatch, capsys, str(XIANNING), "--stage", "sections")
    assert code == 0
    assert "一、参与和服务疫情防控情况" in out
    assert "三、存在的问题" in out or "存在的问题" in out


def test_stdin(monkeypatch, capsys) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(XIANNING.read_bytes())))
    code, out, err = run_cli(monkeypatch, capsys, "-", "--stage", "numbers", "--format", "json")
    assert code == 0, err
    assert any(m["text"].startswith("50亿") for m in json.loads(out))


@pytest.mark.parametrize(
    ("content", "needle"),
    [(b"", "empty"), (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary")],
)
def test_bad_input_one_line_exit_2(monkeypatch, capsys, tmp_path, content: bytes, needle: str) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    code, out, err = run_cli(monkeypatch, capsys, str(bad))
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "bad.txt" in lines[0] and needle in lines[0].lower()
    assert "Traceback" not in err


def test_missing_file_and_usage_errors(monkeypatch, capsys, tmp_path) -> None:
    code, _, err = run_cli(monkeypatch, capsys, str(tmp_path / "nope.txt"))
    assert code == 2 and "nope.txt" in err and "Traceback" not in err
    code, _, err = run_cli(monkeypatch, capsys, str(XIANNING), "--format", "text")
    assert code == 2
    code, _, err = run_cli(monkeypatch, capsys, str(XIANNING), "--backend", "replay")
    assert code == 2 and "--cassettes" in err


def test_help_has_examples(monkeypatch, capsys) -> None:
    code, out, _ = run_cli(monkeypatch, capsys, "--help")
    assert code == 0
    assert "Examples:" in out and "--stage" in out and "Exit codes" in out


def test_batch_writes_each_and_keeps_going(monkeypatch, capsys, tmp_path) -> None:
    corpus = tmp_path / "in"
    corpus.mkdir()
    for name in ("xianning_city_2020h1.txt", "xuancheng_county_2020h1.txt"):
        shutil.copy(DATA / name, corpus / name)
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "sub").mkdir()
    shutil.copy(DATA / "county_trad_pinyin_2020h1.txt", corpus / "sub" / "trad.txt")
    out = tmp_path / "out"
    code, _, err = run_cli(monkeypatch, capsys, str(corpus), "--out", str(out), "--format", "md")
    assert code == 2  # one document failed
    assert "empty.txt" in err and "Traceback" not in err
    for stem in ("xianning_city_2020h1", "xuancheng_county_2020h1", "sub/trad"):
        assert (out / f"{stem}.json").is_file() and (out / f"{stem}.md").is_file()
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    status = {Path(d["source"]).name: d["status"] for d in index["documents"]}
    assert status == {
        "xianning_city_2020h1.txt": "ok",
        "xuancheng_county_2020h1.txt": "ok",
        "trad.txt": "ok",
        "empty.txt": "failed",
    }
    csv_text = (out / "metrics.csv").read_text(encoding="utf-8-sig")
    header = csv_text.splitlines()[0]
    assert header.startswith(
        "document,organization,report_period,period,period_start,period_end,section_path,name,indicator,value,number,unit"
    )
    assert "xianning_city_2020h1.txt" in csv_text and "trad.txt" in csv_text

    # Rerun: finished documents are skipped (same source hash and settings), the bad one fails again.
    before = (out / "xianning_city_2020h1.json").stat().st_mtime_ns
    code, _, err = run_cli(monkeypatch, capsys, str(corpus), "--out", str(out), "--format", "md")
    assert code == 2
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    status = {Path(d["source"]).name: d["status"] for d in index["documents"]}
    assert status["xianning_city_2020h1.txt"] == "skipped"
    assert status["empty.txt"] == "failed"
    assert (out / "xianning_city_2020h1.json").stat().st_mtime_ns == before


def test_batch_metrics_parquet_when_pyarrow(monkeypatch, capsys, tmp_path) -> None:
    pq = pytest.importorskip("pyarrow.parquet", reason="pyarrow is an optional extra")
    corpus = tmp_path / "in"
    corpus.mkdir()
    shutil.copy(XIANNING, corpus / XIANNING.name)
    code, _, err = run_cli(monkeypatch, capsys, str(corpus), "--out", str(tmp_path / "out"))
    assert code == 0, err
    table = pq.read_table(tmp_path / "out" / "metrics.parquet")
    csv_rows = (tmp_path / "out" / "metrics.csv").read_text(encoding="utf-8-sig").splitlines()
    assert table.num_rows == len(csv_rows) - 1 > 10
    assert table.column_names[:6] == [
        "document",
        "organization",
        "report_period",
        "period",
        "period_start",
        "period_end",
    ]
    assert "30.95亿" in table.column("value").to_pylist()


def test_stage_honours_core_flags(monkeypatch, capsys) -> None:
    trad = DATA / "county_trad_pinyin_2020h1.txt"
    stage = [str(trad), "--stage", "chunks", "--format", "json"]
    _, default, _ = run_cli(monkeypatch, capsys, *stage)
    _, small, _ = run_cli(monkeypatch, capsys, *stage, "--chunk-size", "400")
    assert len(json.loads(small)) > len(json.loads(default))
    _, kept, _ = run_cli(monkeypatch, capsys, str(trad), "--stage", "clean", "--keep-traditional")
    assert "創新" in kept and "创新" not in kept


def test_a_page_that_is_all_chrome_is_one_clear_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "chrome.txt"
    page.write_text(
        "鹏程文库 - 专业文档分享平台\n首页 | 范文 | 总结 | 计划\n此文档下载收益归作者所有\nCopyright © 2024 鹏程文库\n",
        encoding="utf-8",
    )
    code, out, err = run_cli(monkeypatch, capsys, str(page), "--backend", "offline")
    assert code == 2
    assert out == ""
    assert err.strip().endswith(f"no report text found in {page}")
    assert len(err.strip().splitlines()) == 1
