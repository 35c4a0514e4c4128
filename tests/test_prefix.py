"""The worked example of the extraction prompt (issue 15, prefix caching): it is an answer the validators
accept for its own chunk and shows every rule of the system prompt; ``worked_example="auto"`` turns it on only
where it makes the static prefix cheaper; the synchronous and the batch API paths send it alike.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from support import run_cli

from summarizer import Summarizer, analyze, load_path
from summarizer.batch import Batch
from summarizer.batchapi import BatchApiOptions, BatchApiRun
from summarizer.config import Settings
from summarizer.cost import BUILTIN_PRICES, Price
from summarizer.models import ChunkExtraction, ExtractedMetric
from summarizer.numbers import parse_number
from summarizer.plan import extraction_grounding, part_labels, plan_document, request_for
from summarizer.prefix import decide, example_pays, static_prefix_tokens
from summarizer.prompts import extract_system, render_fixed
from summarizer.testing import fake_openai as fs
from summarizer.testing.fake_batch import FakeBatchOpenAI

DATA = Path(__file__).resolve().parent / "data"
EXAMPLE = render_fixed("extract_example")


def example_parts() -> tuple[list[str], str, dict[str, Any]]:
    """The example's listed parts, its chunk and its answer, read from the template as the model sees it."""
    head, answer = EXAMPLE.split("\n答:\n")
    listed, chunk = head.split("\n片段:\n")
    labels = [re.sub(r"^\d+\. ", "", line) for line in listed.split("部分:\n", 1)[1].splitlines()]
    return labels, chunk, json.loads(answer)


def test_the_example_is_an_answer_the_validators_accept_for_its_own_chunk(tmp_path: Path) -> None:
    """The chunk goes through the pipeline as a document would: the parts it lists are those extract_user.j2
    would list for it, and the answer passes the validators a real answer passes (quotes, figures,
    bindings, one summary per part) with that chunk's grounding."""
    labels, chunk, answer = example_parts()
    path = tmp_path / "example.txt"
    path.write_text(chunk, encoding="utf-8")
    [step] = plan_document(analyze(load_path(path), Settings())).sent
    assert step.chunk.text == chunk
    assert part_labels(step.chunk) == labels
    parsed = ChunkExtraction.model_validate(answer, context=extraction_grounding(step.chunk))
    assert len(parsed.summaries) == len(labels) == 2


def metrics() -> list[ExtractedMetric]:
    _labels, _chunk, answer = example_parts()
    parsed = ChunkExtraction.model_validate(answer)
    return [m for item in parsed.items for m in item.metrics]


def test_the_example_shows_every_rule_of_the_system_prompt() -> None:
    found = metrics()
    kinds = Counter(m.kind for m in found)
    assert kinds["result"] and kinds["target"] and kinds["baseline"]  # 已完成result、目标target、基数baseline
    figures = [m for m in found if m.value is not None]
    # value逐字照抄: the value is written in its quote as is, and the quote holds the unit right after it.
    assert all(f"{m.value}{m.unit}" in m.quote for m in figures)
    assert any(m.unit == "%" and "增长" in m.quote for m in figures)  # a percentage growth
    scaled = [m for m in figures if m.value is not None and m.value.endswith("万")]
    assert scaled and all(m.unit and m.unit not in m.value for m in scaled)  # 万 kept in value, unit apart
    redacted = [m for m in found if m.value is None]
    assert len(redacted) == 1 and "xx" in redacted[0].quote  # 涂改: value null, quote keeps the mark
    # key on the headline figure: the largest completed amount of the report is flagged, and not every figure.
    results = [m for m in figures if m.kind == "result" and m.unit != "%"]
    headline = max(results, key=lambda m: parse_number(f"{m.value}{m.unit}").scaled or 0)  # type: ignore[union-attr]
    assert headline.key and not all(m.key for m in found)


