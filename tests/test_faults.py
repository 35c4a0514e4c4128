"""Every fault the LLM edge must survive (or report), driven through a real HTTP server on 127.0.0.1.

Attempt counts are read from the server's own request log, not from the client, so a client that lies
about its attempts cannot pass.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

import pytest
from netguard import no_external_network  # noqa: F401  (fixture)

from summarizer.config import Settings
from summarizer.errors import LLMError
from summarizer.llm.client import LLMClient
from summarizer.models import ChunkExtraction, Grounding
from summarizer.testing import fake_openai as fs
from tests.support import HI_TECH_CHUNK, extract_messages, fake_settings, hi_tech_answer

pytestmark = pytest.mark.usefixtures("no_external_network")

LABEL = "xianning_city_2020h1.txt chunk 3/7"
CHUNK = HI_TECH_CHUNK

# Written by reading the chunk: "一季度,全市实现高新技术产业增加值30.95亿元,同比下跌40.5%"
GOOD = hi_tech_answer(
    "受疫情影响,一季度咸宁高新技术产业增加值30.95亿元,同比下跌40.5%。", "一季度高新技术产业增加值30.95亿元"
)
MESSAGES = extract_messages(CHUNK)


def settings(server: fs.FakeOpenAI, **kw: Any) -> Settings:
    return fake_settings(server, **{"api_key": "sk-test-faults", **kw})


def run(server: fs.FakeOpenAI, **kw: Any) -> Any:
    with LLMClient(settings(server, **kw)) as client:
        return client.complete(MESSAGES, ChunkExtraction, context=Grounding(CHUNK), label=LABEL)


def test_chunk_fixture_is_the_expected_paragraph() -> None:
    assert "30.95亿元" in CHUNK and "40.5%" in CHUNK


# -- transport: transient faults are retried, then succeed ------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [fs.status(500), fs.status(503), fs.status(502), fs.drop(), fs.status(429)],
    ids=["500", "503", "502", "dropped-connection", "429-no-retry-after"],
)
def test_transient_fault_then_success(fault: fs.Behaviour) -> None:
    with fs.FakeOpenAI([fault, fault, fs.answer(GOOD)]) as server:
        result = run(server, transport_retries=2)
        assert len(server.requests) == 3
    assert result.attempts == 3
    assert result.value.items[0].metrics[0].value == "30.95亿"
    assert result.mode == "json_schema"  # auto's first rung; a transient fault is no rejection


def test_timeout_is_transient() -> None:
    with fs.FakeOpenAI([fs.hang(3.0), fs.answer(GOOD)]) as server:
        t0 = time.monotonic()
        result = run(server, timeout=0.4, transport_retries=1)
        elapsed = time.monotonic() - t0
        assert len(server.requests) == 2
    assert result.attempts == 2
    assert 0.4 <= elapsed < 2.5  # gave up on the hung request at the timeout, did not wait it out


def test_retry_after_is_honoured() -> None:
    with fs.FakeOpenAI([fs.status(429, retry_after=0.6), fs.answer(GOOD)]) as server:
        run(server, backoff_max=5.0)
        first, second = server.requests
    assert second.received_at - first.received_at >= 0.6


def test_retry_after_is_capped_at_backoff_max() -> None:
    with fs.FakeOpenAI([fs.status(429, retry_after=30), fs.answer(GOOD)]) as server:
        t0 = time.monotonic()
        run(server, backoff_max=0.2)
        assert time.monotonic() - t0 < 3.0
        first, second = server.requests
    assert second.received_at - first.received_at >= 0.2


@pytest.mark.parametrize("retries", [0, 1, 3])
def test_transient_faults_exhaust_the_bound(retries: int) -> None:
    with fs.FakeOpenAI(lambda body, n: fs.status(503)) as server:
        with pytest.raises(LLMError) as info:
            run(server, transport_retries=retries)
        assert len(server.requests) == 1 + retries
    message = str(info.value)
    assert LABEL in message
    assert "503" in message
    assert f"{1 + retries} request(s)" in message


def test_backoff_grows_between_retries() -> None:
    with fs.FakeOpenAI(lambda body, n: fs.status(500)) as server:
        with pytest.raises(LLMError):
            run(server, transport_retries=3, backoff_initial=0.05, backoff_max=1.0)
        times = [r.received_at for r in server.requests]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    # initial 0.05 then doubling (plus up to 0.05 jitter): >= 0.05, 0.1, 0.2
    assert gaps[0] >= 0.05 and gaps[1] >= 0.1 and gaps[2] >= 0.2


@pytest.mark.parametrize("code", [400, 401, 403, 404, 422])
def test_non_transient_4xx_fails_at_once(code: int) -> None:
    with fs.FakeOpenAI(lambda body, n: fs.status(code, message="bad key or request")) as server:
        with pytest.raises(LLMError) as info:
            run(server, transport_retries=4)
        assert len(server.requests) == 1
    assert LABEL in str(info.value)
    assert str(code) in str(info.value)


def test_connection_refused_is_transient_and_reported() -> None:
    with fs.FakeOpenAI([]) as server:
        base_url = server.base_url  # the port is closed once the server stops
    client = LLMClient(Settings(model="m", base_url=base_url, timeout=1.0, transport_retries=2, backoff_initial=0.01))
    with pytest.raises(LLMError) as info:
        client.complete(MESSAGES, ChunkExtraction, context=Grounding(CHUNK), label=LABEL)
    client.close()
    assert LABEL in str(info.value) and "3 request(s)" in str(info.value)


# -- validation: bad answers are re-asked, then succeed or fail clearly ------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        fs.truncated(GOOD),
        fs.non_json(),
        fs.schema_invalid(),
        fs.empty_choices(),
        fs.answer({**GOOD, "items": [{**GOOD["items"][0], "quote": "全市实现高新技术产业增加值31.5亿元"}]}),
    ],
    ids=["truncated", "non-json", "schema-invalid", "empty-choices", "ungrounded-quote"],
)
@pytest.mark.parametrize("mode", ["tools", "json_schema"])
def test_bad_answer_is_reasked_then_succeeds(bad: fs.Behaviour, mode: str) -> None:
    # An explicit mode: in auto, a malformed answer to a json_schema request means the schema is not enforced,
    # which is a fallback, not a re-ask (tests/test_strict_modes.py).
    with fs.FakeOpenAI([bad, fs.answer(GOOD)]) as server:
        result = run(server, validation_retries=2, mode=mode)
        reqs = server.requests
    assert len(reqs) == 2 and result.attempts == 2
    assert result.value.summaries == GOOD["summaries"]
    # The re-ask is the original conversation plus the bad answer and one error message.
    sent = reqs[1].body["messages"]
    assert sent[: len(MESSAGES)] == MESSAGES
    assert len(sent) == len(MESSAGES) + (1 if bad.kind == "empty_choices" else 2)
    assert sent[-1]["role"] == "user" and "rejected" in sent[-1]["content"]


def test_a_figure_under_another_indicators_name_is_reasked() -> None:
    # The growth's name on the amount: the text binds 30.95亿元 to 高新技术产业增加值 and 40.5% to its fall.
    quote = "全市实现高新技术产业增加值30.95亿元,同比下跌40.5%"
    swapped = {"name": "高新技术产业增加值同比下跌", "value": "30.95亿", "unit": "元", "kind": "result", "quote": quote}
    bad = {**GOOD, "items": [{**GOOD["items"][0], "metrics": [swapped]}]}
    with fs.FakeOpenAI([fs.answer(bad), fs.answer(GOOD)]) as server:
        result = run(server, validation_retries=2)
        reqs = server.requests
    assert len(reqs) == 2 and result.attempts == 2
    assert result.value.items[0].metrics[0].name == "高新技术产业增加值"
    error = reqs[1].body["messages"][-1]["content"]
    assert "30.95亿元在原文中属于「高新技术产业增加值」" in error and "40.5%" in error


@pytest.mark.parametrize("retries", [0, 2])
@pytest.mark.parametrize("mode", ["tools", "json_schema"])
def test_validation_retries_are_bounded(retries: int, mode: str) -> None:
    with fs.FakeOpenAI(lambda body, n: fs.non_json()) as server:
        with pytest.raises(LLMError) as info:
            run(server, validation_retries=retries, mode=mode)
        assert len(server.requests) == 1 + retries
    assert LABEL in str(info.value)
    assert f"{retries} re-ask(s)" in str(info.value)


def test_truncation_error_names_the_cause() -> None:
    with fs.FakeOpenAI(lambda body, n: fs.truncated(GOOD)) as server:
        with pytest.raises(LLMError) as info:
            run(server, validation_retries=1)
        assert len(server.requests) == 2
    assert "finish_reason=length" in str(info.value)


def test_transport_and_validation_budgets_are_separate() -> None:
    # 2 transient failures inside the first attempt, a bad answer, 1 more transient, then a good answer.
    script = [fs.status(503), fs.drop(), fs.non_json(), fs.status(500), fs.answer(GOOD)]
    with fs.FakeOpenAI(script) as server:
        result = run(server, transport_retries=2, validation_retries=1)
        assert len(server.requests) == 5
    assert result.attempts == 5


# -- tool-calling faults: mode fallback ----------------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [fs.tools_unsupported(), fs.several_tool_calls(GOOD), fs.no_tool_call(GOOD)],
    ids=["400-tool_choice", "several-tool-calls", "no-tool-call"],
)
def test_tool_faults_fall_back_to_json(fault: fs.Behaviour, caplog: pytest.LogCaptureFixture) -> None:
    # A server without structured outputs: auto's json_schema is rejected (by the server, not the script), then
    # tool calling fails in the scripted way, then JSON mode answers.
    features = fs.Features(json_schema="reject")
    with fs.FakeOpenAI([fault, fs.answer(GOOD)], features=features) as server:
        with caplog.at_level("WARNING", logger="summarizer.llm"):
            result = run(server)
        schema_req, first, second = server.requests
    assert schema_req.body["response_format"]["type"] == "json_schema"
    assert "tools" in first.body and "tools" not in second.body
    assert second.body["response_format"] == {"type": "json_object"}
    assert result.mode == "json" and result.attempts == 3
    assert any("rejected tool calling; falling back to json mode" in r.getMessage() for r in caplog.records)


def test_tool_rejection_without_auto_is_an_error() -> None:
    with fs.FakeOpenAI([fs.tools_unsupported()]) as server:
        with pytest.raises(LLMError) as info:
            run(server, mode="tools")
        assert len(server.requests) == 1
    assert LABEL in str(info.value) and "tool_choice" in str(info.value)
