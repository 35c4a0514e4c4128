"""The batch API path (issue 15) against ``FakeBatchOpenAI`` on 127.0.0.1: the same summaries as a synchronous
run, every request answered once, resumable at every phase, and the faults a provider's batch API has (a batch
that fails or expires, error lines, unreadable lines, answers that fail validation, an upload refused for its
size), each ending in the right summary or in one line saying why not.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from support import run_cli

from summarizer.api import Summarizer
from summarizer.batch import Batch
from summarizer.batchapi import BatchApiOptions, BatchApiRun, Event
from summarizer.batchapi.wire import BodyBuilder
from summarizer.cache import ResultCache
from summarizer.config import Settings
from summarizer.cost import batch_price_for, estimate_cost
from summarizer.errors import InputError
from summarizer.llm.client import reask_messages
from summarizer.plan import request_for
from summarizer.testing import fake_openai as fs
from summarizer.testing.fake_batch import FakeBatchOpenAI, PrefixCache, run_batch_file

DATA = Path(__file__).resolve().parent / "data"
REPORT = (DATA / "mini" / "two_chunk_report.txt").read_text(encoding="utf-8")
BUDGET = 200  # two chunks per document at this budget: each document needs an overview round
COUNTIES = ("甲县", "乙县", "丙县")
FAST = BatchApiOptions(poll_initial=0.0, poll_max=0.0)


def write_corpus(folder: Path, n: int = 3) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        p = folder / f"doc{i}.txt"
        text = REPORT.replace("某县", COUNTIES[i % 3] + str(i)).replace("登记649项", f"登记{649 + i}项")
        p.write_text(text.replace("增长10%", f"增长{10 + i}%"), encoding="utf-8")
        paths.append(p)
    return paths


def cli_args(tmp_path: Path, base_url: str, api_key: str | None = "sk-x") -> list[str]:
    """`summarize` over tmp_path/docs into tmp_path/out, cache tmp_path/cache, the LLM backend at BUDGET."""
    key = ["--api-key", api_key] if api_key is not None else []
    folders = ["--cache-dir", str(tmp_path / "cache"), "--out", str(tmp_path / "out"), str(tmp_path / "docs")]
    return ["--backend", "llm", "--base-url", base_url, *key, "--chunk-size", str(BUDGET), *folders]


def summarizer(base_url: str, cache: Path, **overrides: Any) -> Summarizer:
    settings: dict[str, Any] = {
        "backend": "llm",
        "base_url": base_url,
        "api_key": "sk-test",
        "cache_dir": cache,
        "chunk_budget": BUDGET,
        "backoff_initial": 0.0,
        "backoff_max": 0.0,
    }
    return Summarizer(Settings(**{**settings, **overrides}))


def batch_api(
    server: FakeBatchOpenAI,
    files: list[Path],
    out: Path,
    cache: Path,
    *,
    options: BatchApiOptions = FAST,
    on_event: Callable[[Event], None] | None = None,
    **overrides: Any,
) -> Any:
    with (
        summarizer(server.base_url, cache, **overrides) as s,
        BatchApiRun(s, files, out, options=options, on_event=on_event) as run,
    ):
        return run.run()


def synchronous(server_url: str, files: list[Path], out: Path, cache: Path, **overrides: Any) -> None:
    with summarizer(server_url, cache, **overrides) as s:
        Batch(s, files, out).run()


def summaries(out: Path, *, usage: bool = False) -> dict[str, Any]:
    docs = {}
    for f in sorted(out.glob("*.json")):
        if f.name == "index.json":
            continue
        data = json.loads(f.read_text(encoding="utf-8"))
        if not usage:
            data.pop("usage")
        docs[f.name] = data
    return docs


def body_key(body: dict[str, Any]) -> str:
    return json.dumps(body, sort_keys=True, ensure_ascii=False)


def answered_bodies(server: fs.FakeOpenAI) -> Counter[str]:
    return Counter(body_key(r.body) for r in server.requests)


# --------------------------------------------------------------------------------------------------
# What is sent
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["json_schema", "tools_strict", "tools", "json", "md_json"])
def test_a_batch_request_body_is_what_the_synchronous_client_sends(mode: str, tmp_path: Path) -> None:
    files = write_corpus(tmp_path / "docs", 2)
    with fs.FakeOpenAI(lambda body, n: fs.pipeline_answer(body)) as server:
        synchronous(server.base_url, files, tmp_path / "sync", tmp_path / "cache", mode=mode)
        sent = {body_key(r.body) for r in server.requests}
        with summarizer(server.base_url, tmp_path / "cache2", mode=mode) as s:
            builder = BodyBuilder(s.settings, mode)  # type: ignore[arg-type]
            built = set()
            for path in files:
                plan = s.plan(path)
                results = [s.backend_for_run().extract(step) for step in plan.sent]
                for step in plan.sent:
                    request = request_for(step, s.fingerprint)
                    built.add(body_key(builder.body(request.messages, request.response_model)))
                overview = plan.overview(results)
                assert overview is not None
                request = request_for(overview, s.fingerprint)
                built.add(body_key(builder.body(request.messages, request.response_model)))
    assert built == sent


def test_a_reask_body_is_the_synchronous_reask(tmp_path: Path) -> None:
    """The re-ask of a batch answer carries the original messages, the bad answer and the error, as
    ``LLMClient`` re-asks (``reask_messages``), in the same body."""
    files = write_corpus(tmp_path / "docs", 1)
    with summarizer("http://127.0.0.1:9/v1", tmp_path / "cache") as s:
        request = request_for(s.plan(files[0]).sent[0], s.fingerprint)
        builder = BodyBuilder(s.settings, "tools")
        messages = reask_messages(request.messages, '{"summaries": []}', "- summaries: 错误")
        body = builder.body(messages, request.response_model)
        assert body == builder._through_stack(messages, request.response_model)
        assert [m["role"] for m in body["messages"]] == ["system", "user", "assistant", "user"]
        assert body["messages"][2]["content"] == '{"summaries": []}'


# --------------------------------------------------------------------------------------------------
# End to end
# --------------------------------------------------------------------------------------------------


def test_batch_api_writes_the_synchronous_summaries_and_asks_each_request_once(tmp_path: Path) -> None:
    files = write_corpus(tmp_path / "docs")
    with fs.FakeOpenAI(lambda body, n: fs.pipeline_answer(body)) as sync_server:
        synchronous(sync_server.base_url, files, tmp_path / "sync", tmp_path / "cache-sync")
        sync_requests = answered_bodies(sync_server)
    with FakeBatchOpenAI(lambda body, n: fs.pipeline_answer(body)) as server:
        report = batch_api(server, files, tmp_path / "out", tmp_path / "cache")
        batch_requests = answered_bodies(server)
    assert report.phase == "done" and report.rounds == 2  # the chunks, then the overviews
    assert summaries(tmp_path / "out") == summaries(tmp_path / "sync")
    assert batch_requests == sync_requests and set(batch_requests.values()) == {1}
    index = json.loads((tmp_path / "out" / "index.json").read_text(encoding="utf-8"))
    assert [d["status"] for d in index["documents"]] == ["ok"] * 3
    # Usage: what each document's requests cost in the batches, at the batch rates.
    for name, doc in summaries(tmp_path / "out", usage=True).items():
        sync_usage = json.loads((tmp_path / "sync" / name).read_text(encoding="utf-8"))["usage"]
        usage = doc["usage"]
        assert (usage["calls"], usage["prompt_tokens"], usage["completion_tokens"]) == (
            sync_usage["calls"],
            sync_usage["prompt_tokens"],
            sync_usage["completion_tokens"],
        )
        assert usage["cost_usd"] == pytest.approx(sync_usage["cost_usd"] * 0.5, abs=2e-6)
    assert report.totals["accepted"] == 9
    # The run's cost (from the ledger) is the sum of the documents' (no request is shared or failed here).
    docs = summaries(tmp_path / "out", usage=True).values()
    assert report.cost_usd == pytest.approx(sum(d["usage"]["cost_usd"] for d in docs), abs=1e-5)


def test_a_request_two_documents_share_is_sent_once(tmp_path: Path) -> None:
    files = write_corpus(tmp_path / "docs", 1)
    twin = tmp_path / "docs" / "twin.txt"
    twin.write_text(files[0].read_text(encoding="utf-8"), encoding="utf-8")
    with FakeBatchOpenAI(lambda body, n: fs.pipeline_answer(body)) as server:
        report = batch_api(server, [*files, twin], tmp_path / "out", tmp_path / "cache")
        assert len(server.requests) == 3 and set(answered_bodies(server).values()) == {1}
    assert [s.status for s in report.statuses] == ["ok", "ok"]
    docs = summaries(tmp_path / "out")
    assert docs["doc0.json"]["overview"] == docs["twin.json"]["overview"]


def test_a_second_run_sends_nothing_and_a_synchronous_run_reads_the_batch_answers(tmp_path: Path) -> None:
    files = write_corpus(tmp_path / "docs", 2)
    with FakeBatchOpenAI(lambda body, n: fs.pipeline_answer(body)) as server:
        batch_api(server, files, tmp_path / "out", tmp_path / "cache")
        before = (len(server.requests), len(server.calls))
        report = batch_api(server, files, tmp_path / "out", tmp_path / "cache")
        assert (len(server.requests), len(server.calls)) == before
        assert {s.status for s in report.statuses} == {"skipped"}
        with summarizer(server.base_url, tmp_path / "cache") as s:
            result = Batch(s, files, tmp_path / "sync").run()
        assert len(server.requests) == before[0]  # every answer came from the cache
    assert {r.status for r in result} == {"ok"}
    assert summaries(tmp_path / "sync") == summaries(tmp_path / "out")


PHASES = ["planned", "uploaded", "created", "polled", "downloaded", "ingested", "assembling"]


class Killed(BaseException):
    """Stands for SIGKILL: raised from the event hook, right after the phase's step was recorded."""