def test_the_example_is_written_for_the_prompt_not_copied_from_a_report() -> None:
    """No sentence of the example's chunk (its numbered headings aside) is in a report of the corpus
    (tests/data) or in the gold labels."""
    _labels, chunk, _answer = example_parts()
    heading = re.compile(r"[一二三四五六七八九十]+、")  # the genre's numbered headings are in every report
    sentences = [s for s in re.split(r"[。；\n]", chunk) if len(s) > 8 and not heading.match(s)]
    texts = [p.read_text(encoding="utf-8") for p in [*DATA.glob("*.txt"), *(DATA.parent / "gold").glob("*.json")]]
    assert sentences and texts
    assert not [s for s in sentences if any(s in t for t in texts)]


def test_the_example_is_only_in_the_system_message() -> None:
    assert EXAMPLE not in render_fixed("extract_system")
    assert extract_system(True).startswith(extract_system(False)) and extract_system(True).endswith(EXAMPLE)


@pytest.mark.parametrize(("mode", "margin"), [("json_schema", 20), ("tools", 0)])
def test_with_the_example_the_static_prefix_passes_openais_minimum_by_a_small_margin(mode: str, margin: int) -> None:
    """Exact o200k counts (bpe-openai, the bench extra) of the request body the client sends, read as
    bench_batch's ``request_tokens`` reads it: the mode's schema fields, then the system message with its 3
    framing tokens. Without the example the prefix is under 1,024 tokens; with it over: by 20-60 tokens in
    json_schema mode (auto's first mode, what OpenAI answers), by a little in tools mode, whose schema is 24
    tokens shorter. Every token over 1,024 is billed at the full rate in every request (OpenAI caches in
    128-token steps), so the margin is kept small."""
    bpe = pytest.importorskip("bpe_openai")
    from summarizer.llm.client import LLMClient

    encode = bpe.get_encoding("o200k_base").encode
    client = LLMClient(Settings(base_url="http://127.0.0.1:9/v1", api_key="x", model="gpt-5-mini", mode=mode))

    def prefix(example: bool) -> int:
        system = extract_system(example)
        body = client._wire(mode, ChunkExtraction).body([{"role": "system", "content": system}], {"model": "m"})  # type: ignore[arg-type]
        schema = {k: body[k] for k in ("tools", "tool_choice", "response_format") if k in body}
        return len(encode(json.dumps(schema, ensure_ascii=False))) + 3 + len(encode(system))

    without, with_example = prefix(False), prefix(True)
    assert without < 1024 <= with_example - margin
    assert with_example <= 1024 + 60


# --------------------------------------------------------------------------------------------------
# auto
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "on"),
    [
        ("gpt-5-mini", True),  # 90% off cached input
        ("gpt-5", True),
        ("gpt-5-nano", True),
        # 75% off: the example lifts the prefix into the cache and still saves (with the estimate: 1,610 tokens
        # at $0.10 against 709 at $0.40 per 1M), although not enough for the 1.25 target (bench/README.md).
        ("gpt-4.1-mini", True),
        ("gpt-4.1", True),
        ("gpt-4o-mini", False),  # 50% off: 1,610 x 0.075 > 709 x 0.15; the replays' model: cassettes unchanged
        ("gpt-4o", False),
        ("deepseek-chat", False),  # no minimum: the prefix is cached already
        ("qwen-plus", False),  # 256-token minimum: already reached
        ("my-local-model", False),  # not in the table
    ],
)
def test_auto_turns_the_example_on_only_where_it_makes_the_prefix_cheaper(model: str, on: bool) -> None:
    """The offline estimate (tokens.py) decides, as a run does."""
    assert decide(Settings(model=model)).on is on


@pytest.mark.parametrize(("setting", "model", "on"), [("on", "gpt-4o-mini", True), ("off", "gpt-5-mini", False)])
def test_on_and_off_are_obeyed(setting: str, model: str, on: bool) -> None:
    assert decide(Settings(model=model, worked_example=setting)).on is on  # type: ignore[arg-type]


OPENAI_LIKE = Price(1.0, 4.0, 0.1, None, 1024)


