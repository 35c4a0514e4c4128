"""Constrained output (issue 20): json_schema and tools_strict modes, auto's fallback order, enforcement, and what the
answer fingerprint keys — through the real openai + instructor + tenacity stack against the fake server, which
rejects and enforces the way real servers do (``fake_openai.Features``, ``REJECTIONS``).

Request counts come from the server's own log.
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import Any

import pytest
from netguard import no_external_network  # noqa: F401  (fixture)

from summarizer import Summarizer
from summarizer.config import AUTO_MODES, Mode, Settings
from summarizer.errors import LLMError
from summarizer.fingerprint import answer_fingerprint
from summarizer.llm.client import LLMClient
from summarizer.models import ChunkExtraction, Grounding
from summarizer.testing import fake_openai as fs
from tests.support import HI_TECH_CHUNK, extract_messages, fake_settings, hi_tech_answer

pytestmark = pytest.mark.usefixtures("no_external_network")

DATA = Path(__file__).parent / "data"
LABEL = "xianning_city_2020h1.txt chunk 3/7"
CHUNK = HI_TECH_CHUNK
MESSAGES = extract_messages(CHUNK)
QUOTE = "全市实现高新技术产业增加值30.95亿元"
GOOD = hi_tech_answer("一季度咸宁高新技术产业增加值30.95亿元。", "高新技术产业增加值30.95亿元", key=True)
METRIC = GOOD["items"][0]["metrics"][0]
# A careless model: prose around the JSON, a key nobody asked for, and a field left out.
CARELESS = (
    "好的，以下是抽取结果：\n```json\n"
    + json.dumps(
        {
            "summaries": GOOD["summaries"],
            "items": [{**GOOD["items"][0], "confidence": 0.9, "metrics": [{**METRIC}]}],
            "note": "以上均摘自原文",
        },
        ensure_ascii=False,
    )
    + "\n```\n希望对您有帮助。"
)
UNGROUNDED = {**GOOD, "items": [{**GOOD["items"][0], "quote": "全市实现高新技术产业增加值31.5亿元"}]}


def client(server: fs.FakeOpenAI, **kw: Any) -> LLMClient:
    return LLMClient(fake_settings(server, **kw))


def call(c: LLMClient) -> Any:
    return c.complete(MESSAGES, ChunkExtraction, context=Grounding(CHUNK), label=LABEL)


def kind(body: dict[str, Any]) -> str:
    """The mode a request was sent in, read from its shape."""
    if body.get("tools"):
        return "tools_strict" if body["tools"][0]["function"].get("strict") else "tools"
    fmt = (body.get("response_format") or {}).get("type")
    return {"json_schema": "json_schema", "json_object": "json"}.get(fmt, "md_json")


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


# -- enforcement: the form is the endpoint's problem, the content still ours --------------------------------------


def test_auto_asks_first_for_the_enforced_schema_and_a_careless_model_needs_no_reask() -> None:
    with fs.FakeOpenAI([fs.answer(CARELESS)], features=fs.Features(json_schema="enforce")) as server:
        with client(server) as c:
            result = call(c)
        (request,) = server.requests
    assert kind(request.body) == "json_schema" and request.body["response_format"]["json_schema"]["strict"] is True
    assert result.mode == "json_schema" and result.attempts == 1 and result.grounded
    assert result.value.model_dump() == ChunkExtraction.model_validate(GOOD).model_dump()


def test_without_enforcement_the_same_careless_answer_costs_a_reask() -> None:
    with fs.FakeOpenAI([fs.answer(CARELESS), fs.answer(GOOD)]) as server:
        with client(server, mode="tools") as c:
            result = call(c)
        _, second = server.requests
    assert result.attempts == 2 and result.mode == "tools"
    assert "rejected" in second.body["messages"][-1]["content"]  # prose where the tool's JSON arguments belong


def test_grounding_errors_are_still_reasked_under_enforcement() -> None:
    with fs.FakeOpenAI([fs.answer(UNGROUNDED), fs.answer(GOOD)], features=fs.Features(json_schema="enforce")) as server:
        with client(server) as c:
            result = call(c)
        _, second = server.requests
    assert result.mode == "json_schema" and result.attempts == 2
    assert kind(second.body) == "json_schema"  # a re-ask, not a fallback
    assert "31.5亿元" in second.body["messages"][-1]["content"]
    assert result.value.items[0].quote == QUOTE


def test_enforcing_server_answers_only_schema_valid_json() -> None:
    """The fake's enforcement itself: whatever the script says, the answer is valid for the schema sent."""
    schema = ChunkExtraction.strict_json_schema()
    scripts = [fs.answer(CARELESS), fs.non_json(), fs.schema_invalid(), fs.answer({"summaries": "一段", "x": 1})]
    with fs.FakeOpenAI(scripts, features=fs.Features(json_schema="enforce")) as server:
        for behaviour in scripts:
            body = {"messages": MESSAGES, "response_format": {"type": "json_schema", "json_schema": {"schema": schema}}}
            text = server.completion(body, 0, behaviour)["choices"][0]["message"]["content"]
            assert fs.schema_errors(json.loads(text), schema) == [], behaviour
    # a constrained answer given by the script wins over the careless one
    body = {"messages": MESSAGES, "response_format": {"type": "json_schema", "json_schema": {"schema": schema}}}
    with fs.FakeOpenAI([], features=fs.Features(json_schema="enforce")) as server:
        text = server.completion(body, 0, fs.answer(CARELESS, constrained=GOOD))["choices"][0]["message"]["content"]
    assert json.loads(text) == GOOD


