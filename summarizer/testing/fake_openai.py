"""Test doubles for your own tests: ``FakeOpenAI``, a scripted OpenAI-compatible chat-completions server on
127.0.0.1, and helpers that build valid answers for the pipeline's requests. Nothing in the runtime path
imports this module.

Why hand-written on ``http.server`` rather than a mock library: the faults we must reproduce live at the
socket level (a connection dropped mid-body, a server that never answers within the client's timeout,
``Retry-After`` on a 429), and only a real server exercises the same httpx2/openai code paths a real
endpoint does. It is stdlib-only, bound to loopback on a random port, and its threads are daemons, so a
forgotten instance can never keep the test process alive.

Usage::

    from summarizer import Summarizer
    from summarizer.testing.fake_openai import FakeOpenAI, answer, pipeline_answer, status

    with FakeOpenAI(lambda body, n: pipeline_answer(body)) as server:
        with Summarizer(backend="llm", base_url=server.base_url, cache_dir=tmp_path) as s:
            s.summarize("report.txt")
        assert server.requests  # what was sent, in arrival order

    with FakeOpenAI([status(503), answer(obj)]) as server:   # or a script, consumed in order
        ...

Each request is answered by a :class:`Behaviour`, taken either from a list (consumed in order; a request
beyond the end gets a 400 "script exhausted", which is not retried, so a test that sends too many
requests fails loudly) or from a callable ``responder(request_json, n)`` where ``n`` counts from 0.

What the endpoint supports is a :class:`Features` (default: takes everything, enforces nothing, serves the script
as written). A request using a feature it rejects gets that server's error (``REJECTIONS``) before the script is
consulted, and uses up no script entry; a feature it *enforces* (``json_schema="enforce"``: a
``response_format`` json_schema; ``strict_tools="enforce"``: a tool with ``strict: true``) makes it answer only
JSON valid for the schema sent, as a grammar-constrained decoder does (``conform``)::

    with FakeOpenAI(script, features=Features(json_schema="reject", server="deepseek")) as server: ...
    with FakeOpenAI(script, features=Features(json_schema="enforce")) as server: ...
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal

from pydantic import BaseModel

Payload = BaseModel | dict[str, Any] | list[Any] | str

Kind = Literal[
    "answer",
    "status",
    "drop",
    "hang",
    "truncated",
    "non_json",
    "empty_choices",
    "several_tool_calls",
    "no_tool_call",
    "refusal",
]


@dataclass(frozen=True)
class Behaviour:
    """How the server answers one request. Build these with the helper functions below."""

    kind: Kind
    payload: Payload | None = None
    status_code: int = 200
    retry_after: float | None = None
    message: str | None = None
    seconds: float = 0.0
    copies: int = 2
    # What the model writes instead when the endpoint enforces the request's schema (see ``answer``).
    constrained: Payload | None = None
    param: str | None = None  # an error's ``param`` (which request field it is about)


Support = Literal["enforce", "accept", "reject"]


@dataclass(frozen=True)
class Features:
    """What the fake endpoint supports, as a real server's version and flags decide.

    ``json_schema`` (a ``response_format`` of type json_schema) and ``strict_tools`` (a tool with ``strict: true``):
    ``enforce`` answers only JSON valid for the schema sent (OpenAI Structured Outputs, vLLM, llama.cpp and Ollama
    compile it into a grammar), ``accept`` takes the request and serves the script as written (a server or proxy
    that ignores the schema: Ollama before 0.5 and Ollama Cloud, llama.cpp when the grammar fails to parse),
    ``reject`` answers ``server``'s error for it (``REJECTIONS``). ``tools`` and ``json_object`` false reject
    tool calling and JSON mode the same way.
    """

    json_schema: Support = "accept"
    strict_tools: Support = "accept"
    tools: bool = True
    json_object: bool = True
    server: str = "generic"  # whose error messages: a key of REJECTIONS


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server received it."""

    n: int
    body: dict[str, Any]
    headers: dict[str, str]
    received_at: float  # time.monotonic()
    behaviour: Behaviour
    usage: dict[str, int] | None = None  # the usage the server reported back, when it answered


