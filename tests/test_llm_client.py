"""LLMClient behaviour beyond single faults: token accounting, re-ask shape, modes, labels, threads."""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from netguard import no_external_network  # noqa: F401  (fixture)

from summarizer.config import Settings
from summarizer.errors import LLMError, SummarizerError
from summarizer.llm.client import LLMClient
from summarizer.models import ChunkExtraction, Grounding, OverviewDraft
from summarizer.testing import fake_openai as fs
from tests.support import HI_TECH_CHUNK, extract_messages, fake_settings, hi_tech_answer

pytestmark = pytest.mark.usefixtures("no_external_network")

LABEL = "咸宁市科技局 xianning_city_2020h1.txt chunk 3/7"
CHUNK = HI_TECH_CHUNK
MESSAGES = extract_messages(CHUNK)


def extraction(value: str) -> dict[str, Any]:
    return hi_tech_answer("一季度高新技术产业增加值下降。", "高新技术产业增加值", value)


GOOD = extraction("30.95亿")
# Neither quote is in the chunk (the source says 30.95亿元), so the grounding validator must reject them.
BAD_1 = extraction("31.5亿")
BAD_2 = extraction("29.8亿")


def make_client(server: fs.FakeOpenAI, **kw: Any) -> LLMClient:
    return LLMClient(fake_settings(server, **kw))


def call(client: LLMClient, messages: list[dict[str, str]] = MESSAGES) -> Any:
    return client.complete(messages, ChunkExtraction, context=Grounding(CHUNK), label=LABEL)


def test_tokens_are_summed_over_every_attempt() -> None:
    script = [fs.non_json(), fs.status(503), fs.answer(BAD_1), fs.answer(GOOD)]
    with fs.FakeOpenAI(script) as server, make_client(server) as client:
        result = call(client)
        reqs = server.requests
    assert result.attempts == 4
    answered = [r.usage for r in reqs if r.usage is not None]
    assert len(answered) == 3  # the 503 reported no usage
    assert result.prompt_tokens == sum(u["prompt_tokens"] for u in answered)
    assert result.completion_tokens == sum(u["completion_tokens"] for u in answered)
    # and it is really a sum: more than the last answer alone
    assert result.prompt_tokens > answered[-1]["prompt_tokens"]


def test_reask_carries_only_the_last_error() -> None:
    with fs.FakeOpenAI([fs.answer(BAD_1), fs.answer(BAD_2), fs.answer(GOOD)]) as server:
        with make_client(server, validation_retries=2) as client:
            result = call(client)
        bodies = [r.body for r in server.requests]
    assert result.value.items[0].metrics[0].value == "30.95亿"
    assert bodies[0]["messages"] == MESSAGES
    second, third = bodies[1]["messages"], bodies[2]["messages"]
    for sent, bad in ((second, BAD_1), (third, BAD_2)):
        assert len(sent) == len(MESSAGES) + 2
        assert sent[: len(MESSAGES)] == MESSAGES
        assistant, error = sent[-2], sent[-1]
        assert assistant["role"] == "assistant" and json.loads(assistant["content"]) == bad
        assert error["role"] == "user"
        assert bad["items"][0]["quote"] in error["content"]  # the validator's message quotes it
    # nothing of the first failure survives into the last re-ask
    assert "31.5亿" not in json.dumps(third, ensure_ascii=False)


def test_exhausted_reasks_keep_the_last_wellformed_answer_ungrounded() -> None:
    # A well-formed answer that never passes the grounding check is returned, marked ungrounded, so the
    # pipeline can keep it and verification flags its numbers (it is never cached).
    with fs.FakeOpenAI([fs.answer(BAD_1), fs.answer(BAD_2)]) as server:
        with make_client(server, validation_retries=1) as client:
            result = call(client)
        assert len(server.requests) == 2
    assert result.grounded is False
    assert result.value.items[0].metrics[0].value == "29.8亿"  # the last answer, not the first
    assert result.attempts == 2


@pytest.mark.parametrize("mode", ["tools", "json_schema"])
def test_exhausted_reasks_of_malformed_answers_raise_llm_error(mode: str) -> None:
    with fs.FakeOpenAI([fs.schema_invalid(), fs.non_json()]) as server:
        with make_client(server, validation_retries=1, mode=mode) as client, pytest.raises(LLMError) as info:
            call(client)
        assert len(server.requests) == 2
    err = info.value
    assert isinstance(err, SummarizerError) and err.exit_code == 3
    assert LABEL in str(err) and "re-ask" in str(err)
    assert "sk-" not in str(err)