def test_strict_tools_are_enforced_too() -> None:
    features = fs.Features(strict_tools="enforce")
    with fs.FakeOpenAI([fs.answer(CARELESS)], features=features) as server, client(server, mode="tools_strict") as c:
        result = call(c)
        (request,) = server.requests
    function = request.body["tools"][0]["function"]
    assert function["strict"] is True and function["parameters"]["additionalProperties"] is False
    assert request.body["tool_choice"]["function"]["name"] == function["name"] == "ChunkExtraction"
    assert result.mode == "tools_strict" and result.attempts == 1


def test_a_refusal_is_reasked_with_its_reason_not_taken_for_an_unenforced_schema() -> None:
    with fs.FakeOpenAI([fs.refusal(), fs.answer(GOOD)], features=fs.Features(json_schema="enforce")) as server:
        with client(server) as c:
            result = call(c)
        _, second = server.requests
    assert result.mode == "json_schema" and result.attempts == 2
    assert kind(second.body) == "json_schema" and "refusal" in second.body["messages"][-1]["content"]


# -- auto: the strongest mode the endpoint takes, one fallback per rung and endpoint ------------------------------


@pytest.mark.parametrize("server_name", ["openai", "deepseek", "vllm", "llama.cpp"])
def test_a_server_without_structured_outputs_gets_tools(server_name: str, caplog: pytest.LogCaptureFixture) -> None:
    features = fs.Features(json_schema="reject", server=server_name)
    with fs.FakeOpenAI([fs.answer(GOOD), fs.answer(GOOD)], features=features) as server:
        with client(server, transport_retries=3) as c, caplog.at_level(logging.WARNING, logger="summarizer.llm"):
            first, second = call(c), call(c)
        reqs = server.requests
    # llama.cpp's rejection is an HTTP 500: a rejection all the same, and not retried
    assert [kind(r.body) for r in reqs] == ["json_schema", "tools", "tools"]
    assert reqs[0].behaviour.status_code == fs.REJECTIONS[server_name]["json_schema"][0]
    assert first.mode == second.mode == "tools" and (first.attempts, second.attempts) == (2, 1)
    (warning,) = warnings_of(caplog)
    assert f"endpoint {server.base_url} rejected a strict JSON schema (response_format json_schema); " in warning
    assert "falling back to tools mode" in warning


