"""Batch runs against a scripted endpoint (``FakeOpenAI`` on 127.0.0.1) where one document keeps failing.

What a batch must guarantee when one document's chunk exhausts its retries: the attempts are exactly the
configured bound (read from the server's own request log), the failure is one line in ``index.json``
naming the document and the chunk, every other document is written and listed ok, nothing unvalidated is
cached, and a rerun against a healthy endpoint sends requests only for what failed. Also: the API key never
lands in a cassette, the cache, a log line or an output file.
"""

from __future__ import annotations

import csv
import json
import logging
import re
from collections import Counter
from pathlib import Path
from typing import Any

import diskcache
import pytest
from support import run_cli

from summarizer.api import Summarizer
from summarizer.batch import Batch
from summarizer.cache import ResultCache
from summarizer.config import Settings
from summarizer.llm.client import LLMClient
from summarizer.llm.replay import LABEL_HEADER, decode_label
from summarizer.plan import request_for
from summarizer.testing import fake_openai as fs

DATA = Path(__file__).resolve().parent / "data"
# Two chunks at --chunk-size 200: title + 一、 (which holds FAIL_MARK), then 二、.
REPORT = (DATA / "mini" / "two_chunk_report.txt").read_text(encoding="utf-8")
BUDGET = 200
COUNTIES = ("甲县", "乙县", "丙县", "丁县")
FAILING = 3  # 丁县: its first chunk ("chunk 1/2") is the one that fails
MODEL = "fake-model"
SECRET = "sk-test-SECRET-123"
CONTRACTS_RE = re.compile(r"完成技术合同认定登记(\d+)项")


def variant(i: int) -> str:
    """The two-chunk report with its own county and figures, so no two documents share a chunk (or a cache key)."""
    return (
        REPORT.replace("某县", COUNTIES[i])
        .replace("登记649项", f"登记{649 + i}项")
        .replace("增长10%", f"增长{10 + i}%")
    )


FAIL_MARK = f"完成技术合同认定登记{649 + FAILING}项"


