"""The client builds each request once per mode and model, sends it without openai's per-request machinery and
parses each answer once (llm/client.py, ``_Wire`` and ``_post``): what goes on the wire (body bytes, headers and
their order) must stay what instructor's ``create_with_completion`` and openai's ``chat.completions.create``
send, in every mode, and answers must read the same."""

from __future__ import annotations

import json
from typing import Any

import httpx2
import instructor
import openai
import pytest
from pydantic import BaseModel

from summarizer.config import Settings
from summarizer.llm.client import LLMClient
from summarizer.llm.replay import LABEL_HEADER, encode_label
from summarizer.models import ChunkExtraction, Grounding, OverviewDraft, ReportExtraction
from summarizer.testing import fake_openai as fs
from tests.support import hi_tech_answer

CHUNK = "全市实现高新技术产业增加值30.95亿元，同比增长12.5%。获国家级众创空间备案1家。"
ANSWER = hi_tech_answer("一季度高新技术产业增加值30.95亿元。", "增加值30.95亿元")
OVERVIEW: dict[str, Any] = {"title": "报告", "organization": None, "period": "2020年", "overview": "概述。"}
MESSAGES = [
    {"role": "system", "content": "系统提示 {{ 不是模板 }}\n  缩进保留"},
    {"role": "user", "content": "片段:\n" + CHUNK},
]
INSTRUCTOR_MODES = {
    "json_schema": instructor.Mode.JSON_SCHEMA,
    "tools_strict": instructor.Mode.TOOLS,
    "tools": instructor.Mode.TOOLS,
    "json": instructor.Mode.JSON,
    "md_json": instructor.Mode.MD_JSON,
}


class Capture(httpx2.BaseTransport):
    """Keeps every request's bytes and label, and answers with ``payload`` the way FakeOpenAI would."""

    def __init__(self, payload: dict[str, Any]) -> None:
        self.payload = payload
        self.sent: list[tuple[bytes, list[tuple[str, str]]]] = []
        self.fake = fs.FakeOpenAI([])

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        raw = request.read()
        self.sent.append((raw, request.headers.multi_items()))
        completion = self.fake.completion(json.loads(raw), len(self.sent), fs.answer(self.payload))
        return httpx2.Response(200, json=completion)


def through_instructor(mode: str, model: type[BaseModel], payload: dict[str, Any], settings: Settings) -> Capture:
    """The same request sent the way the client sent it before it built requests itself."""
    capture = Capture(payload)
    client = openai.OpenAI(
        api_key="sk-x",
        base_url="http://127.0.0.1:9/v1",
        max_retries=0,
        timeout=settings.timeout,
        http_client=httpx2.Client(transport=capture),
    )
    kwargs: dict[str, Any] = {"model": settings.model, "temperature": settings.temperature}
    if settings.max_tokens is not None:
        kwargs["max_tokens"] = settings.max_tokens
    # The strict modes' own request parts, merged by openai as extra_body (how the client sent them before).
    shape = LLMClient(settings, http_client=httpx2.Client(transport=capture))._shape(mode, model)  # type: ignore[arg-type]
    if shape is not None:
        kwargs["extra_body"] = shape
    instructor.from_openai(client, mode=INSTRUCTOR_MODES[mode]).chat.completions.create_with_completion(
        messages=[dict(m) for m in MESSAGES],  # type: ignore[misc]
        response_model=model,
        max_retries=0,
        extra_headers={LABEL_HEADER: encode_label("doc 中文 chunk 1/2")},
        **kwargs,
    )
    return capture


@pytest.mark.parametrize("mode", ["json_schema", "tools_strict", "tools", "json", "md_json"])
@pytest.mark.parametrize(
    ("model", "payload"),
    [(ChunkExtraction, ANSWER), (ReportExtraction, {**ANSWER, **OVERVIEW}), (OverviewDraft, OVERVIEW)],
)
@pytest.mark.parametrize("extra", [{}, {"max_tokens": 900, "temperature": 0.3}])
def test_bodies_are_byte_identical_to_instructor_create(
    mode: str, model: type[BaseModel], payload: dict[str, Any], extra: dict[str, Any]
) -> None:
    settings = Settings(base_url="http://127.0.0.1:9/v1", api_key="sk-x", mode=mode, **extra)
    expected = through_instructor(mode, model, payload, settings)
    capture = Capture(payload)
    with LLMClient(settings, http_client=httpx2.Client(transport=capture)) as client:
        for _ in range(2):  # the second request reuses what the first worked out
            result = client.complete(
                [dict(m) for m in MESSAGES], model, context=Grounding(CHUNK, 1), label="doc 中文 chunk 1/2"
            )
    assert [raw for raw, _ in capture.sent] == [expected.sent[0][0]] * 2
    assert [headers for _, headers in capture.sent] == [expected.sent[0][1]] * 2  # names, values, order
    assert type(result.value) is model  # the model itself, not instructor's wrapper class
    assert result.value.model_dump() == model.model_validate(payload).model_dump()
    assert "_raw_response" not in vars(result.value)  # the completion is not kept alive by the answer