def test_an_endpoint_that_takes_the_schema_but_does_not_enforce_it_gets_tools(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Ollama Cloud, a proxy, llama.cpp whose grammar failed to parse: response_format accepted, prose comes back.
    with fs.FakeOpenAI([fs.answer(CARELESS), fs.answer(GOOD)]) as server:
        with client(server) as c, caplog.at_level(logging.WARNING, logger="summarizer.llm"):
            result = call(c)
        reqs = server.requests
    assert [kind(r.body) for r in reqs] == ["json_schema", "tools"]
    assert reqs[1].body["messages"] == MESSAGES  # a fresh start in the new mode, not a re-ask
    assert result.mode == "tools" and result.attempts == 2
    (warning,) = warnings_of(caplog)
    assert "did not follow the schema it was sent" in warning


def test_the_whole_ladder_once_then_remembered(caplog: pytest.LogCaptureFixture) -> None:
    features = fs.Features(json_schema="reject", tools=False, json_object=False, server="llama.cpp")
    with fs.FakeOpenAI([fs.answer(GOOD)] * 3, features=features) as server:
        with client(server) as c, caplog.at_level(logging.WARNING, logger="summarizer.llm"):
            results = [call(c) for _ in range(3)]
        reqs = server.requests
    assert [kind(r.body) for r in reqs] == [*AUTO_MODES, "md_json", "md_json"]
    assert [r.mode for r in results] == ["md_json"] * 3 and results[0].attempts == 4
    assert len(warnings_of(caplog)) == 3  # one per rung given up


def test_concurrent_first_requests_fall_back_once(caplog: pytest.LogCaptureFixture) -> None:
    features = fs.Features(json_schema="reject", server="deepseek")
    results: list[Any] = []
    with (
        fs.FakeOpenAI(lambda body, n: fs.answer(GOOD), latency=0.05, features=features) as server,
        client(server) as c,
        caplog.at_level(logging.WARNING, logger="summarizer.llm"),
    ):
        threads = [threading.Thread(target=lambda: results.append(call(c))) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=10)
    assert len(results) == 8 and {r.mode for r in results} == {"tools"}
    assert len(warnings_of(caplog)) == 1


@pytest.mark.parametrize(
    ("mode", "features"),
    [
        ("json_schema", fs.Features(json_schema="reject", server="deepseek")),
        ("tools_strict", fs.Features(strict_tools="reject", server="deepseek")),
    ],
)
def test_an_explicit_mode_never_falls_back(mode: Mode, features: fs.Features) -> None:
    with fs.FakeOpenAI([fs.answer(GOOD)], features=features) as server:
        with client(server, mode=mode) as c, pytest.raises(LLMError) as info:
            call(c)
        assert len(server.requests) == 1
    message = str(info.value)
    assert f"endpoint rejected {mode} mode" in message and LABEL in message
    feature = "json_schema" if mode == "json_schema" else "strict_tools"
    assert fs.REJECTIONS["deepseek"][feature][1][:20] in message


def test_a_transient_500_in_json_schema_mode_is_still_retried() -> None:
    with fs.FakeOpenAI([fs.status(500, message="grammar worker crashed"), fs.answer(GOOD)]) as server:
        with client(server, mode="json_schema") as c:
            result = call(c)
        assert len(server.requests) == 2
    assert result.attempts == 2


# -- the fingerprint: the requested mode, never the one a fallback settled on --------------------------------------


def test_the_fingerprint_names_the_mode_and_autos_order() -> None:
    def parts(mode: str) -> dict[str, Any]:
        return dict(answer_fingerprint(Settings(mode=mode, base_url="http://h/v1"), "llm", calls_model=True).parts)

    auto, schema, tools = parts("auto"), parts("json_schema"), parts("tools")
    assert auto["mode"] == "auto:json_schema>tools>json>md_json"
    assert schema["mode"] == "json_schema" and tools["mode"] == "tools"
    # the strict forms count where they are sent
    assert auto["schema"] == schema["schema"] == parts("tools_strict")["schema"] != tools["schema"]
    assert tools["schema"] == parts("json")["schema"] == parts("md_json")["schema"]
    assert auto["schema"].startswith(tools["schema"] + "-")


def test_a_fallback_mid_run_loses_no_cached_answer(tmp_path: Path) -> None:
    """auto is keyed as auto: answers stored after a fallback to tools are found by the next run, which again
    starts with json_schema and would otherwise look under json_schema keys."""
    features = fs.Features(json_schema="reject", server="openai")
    report = DATA / "xianning_city_2020h1.txt"
    with fs.FakeOpenAI(lambda body, n: fs.pipeline_answer(body), features=features) as server:
        options: dict[str, Any] = {"backend": "llm", "base_url": server.base_url, "api_key": "x"}
        with Summarizer(**options, cache_dir=tmp_path) as s:
            first = s.summarize(report)
        sent = len(server.requests)
        with Summarizer(**options, cache_dir=tmp_path) as s:
            second = s.summarize(report)
        assert len(server.requests) == sent  # nothing sent: every answer came from the cache
    assert first.usage.calls > 0 and second.usage.cache_hits == first.usage.calls
    with Summarizer(**options, cache_dir=tmp_path, mode="tools") as s:
        assert s.fingerprint.parts["mode"] == "tools"  # an explicit mode is its own key: asked afresh


def test_the_cli_offers_every_mode() -> None:
    import typing

    import click

    from summarizer import cli

    for command in (cli.cli, cli.eval_cli):
        option = next(p for p in command.params if p.name == "mode")
        assert isinstance(option.type, click.Choice)
        assert list(option.type.choices) == list(typing.get_args(Mode))