Responder = Callable[[dict[str, Any], int], Behaviour]


# --------------------------------------------------------------------------------------------------
# Behaviour constructors
# --------------------------------------------------------------------------------------------------


def answer(payload: Payload, *, constrained: Payload | None = None) -> Behaviour:
    """A valid-looking answer: a tool call when the request offers tools, else JSON in the content.

    ``constrained``: what the same model writes when the endpoint enforces the request's schema, for a script
    that models how enforcement changes an answer (a careless model that drops a field writes it when the grammar
    demands it); without it an enforcing endpoint serves ``payload`` made schema-valid (``conform``)."""
    return Behaviour("answer", payload=payload, constrained=constrained)


def status(
    code: int, *, retry_after: float | None = None, message: str | None = None, param: str | None = None
) -> Behaviour:
    """An HTTP error with an OpenAI-style error body (and ``Retry-After`` when given)."""
    return Behaviour("status", status_code=code, retry_after=retry_after, message=message, param=param)


def tools_unsupported() -> Behaviour:
    """What vLLM/llama.cpp-style servers answer when tool calling is not enabled."""
    return status(400, message="tool_choice is not supported by this model; 'tools' must be omitted")


def json_mode_unsupported() -> Behaviour:
    return status(400, message="response_format of type json_object is not supported by this model")


# What servers answer to a request using a feature they lack: (HTTP status, error message), where a server's own
# words are known. Sources: OpenAI's error for a model without Structured Outputs and DeepSeek's errors, as quoted in
# public issue reports (web-infra-dev/midscene#259, llm-exe/llm-exe#662, Zoo-Code-Org/Zoo-Code#1036); llama.cpp
# server's source (``oaicompat_chat_params_parse``: a build before json_schema support throws 'response_format type
# must be one of "text" or "json_object"', one started without --jinja "tools param requires --jinja flag", which
# users report as HTTP 500; the 500 for the first is inferred from the same handler); Ollama's "does not support
# tools". The vLLM entry is the shape of the pydantic validation error of a vLLM whose request model knew only text
# and json_object: reconstructed, not captured from a server. Any other (server, feature) gets the "generic" entry,
# made up in the same style. Ollama before 0.5 did not reject a json_schema: it ignored it (``Features(json_schema=
# "accept")``).
REJECTIONS: dict[str, dict[str, tuple[int, str]]] = {
    "generic": {
        "json_schema": (400, "response_format of type json_schema is not supported by this model"),
        "strict_tools": (400, "'strict' function calling is not supported by this model"),
        "tools": (400, "tool_choice is not supported by this model; 'tools' must be omitted"),
        "json_object": (400, "response_format of type json_object is not supported by this model"),
    },
    "openai": {
        "json_schema": (
            400,
            "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model. Learn "
            "more about supported models at the Structured Outputs guide: "
            "https://platform.openai.com/docs/guides/structured-outputs",
        ),
    },
    "deepseek": {
        "json_schema": (400, "This response_format type is unavailable now"),
        "strict_tools": (
            400,
            "Invalid value: 'true'. The value 'true' isn't supported yet. For now, please use 'false' for this "
            "setting.",
        ),
    },
    "llama.cpp": {
        "json_schema": (500, 'response_format type must be one of "text" or "json_object", but got: json_schema'),
        "strict_tools": (500, "tools param requires --jinja flag"),
        "tools": (500, "tools param requires --jinja flag"),
    },
    "vllm": {
        "json_schema": (
            400,
            "1 validation error for ChatCompletionRequest\nresponse_format.type\n  Input should be 'text' or "
            "'json_object' [type=literal_error, input_value='json_schema', input_type=str]",
        ),
    },
    "ollama": {
        "strict_tools": (400, "registry.ollama.ai/library/fake-model does not support tools"),
        "tools": (400, "registry.ollama.ai/library/fake-model does not support tools"),
    },
}


