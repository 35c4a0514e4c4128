"""Ctrl-C in the middle of a batch, then a rerun: finished work is kept and nothing is asked twice.

The batch runs as a real process (``python -m summarizer``) against ``FakeOpenAI`` with latency, so the
interrupt lands while calls are in flight. Afterwards the server's own request log must show every
(document, chunk) requested exactly once across both runs: finished documents are skipped by their done
key, and chunks answered before the interrupt come from the result cache.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from support import child_env

from summarizer.llm.replay import LABEL_HEADER, decode_label
from summarizer.testing import fake_openai as fs

DATA = Path(__file__).resolve().parent / "data"
# Two chunks at --chunk-size 200 (title + 一、, then 二、): a document is part done when interrupted.
REPORT = (DATA / "mini" / "two_chunk_report.txt").read_text(encoding="utf-8")
BUDGET = "200"
DOCS = 8
# Python ignores SIGINT in a child whose parent ignored it (a background CI job): install the default
# handler explicitly, as an interactive shell would have it, then run the command's own entry point.
ENTRY = (
    "import signal; signal.signal(signal.SIGINT, signal.default_int_handler); from summarizer.cli import main; main()"
)


def variant(i: int) -> str:
    # distinct figures per document, so no two documents share a chunk text (or a cache key)
    return (
        REPORT.replace("某县", f"第{i}县").replace("登记649项", f"登记{700 + i}项").replace("增长10%", f"增长{20 + i}%")
    )


def responder(body: dict[str, Any], n: int) -> fs.Behaviour:
    system = " ".join(str(m.get("content")) for m in body["messages"] if m.get("role") == "system")
    if "摘要助手" in system:
        return fs.answer({"title": None, "organization": None, "period": None, "overview": "科技工作稳步推进。"})
    return fs.answer(fs.extraction(body, "本段介绍科技工作。"))


def label_of(req: fs.RecordedRequest) -> str:
    return decode_label(req.headers.get(LABEL_HEADER.lower()))


def start(folder: Path, out: Path, cache: Path, server: fs.FakeOpenAI) -> subprocess.Popen[str]:
    env = child_env(cache)
    args = [str(folder), "--out", str(out), "--backend", "llm", "--base-url", server.base_url]
    args += ["--api-key", "sk-test-resume", "--model", "fake-model", "--concurrency", "2", "--timeout", "5"]
    args += ["--retries", "0", "--validation-retries", "0", "--no-progress", "--chunk-size", BUDGET]
    return subprocess.Popen(
        [sys.executable, "-c", ENTRY, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def statuses(out: Path) -> dict[str, str]:
    """index.json overlaid with the batch's journal (one line per finished document, between index writes)."""
    found: dict[str, str] = {}
    try:
        data = json.loads((out / "index.json").read_text(encoding="utf-8"))
        found = {Path(d["source"]).name: d["status"] for d in data["documents"]}
    except (OSError, ValueError):
        pass
    try:
        for line in (out / ".index.journal.jsonl").read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            found[Path(entry["source"]).name] = entry["status"]
    except OSError:
        pass
    return found


def test_sigint_keeps_finished_documents_and_rerun_asks_nothing_twice(tmp_path: Path) -> None:
    folder, out, cache = tmp_path / "in", tmp_path / "out", tmp_path / "cache"
    folder.mkdir()
    names = [f"doc{i}.txt" for i in range(DOCS)]
    for i, name in enumerate(names):
        (folder / name).write_text(variant(i), encoding="utf-8")

    with fs.FakeOpenAI(responder, latency=0.2) as server:
        proc = start(folder, out, cache, server)
        try:
            deadline = time.monotonic() + 10
            while sum(s == "ok" for s in statuses(out).values()) < 2:
                assert proc.poll() is None, f"finished before the interrupt: {proc.communicate()}"
                assert time.monotonic() < deadline, "no two documents finished within 10 s"
                time.sleep(0.02)
            proc.send_signal(signal.SIGINT)
            stdout, stderr = proc.communicate(timeout=10)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        first = server.requests

        # -- the interrupted run ----------------------------------------------------------------------
        assert proc.returncode == 130, stderr
        assert stdout == ""  # a batch writes files, never stdout
        assert "Traceback" not in stderr and "internal error" not in stderr
        lines = [ln for ln in stderr.splitlines() if ln.strip()]
        assert len([ln for ln in lines if "interrupted" in ln]) == 1, stderr
        # click prints a blank line after ^C, then ours (cli.main turns click's Abort into this line).
        assert lines[-1] == "summarize: interrupted; finished documents are kept, rerun to resume", stderr
        assert not (out / ".index.journal.jsonl").exists()  # a clean stop folds the journal into the index
        done_before = statuses(out)  # valid JSON (or this is empty and the next line fails)
        finished = sorted(n for n, s in done_before.items() if s == "ok")
        assert len(finished) >= 2
        assert len(finished) < DOCS, "every document finished before the interrupt: nothing was tested"
        assert set(done_before) <= set(names) and set(done_before.values()) == {"ok"}
        for name in finished:
            stem = Path(name).stem
            summary = json.loads((out / f"{stem}.json").read_text(encoding="utf-8"))
            assert summary["source"]["name"].endswith(name)
        # Every document whose output was written is in the index too (those in flight at ^C finish first).
        written = sorted(p.stem for p in out.glob("*.json") if p.name != "index.json")
        assert written == sorted(Path(n).stem for n in finished), (written, finished)
        assert (out / "metrics.csv").is_file()

        # -- the rerun --------------------------------------------------------------------------------
        proc = start(folder, out, cache, server)
        try:
            _, stderr = proc.communicate(timeout=15)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        second = server.requests[len(first) :]

    assert proc.returncode == 0, stderr
    assert "Traceback" not in stderr
    after = statuses(out)
    assert after == {n: ("skipped" if n in finished else "ok") for n in names}
    for name in names:
        assert (out / f"{Path(name).stem}.json").is_file()

    # Every call of every document was sent exactly once, across both runs: 2 chunks + overview each.
    per_label = Counter(label_of(r) for r in [*first, *second])
    expected = {f"{folder / n} {what}" for n in names for what in ("chunk 1/2", "chunk 2/2", "overview")}
    assert set(per_label) == expected
    assert [lbl for lbl, k in per_label.items() if k > 1] == []
    # The finished documents cost the rerun nothing; the rerun did ask for what was missing.
    assert not any(label_of(r).startswith(str(folder / n) + " ") for r in second for n in finished)
    assert second
