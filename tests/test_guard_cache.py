"""A broken result cache never fails a run (issue 17, item 8): a corrupt ``cache.db`` is moved aside with one
warning and a fresh cache is used; a cache that cannot be written (read-only file system, a folder that cannot be
created, sqlite refusing writes) is one warning and the run goes on without it.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from pathlib import Path
from typing import Any

import diskcache
import pytest
from support import run_cli

from summarizer.cache import ResultCache
from summarizer.testing import fake_openai as fs

DATA = Path(__file__).resolve().parent / "data"
TWO_CHUNK = (DATA / "mini" / "two_chunk_report.txt").read_text(encoding="utf-8")


def corpus(folder: Path, n: int = 3) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        text = TWO_CHUNK.replace("某县", f"第{i}县").replace("登记649项", f"登记{700 + i}项")
        (folder / f"doc{i}.txt").write_text(text, encoding="utf-8")
    return folder


def batch_args(server: fs.FakeOpenAI, folder: Path, out: Path, cache: Path) -> list[str]:
    return [
        str(folder), "--out", str(out), "--cache-dir", str(cache), "--backend", "llm", "--base-url", server.base_url,
        "--api-key", "sk-test-cache", "--model", "fake-model", "--no-progress", "--chunk-size", "200",
        "--retries", "0", "--validation-retries", "0",
    ]  # fmt: skip


def statuses(out: Path) -> list[str]:
    return [d["status"] for d in json.loads((out / "index.json").read_text(encoding="utf-8"))["documents"]]


def cache_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "summarizer.cache" and r.levelname == "WARNING"]


def answer(body: dict[str, Any], n: int) -> fs.Behaviour:
    return fs.pipeline_answer(body)


def test_a_corrupt_cache_is_moved_aside_and_replaced(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    garbage = os.urandom(8192)
    (cache / "cache.db").write_bytes(garbage)
    folder = corpus(tmp_path / "in")
    with fs.FakeOpenAI(answer) as server:
        code, _, err = run_cli(monkeypatch, capsys, *batch_args(server, folder, tmp_path / "out", cache))
        assert code == 0, err
        assert statuses(tmp_path / "out") == ["ok"] * 3
        (warning,) = cache_warnings(caplog)
        assert "corrupt" in warning and "cache.db.corrupt-" in warning
        (aside,) = cache.glob("cache.db.corrupt-*")
        assert aside.read_bytes() == garbage  # kept for whoever wants to look at it
        sent = len(server.requests)
        # The new cache works: a rerun with --refresh off and another output folder asks nothing again.
        code, _, err = run_cli(monkeypatch, capsys, *batch_args(server, folder, tmp_path / "out2", cache))
        assert code == 0, err
        assert len(server.requests) == sent


def test_a_cache_folder_that_cannot_be_created_is_skipped(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    folder = corpus(tmp_path / "in")
    with fs.FakeOpenAI(answer) as server:
        code, _, err = run_cli(monkeypatch, capsys, *batch_args(server, folder, tmp_path / "out", blocker / "cache"))
    assert code == 0, err
    assert "AssertionError" not in err and "internal error" not in err
    assert statuses(tmp_path / "out") == ["ok"] * 3
    (warning,) = cache_warnings(caplog)
    assert "without the cache" in warning


@pytest.mark.parametrize("where", ["set", "get"])
def test_sqlite_refusing_writes_is_one_warning(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
    where: str,
) -> None:
    """What a read-only file system does to an existing cache: sqlite opens it, then refuses to write."""

    def refuse(self: Any, *args: Any, **kwargs: Any) -> Any:
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(diskcache.Cache, where, refuse)
    folder = corpus(tmp_path / "in")
    with fs.FakeOpenAI(answer) as server:
        code, _, err = run_cli(monkeypatch, capsys, *batch_args(server, folder, tmp_path / "out", tmp_path / "c"))
    assert code == 0, err
    assert statuses(tmp_path / "out") == ["ok"] * 3
    (warning,) = cache_warnings(caplog)
    assert "readonly" in warning and "without the cache" in warning


def test_result_cache_alone(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "cache.db").write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)  # a header, then garbage
    with caplog.at_level(logging.WARNING), ResultCache(tmp_path) as cache:
        cache.set("k", {"a": 1})
        assert cache.get("k") == {"a": 1}
    assert len(cache_warnings(caplog)) == 1
