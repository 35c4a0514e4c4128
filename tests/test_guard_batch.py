"""A batch's promises about its output folder (issue 17): nothing lost, nothing overwritten, nothing injected.

Items: 1 (outputs unique per input), 2 (--out equal to or inside the input folder), 4 (one run per output folder),
10 (CSV cells that a spreadsheet would run), 14 (--refresh, an index entry from another version, orphan .tmp
files, symlinks out of the input folder); and what held, kept tested: kill -9 at seven points then a rerun,
symlink loops.
"""

from __future__ import annotations

import csv
import fcntl
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from support import child_env, run_cli

from summarizer.batch import LOCK_NAME, neutralise_cell
from summarizer.testing import fake_openai as fs

DATA = Path(__file__).resolve().parent / "data"
MINI_TEXT = (DATA / "mini" / "mini_report.txt").read_text(encoding="utf-8")
TWO_CHUNK = (DATA / "mini" / "two_chunk_report.txt").read_text(encoding="utf-8")


def variant(i: int, text: str = MINI_TEXT) -> str:
    """The report with its own figures, so each document's summary (and cache keys) is its own."""
    return text.replace("649项", f"{600 + i}项").replace("登记649", f"登记{600 + i}")


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def index_of(out: Path) -> dict[str, dict[str, Any]]:
    data = json.loads((out / "index.json").read_text(encoding="utf-8"))
    return {d["source"]: d for d in data["documents"]}


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def offline(*args: str) -> list[str]:
    return [*args, "--backend", "offline", "--no-progress", "-q"]


# -- 1: every input gets its own outputs ---------------------------------------------------------------------------