def test_an_answer_is_validated_once_when_grounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """One ``model_validate_json`` per grounded answer (with its context): no structural pass, no dict round trip."""
    calls: list[object] = []
    original = ChunkExtraction.model_validate_json.__func__  # type: ignore[attr-defined]

    def counting(cls: type[ChunkExtraction], data: Any, **kwargs: Any) -> ChunkExtraction:
        calls.append(kwargs.get("context"))
        return original(cls, data, **kwargs)  # type: ignore[no-any-return]

    monkeypatch.setattr(ChunkExtraction, "model_validate_json", classmethod(counting))
    settings = Settings(base_url="http://127.0.0.1:9/v1", api_key="sk-x")
    context = Grounding(CHUNK, 1)
    with LLMClient(settings, http_client=httpx2.Client(transport=Capture(ANSWER))) as client:
        client.complete([dict(m) for m in MESSAGES], ChunkExtraction, context=context, label="x")
    assert calls == [context]



class RawCapture(Capture):
    """``Capture`` keeping the headers as they go on the wire: names in their own case, in order."""

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        response = super().handle_request(request)
        raw, _ = self.sent[-1]
        self.sent[-1] = (raw, [(k.decode(), v.decode()) for k, v in request.headers.raw])
        return response


@pytest.mark.parametrize(
    "extra",
    [{}, {"accept-encoding": "identity"}, {"USER-AGENT": "me", "Connection": "close", "X-New": "1"}],
)
def test_the_clients_own_requests_are_built_as_httpx_builds_them(
    extra: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client of our own builds its requests without httpx2's ``build_request`` (``LLMClient._request``): URL,
    bytes, headers (names in their case, values, order, a request's header replacing the client's in any case) and
    timeout must be what ``build_request`` gives."""
    monkeypatch.setattr("summarizer.llm.client.endpoint_transport", lambda base_url: RawCapture(ANSWER))
    with LLMClient(Settings(base_url="http://127.0.0.1:9/v1", api_key="sk-x", timeout=7.5)) as client:
        headers = {**client._headers, LABEL_HEADER: "x", **client._headers_after, **extra}
        direct = client._request(b'{"a":1}', headers)
        built = client._http.build_request(
            "POST", "http://127.0.0.1:9/v1/chat/completions", content=b'{"a":1}', headers=headers, timeout=7.5
        )
    assert direct.headers.raw == built.headers.raw
    assert (direct.method, direct.url, direct.read(), direct.extensions) == (
        built.method,
        built.url,
        built.read(),
        built.extensions,
    )


@pytest.mark.parametrize("mode", ["json_schema", "tools"])
def test_the_clients_own_requests_carry_what_openai_sends(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """End to end through a client of our own: the body bytes, and the header names, values and order openai's own
    ``chat.completions.create`` sends (httpx2 writes its own default headers in its case)."""
    capture = RawCapture(ANSWER)
    monkeypatch.setattr("summarizer.llm.client.endpoint_transport", lambda base_url: capture)
    settings = Settings(base_url="http://127.0.0.1:9/v1", api_key="sk-x", mode=mode)
    label = "doc 中文 chunk 1/2"
    with LLMClient(settings) as client:
        client.complete([dict(m) for m in MESSAGES], ChunkExtraction, context=Grounding(CHUNK, 1), label=label)
    reference = through_instructor(mode, ChunkExtraction, ANSWER, settings)
    assert capture.sent[0][0] == reference.sent[0][0]
    assert [(k.lower(), v) for k, v in capture.sent[0][1]] == reference.sent[0][1]
