"""--dry-run counts calls, tokens and cache hits without sending anything."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from summarizer import Summarizer
from summarizer.cli import main
from summarizer.llm import fake_server as fs

MINI = Path(__file__).resolve().parent / "data" / "mini" / "mini_report.txt"


def respond(body: dict[str, Any], n: int) -> fs.Behaviour:
    if any("摘要助手" in str(m.get("content")) for m in body["messages"] if m["role"] == "system"):
        return fs.answer({"title": None, "organization": None, "period": None, "overview": "概述。"})
    return fs.answer({"summaries": fs.summaries(body, "本段摘要。"), "items": []})


def run_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["summarize", *args])
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, capsys.readouterr().out


def test_dry_run_sends_nothing_then_sees_the_cache(monkeypatch, capsys, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    with fs.FakeOpenAI(respond) as server:
        common = ["--backend", "llm", "--base-url", server.base_url, "--api-key", "sk-x", "--cache-dir", str(cache)]
        code, out = run_cli(monkeypatch, capsys, str(MINI), "--dry-run", *common)
        assert code == 0
        assert server.requests == []  # nothing sent
        # The whole report fits one chunk: 1 chunk call + the overview
        assert "2 calls (0 from cache)" in out and "prompt" in out and "$" in out

        with Summarizer(backend="llm", base_url=server.base_url, api_key="sk-x", cache_dir=cache) as s:
            s.summarize(MINI)
        sent = len(server.requests)
        assert sent == 2

        code, out = run_cli(monkeypatch, capsys, str(MINI), "--dry-run", *common)
        assert code == 0
        assert "2 calls (2 from cache)" in out and "~0 prompt" in out
        assert len(server.requests) == sent  # still nothing new


def test_dry_run_offline_costs_nothing(monkeypatch, capsys) -> None:
    code, out = run_cli(monkeypatch, capsys, str(MINI), "--dry-run", "--backend", "offline")
    assert code == 0 and "0 calls" in out