@pytest.mark.parametrize(
    ("price", "without", "with_example", "pays"),
    [
        (OPENAI_LIKE, 600, 1100, True),
        (OPENAI_LIKE, 1030, 1500, False),  # cached already without the example
        (OPENAI_LIKE, 600, 1000, False),  # still under the minimum with it
        (Price(1.0, 4.0, 0.5, None, 1024), 500, 1100, False),  # 1,100 x 0.5 > 500 x 1.0
        (Price(1.0, 4.0, 0.5, None, 1024), 600, 1100, True),  # 550 < 600
        (Price(1.0, 4.0, None, None, 1024), 600, 1100, False),  # no cached rate known
        (Price(1.0, 4.0, 0.1), 600, 1100, False),  # no minimum known
        (None, 600, 1100, False),
    ],
)
def test_example_pays(price: Price | None, without: int, with_example: int, pays: bool) -> None:
    assert (example_pays(price, without, with_example) is not None) is pays


def test_the_table_records_each_providers_cache_minimum() -> None:
    assert {m: p.cache_min_tokens for m, p in BUILTIN_PRICES.items() if m.startswith(("gpt", "qwen", "deepseek"))} == {
        **{m: 1024 for m in ("gpt-5", "gpt-5-mini", "gpt-5-nano", "gpt-4o-mini", "gpt-4o", "gpt-4.1-mini", "gpt-4.1")},
        **{m: 256 for m in ("qwen-plus", "qwen-turbo", "qwen-max")},
        "deepseek-chat": None,
    }
    five = BUILTIN_PRICES["gpt-5-mini"]
    assert (five.prompt, five.cached_prompt, five.completion) == (0.25, 0.025, 2.00)
    batched = five.batched()
    assert batched is not None and batched.cache_min_tokens == 1024 and batched.cached_prompt == 0.0125


def test_the_estimate_of_the_prefix_grows_by_the_example() -> None:
    assert static_prefix_tokens("auto", True) > static_prefix_tokens("auto", False) + 500


# --------------------------------------------------------------------------------------------------
# What is sent
# --------------------------------------------------------------------------------------------------

BASE: dict[str, Any] = {"backend": "llm", "base_url": "http://127.0.0.1:9/v1", "api_key": "sk-x", "chunk_budget": 200}


def system_messages(tmp_path: Path, **settings: Any) -> set[str]:
    analysis = analyze(load_path(DATA / "mini" / "two_chunk_report.txt"), Settings(chunk_budget=200))
    with Summarizer(Settings(**{**BASE, "cache_dir": tmp_path, **settings})) as s:
        return {request_for(step, s.fingerprint).messages[0]["content"] for step in plan_document(analysis).sent}


@pytest.mark.parametrize(
    ("settings", "carried"),
    [
        ({}, False),  # gpt-4o-mini, auto: the request the cassettes recorded
        ({"worked_example": "off", "model": "gpt-5-mini"}, False),
        ({"model": "gpt-5-mini"}, True),
        ({"worked_example": "on"}, True),
    ],
)
def test_the_request_carries_the_example_when_on(settings: dict[str, Any], carried: bool, tmp_path: Path) -> None:
    [system] = system_messages(tmp_path, **settings)
    assert system == extract_system(carried)
    assert (EXAMPLE in system) is carried


def test_the_example_is_keyed_by_its_resolved_value(tmp_path: Path) -> None:
    with Summarizer(Settings(**BASE)) as auto, Summarizer(Settings(**BASE, worked_example="off")) as off:
        assert auto.fingerprint == off.fingerprint  # auto resolves to off for gpt-4o-mini: the same answers
    with Summarizer(Settings(**BASE, worked_example="on")) as on:
        assert on.fingerprint != off.fingerprint and on.fingerprint.worked_example