def _kind(body: dict[str, Any]) -> str:
    """Which mode a request was sent in, from its shape."""
    if "tools" in body:
        return "tools"
    return str((body.get("response_format") or {}).get("type", "md_json"))


def test_fallback_is_remembered_for_the_client_life(caplog: pytest.LogCaptureFixture) -> None:
    def responder(body: dict[str, Any], n: int) -> fs.Behaviour:
        return fs.tools_unsupported() if "tools" in body else fs.answer(GOOD)

    features = fs.Features(json_schema="reject")  # no structured outputs either
    with fs.FakeOpenAI(responder, features=features) as server, make_client(server) as client:
        with caplog.at_level(logging.WARNING, logger="summarizer.llm"):
            first = call(client)
            second = call(client)
        reqs = server.requests
    assert [_kind(r.body) for r in reqs] == ["json_schema", "tools", "json_object", "json_object"]
    assert first.attempts == 3 and second.attempts == 1
    assert first.mode == second.mode == "json" and client.mode == "json"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2  # one line per rung given up, none for the second call
    assert f"endpoint {server.base_url} rejected a strict JSON schema (response_format json_schema); " in warnings[0]
    assert f"endpoint {server.base_url} rejected tool calling; falling back to json mode" in warnings[1]


def test_json_mode_rejected_falls_back_to_md_json(caplog: pytest.LogCaptureFixture) -> None:
    script = [fs.json_schema_unsupported(), fs.tools_unsupported(), fs.json_mode_unsupported(), fs.answer(GOOD)]
    with fs.FakeOpenAI(script) as server, make_client(server) as client:
        with caplog.at_level(logging.WARNING, logger="summarizer.llm"):
            result = call(client)
        last = server.requests[-1].body
    assert result.mode == "md_json" and result.attempts == 4
    assert "tools" not in last and "response_format" not in last
    assert "```json" in last["messages"][-1]["content"]  # instructor's md_json instruction
    assert len([r for r in caplog.records if "falling back" in r.getMessage()]) == 3


def test_md_json_has_nowhere_to_fall_back() -> None:
    with fs.FakeOpenAI([fs.status(400, message="response_format is not supported")]) as server:
        with make_client(server, mode="md_json") as client, pytest.raises(LLMError):
            call(client)
        assert len(server.requests) == 1


STRICT_FORMAT = {
    "type": "json_schema",
    "json_schema": {
        "name": "ChunkExtraction",
        "schema": {k: v for k, v in ChunkExtraction.strict_json_schema().items() if k != "title"},
        "strict": True,
    },
}


@pytest.mark.parametrize(
    ("mode", "has_tools", "response_format"),
    [
        ("json_schema", False, STRICT_FORMAT),
        ("tools_strict", True, None),
        ("tools", True, None),
        ("json", False, {"type": "json_object"}),
        ("md_json", False, None),
    ],
)
def test_explicit_modes_shape_the_request(mode: str, has_tools: bool, response_format: Any) -> None:
    with fs.FakeOpenAI([fs.answer(GOOD)]) as server, make_client(server, mode=mode) as client:
        result = call(client)
        body = server.requests[0].body
    assert result.mode == mode
    assert ("tools" in body) is has_tools
    if has_tools:
        function = body["tools"][0]["function"]
        assert len(body["tools"]) == 1 and body["tool_choice"]["function"]["name"] == function["name"]
        strict = ChunkExtraction.strict_json_schema()
        if mode == "tools_strict":
            assert function["strict"] is True
            assert function["parameters"] == {k: v for k, v in strict.items() if k not in ("title", "description")}
        else:
            assert "strict" not in function and function["parameters"]["required"] == ["summaries"]  # compact
    assert body.get("response_format") == response_format


def test_several_tool_calls_in_explicit_tools_mode_is_reasked() -> None:
    with fs.FakeOpenAI([fs.several_tool_calls(GOOD), fs.answer(GOOD)]) as server:
        with make_client(server, mode="tools") as client:
            result = call(client)
        assert len(server.requests) == 2
    assert result.mode == "tools"
    assert "exactly once" in server.requests[1].body["messages"][-1]["content"]


def test_settings_reach_the_request() -> None:
    with fs.FakeOpenAI([fs.answer({"overview": "概述"})]) as server:
        with make_client(server, temperature=0.3, max_tokens=321, model="qwen-plus") as client:
            result = client.complete(MESSAGES, OverviewDraft, context=Grounding(""), label=LABEL)
        body = server.requests[0].body
    assert result.value.overview == "概述"
    assert body["model"] == "qwen-plus" and body["temperature"] == 0.3 and body["max_tokens"] == 321