def write_corpus(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, county in enumerate(COUNTIES):
        p = folder / f"doc{i}_{county}.txt"
        p.write_text(variant(i), encoding="utf-8")
        paths.append(p)
    return paths


# -- the scripted endpoint ------------------------------------------------------------------------------


def label_of(req: fs.RecordedRequest) -> str:
    return decode_label(req.headers.get(LABEL_HEADER.lower()))


def is_overview(body: dict[str, Any]) -> bool:
    return any(m.get("role") == "system" and "摘要助手" in str(m.get("content")) for m in body["messages"])


def user_text(body: dict[str, Any]) -> str:
    return "\n".join(str(m.get("content")) for m in body["messages"] if m.get("role") == "user")


def good_answer(body: dict[str, Any]) -> fs.Behaviour:
    """A valid, grounded answer for any chunk or overview request of these documents."""
    if is_overview(body):
        return fs.answer({"title": None, "organization": None, "period": None, "overview": "科技工作稳步推进。"})
    m = CONTRACTS_RE.search(user_text(body))
    if m is None:
        return fs.answer(fs.extraction(body, "本段部署下一步工作。"))
    quote = m.group(0)
    item = {
        "text": "完成技术合同认定登记",
        "kind": "achievement",
        "quote": quote,
        "metrics": [{"name": "技术合同认定登记", "value": m.group(1), "unit": "项", "kind": "result", "quote": quote}],
    }
    return fs.answer(fs.extraction(body, "本段介绍科技成果转化。", [item]))


class Endpoint:
    """Answers every request well, except the failing document's chunk while ``healthy`` is False."""

    def __init__(self, fault: fs.Behaviour) -> None:
        self.fault = fault
        self.healthy = False

    def __call__(self, body: dict[str, Any], n: int) -> fs.Behaviour:
        if not self.healthy and not is_overview(body) and FAIL_MARK in user_text(body):
            return self.fault
        return good_answer(body)


def llm_args(server: fs.FakeOpenAI, *, retries: int, validation_retries: int, key: str = "sk-test-batch") -> list[str]:
    return [
        "--backend",
        "llm",
        "--base-url",
        server.base_url,
        "--api-key",
        key,
        "--model",
        MODEL,
        "--retries",
        str(retries),
        "--validation-retries",
        str(validation_retries),
        "--timeout",
        "5",
        "--concurrency",
        "2",
        "--no-progress",
        "--chunk-size",
        str(BUDGET),
    ]


@pytest.fixture(autouse=True)
def _fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI has no backoff flag: start every client's backoff at 0.01 s so exhausted retries take ms."""
    real_init = LLMClient.__init__

    def init(self: LLMClient, settings: Settings, **kw: Any) -> None:
        real_init(self, settings.with_overrides(backoff_initial=0.01, backoff_max=0.05), **kw)

    monkeypatch.setattr(LLMClient, "__init__", init)


def failed_chunk_keys(path: Path, base_url: str, cache_dir: Path, validation_retries: int) -> tuple[str, str]:
    """Cache keys of the failing chunk and of its (answered) sibling, as the run's own plan computes them."""
    settings = Settings(
        backend="llm",
        base_url=base_url,
        model=MODEL,
        cache_dir=cache_dir,
        chunk_budget=BUDGET,
        validation_retries=validation_retries,
    )
    with Summarizer(settings) as s:
        keys = {step.chunk.text: request_for(step, s.fingerprint).key for step in s.plan(path).sent}
    failing = next(key for text, key in keys.items() if FAIL_MARK in text)
    sibling = next(key for text, key in keys.items() if FAIL_MARK not in text)
    return failing, sibling


def cache_entries(cache_dir: Path) -> int:
    with diskcache.Cache(str(cache_dir)) as store:
        return len(store)


def read_index(out: Path) -> dict[str, dict[str, Any]]:
    data = json.loads((out / "index.json").read_text(encoding="utf-8"))
    return {Path(d["source"]).name: d for d in data["documents"]}


# -- one document keeps failing; the others are written; a rerun redoes only what failed ------------------


@pytest.mark.parametrize(
    ("fault", "retries", "validation_retries", "attempts"),
    [
        (fs.status(500), 2, 0, 3),  # transient, exhausted: 1 + 2 transport retries
        # prose every time: auto's json_schema request answered with prose means the schema is not enforced, so
        # one fallback to tools, then 1 + 1 re-ask (transport retries not involved)
        (fs.non_json(), 2, 1, 3),
    ],
    ids=["500-exhausted", "non-json-every-time"],
)
def test_one_failing_document_is_reported_others_written_rerun_redoes_only_it(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    fault: fs.Behaviour,
    retries: int,
    validation_retries: int,
    attempts: int,
) -> None:
    paths = write_corpus(tmp_path / "in")
    out, cache_dir = tmp_path / "out", tmp_path / "cache"
    fail_path = paths[FAILING]
    endpoint = Endpoint(fault)
    with fs.FakeOpenAI(endpoint) as server:
        args = [
            str(tmp_path / "in"),
            "--out",
            str(out),
            "--format",
            "md",
            "--cache-dir",
            str(cache_dir),
            *llm_args(server, retries=retries, validation_retries=validation_retries),
        ]
        code, _, err = run_cli(monkeypatch, capsys, *args)
        first = server.requests

        # -- the failed run ------------------------------------------------------------------------------
        assert code == 2, err
        assert "Traceback" not in err
        fail_label = f"{fail_path} chunk 1/2"
        per_label = Counter(label_of(r) for r in first)
        assert per_label[fail_label] == attempts  # exactly the configured bound, by the server's count
        assert all(FAIL_MARK in user_text(r.body) for r in first if label_of(r) == fail_label)
        # every other call was answered at the first request; the failed document never reached its overview
        assert {lbl: n for lbl, n in per_label.items() if lbl != fail_label} == {
            **{f"{p} chunk {k}/2": 1 for p in paths for k in (1, 2) if p is not fail_path},
            f"{fail_path} chunk 2/2": 1,
            **{f"{p} overview": 1 for p in paths if p is not fail_path},
        }

        index = read_index(out)
        assert set(index) == {p.name for p in paths}
        failed = index[fail_path.name]
        assert failed["status"] == "failed" and failed["outputs"] == []
        reason = failed["reason"]
        assert "\n" not in reason and reason.strip() == reason
        assert reason.startswith(fail_label)  # names the document and the chunk
        assert ("HTTP 500" in reason) if fault.kind == "status" else ("re-ask" in reason)
        assert f"{attempts} request(s)" in reason
        assert f"failed: {reason}" in err  # the same line on stderr, at the end
        for p in paths:
            if p is fail_path:
                assert not (out / f"{p.stem}.json").exists() and not (out / f"{p.stem}.md").exists()
                continue
            entry = index[p.name]
            assert entry["status"] == "ok" and entry["reason"] is None
            assert sorted(entry["outputs"]) == [f"{p.stem}.json", f"{p.stem}.md"]
            summary = json.loads((out / f"{p.stem}.json").read_text(encoding="utf-8"))
            assert summary["backend"] == "llm" and summary["usage"]["calls"] == 3
            assert (out / f"{p.stem}.md").read_text(encoding="utf-8").startswith("#")
        with (out / "metrics.csv").open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
        assert sorted((Path(r["document"]).name, r["value"], r["check"]) for r in rows) == sorted(
            (p.name, str(649 + i), "verified") for i, p in enumerate(paths) if p is not fail_path
        )

        # -- nothing unvalidated was cached --------------------------------------------------------------
        fail_key, sibling_key = failed_chunk_keys(fail_path, server.base_url, cache_dir, validation_retries)
        with ResultCache(cache_dir) as cache:
            assert fail_key not in cache
            assert sibling_key in cache  # the keys are the run's own: the answered sibling is there
        # 3 finished documents x (3 calls + their summary), + the failed doc's sibling (summaries.py)
        assert cache_entries(cache_dir) == 3 * (3 + 1) + 1

        # -- rerun, endpoint healthy: only the failed document's missing calls are sent --------------------
        endpoint.healthy = True
        code, _, err = run_cli(monkeypatch, capsys, *args)
        second = server.requests[len(first) :]

    assert code == 0, err
    assert "Traceback" not in err
    assert Counter(label_of(r) for r in second) == {fail_label: 1, f"{fail_path} overview": 1}
    index = read_index(out)
    assert {name: d["status"] for name, d in index.items()} == {
        p.name: ("ok" if p is fail_path else "skipped") for p in paths
    }
    redone = json.loads((out / f"{fail_path.stem}.json").read_text(encoding="utf-8"))
    assert redone["usage"]["calls"] == 2 and redone["usage"]["cache_hits"] == 1
    assert (out / f"{fail_path.stem}.md").is_file()
    assert cache_entries(cache_dir) == 4 * (3 + 1)
    with (out / "metrics.csv").open(encoding="utf-8-sig", newline="") as fh:
        assert sorted(Path(r["document"]).name for r in csv.DictReader(fh)) == sorted(p.name for p in paths)


# -- a transient fault that recovers ends ok ---------------------------------------------------------------


def test_transient_503_then_answers_ends_ok(tmp_path: Path) -> None:
    paths = write_corpus(tmp_path / "in")
    out = tmp_path / "out"
    seen: set[str] = set()

    def responder(body: dict[str, Any], n: int) -> fs.Behaviour:
        # Every chunk of the failing document gets one 503 before its answer.
        text = user_text(body)
        mine = FAIL_MARK in text or f"增长{10 + FAILING}%" in text
        if mine and not is_overview(body) and text not in seen:
            seen.add(text)
            return fs.status(503)
        return good_answer(body)

    with fs.FakeOpenAI(responder) as server:
        settings = Settings(
            backend="llm",
            base_url=server.base_url,
            api_key="sk-test-batch",
            model=MODEL,
            cache_dir=tmp_path / "cache",
            transport_retries=1,
            validation_retries=0,
            backoff_initial=0.01,
            backoff_max=0.05,
            timeout=5.0,
            concurrency=2,
            chunk_budget=BUDGET,
        )
        with Summarizer(settings) as s:
            statuses = Batch(s, paths, out, root=tmp_path / "in", formats=("json", "html")).run()
        reqs = server.requests

    assert [st.status for st in statuses] == ["ok"] * 4
    fail_path = paths[FAILING]
    per_label = Counter(label_of(r) for r in reqs)
    assert per_label[f"{fail_path} chunk 1/2"] == 2 and per_label[f"{fail_path} chunk 2/2"] == 2
    assert sum(1 for r in reqs if r.behaviour.kind == "status") == 2
    assert len(reqs) == 4 * 3 + 2
    summary = json.loads((out / f"{fail_path.stem}.json").read_text(encoding="utf-8"))
    assert summary["usage"]["calls"] == 3 and summary["usage"]["attempts"] == 5  # 2 + 2 + overview
    assert (out / f"{fail_path.stem}.html").is_file()
    index = read_index(out)
    assert all(d["status"] == "ok" for d in index.values()) and len(index) == 4


# -- the API key goes nowhere but the Authorization header ---------------------------------------------------


def test_api_key_reaches_no_cassette_cache_log_or_output(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    paths = write_corpus(tmp_path / "in")
    out, cache_dir, cassettes = tmp_path / "out", tmp_path / "cache", tmp_path / "cassettes"
    flaky: set[str] = set()

    def responder(body: dict[str, Any], n: int) -> fs.Behaviour:
        text = user_text(body)
        if FAIL_MARK in text:
            return fs.status(500, message="upstream exploded")  # the failing document: error paths are logged
        if text not in flaky:  # every other call: one 503 first, so retries are logged too
            flaky.add(text)
            return fs.status(503)
        return good_answer(body)

    caplog.set_level(logging.DEBUG)  # everything any logger says (openai, httpx, instructor, ours)
    with fs.FakeOpenAI(responder) as server:
        args = [
            str(tmp_path / "in"),
            "--out",
            str(out),
            "--format",
            "html",
            "--cache-dir",
            str(cache_dir),
            "--record",
            str(cassettes),
            "-vv",
            *llm_args(server, retries=1, validation_retries=0, key=SECRET),
        ]
        code, stdout, err = run_cli(monkeypatch, capsys, *args)
        reqs = server.requests

    assert code == 2, err
    # The key was in play: every request carried it.
    assert reqs and all(r.headers.get("authorization") == f"Bearer {SECRET}" for r in reqs)
    assert list(cassettes.glob("*.json")), "record mode wrote no cassette"
    assert (out / "index.json").is_file() and list(out.glob("*.html"))
    assert cache_entries(cache_dir) > 0
    assert caplog.records  # the logs were captured, so their being clean means something

    needle = SECRET.encode()
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(files) > 10
    leaked = [str(p) for p in files if needle in p.read_bytes() or b"SECRET-123" in p.read_bytes()]
    assert leaked == []
    for text in (stdout, err, caplog.text, *(str(r.args) for r in caplog.records)):
        assert "SECRET-123" not in text
    assert len(paths) == 4