# The request field each error is about, as OpenAI-style error bodies name it (``param``).
_PARAMS = {
    "json_schema": "response_format",
    "strict_tools": "tools[0].function.strict",
    "tools": "tools",
    "json_object": "response_format",
}


def rejection(feature: str, server: str = "generic") -> Behaviour:
    """``server``'s error for a request using ``feature`` (json_schema, strict_tools, tools, json_object)."""
    code, message = REJECTIONS.get(server, {}).get(feature) or REJECTIONS["generic"][feature]
    # llama.cpp's errors name no field; the OpenAI-style servers' do.
    return status(code, message=message, param=None if server == "llama.cpp" else _PARAMS[feature])


def json_schema_unsupported(server: str = "generic") -> Behaviour:
    """What a server without Structured Outputs answers to ``response_format`` json_schema."""
    return rejection("json_schema", server)


def strict_tools_unsupported(server: str = "deepseek") -> Behaviour:
    """What a server answers to a tool with ``strict: true`` it cannot enforce."""
    return rejection("strict_tools", server)


def drop() -> Behaviour:
    """Send the headers and part of the body, then close the connection."""
    return Behaviour("drop")


def hang(seconds: float) -> Behaviour:
    """Say nothing for ``seconds`` (longer than the client's timeout), then give up on the request."""
    return Behaviour("hang", seconds=seconds)


def truncated(payload: Payload) -> Behaviour:
    """The first half of the answer's JSON, with ``finish_reason: length``."""
    return Behaviour("truncated", payload=payload)


def non_json(text: str = "好的,以下是本段的摘要:本段介绍了疫情防控工作。") -> Behaviour:
    """Prose where JSON was asked for (in the tool arguments or the content)."""
    return Behaviour("non_json", payload=text)


def schema_invalid(payload: dict[str, Any] | None = None) -> Behaviour:
    """Well-formed JSON that does not match the response model."""
    return Behaviour("answer", payload=payload if payload is not None else {"unexpected": "field"})


def empty_choices() -> Behaviour:
    return Behaviour("empty_choices")


def refusal(text: str = "抱歉，我无法协助处理该请求。") -> Behaviour:
    """A refusal the way Structured Outputs answers one: ``message.refusal`` set, no content, no tool call."""
    return Behaviour("refusal", payload=text)


def several_tool_calls(payload: Payload, copies: int = 2) -> Behaviour:
    """Several tool calls where exactly one was forced: the endpoint ignores ``tool_choice``."""
    return Behaviour("several_tool_calls", payload=payload, copies=copies)


def no_tool_call(payload: Payload) -> Behaviour:
    """The answer in the message content even though a tool call was forced."""
    return Behaviour("no_tool_call", payload=payload)


# --------------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------------


# An extraction request lists the summary parts of its chunk as numbered lines before the chunk
# (prompts/*/extract_user.j2); an answer owes one summary per line.
_PART_LINE_RE = re.compile(r"^\d+\. ", re.M)
CHUNK_MARK = "片段:\n"


def part_count(body: dict[str, Any]) -> int:
    """How many summaries an extraction request asks for (1 for anything that lists no parts)."""
    users = [m for m in body.get("messages") or [] if m.get("role") == "user"]
    user = str(users[0].get("content") or "") if users else ""
    head = user.partition(CHUNK_MARK)[0] if CHUNK_MARK in user else ""
    return len(_PART_LINE_RE.findall(head)) or 1


def summaries(body: dict[str, Any], text: str) -> list[str]:
    """``text`` once for every part the request lists."""
    return [text] * part_count(body)