def test_outputs_are_unique_per_input(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    inputs = ["d/report.txt", "d/sub/report.txt", "e/report.txt", "d/report.md", "d/index.txt", "d/Index.md"]
    for i, name in enumerate(inputs):
        write(tmp_path / name, variant(i))
    code, _, err = run_cli(monkeypatch, capsys, *offline("d", "e", "--out", "out", "--format", "html"))
    assert code == 0, err
    index = index_of(tmp_path / "out")
    assert sorted(index) == sorted(inputs)
    outputs = [o for d in index.values() for o in d["outputs"]]
    assert len(outputs) == 2 * len(inputs) == len({o.casefold() for o in outputs})
    # The batch's own files are never an input's output.
    assert not {"index.json", "index.html", "metrics.csv"} & {o.casefold() for o in outputs}
    for source, entry in index.items():
        summary = json.loads((tmp_path / "out" / entry["outputs"][0]).read_text(encoding="utf-8"))
        assert summary["source"]["name"] == source  # each output holds its own input's summary
        assert summary["metrics"][0]["evidence"]["quote"]
    # Outputs keep the relative path; a name two inputs share keeps its suffix too.
    assert index["d/sub/report.txt"]["outputs"] == ["d/sub/report.json", "d/sub/report.html"]
    assert index["e/report.txt"]["outputs"] == ["e/report.json", "e/report.html"]
    assert index["d/report.txt"]["outputs"] == ["d/report.txt.json", "d/report.txt.html"]
    assert index["d/report.md"]["outputs"] == ["d/report.md.json", "d/report.md.html"]
    assert json.loads((tmp_path / "out" / "index.json").read_text(encoding="utf-8"))["documents"]
    rows = csv_rows(tmp_path / "out" / "metrics.csv")
    assert {r["document"] for r in rows} == set(inputs)


def test_a_single_folder_keeps_its_plain_output_names(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    write(tmp_path / "in" / "a.txt", variant(1))
    write(tmp_path / "in" / "sub" / "b.txt", variant(2))
    write(tmp_path / "in" / "index.txt", variant(3))  # index.json is the batch's own
    code, _, err = run_cli(monkeypatch, capsys, *offline(str(tmp_path / "in"), "--out", str(tmp_path / "out")))
    assert code == 0, err
    index = index_of(tmp_path / "out")
    assert sorted(o for d in index.values() for o in d["outputs"]) == ["a.json", "index.txt.json", "sub/b.json"]
    assert len(index) == 3


# -- 2: --out never mixes with the inputs --------------------------------------------------------------------------


def test_out_equal_to_the_input_folder_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = tmp_path / "d"
    write(folder / "report.md", variant(1))
    write(folder / "x.txt", variant(2))
    before = {p: p.read_bytes() for p in folder.rglob("*")}
    for out in (folder, tmp_path):  # the folder itself, or a folder that holds it
        code, stdout, err = run_cli(monkeypatch, capsys, *offline(str(folder), "--out", str(out), "--format", "md"))
        assert code == 2 and stdout == ""
        (line,) = err.strip().splitlines()
        assert "--out" in line and "input" in line and "Traceback" not in err
    assert {p: p.read_bytes() for p in folder.rglob("*")} == before


def test_out_inside_the_input_folder_is_not_read_back(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = tmp_path / "d"
    write(folder / "a.txt", variant(1))
    write(folder / "b.md", variant(2))
    out = folder / "summaries"
    for _ in range(2):
        code, _, err = run_cli(monkeypatch, capsys, *offline(str(folder), "--out", str(out), "--format", "md"))
        assert code == 0, err
    assert sorted(Path(s).name for s in index_of(out)) == ["a.txt", "b.md"]
    assert not list(out.rglob("summaries"))


def test_an_output_never_overwrites_an_input(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Inputs named one by one from inside the output folder: x.md's Markdown summary would be x.md itself.
    out = tmp_path / "out"
    x = write(out / "x.md", variant(1))
    y = write(out / "y.txt", variant(2))
    before = x.read_bytes()
    code, _, err = run_cli(monkeypatch, capsys, *offline(str(x), str(y), "--out", str(out), "--format", "md"))
    assert code == 0, err
    assert x.read_bytes() == before
    outputs = {o for d in index_of(out).values() for o in d["outputs"]}
    assert "x.md" not in outputs and "x.md.md" in outputs


# -- 4: one run per output folder ----------------------------------------------------------------------------------


def hold_lock(out: Path) -> Any:
    out.mkdir(parents=True, exist_ok=True)
    fh = (out / LOCK_NAME).open("a+")
    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return fh


def test_a_second_run_into_the_same_folder_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    write(tmp_path / "in" / "a.txt", variant(1))
    out = tmp_path / "out"
    fh = hold_lock(out)
    try:
        code, _, err = run_cli(monkeypatch, capsys, *offline(str(tmp_path / "in"), "--out", str(out)))
    finally:
        fh.close()
    assert code == 2
    (line,) = err.strip().splitlines()
    assert "another summarize run" in line and "--wait" in line
    assert not (out / "index.json").exists()
    # with the lock released (the holder died: fcntl locks die with their process), the next run goes ahead
    code, _, err = run_cli(monkeypatch, capsys, *offline(str(tmp_path / "in"), "--out", str(out)))
    assert code == 0, err
    assert (out / LOCK_NAME).exists()  # left in place: the lock is on the open file, not its existence


def test_wait_waits_for_the_other_run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    write(tmp_path / "in" / "a.txt", variant(1))
    out = tmp_path / "out"
    fh = hold_lock(out)
    threading.Timer(1.0, fh.close).start()
    code, _, err = run_cli(monkeypatch, capsys, *offline(str(tmp_path / "in"), "--out", str(out), "--wait"))
    assert code == 0, err
    assert index_of(out)


def test_two_processes_at_once_never_corrupt_the_index(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    for i in range(12):
        write(folder / f"doc{i:02}.txt", variant(i))
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "summarizer", str(folder), "--out", str(out), "--no-progress", "-q"]
    procs = [
        subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=child_env(tmp_path / "c"))
        for _ in range(2)
    ]
    results = [p.communicate(timeout=60) for p in procs]
    codes = sorted(p.returncode for p in procs)
    assert codes in ([0, 0], [0, 2]), results
    if codes == [0, 2]:
        loser = results[[p.returncode for p in procs].index(2)][1]
        assert "another summarize run" in loser and "Traceback" not in loser
    index = index_of(out)
    assert len(index) == 12 and {d["status"] for d in index.values()} <= {"ok", "skipped"}
    assert len(csv_rows(out / "metrics.csv")) >= 12


# -- 10: CSV cells a spreadsheet would run -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("＝1+1", "'＝1+1"),  # full-width: Excel reads it as = in some locales
        ("-3.5", "-3.5"),  # a plain signed number is data
        ("+7%", "+7%"),
        ("地区生产总值", "地区生产总值"),
        ("", ""),
    ],
)
def test_neutralise_cell(value: str, shown: str) -> None:
    assert neutralise_cell(value) == shown
    assert neutralise_cell(1.5) == 1.5 and neutralise_cell(-2) == -2 and neutralise_cell(None) is None


def test_neutralised_cells_is_neutralise_cell_on_every_column() -> None:
    import random

    from summarizer.safety import neutralised_cells

    rng = random.Random(19)
    starts = ["=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠", "1", "a", "全", "'", " ", ""]
    tails = ["", "1", "1.5", "5%", "cmd|' /C calc'!A0", "SUM(A1)", "亿元", "-3"]
    columns = ["a", "b", "c", "d", "e"]
    for _ in range(2000):
        row: dict[str, Any] = {
            c: rng.choice([rng.choice(starts) + rng.choice(tails), None, 1.5, -2, True]) for c in columns[:-1]
        }  # "e" missing: an empty cell, as DictWriter writes it
        expected = [neutralise_cell(row.get(c)) for c in columns]
        assert neutralised_cells(row, columns) == expected, row


def test_metrics_and_across_csv_are_neutralised(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """File names and model-written names reach metrics.csv, series.csv and targets.csv neutralised."""
    folder = tmp_path / "in"
    write(folder / "=1+2.txt", variant(1))
    write(folder / "@x.txt", variant(2))
    code, _, err = run_cli(monkeypatch, capsys, *offline(str(folder), "--out", str(tmp_path / "out")))
    assert code == 0, err
    rows = csv_rows(tmp_path / "out" / "metrics.csv")
    assert {r["document"] for r in rows} == {f"{folder}/=1+2.txt", f"{folder}/@x.txt"}  # start with "/": data
    from summarizer.across import SERIES_COLUMNS, SeriesRow, write_csv

    row = SeriesRow(
        organization="=cmd|' /C calc'!A0", indicator="gdp", indicator_name="地区生产总值", period="2020年",
        period_start="2020-01", period_end="2020-12", kind="result", value="-1+1", number=-1.0, high=None,
        unit="%", approx="", revised=False, document="@evil.txt", report_period="2020年", report_start="2020-01",
        metric="m1",
        quote="+HYPERLINK()", extra_documents=(),
    )  # fmt: skip
    path = write_csv(tmp_path / "series.csv", [row], SERIES_COLUMNS)
    (got,) = csv_rows(path)
    assert got["organization"].startswith("'=") and got["value"] == "'-1+1"
    assert got["document"] == "'@evil.txt" and got["quote"] == "'+HYPERLINK()"
    assert got["number"] == "-1"  # numbers stay numbers


def test_a_direct_file_name_with_a_formula_is_neutralised(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "=1+2.txt", variant(1))
    write(tmp_path / "b.txt", variant(2))
    code, _, err = run_cli(monkeypatch, capsys, *offline("=1+2.txt", "b.txt", "--out", "out"))
    assert code == 0, err
    assert {r["document"] for r in csv_rows(tmp_path / "out" / "metrics.csv")} == {"'=1+2.txt", "b.txt"}


# -- 14: --refresh, an index written by another version, orphan temporary files, symlinks --------------------------


def test_refresh_redoes_finished_documents(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    write(tmp_path / "in" / "a.txt", variant(1))
    args = offline(str(tmp_path / "in"), "--out", str(tmp_path / "out"))
    assert run_cli(monkeypatch, capsys, *args)[0] == 0
    assert run_cli(monkeypatch, capsys, *args)[0] == 0
    assert [d["status"] for d in index_of(tmp_path / "out").values()] == ["skipped"]
    assert run_cli(monkeypatch, capsys, *args, "--refresh")[0] == 0
    assert [d["status"] for d in index_of(tmp_path / "out").values()] == ["ok"]


def test_an_index_entry_with_an_unknown_key_is_still_read(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    write(tmp_path / "in" / "a.txt", variant(1))
    out = tmp_path / "out"
    args = offline(str(tmp_path / "in"), "--out", str(out))
    assert run_cli(monkeypatch, capsys, *args)[0] == 0
    data = json.loads((out / "index.json").read_text(encoding="utf-8"))
    data["documents"][0]["added_by_a_newer_version"] = 1
    (out / "index.json").write_text(json.dumps(data), encoding="utf-8")
    code, _, err = run_cli(monkeypatch, capsys, *args)
    assert code == 0, err
    assert [d["status"] for d in index_of(out).values()] == ["skipped"]


def test_orphan_temporary_files_are_removed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    write(tmp_path / "in" / "sub" / "a.txt", variant(1))
    out = tmp_path / "out"
    orphans = [
        write(out / "sub" / ".a.json.4242.139872.tmp", "{"),
        write(out / ".index.json.4242.1.tmp", "{"),
        write(out / ".metrics.csv.4242.tmp", "x"),
        write(out / ".metrics.parquet.tmp", "x"),
        write(out / ".series.csv.4242.tmp", "x"),
    ]
    keep = [
        write(out / "notes.tmp", "mine"),
        write(out / ".hidden.tmp", "mine"),
        write(tmp_path / "in" / ".b.1.tmp", "in"),
    ]
    code, _, err = run_cli(monkeypatch, capsys, *offline(str(tmp_path / "in"), "--out", str(out)))
    assert code == 0, err
    assert [p for p in orphans if p.exists()] == []
    assert all(p.exists() for p in keep)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_a_symlink_out_of_the_input_folder_is_followed_only_when_asked(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    folder = tmp_path / "in"
    write(folder / "a.txt", variant(1))
    secret = write(tmp_path / "elsewhere" / "private.txt", variant(2))
    (folder / "link.txt").symlink_to(secret)
    (folder / "inner.txt").symlink_to(folder / "a.txt")  # inside the folder: fine
    out = tmp_path / "out"
    code, _, err = run_cli(monkeypatch, capsys, str(folder), "--out", str(out), "--backend", "offline", "--no-progress")
    assert code == 0, err
    assert sorted(Path(s).name for s in index_of(out)) == ["a.txt", "inner.txt"]
    (warning,) = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert "link.txt" in warning and "--follow-symlinks" in warning
    code, _, err = run_cli(monkeypatch, capsys, *offline(str(folder), "--out", str(out), "--follow-symlinks"))
    assert code == 0, err
    assert sorted(Path(s).name for s in index_of(out)) == ["a.txt", "inner.txt", "link.txt"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlink_loops_end(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write(folder / "sub" / "a.txt", variant(1))
    (folder / "sub" / "loop").symlink_to(folder)
    (folder / "self.txt").symlink_to(folder / "self.txt")
    code, _, err = run_cli(monkeypatch, capsys, *offline(str(folder), "--out", str(tmp_path / "out")))
    assert code in (0, 2) and "Traceback" not in err
    assert "sub/a.txt" in " ".join(index_of(tmp_path / "out"))


# -- kill -9 at seven points, then a rerun: every output valid, the index consistent -------------------------------

DOCS = 8


def responder(body: dict[str, Any], n: int) -> fs.Behaviour:
    return fs.pipeline_answer(body, summary="本段介绍科技工作。", overview="科技工作稳步推进。")


def journal_entries(out: Path) -> int:
    try:
        return len((out / ".index.journal.jsonl").read_text(encoding="utf-8").splitlines())
    except OSError:
        return 0


def check_folder(out: Path) -> None:
    """Whatever a kill left: every JSON file parses, and every output the index names exists and parses."""
    for p in out.rglob("*.json"):
        json.loads(p.read_text(encoding="utf-8"))
    if (out / "index.json").exists():
        for entry in index_of(out).values():
            for o in entry["outputs"]:
                assert (out / o).is_file(), o


def test_kill_9_at_seven_points_then_rerun(tmp_path: Path) -> None:
    folder, out = tmp_path / "in", tmp_path / "out"
    names = [f"doc{i}.txt" for i in range(DOCS)]
    for i, name in enumerate(names):
        write(folder / name, variant(i, TWO_CHUNK).replace("增长10%", f"增长{20 + i}%"))
    with fs.FakeOpenAI(responder, latency=0.03) as server:
        cmd = [sys.executable, "-m", "summarizer", str(folder), "--out", str(out), "--backend", "llm"]
        cmd += ["--base-url", server.base_url, "--api-key", "sk-test", "--model", "fake-model", "--no-progress"]
        cmd += ["--concurrency", "2", "--chunk-size", "200", "--format", "md", "--retries", "0"]
        env = child_env(tmp_path / "cache")
        killed = 0
        for point in range(7):
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
            # kill at increasing moments: at start-up, mid-requests, after the journal's first lines
            deadline = time.monotonic() + 0.05 * point
            while time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.005)
            if point >= 3:
                until = time.monotonic() + 5
                while journal_entries(out) < 1 and proc.poll() is None and time.monotonic() < until:
                    time.sleep(0.005)
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                killed += 1
            proc.wait(timeout=10)
            check_folder(out)
        assert killed >= 3
        final = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)
    assert final.returncode == 0, final.stderr
    check_folder(out)
    index = index_of(out)
    assert sorted(Path(s).name for s in index) == names
    assert {d["status"] for d in index.values()} <= {"ok", "skipped"}
    assert not list(out.rglob("*.tmp")) and not (out / ".index.journal.jsonl").exists()
    for entry in index.values():
        assert sorted(Path(o).suffix for o in entry["outputs"]) == [".json", ".md"]
    assert (out / "metrics.csv").is_file()
