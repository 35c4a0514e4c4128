"""Record against the fake server, replay with no server and no sockets at all."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx2
import pytest
from netguard import NetGuard, no_external_network, no_network  # noqa: F401  (fixtures)

from summarizer.config import Settings
from summarizer.errors import LLMError, ReplayMissError
from summarizer.llm.client import LLMClient
from summarizer.llm.replay import RecordTransport, ReplayTransport, request_hash
from summarizer.models import ChunkExtraction, Grounding
from summarizer.testing import fake_openai as fs
from tests.support import HI_TECH_CHUNK, XIANNING_LINES, extract_messages, hi_tech_answer, replayed_paths

DATA = Path(__file__).parent / "data"
SECRET = "sk-RECORD-SECRET-9f8e7d"
CHUNK_A = HI_TECH_CHUNK
CHUNK_B = next(ln for ln in XIANNING_LINES if ln.startswith("4.创新创业平台提质增效"))
LABEL_A = "xianning_city_2020h1.txt chunk 3/7"
LABEL_B = "咸宁 xianning_city_2020h1.txt chunk 5/7"

# Written from the source lines: "全市实现高新技术产业增加值30.95亿元" and "获国家级众创空间备案1家".
ANSWER_A = hi_tech_answer("一季度高新技术产业增加值30.95亿元。", "高新技术产业增加值30.95亿元")
ANSWER_B = {
    "summaries": ["获国家级众创空间备案1家。"],
    "items": [
        {
            "text": "国家级众创空间备案1家",
            "kind": "honor",
            "quote": "获国家级众创空间备案1家",
            "metrics": [
                {
                    "name": "国家级众创空间备案",
                    "value": "1",
                    "unit": "家",
                    "kind": "result",
                    "quote": "获国家级众创空间备案1家",
                }
            ],
        }
    ],
}


def responder(body: dict[str, Any], n: int) -> fs.Behaviour:
    """A server without structured outputs or tool calling, so the recording also holds two mode fallbacks."""
    if (body.get("response_format") or {}).get("type") == "json_schema":
        return fs.json_schema_unsupported("deepseek")
    if "tools" in body:
        return fs.tools_unsupported()
    text = json.dumps(body["messages"], ensure_ascii=False)
    return fs.answer(ANSWER_A if "30.95亿元" in text else ANSWER_B)


def run_both(client: LLMClient) -> list[Any]:
    return [
        client.complete(extract_messages(CHUNK_A), ChunkExtraction, context=Grounding(CHUNK_A), label=LABEL_A),
        client.complete(extract_messages(CHUNK_B), ChunkExtraction, context=Grounding(CHUNK_B), label=LABEL_B),
    ]


def record(cassettes: Path, *, base_path: str = "/v1") -> list[Any]:
    with fs.FakeOpenAI(responder) as server:
        settings = Settings(
            model="fake-model",
            base_url=server.base_url,
            api_key=SECRET,
            record_dir=cassettes,
            backoff_initial=0.01,
        )
        with LLMClient(settings) as client:
            results = run_both(client)
        assert server.requests[0].headers["authorization"] == f"Bearer {SECRET}"  # the key really was sent
    return results


@pytest.mark.usefixtures("no_external_network")
def test_record_then_replay_without_any_socket(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    recorded = record(tmp_path)
    files = sorted(tmp_path.glob("*.json"))
    # chunk A: json_schema and tools requests (400s, kept for the fallback) + json request; chunk B: json only
    assert len(files) == 4

    guard: NetGuard = request.getfixturevalue("no_network")
    settings = Settings(model="fake-model")  # default base_url: api.openai.com
    with LLMClient(settings, cassettes=tmp_path) as client:
        replayed = run_both(client)
    assert guard.blocked == []
    assert [r.value for r in replayed] == [r.value for r in recorded]
    assert [r.mode for r in replayed] == ["json", "json"]
    assert [r.attempts for r in replayed] == [3, 1]
    assert replayed[0].prompt_tokens == recorded[0].prompt_tokens


def test_no_secret_in_any_cassette(tmp_path: Path) -> None:
    record(tmp_path)
    for file in tmp_path.rglob("*"):
        if file.is_file():
            data = file.read_bytes()
            assert SECRET.encode() not in data, file
            assert b"authorization" not in data.lower(), file


def test_cassette_format(tmp_path: Path) -> None:
    record(tmp_path)
    labels = set()
    for file in tmp_path.glob("*.json"):
        text = file.read_text(encoding="utf-8")
        cassette = json.loads(text)
        assert list(cassette) == ["label", "request", "response"]
        assert list(cassette["request"]) == ["method", "path", "body"]
        req = cassette["request"]
        assert req["path"] == "/chat/completions"  # relative to the base URL's /v1
        assert file.name == request_hash(req["method"], req["path"], req["body"]) + ".json"
        assert re.fullmatch(r"[0-9a-f]{20}\.json", file.name)
        assert "高新技术产业" in text or "众创空间" in text  # UTF-8, not \\u escapes
        assert '\n  "request": {' in text  # indented for humans
        assert set(cassette["response"]["headers"]) <= {"content-type", "retry-after"}
        labels.add(cassette["label"])
    assert labels == {LABEL_A, LABEL_B}


def test_transient_answers_are_not_recorded(tmp_path: Path) -> None:
    script = [fs.status(503), fs.answer(ANSWER_A)]
    with fs.FakeOpenAI(script) as server:
        settings = Settings(
            model="m", base_url=server.base_url, mode="json", record_dir=tmp_path, backoff_initial=0.01
        )
        with LLMClient(settings) as client:
            client.complete(extract_messages(CHUNK_A), ChunkExtraction, context=Grounding(CHUNK_A), label=LABEL_A)
        assert len(server.requests) == 2
    (file,) = tmp_path.glob("*.json")
    assert json.loads(file.read_text(encoding="utf-8"))["response"]["status"] == 200


def test_same_request_same_cassette(tmp_path: Path) -> None:
    record(tmp_path)
    before = {f.name: f.read_text(encoding="utf-8") for f in tmp_path.glob("*.json")}
    record(tmp_path)  # a second recording session with fresh clients and a new port
    after = {f.name: f.read_text(encoding="utf-8") for f in tmp_path.glob("*.json")}
    assert set(after) == set(before)


@pytest.mark.usefixtures("no_network")
def test_replay_miss_names_label_hash_and_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lookups = replayed_paths(monkeypatch)
    settings = Settings(model="fake-model", transport_retries=3)
    with LLMClient(settings, cassettes=tmp_path) as client, pytest.raises(ReplayMissError) as info:
        client.complete(extract_messages(CHUNK_A), ChunkExtraction, context=Grounding(CHUNK_A), label=LABEL_B)
    message = str(info.value)
    assert isinstance(info.value, LLMError)
    assert "\n" not in message
    assert LABEL_B in message
    digest = re.search(r"\b([0-9a-f]{20})\.json", message)
    assert digest is not None and not (tmp_path / digest.group(0)).exists()
    assert f"--backend llm --record {tmp_path}" in message
    assert len(lookups) == 1  # a miss is not a transient failure: no retries, no mode fallback


@pytest.mark.usefixtures("no_external_network")
def test_changed_prompt_misses(tmp_path: Path) -> None:
    record(tmp_path)
    changed = extract_messages(CHUNK_A)
    changed[0]["content"] += " 请简洁。"
    with (
        LLMClient(Settings(model="fake-model"), cassettes=tmp_path) as client,
        pytest.raises(ReplayMissError),
    ):
        client.complete(changed, ChunkExtraction, context=Grounding(CHUNK_A), label=LABEL_A)
    with (
        LLMClient(Settings(model="other-model"), cassettes=tmp_path) as client,
        pytest.raises(ReplayMissError),
    ):
        run_both(client)


@pytest.mark.usefixtures("no_external_network")
def test_recorded_error_replays_as_the_same_error(tmp_path: Path) -> None:
    with fs.FakeOpenAI([fs.status(401, message="invalid api key")]) as server:
        settings = Settings(model="m", base_url=server.base_url, mode="json", record_dir=tmp_path)
        with LLMClient(settings) as client, pytest.raises(LLMError):
            client.complete(extract_messages(CHUNK_A), ChunkExtraction, context=Grounding(CHUNK_A), label=LABEL_A)
    replay = Settings(model="m", mode="json")
    with LLMClient(replay, cassettes=tmp_path) as client, pytest.raises(LLMError) as info:
        client.complete(extract_messages(CHUNK_A), ChunkExtraction, context=Grounding(CHUNK_A), label=LABEL_A)
    assert not isinstance(info.value, ReplayMissError)
    assert "401" in str(info.value) and "invalid api key" in str(info.value)


def test_transports_directly(tmp_path: Path) -> None:
    """The transports work for any httpx2 client, independent of openai; the hash ignores headers."""

    class Echo(httpx2.BaseTransport):
        def handle_request(self, request: httpx2.Request) -> httpx2.Response:
            return httpx2.Response(
                200, json={"echo": json.loads(request.read())}, headers={"X-Volatile": "1"}
            )

    body = {"b": [1, 2], "a": "中文"}
    with httpx2.Client(transport=RecordTransport(tmp_path, Echo(), base_path="/api")) as c:
        r = c.post("http://h/api/x", json=body, headers={"Authorization": "Bearer k1"})
    assert r.json() == {"echo": body}
    with httpx2.Client(transport=ReplayTransport(tmp_path, base_path="/other")) as c:
        r = c.post(
            "http://elsewhere/other/x", json={"a": "中文", "b": [1, 2]}, headers={"Authorization": "k2"}
        )
    assert r.status_code == 200 and r.json() == {"echo": body}
    assert "x-volatile" not in r.headers