def response_name(body: dict[str, Any]) -> str | None:
    """The response model a request names: its tool's name, or its json_schema response format's (json and
    md_json modes name it only inside the prompt: None)."""
    tools = body.get("tools") or []
    if tools:
        return str(tools[0].get("function", {}).get("name"))
    response_format = body.get("response_format") or {}
    if response_format.get("type") == "json_schema":
        return str((response_format.get("json_schema") or {}).get("name"))
    return None


def _asks_for(body: dict[str, Any], model: str) -> bool:
    name = response_name(body)
    if name is not None:
        return name == model
    return model in json.dumps(body.get("messages") or [], ensure_ascii=False)


def asks_whole_report(body: dict[str, Any]) -> bool:
    """Does the request want the one-chunk report's overview too (response model ``ReportExtraction``)?"""
    return _asks_for(body, "ReportExtraction")


def asks_overview(body: dict[str, Any]) -> bool:
    """Is this the overview request (response model ``OverviewDraft``)?"""
    return _asks_for(body, "OverviewDraft")


# --------------------------------------------------------------------------------------------------
# Schemas: what a request asks the endpoint to enforce, checked and honoured (the subset strict mode uses)
# --------------------------------------------------------------------------------------------------

_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "number": (int, float),
    "integer": (int,),
    "boolean": (bool,),
    "null": (type(None),),
    "array": (list,),
    "object": (dict,),
}


def _is_type(value: Any, name: str) -> bool:
    if isinstance(value, bool) and name in ("number", "integer"):
        return False
    return isinstance(value, _JSON_TYPES[name])


def schema_errors(value: Any, schema: dict[str, Any], path: str = "$") -> list[str]:
    """Where ``value`` breaks ``schema``: the JSON Schema subset strict mode allows (type, enum, const, properties,
    required, additionalProperties, items, anyOf). An empty list: valid. Stdlib only, as this module is."""
    if "anyOf" in schema and all(schema_errors(value, option, path) for option in schema["anyOf"]):
        return [f"{path}: matches no anyOf option"]
    types = schema.get("type")
    if types is not None:
        names = [types] if isinstance(types, str) else list(types)
        if not any(_is_type(value, n) for n in names):
            return [f"{path}: {type(value).__name__} is not {'/'.join(names)}"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"{path}: {value!r} is not one of {schema['enum']}"]
    if "const" in schema and value != schema["const"]:
        return [f"{path}: {value!r} is not {schema['const']!r}"]
    errors: list[str] = []
    if isinstance(value, dict):
        properties = schema.get("properties") or {}
        errors += [f"{path}: missing {k!r}" for k in schema.get("required") or [] if k not in value]
        if schema.get("additionalProperties") is False:
            errors += [f"{path}: {k!r} is not allowed" for k in value if k not in properties]
        for key, sub in properties.items():
            if key in value:
                errors += schema_errors(value[key], sub, f"{path}.{key}")
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            errors += schema_errors(item, schema["items"], f"{path}[{i}]")
    return errors