def test_the_setting_comes_from_the_environment_the_cli_and_the_api(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert Settings.from_env({"SUMMARIZER_WORKED_EXAMPLE": "on"}).worked_example == "on"
    with Summarizer(worked_example="off", model="gpt-5-mini") as s:
        assert not s.fingerprint.worked_example
    doc = str(DATA / "mini" / "two_chunk_report.txt")
    args = ["--backend", "llm", "--api-key", "x", "--dry-run", "--no-cache", doc]
    code, out, _err = run_cli(monkeypatch, capsys, *args, "--model", "gpt-5-mini")
    assert code == 0 and out.startswith("worked example: on (auto") and "1,000 extraction requests" in out
    code, out, _err = run_cli(monkeypatch, capsys, *args, "--worked-example", "off", "--model", "gpt-5-mini")
    assert code == 0 and out.startswith("worked example: off (set)")
    monkeypatch.setenv("SUMMARIZER_WORKED_EXAMPLE", "maybe")
    code, _out, err = run_cli(monkeypatch, capsys, *args)
    assert code == 2 and "worked_example" in err


def test_the_batch_api_sends_what_the_synchronous_client_sends_with_the_example(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    files = []
    for i in range(2):
        files.append(docs / f"doc{i}.txt")
        # 县 is in both chunks: no chunk is shared, so none is answered from the call cache by a race.
        text = (DATA / "mini" / "two_chunk_report.txt").read_text(encoding="utf-8").replace("县", f"第{i}县")
        files[-1].write_text(text, encoding="utf-8")
    settings = {**BASE, "model": "gpt-5-mini", "backoff_initial": 0.0, "backoff_max": 0.0}

    def bodies(server: fs.FakeOpenAI) -> Counter[str]:
        return Counter(json.dumps(r.body, sort_keys=True, ensure_ascii=False) for r in server.requests)

    with fs.FakeOpenAI(lambda body, n: fs.pipeline_answer(body)) as chat:
        with Summarizer(Settings(**{**settings, "base_url": chat.base_url, "cache_dir": tmp_path / "c1"})) as s:
            assert [st.status for st in Batch(s, files, tmp_path / "sync").run()] == ["ok", "ok"]
        sync = bodies(chat)
    with FakeBatchOpenAI(lambda body, n: fs.pipeline_answer(body)) as server:
        with (
            Summarizer(Settings(**{**settings, "base_url": server.base_url, "cache_dir": tmp_path / "c2"})) as s,
            BatchApiRun(s, files, tmp_path / "out", options=BatchApiOptions(poll_initial=0.0, poll_max=0.0)) as run,
        ):
            assert run.run().phase == "done"
        batch = bodies(server)
    assert set(batch) == set(sync)  # a request two documents share is sent once through the batch API
    system = extract_system(True)
    with_example = sum(n for body, n in sync.items() if json.loads(body)["messages"][0]["content"] == system)
    assert with_example == 4  # two chunks per document; the overview requests go without it


def _two_docs(folder: Path) -> Path:
    folder.mkdir()
    source = (DATA / "mini" / "two_chunk_report.txt").read_text(encoding="utf-8")
    for i in range(2):  # every chunk differs, so that no answer comes from the call cache
        text = source.replace("登记649项", f"登记{649 + i}项").replace("增长10%", f"增长{10 + i}%")
        (folder / f"r{i}.txt").write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("model", "cache_answers", "hint"),
    [("gpt-5-mini", False, True), ("gpt-5-mini", True, False), ("gpt-4o-mini", False, False)],
)
def test_a_batch_says_when_the_example_bought_no_cache_hit(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    model: str,
    cache_answers: bool,
    hint: bool,
) -> None:
    """The example only pays through the provider's prefix cache; an endpoint that never reports a cached
    prompt token (no cache, or one that counts our prefix under its minimum) gets a one-line hint."""
    from summarizer.testing.fake_batch import PrefixCache

    docs = _two_docs(tmp_path / "docs")
    cache = PrefixCache(min_tokens=64, block=16) if cache_answers else None
    with FakeBatchOpenAI(lambda body, n: fs.pipeline_answer(body), prefix_cache=cache) as server:
        code, _, err = run_cli(
            monkeypatch, capsys, str(docs), "--out", str(tmp_path / "out"), "--backend", "llm", "--base-url",
            server.base_url, "--api-key", "sk-x", "--cache-dir", str(tmp_path / "cache"), "--model", model,
            "--chunk-size", "200", "--concurrency", "1",
        )
    assert code == 0
    assert ("from the provider's prefix cache" in err) is cache_answers
    assert ("--worked-example off" in err) is hint