@pytest.mark.parametrize("phase", PHASES)
def test_a_run_killed_in_any_phase_resumes_without_sending_anything_twice(phase: str, tmp_path: Path) -> None:
    files = write_corpus(tmp_path / "docs")
    options = BatchApiOptions(poll_initial=0.0, poll_max=0.0, max_requests=4)  # several batches per round

    def kill(event: Event) -> None:
        if event.kind == phase and (phase != "polled" or event.statuses.get("in_progress")):
            raise Killed(phase)

    with FakeBatchOpenAI(lambda body, n: fs.pipeline_answer(body)) as server:
        with pytest.raises(Killed):
            batch_api(server, files, tmp_path / "out", tmp_path / "cache", options=options, on_event=kill)
        report = batch_api(server, files, tmp_path / "out", tmp_path / "cache", options=options)
        answered = answered_bodies(server)
        posts = Counter(path for method, path in server.calls if method == "POST")
    assert report.phase == "done"
    assert set(answered.values()) == {1}
    shards = sum(len(r.shards) for r in json_state(tmp_path / "out").rounds)
    assert posts["/v1/files"] == posts["/v1/batches"] == shards
    assert [s.status for s in report.statuses] == ["ok"] * 3


def test_the_answers_the_ledger_accepts_are_committed_to_the_cache_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real kill skips every ``close``: when a shard's "accepted" rows are committed to the ledger, the answers
    must already be in the cache's database, not only in its write-behind buffer (``cache`` module doc), or the
    next run would ask them again."""
    import sqlite3

    import summarizer.cache as cache_module
    from summarizer.cache import ResultCache

    monkeypatch.setattr(cache_module, "FLUSH_SECONDS", 600.0)  # nothing is committed by the flusher's clock
    files = write_corpus(tmp_path / "docs")
    seen: list[tuple[int, int]] = []

    def check(event: Event) -> None:
        if event.kind != "ingested":
            return
        with sqlite3.connect(tmp_path / "out" / ".batchapi" / "ledger.sqlite") as db:
            accepted = [k for (k,) in db.execute("SELECT key FROM attempts WHERE outcome = 'accepted'")]
        with ResultCache(tmp_path / "cache") as fresh:  # another handle: reads only what is committed
            seen.append((len(accepted), sum(fresh.get(k) is not None for k in accepted)))

    with FakeBatchOpenAI(lambda body, n: fs.pipeline_answer(body)) as server:
        batch_api(server, files, tmp_path / "out", tmp_path / "cache", on_event=check)
    assert seen and seen[-1][0] > 0
    assert all(accepted == committed for accepted, committed in seen)


def json_state(out: Path) -> Any:
    from summarizer.batchapi.store import StateFile

    return StateFile(out / ".batchapi" / "state.json").load()


@pytest.mark.parametrize("call", ["upload", "create"])
def test_a_kill_between_a_call_and_its_record_finds_the_file_or_batch_instead_of_repeating_it(
    call: str, tmp_path: Path
) -> None:
    """The two calls that are not idempotent: killed after the provider answered but before the id was
    saved, the resumed run looks the file (by name) or the batch (by input file) up."""
    files = write_corpus(tmp_path / "docs", 1)
    with FakeBatchOpenAI(lambda body, n: fs.pipeline_answer(body)) as server:
        with (
            summarizer(server.base_url, tmp_path / "cache") as s,
            BatchApiRun(s, files, tmp_path / "out", options=FAST) as run,
        ):
            real = getattr(run.provider, call)

            def answered_then_killed(*args: Any, **kwargs: Any) -> Any:
                real(*args, **kwargs)
                raise Killed(call)

            setattr(run.provider, call, answered_then_killed)
            with pytest.raises(Killed):
                run.run()
        assert json_state(tmp_path / "out").rounds[0].shards[0].status == (
            "uploading" if call == "upload" else "creating"
        )
        report = batch_api(server, files, tmp_path / "out", tmp_path / "cache")
        posts = Counter(path for method, path in server.calls if method == "POST")
    assert report.phase == "done"
    assert posts["/v1/files"] == posts["/v1/batches"] == 2  # one per round


def test_cancel_keeps_the_answers_so_far_and_a_rerun_sends_only_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write_corpus(tmp_path / "docs")
    # The first batch never gets past in_progress on its own; the later ones run normally.
    lifecycles = {0: ["validating", "in_progress"]}
    with FakeBatchOpenAI(
        lambda body, n: fs.pipeline_answer(body), lifecycle=lambda n: lifecycles.get(n, fs_default())
    ) as server:

        def stop(event: Event) -> None:
            if event.kind == "polled" and event.completed == event.total:
                raise KeyboardInterrupt

        args = [*cli_args(tmp_path, server.base_url), "--batch-poll", "0"]
        monkeypatch.setattr(BatchApiRun, "poll", _interrupting_poll(BatchApiRun.poll, stop))
        code, _out, err = run_cli(monkeypatch, capsys, *args, "--batch-api")
        assert code == 130
        assert "1 batch(es) keep running" in err and "--batch-cancel" in err
        monkeypatch.undo()
        code, _out, err = run_cli(monkeypatch, capsys, *args, "--batch-cancel")
        assert code == 0 and "cancelled 1 running batch" in err
        assert [b.status for b in server.batches.values()] == ["cancelling"]
        answered_before = len(server.requests)
        code, _out, err = run_cli(monkeypatch, capsys, *args, "--batch-api")
        assert code == 0, err
        answered = answered_bodies(server)
    assert answered_before == 6 and set(answered.values()) == {1}  # the cancelled batch's answers were kept
    state = json_state(tmp_path / "out")
    assert state.rounds[0].shards[0].batch_status == "cancelled"
    assert [len(summaries(tmp_path / "out"))] == [3]


def fs_default() -> list[str]:
    return ["validating", "in_progress", "finalizing", "completed"]


def _interrupting_poll(poll: Callable[..., None], hook: Callable[[Event], None]) -> Callable[..., None]:
    def wrapped(self: BatchApiRun, rnd: Any) -> None:
        previous = self.on_event

        def both(event: Event) -> None:
            previous(event)
            hook(event)

        self.on_event = both
        poll(self, rnd)

    return wrapped


# --------------------------------------------------------------------------------------------------
# Faults
# --------------------------------------------------------------------------------------------------


def run_faulty(tmp_path: Path, n_docs: int = 3, **server_options: Any) -> tuple[Any, FakeBatchOpenAI]:
    files = write_corpus(tmp_path / "docs", n_docs)
    responder = server_options.pop("responder", lambda body, n: fs.pipeline_answer(body))
    options = server_options.pop("options", FAST)
    overrides = server_options.pop("overrides", {})
    with FakeBatchOpenAI(responder, **server_options) as server:
        report = batch_api(server, files, tmp_path / "out", tmp_path / "cache", options=options, **overrides)
    with fs.FakeOpenAI(lambda body, n: fs.pipeline_answer(body)) as sync_server:
        synchronous(sync_server.base_url, files, tmp_path / "sync", tmp_path / "cache-sync")
    return report, server


@pytest.mark.parametrize("ending", ["failed", "expired"])
def test_a_batch_that_fails_or_expires_has_its_requests_sent_again(ending: str, tmp_path: Path) -> None:
    script = {0: ["validating", "failed"] if ending == "failed" else ["validating", "in_progress", "expired"]}
    report, server = run_faulty(tmp_path, lifecycle=lambda n: script.get(n, fs_default()))
    assert report.phase == "done"
    assert summaries(tmp_path / "out") == summaries(tmp_path / "sync")
    state = json_state(tmp_path / "out")
    assert state.rounds[0].shards[0].batch_status == ending
    assert report.totals.get("error", 0) == (6 if ending == "failed" else 3)  # expired: half ran
    assert set(answered_bodies(server).values()) == {1}


def test_error_lines_and_unreadable_lines_are_sent_again(tmp_path: Path) -> None:
    seen: Counter[str] = Counter()

    def responder(body: dict[str, Any], n: int) -> fs.Behaviour:
        seen[body_key(body)] += 1
        if n in (0, 1) and seen[body_key(body)] == 1:
            return fs.status(500)  # two error lines in the error file
        return fs.pipeline_answer(body)

    lines: list[str] = []

    def fault(custom_id: str, body: dict[str, Any]) -> str | None:
        lines.append(custom_id)
        return "corrupt" if len(lines) == 3 else None  # half a JSON line in the output file

    report, _server = run_faulty(tmp_path, responder=responder, line_fault=fault)
    assert report.phase == "done" and report.totals["error"] == 3
    assert summaries(tmp_path / "out") == summaries(tmp_path / "sync")


def test_an_answer_that_fails_validation_is_reasked_next_round_with_the_error(tmp_path: Path) -> None:
    bad = {
        "summaries": ["本段摘要。"],
        "items": [{"text": "编造", "kind": "measure", "quote": "原文里没有这句话。", "metrics": []}],
    }
    asked: list[dict[str, Any]] = []

    def responder(body: dict[str, Any], n: int) -> fs.Behaviour:
        asked.append(body)
        if n == 0:
            return fs.answer({**bad, "summaries": fs.summaries(body, "本段摘要。")})
        return fs.pipeline_answer(body)

    report, _server = run_faulty(tmp_path, responder=responder)
    assert report.phase == "done" and report.totals["rejected"] == 1
    reask = [b for b in asked if len(b["messages"]) == 4]
    assert len(reask) == 1
    assert "原文里没有这句话" in reask[0]["messages"][2]["content"]
    assert "上一次的回答未通过校验" in reask[0]["messages"][3]["content"]
    assert summaries(tmp_path / "out") == summaries(tmp_path / "sync")


def test_an_answer_never_grounded_is_kept_for_verification_and_not_cached(tmp_path: Path) -> None:
    def responder(body: dict[str, Any], n: int) -> fs.Behaviour:
        if fs.asks_overview(body):
            return fs.pipeline_answer(body)
        item = {"text": "编造", "kind": "measure", "quote": "原文里没有这句话。", "metrics": []}
        return fs.answer({"summaries": fs.summaries(body, "本段摘要。"), "items": [item]})

    report, _server = run_faulty(tmp_path, n_docs=1, responder=responder, overrides={"validation_retries": 1})
    assert report.phase == "done" and report.totals["kept"] == 2 and report.totals["rejected"] == 2
    assert [s.status for s in report.statuses] == ["ok"]
    with ResultCache(tmp_path / "cache") as cache, summarizer("http://127.0.0.1:9/v1", tmp_path / "cache") as s:
        step = s.plan(tmp_path / "docs" / "doc0.txt").sent[0]
        assert request_for(step, s.fingerprint).key not in cache


def test_a_request_without_a_valid_answer_fails_its_document_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write_corpus(tmp_path / "docs", 2)

    def responder(body: dict[str, Any], n: int) -> fs.Behaviour:
        return fs.non_json() if "甲县0" in json.dumps(body, ensure_ascii=False) else fs.pipeline_answer(body)

    with FakeBatchOpenAI(responder) as server:
        args = [*cli_args(tmp_path, server.base_url), "--batch-api", "--batch-poll", "0", "--validation-retries", "1"]
        code, _out, err = run_cli(monkeypatch, capsys, *args)
    assert code == 2
    failed = [line for line in err.splitlines() if line.startswith("summarize: failed:")]
    assert len(failed) == 1 and "doc0.txt" in failed[0] and "no valid answer after 1 re-ask(s)" in failed[0]
    assert "1 done" in err


def test_a_request_that_keeps_erroring_gives_up_after_the_retries(tmp_path: Path) -> None:
    def responder(body: dict[str, Any], n: int) -> fs.Behaviour:
        return fs.status(503) if "乙县1" in json.dumps(body, ensure_ascii=False) else fs.pipeline_answer(body)

    report, _server = run_faulty(tmp_path, n_docs=2, responder=responder, overrides={"transport_retries": 2})
    assert report.rounds == 3  # the first round and two retries (the other document's overview in round 2)
    assert [s.status for s in report.statuses] == ["ok", "failed"]
    assert "chunk 1/2: no answer after 3 round(s): HTTP 503" in (report.statuses[1].reason or "")


def test_auto_falls_back_to_the_next_mode_between_rounds_as_a_client_does(tmp_path: Path) -> None:
    """An endpoint without Structured Outputs: round 1's json_schema requests come back as 400s naming
    response_format; the next rounds use tools mode, as a synchronous client falls back."""
    features = fs.Features(json_schema="reject", server="openai")
    files = write_corpus(tmp_path / "docs")
    with FakeBatchOpenAI(lambda body, n: fs.pipeline_answer(body), features=features) as server:
        report = batch_api(server, files, tmp_path / "out", tmp_path / "cache")
    with fs.FakeOpenAI(lambda body, n: fs.pipeline_answer(body), features=features) as sync_server:
        synchronous(sync_server.base_url, files, tmp_path / "sync", tmp_path / "cache-sync")
    assert report.phase == "done" and [s.status for s in report.statuses] == ["ok"] * 3
    state = json_state(tmp_path / "out")
    assert [r.mode for r in state.rounds] == ["json_schema", "tools", "tools"] and state.mode == "tools"
    assert report.totals["error"] == 6  # the six chunk requests of round 1, sent again in tools mode
    assert summaries(tmp_path / "out") == summaries(tmp_path / "sync")


def test_an_upload_refused_for_its_size_is_split(tmp_path: Path) -> None:
    report, server = run_faulty(tmp_path, max_upload_bytes=5_000)  # round 1's file: ~12 kB
    assert report.phase == "done"
    state = json_state(tmp_path / "out")
    names = [s.name for s in state.rounds[0].shards]
    assert names == ["s001aa", "s001ab", "s001ba", "s001bb"]
    assert all(s.bytes <= 5_000 and s.status == "ingested" for r in state.rounds for s in r.shards)
    assert summaries(tmp_path / "out") == summaries(tmp_path / "sync")
    assert set(answered_bodies(server).values()) == {1}


# --------------------------------------------------------------------------------------------------
# Files for vLLM and other engines
# --------------------------------------------------------------------------------------------------


def test_export_and_import_round_by_round_like_vllm_run_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    files = write_corpus(tmp_path / "docs")
    base = cli_args(tmp_path, "http://127.0.0.1:9/v1", api_key=None)

    def answer(body: dict[str, Any], n: int) -> fs.Behaviour:
        return fs.pipeline_answer(body)

    code, _out, err = run_cli(monkeypatch, capsys, *base, "--batch-export", str(tmp_path / "r1.jsonl"))
    assert code == 0 and "6 requests" in err and "vllm run-batch" in err
    assert run_batch_file(tmp_path / "r1.jsonl", tmp_path / "r1.out.jsonl", answer) == 6
    code, _out, err = run_cli(
        monkeypatch,
        capsys,
        *base,
        "--batch-import",
        str(tmp_path / "r1.out.jsonl"),
        "--batch-export",
        str(tmp_path / "r2.jsonl"),
    )
    assert code == 0 and "3 requests" in err
    code, _out, err = run_cli(monkeypatch, capsys, *base, "--batch-api")
    assert code == 2 and "--batch-import" in err  # the exported round waits for its results
    run_batch_file(tmp_path / "r2.jsonl", tmp_path / "r2.out.jsonl", answer)
    # Read back from a folder of JSONL files, as Ray Data writes them.
    lines = (tmp_path / "r2.out.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    (tmp_path / "r2.out").mkdir()
    (tmp_path / "r2.out" / "part-0.json").write_text("".join(lines[:1]), encoding="utf-8")
    (tmp_path / "r2.out" / "part-1.json").write_text("".join(lines[1:]), encoding="utf-8")
    code, _out, err = run_cli(monkeypatch, capsys, *base, "--batch-import", str(tmp_path / "r2.out"))
    assert code == 0, err
    assert "3 done" in err
    with fs.FakeOpenAI(answer) as server:
        synchronous(server.base_url, files, tmp_path / "sync", tmp_path / "cache-sync")
    assert summaries(tmp_path / "out") == summaries(tmp_path / "sync")
    lines = (tmp_path / "r1.jsonl").read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    assert set(first) == {"custom_id", "method", "url", "body"} and first["url"] == "/v1/chat/completions"


# --------------------------------------------------------------------------------------------------
# Cost and the provider's prefix cache
# --------------------------------------------------------------------------------------------------


def test_cached_prompt_tokens_are_recorded_and_billed_at_the_cached_batch_rate(tmp_path: Path) -> None:
    report, _server = run_faulty(tmp_path, prefix_cache=PrefixCache(min_tokens=64, block=16))
    assert 0 < report.totals["cached_tokens"] < report.totals["prompt_tokens"]
    price = batch_price_for("gpt-4o-mini")
    assert price is not None and price.cached_prompt == pytest.approx(0.0375)
    for doc in summaries(tmp_path / "out", usage=True).values():
        u = doc["usage"]
        assert u["cached_tokens"] > 0
        expected = estimate_cost(
            "gpt-4o-mini", u["prompt_tokens"], u["completion_tokens"], cached_tokens=u["cached_tokens"], batch=True
        )
        assert u["cost_usd"] == pytest.approx(expected, abs=1e-6)


def test_the_synchronous_client_records_cached_tokens_too(tmp_path: Path) -> None:
    files = write_corpus(tmp_path / "docs", 1)
    with FakeBatchOpenAI(
        lambda body, n: fs.pipeline_answer(body), prefix_cache=PrefixCache(min_tokens=64, block=16)
    ) as s:
        synchronous(s.base_url, files, tmp_path / "sync", tmp_path / "cache")
    usage = summaries(tmp_path / "sync", usage=True)["doc0.json"]["usage"]
    assert usage["cached_tokens"] > 0
    assert usage["cost_usd"] == pytest.approx(
        estimate_cost(
            "gpt-4o-mini", usage["prompt_tokens"], usage["completion_tokens"], cached_tokens=usage["cached_tokens"]
        ),
        abs=1e-6,
    )


# --------------------------------------------------------------------------------------------------
# Usage errors
# --------------------------------------------------------------------------------------------------


def test_another_model_on_an_unfinished_run_is_one_line(tmp_path: Path) -> None:
    files = write_corpus(tmp_path / "docs", 1)
    with FakeBatchOpenAI(lambda body, n: fs.pipeline_answer(body)) as server:
        with pytest.raises(Killed):
            batch_api(
                server,
                files,
                tmp_path / "out",
                tmp_path / "cache",
                on_event=lambda e: (_ for _ in ()).throw(Killed()) if e.kind == "created" else None,
            )
        with pytest.raises(InputError, match="unfinished batch API run over other model"):
            batch_api(server, files, tmp_path / "out", tmp_path / "cache", model="qwen-plus")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--batch-api", "--base-url", "http://127.0.0.1:9/v1"], "need --out DIR"),
        (["--batch-api", "--out", "OUT", "--backend", "offline"], "needs a model endpoint"),
        (["--batch-api", "--out", "OUT", "--base-url", "http://127.0.0.1:9/v1", "--no-cache"], "drop --no-cache"),
    ],
)
def test_batch_api_usage_errors(
    args: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write_corpus(tmp_path / "docs", 1)
    args = [str(tmp_path / "out") if a == "OUT" else a for a in args]
    code, _out, err = run_cli(monkeypatch, capsys, str(tmp_path / "docs"), *args)
    assert code == 2 and message in err
    assert len([line for line in err.splitlines() if message in line]) == 1 and "Traceback" not in err


# --------------------------------------------------------------------------------------------------
# Judging: the fast path against the whole synchronous stack
# --------------------------------------------------------------------------------------------------

BAD_ITEM = {"text": "编造", "kind": "measure", "quote": "原文里没有这句话。", "metrics": []}


@pytest.mark.parametrize(
    ("setting", "mode"),
    [
        ("auto", "json_schema"),
        ("auto", "tools"),
        ("json_schema", "json_schema"),
        ("tools_strict", "tools_strict"),
        ("tools", "tools"),
        ("json", "json"),
        ("md_json", "md_json"),
    ],
)
def test_the_fast_judge_gives_the_verdicts_of_the_synchronous_stack(setting: str, mode: str, tmp_path: Path) -> None:
    from summarizer.batchapi.wire import Judge, _key

    files = write_corpus(tmp_path / "docs", 1)
    with summarizer("http://127.0.0.1:9/v1", tmp_path / "cache", mode=setting) as s:
        request = request_for(s.plan(files[0]).sent[0], s.fingerprint)
        body = BodyBuilder(s.settings, mode).body(request.messages, request.response_model)  # type: ignore[arg-type]
        fake = fs.FakeOpenAI([])
        good = {"summaries": fs.summaries(body, "本段摘要。"), "items": []}
        behaviours = [
            fs.answer(good),
            fs.answer({**good, "items": [BAD_ITEM]}),  # ungrounded: rejected, with the unchecked value
            fs.answer({**good, "summaries": []}),  # owes one summary per part
            fs.schema_invalid(),
            fs.non_json(),
            fs.truncated(good),
            fs.several_tool_calls(good),
            fs.no_tool_call(good),
        ]
        completions = [fake.completion(body, i, b) for i, b in enumerate(behaviours)]
        completions.append({**completions[0], "choices": []})
        judge = Judge(s.settings, mode)  # type: ignore[arg-type]
        outcomes = []
        for completion in completions:
            fast = judge._fast(request.response_model, request.grounding, completion)
            slow = judge._through_stack(request.messages, request.response_model, request.grounding, "t", completion)
            assert fast is not None and _key(fast) == _key(slow), (completion, fast, slow)
            outcomes.append(fast.outcome)
    # A good answer is accepted, an ungrounded or malformed one rejected (or, in auto, taken as the endpoint
    # not following the mode: an error that moves the run to the next mode), each exactly as the stack says.
    assert outcomes[0] == "accepted" and outcomes[1] == "rejected"
    assert set(outcomes[2:6]) <= ({"rejected", "error"} if setting == "auto" else {"rejected"})


@pytest.mark.parametrize("mode", ["json_schema", "tools", "json", "md_json"])
def test_every_request_of_a_kind_starts_with_the_same_static_prefix(mode: str, tmp_path: Path) -> None:
    """What a provider's prefix cache can serve: for every request asking for the same response model, the
    schema (tools or response_format) and the system prompt are byte for byte the same, and the report's text
    comes only in the last user message."""
    files = sorted(DATA.glob("*.txt"))
    with summarizer("http://127.0.0.1:9/v1", tmp_path / "cache", chunk_budget=1500) as s:
        builder = BodyBuilder(s.settings, mode)  # type: ignore[arg-type]
        static: dict[str, set[str]] = {}
        for path in files:
            for step in s.plan(path).sent:
                request = request_for(step, s.fingerprint)
                body = builder.body(request.messages, request.response_model)
                fixed = {k: v for k, v in body.items() if k != "messages"}
                head = [m for m in body["messages"][:-1]]
                key = json.dumps([fixed, head], ensure_ascii=False, sort_keys=True)
                static.setdefault(request.response_model.__name__, set()).add(key)
                assert step.chunk.text in body["messages"][-1]["content"]
    assert static and all(len(keys) == 1 for keys in static.values())


def test_one_run_at_a_time_per_output_folder(tmp_path: Path) -> None:
    """Two runs on one OUT would both write its state file: the second is refused in one line, as a batch is."""
    from summarizer.batch import OutLock

    files = write_corpus(tmp_path / "docs", 1)
    (tmp_path / "out").mkdir()
    with FakeBatchOpenAI(lambda body, n: fs.pipeline_answer(body)) as server, OutLock(tmp_path / "out"):
        with pytest.raises(InputError, match="another summarize run"):
            batch_api(server, files, tmp_path / "out", tmp_path / "cache")
        assert server.calls == []


def test_an_endpoint_without_a_batch_api_is_one_line_pointing_at_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write_corpus(tmp_path / "docs", 1)
    with fs.FakeOpenAI(lambda body, n: fs.pipeline_answer(body)) as server:  # chat completions only
        code, _out, err = run_cli(
            monkeypatch,
            capsys,
            str(tmp_path / "docs"),
            "--out",
            str(tmp_path / "out"),
            "--base-url",
            server.base_url,
            "--api-key",
            "sk-x",
            "--cache-dir",
            str(tmp_path / "cache"),
            "--batch-api",
            "--retries",
            "0",
        )
    assert code == 3
    lines = [line for line in err.splitlines() if "no Files/Batches API" in line]
    assert len(lines) == 1 and "--batch-export" in lines[0] and "Traceback" not in err
