"""Ctrl-C against a slow endpoint (issue 17, item 7): the command stops within a couple of seconds, keeps every
finished document, prints one line and exits 130 — for one document, for a batch, and on a second Ctrl-C.

The command runs as a child process against ``FakeOpenAI`` whose answers hang for far longer than the test waits;
the bound asserted ("exits within N seconds") is generous, the point is that it does not wait for the requests.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from support import child_env

from summarizer.testing import fake_openai as fs

DATA = Path(__file__).resolve().parent / "data"
TWO_CHUNK = (DATA / "mini" / "two_chunk_report.txt").read_text(encoding="utf-8")
MINI = (DATA / "mini" / "mini_report.txt").read_text(encoding="utf-8")
# As test_batch_resume: a child whose parent ignored SIGINT would ignore it too; install the default handler.
ENTRY = (
    "import signal; signal.signal(signal.SIGINT, signal.default_int_handler); from summarizer.cli import main; main()"
)
HANG = 30.0  # far longer than any bound below
EXIT_WITHIN = 6.0
LINE = "summarize: interrupted; finished documents are kept, rerun to resume"


def variant(i: int) -> str:
    return TWO_CHUNK.replace("某县", f"第{i}县").replace("登记649项", f"登记{700 + i}项")


def later_document(body: dict[str, Any]) -> bool:
    """Whether a request is one of a document after doc0 and doc1 (its own text names 第2县 to 第5县)."""
    return re.search(r"第[2-9]县", json.dumps(body, ensure_ascii=False)) is not None


def llm_args(server: fs.FakeOpenAI) -> list[str]:
    return [
        "--backend", "llm", "--base-url", server.base_url, "--api-key", "sk-test-int", "--model", "fake-model",
        "--timeout", "60", "--retries", "3", "--validation-retries", "0", "--no-progress", "--chunk-size", "200",
        "--concurrency", "2",
    ]  # fmt: skip


def start(args: list[str], cache: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", ENTRY, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(cache),
    )


def wait_for(condition: Any, proc: subprocess.Popen[str], what: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert proc.poll() is None, f"exited before {what}: {proc.communicate()}"
        assert time.monotonic() < deadline, f"no {what} within {timeout} s"
        time.sleep(0.02)


def interrupt(proc: subprocess.Popen[str], times: int = 1) -> tuple[str, str, float]:
    """Send SIGINT ``times`` times (0.2 s apart); (stdout, stderr, seconds from the first to the exit)."""
    t0 = time.monotonic()
    for i in range(times):
        if i:
            time.sleep(0.2)
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=EXIT_WITHIN + 20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return out, err, time.monotonic() - t0


def check_one_line(err: str) -> None:
    assert "Traceback" not in err and "internal error" not in err, err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert [ln for ln in lines if "interrupted" in ln] == [LINE], err


@pytest.mark.parametrize("report", ["two chunks", "one chunk"])
def test_ctrl_c_stops_one_document_at_once(tmp_path: Path, report: str) -> None:
    path = tmp_path / "r.txt"
    path.write_text(variant(1) if report == "two chunks" else MINI, encoding="utf-8")
    with fs.FakeOpenAI(lambda body, n: fs.hang(HANG)) as server:
        proc = start([str(path), *llm_args(server)], tmp_path / "cache")
        wait_for(lambda: server.requests, proc, "a request")
        out, err, took = interrupt(proc)
    assert proc.returncode == 130, err
    assert took < EXIT_WITHIN, f"took {took:.1f} s to exit"
    assert out == ""
    check_one_line(err)


@pytest.mark.parametrize("presses", [1, 2])
def test_ctrl_c_stops_a_batch_and_keeps_what_finished(tmp_path: Path, presses: int) -> None:
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    for i in range(6):
        (folder / f"doc{i}.txt").write_text(variant(i), encoding="utf-8")
    # doc0 and doc1 are answered, every later document hangs. By document, not by the order of requests: the
    # documents share their second chunk (one request, or two at once, or a cache hit), and a document that
    # finishes early lets the next one's requests in before its sibling's overview, so "the first six requests"
    # did not always make two documents.
    with fs.FakeOpenAI(lambda body, n: fs.hang(HANG) if later_document(body) else fs.pipeline_answer(body)) as server:
        proc = start([str(folder), "--out", str(out), "--format", "md", *llm_args(server)], tmp_path / "cache")
        journal = out / ".index.journal.jsonl"

        def finished() -> int:
            try:
                return sum('"ok"' in ln for ln in journal.read_text(encoding="utf-8").splitlines())
            except OSError:
                return 0

        def hanging() -> bool:  # a later document's request is in flight when Ctrl-C comes
            return any(later_document(r.body) for r in server.requests)

        wait_for(lambda: finished() >= 2 and hanging(), proc, "two finished documents")
        _, err, took = interrupt(proc, presses)
    assert proc.returncode == 130, err
    assert took < EXIT_WITHIN, f"took {took:.1f} s to exit"
    check_one_line(err)
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    ok = [d for d in index["documents"] if d["status"] == "ok"]
    assert len(ok) >= 2 and {d["status"] for d in index["documents"]} == {"ok"}
    for d in ok:
        for o in d["outputs"]:
            assert (out / o).is_file()
    # no output exists that the index does not list
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("doc*"))
    assert written == sorted(o for d in ok for o in d["outputs"])
    assert not journal.exists() and not list(out.rglob("*.tmp"))