def test_label_and_key_travel_as_headers() -> None:
    with fs.FakeOpenAI([fs.answer(GOOD), fs.answer(GOOD)]) as server:
        with make_client(server, api_key="sk-abc123") as client:
            call(client)
        with make_client(server) as client:
            call(client)
        first, second = server.requests
    raw = first.headers["x-summarizer-label"]
    assert raw.isascii() and unquote(raw) == LABEL
    assert first.headers["authorization"] == "Bearer sk-abc123"
    assert second.headers["authorization"] == "Bearer unused"  # no key configured, no env lookup


def test_same_messages_give_identical_request_bodies() -> None:
    with fs.FakeOpenAI([fs.answer(GOOD)] * 2) as server:
        with make_client(server) as a:
            call(a)
        with make_client(server) as b:
            call(b)
        first, second = server.requests
    assert json.dumps(first.body, sort_keys=True) == json.dumps(second.body, sort_keys=True)


def test_concurrent_calls_share_one_fallback() -> None:
    def responder(body: dict[str, Any], n: int) -> fs.Behaviour:
        return fs.tools_unsupported() if "tools" in body else fs.answer(GOOD)

    results: list[Any] = []
    errors: list[BaseException] = []
    features = fs.Features(json_schema="reject")
    with fs.FakeOpenAI(responder, latency=0.05, features=features) as server, make_client(server) as client:

        def work() -> None:
            try:
                results.append(call(client))
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=10)
        reqs = server.requests
    assert not errors and len(results) == 8
    assert all(r.mode == "json" for r in results)
    schema_requests = sum(_kind(r.body) == "json_schema" for r in reqs)
    tool_requests = sum("tools" in r.body for r in reqs)
    assert 1 <= schema_requests <= 8 and 1 <= tool_requests <= 8
    assert len(reqs) == schema_requests + tool_requests + 8


@pytest.mark.parametrize(
    ("base_url", "expected"),
    [
        (None, "https://api.openai.com/v1"),
        ("https://api.deepseek.com/v1/", "https://api.deepseek.com/v1"),
        (
            "HTTPS://user:secret@DashScope.Aliyuncs.com/compatible-mode/v1?api-key=xyz",
            "https://dashscope.aliyuncs.com/compatible-mode/v1",
        ),
        ("http://127.0.0.1:11434/v1", "http://127.0.0.1:11434/v1"),
    ],
)
def test_endpoint_id_is_normalised_and_secret_free(base_url: str | None, expected: str) -> None:
    client = LLMClient(Settings(model="m", base_url=base_url, api_key="sk-zzz"))
    try:
        assert client.endpoint_id() == expected
    finally:
        client.close()


def test_api_key_is_not_in_settings_repr() -> None:
    assert "sk-hidden" not in repr(Settings(model="m", api_key="sk-hidden"))


def test_replay_and_record_are_exclusive(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        LLMClient(Settings(model="m", record_dir=tmp_path), cassettes=tmp_path)


def test_an_answer_is_read_as_openai_reads_it_whether_or_not_it_matches_the_types() -> None:
    # Exactly typed: validated in one call; the same objects openai's construct builds.
    from openai.types.chat import ChatCompletion

    from summarizer.llm.client import _completion

    typed = {
        "id": "c1",
        "object": "chat.completion",
        "created": 1700000000,
        "model": "m",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": '{"a": "答"}'}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15},
    }
    read = _completion(json.dumps(typed, ensure_ascii=False).encode())
    assert read == ChatCompletion.construct(**typed)
    assert read is not None and read.choices[0].message.content == '{"a": "答"}'
    # A lenient endpoint's odd values stay as sent (no coercion: "12" is not counted as 12 tokens).
    odd = {**typed, "created": 1.7e9, "usage": {"prompt_tokens": "12", "completion_tokens": 3}, "extra": [1]}
    odd["choices"] = [{**typed["choices"][0], "finish_reason": "eos"}]
    read = _completion(json.dumps(odd).encode())
    assert read is not None
    assert (read.created, read.usage.prompt_tokens, read.choices[0].finish_reason) == (1.7e9, "12", "eos")  # type: ignore[union-attr]
    assert read.model_extra == {"extra": [1]}
    # Not a JSON object: no answer (re-asked as empty).
    assert [_completion(b) for b in (b"<html>", b"[1, 2]", b"", b'"text"')] == [None, None, None, None]