def _first_json(text: str) -> Any:
    """The JSON a model meant, out of prose or a fenced block around it (None when there is none)."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    decoder = json.JSONDecoder()
    for start in (i for i, ch in enumerate(text) if ch in "{["):
        try:
            return decoder.raw_decode(text, start)[0]
        except ValueError:
            continue
    return None


def conform(value: Any, schema: dict[str, Any]) -> Any:
    """``value`` made valid for ``schema``, the way a decoder constrained by it writes it: what the model wrote
    where the schema allows it, undeclared keys left out, a missing required key written as the emptiest value of
    its type (null where allowed, "", [], the first enum value). Deterministic, so a test can predict it."""
    if "anyOf" in schema:
        for option in schema["anyOf"]:
            if not schema_errors(value, option):
                return value
        return conform(value, schema["anyOf"][0])
    if "enum" in schema:
        return value if value in schema["enum"] else schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    types = schema.get("type")
    names = [types] if isinstance(types, str) else list(types or [])
    if not names:
        return value
    matching = [n for n in names if _is_type(value, n)]
    target = matching[0] if matching else next((n for n in names if n != "null"), "null")
    if target == "object":
        source = value if isinstance(value, dict) else {}
        required = set(schema.get("required") or [])
        return {
            key: conform(source.get(key), sub)
            for key, sub in (schema.get("properties") or {}).items()
            if key in source or key in required
        }
    if target == "array":
        items = schema.get("items") or {}
        return [conform(v, items) for v in value] if isinstance(value, list) else []
    if matching:
        return value
    if target == "string":
        return "" if value is None or isinstance(value, (dict, list)) else str(value)
    return {"number": 0, "integer": 0, "boolean": False}.get(target)


def enforced_schema(body: dict[str, Any], features: Features) -> dict[str, Any] | None:
    """The schema an endpoint with ``features`` enforces on this request's answer, if any."""
    response_format = body.get("response_format") or {}
    if response_format.get("type") == "json_schema" and features.json_schema == "enforce":
        schema = (response_format.get("json_schema") or {}).get("schema")
        return schema if isinstance(schema, dict) else None
    tools = body.get("tools") or []
    if tools and features.strict_tools == "enforce":
        function = tools[0].get("function") or {}
        if function.get("strict") is True and isinstance(function.get("parameters"), dict):
            return dict(function["parameters"])
    return None


def rejected_feature(body: dict[str, Any], features: Features) -> str | None:
    """The feature of this request an endpoint with ``features`` rejects (a key of ``REJECTIONS``), if any."""
    response_format = body.get("response_format") or {}
    kind = response_format.get("type")
    if kind == "json_schema" and features.json_schema == "reject":
        return "json_schema"
    if kind == "json_object" and not features.json_object:
        return "json_object"
    tools = body.get("tools") or []
    if tools and not features.tools:
        return "tools"
    if tools and features.strict_tools == "reject" and any((t.get("function") or {}).get("strict") for t in tools):
        return "strict_tools"
    return None


def extraction(body: dict[str, Any], summary: str, items: Sequence[Any] = (), overview: str = "概述。") -> Payload:
    """A valid extraction answer for any chunk request: ``summary`` for each part, ``items``, and the
    overview fields when the request is for a whole one-chunk report."""
    answer: dict[str, Any] = {"summaries": summaries(body, summary), "items": list(items)}
    if asks_whole_report(body):
        answer.update(title=None, organization=None, period=None, overview=overview)
    return answer


def pipeline_answer(body: dict[str, Any], summary: str = "本段摘要。", overview: str = "概述。") -> Behaviour:
    """A valid answer to any request the pipeline sends: the overview, or an extraction with ``summary`` for
    each part (and the overview fields when the request is for a whole one-chunk report)."""
    if asks_overview(body):
        return answer({"title": None, "organization": None, "period": None, "overview": overview})
    return answer(extraction(body, summary, overview=overview))


def estimate_tokens(text: str) -> int:
    """Token count by the project's documented offline rule (``summarizer.tokens``), so the usage the
    fake endpoint reports and the benchmarks' own counts agree."""
    from ..tokens import estimate_tokens as estimate

    return max(1, estimate(text))


def _payload_text(payload: Payload | None) -> str:
    if payload is None:
        return ""
    if isinstance(payload, str):
        return payload
    if isinstance(payload, BaseModel):
        return payload.model_dump_json()
    return json.dumps(payload, ensure_ascii=False)


class FakeOpenAI:
    """Context manager running the server on a daemon thread; see the module docstring."""

    def __init__(
        self,
        responder: Responder | Sequence[Behaviour],
        *,
        latency: float = 0.0,
        model: str = "fake-model",
        features: Features | None = None,
        keep_alive: bool = False,
    ) -> None:
        """``keep_alive``: HTTP/1.1 connections that serve request after request, as real endpoints keep them
        (the benchmarks); off, one request per connection (HTTP/1.0), so that a fault test's "drop" or "hang"
        never leaves a broken connection for the next request."""
        self._responder = responder
        self.keep_alive = keep_alive
        self.latency = latency
        self.model = model
        self.features = features if features is not None else Features()
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._scripted = 0  # script entries used (a rejected feature uses none)
        self._server: ThreadingHTTPServer | None = None
        self._port: int | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------------

    def __enter__(self) -> FakeOpenAI:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def start(self) -> None:
        server = _Server(("127.0.0.1", 0), self._handler())
        server.daemon_threads = True
        # Do not join handler threads on close: a "hang" behaviour may still be sleeping.
        server.block_on_close = False
        self._server = server
        self._port = int(server.server_address[1])
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=type(self).__name__, daemon=True
        )
        self._thread.start()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        """The request handler class bound to this fake (a subclass serving more endpoints returns its own)."""
        return _make_handler(self)

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    @property
    def port(self) -> int:
        """The bound port; still readable after close (tests point clients at a closed port)."""
        if self._port is None:
            raise RuntimeError("FakeOpenAI was never started")
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every request received so far, in arrival order."""
        with self._lock:
            return list(self._requests)

    # -- request handling --------------------------------------------------------------------------

    def _next(self, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, Behaviour]:
        with self._lock:
            n = len(self._requests)
            feature = rejected_feature(body, self.features)
            if feature is not None:
                behaviour = rejection(feature, self.features.server)
            elif callable(self._responder):
                behaviour = self._responder(body, n)
            elif self._scripted < len(self._responder):
                behaviour = self._responder[self._scripted]
                self._scripted += 1
            else:
                behaviour = status(400, message=f"FakeOpenAI: script exhausted (request #{n + 1})")
            self._requests.append(RecordedRequest(n, body, headers, time.monotonic(), behaviour))
            return n, behaviour

    def _set_usage(self, n: int, usage: dict[str, int]) -> None:
        with self._lock:
            rec = self._requests[n]
            self._requests[n] = RecordedRequest(rec.n, rec.body, rec.headers, rec.received_at, rec.behaviour, usage)

    def completion(self, body: dict[str, Any], n: int, behaviour: Behaviour) -> dict[str, Any]:
        """The chat.completion JSON for an answer-like behaviour (public so benchmarks can reuse it)."""
        text = _payload_text(behaviour.payload)
        schema = enforced_schema(body, self.features)
        if schema is not None and behaviour.kind not in ("truncated", "refusal"):
            # A constrained decoder writes only what the schema admits: the model's constrained answer when the
            # script says what it is, else what it wrote, made valid.
            meant = behaviour.constrained if behaviour.constrained is not None else behaviour.payload
            written = meant if isinstance(meant, (dict, list)) else _first_json(_payload_text(meant))
            text = json.dumps(conform(written, schema), ensure_ascii=False)
        wants_tool = bool(body.get("tools")) and behaviour.kind != "no_tool_call"
        finish = "stop"
        if behaviour.kind == "truncated":
            text = text[: max(1, len(text) // 2)]
            finish = "length"
        message: dict[str, Any] = {"role": "assistant", "content": None}
        if behaviour.kind == "refusal":
            message["refusal"] = text
        elif wants_tool:
            name = body["tools"][0]["function"]["name"]
            copies = behaviour.copies if behaviour.kind == "several_tool_calls" else 1
            message["tool_calls"] = [
                {
                    "id": f"call_{n}_{i}",
                    "type": "function",
                    "function": {"name": name, "arguments": text},
                }
                for i in range(copies)
            ]
            if finish == "stop":
                finish = "tool_calls"
        else:
            response_format = body.get("response_format") or {}
            plain_json = response_format.get("type") in ("json_object", "json_schema")
            if behaviour.kind in ("answer", "several_tool_calls", "no_tool_call") and not plain_json:
                # md_json mode (no response_format): answer the way chat models do, in a fenced block.
                text = f"```json\n{text}\n```"
            message["content"] = text
        # The schema counts as prompt whether it travels as a tool or as a response format, so modes compare on
        # what they send (an endpoint that compiles it into a grammar may not bill it at all).
        prompt = (
            json.dumps(body.get("messages", []), ensure_ascii=False)
            + json.dumps(body.get("tools", []), ensure_ascii=False)
            + (json.dumps(body["response_format"], ensure_ascii=False) if body.get("response_format") else "")
        )
        usage = {"prompt_tokens": estimate_tokens(prompt), "completion_tokens": estimate_tokens(text)}
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        return {
            "id": f"chatcmpl-fake-{n}",
            "object": "chat.completion",
            "created": 1700000000,
            "model": body.get("model", self.model),
            "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
            "usage": usage,
        }


class _Server(ThreadingHTTPServer):
    # socketserver's default listen backlog is 5; a benchmark opening dozens of connections at once
    # would otherwise see SYN retransmits (a 1 s stall) that have nothing to do with the code under test.
    request_queue_size = 256


class _Handler(BaseHTTPRequestHandler):
    """One request to a ``FakeOpenAI``; ``_make_handler`` binds the server it answers for."""

    fake: FakeOpenAI
    # HTTP/1.0: one request per connection, so "drop" and "hang" never poison a pooled connection.
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: Any) -> None:  # silence the stderr access log
        return

    def _send_json(self, code: int, obj: Any, extra_headers: dict[str, str] | None = None) -> None:
        data = json.dumps(obj, ensure_ascii=False).encode("utf-8")
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (extra_headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._send_json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
            return
        try:
            body = json.loads(raw.decode("utf-8"))
        except ValueError:
            self._send_json(400, {"error": {"message": "body is not JSON", "type": "invalid_request"}})
            return
        headers = {k.lower(): v for k, v in self.headers.items()}
        n, behaviour = self.fake._next(body, headers)
        if self.fake.latency:
            time.sleep(self.fake.latency)
        # The client may have given up first (timeouts): nothing to report then.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._act(n, body, behaviour)

    def _act(self, n: int, body: dict[str, Any], b: Behaviour) -> None:
        if b.kind == "status":
            headers = {}
            if b.retry_after is not None:
                headers["Retry-After"] = f"{b.retry_after:g}"
            message = b.message or f"fake error {b.status_code}"
            err = {"message": message, "type": "fake", "param": b.param, "code": None}
            self._send_json(b.status_code, {"error": err}, headers)
        elif b.kind == "drop":
            self._drop(n, body)
        elif b.kind == "hang":
            time.sleep(b.seconds)
            self.close_connection = True
        elif b.kind == "empty_choices":
            usage = {"prompt_tokens": 5, "completion_tokens": 0, "total_tokens": 5}
            self.fake._set_usage(n, usage)
            empty = {
                "id": f"chatcmpl-fake-{n}",
                "object": "chat.completion",
                "created": 1700000000,
                "model": body.get("model", self.fake.model),
                "choices": [],
                "usage": usage,
            }
            self._send_json(200, empty)
        else:
            completion = self.fake.completion(body, n, b)
            self.fake._set_usage(n, completion["usage"])
            self._send_json(200, completion)

    def _drop(self, n: int, body: dict[str, Any]) -> None:
        """Headers and a third of the body, then the connection closes."""
        data = json.dumps(self.fake.completion(body, n, answer({"partial": "答案"}))).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: len(data) // 3])
        self.wfile.flush()
        self.connection.shutdown(socket.SHUT_RDWR)
        self.close_connection = True


def _make_handler(server: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    attrs: dict[str, Any] = {"fake": server}
    if server.keep_alive:
        # Nagle's algorithm would hold the body back until the headers' ACK, which a client delays 40 ms.
        attrs.update(protocol_version="HTTP/1.1", disable_nagle_algorithm=True)
    return type("Handler", (_Handler,), attrs)
