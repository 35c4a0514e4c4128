"""The one place that talks to an LLM: openai + instructor behind two explicit, bounded retry policies.

Configured by the run's ``Settings`` (the one options object; nothing is copied into a second settings type).

Policies (both ours, so their bounds are visible in ``Settings`` and nowhere else):

1. Transport (tenacity): 429 (honouring ``Retry-After``, capped at ``backoff_max``), 408/409, 5xx,
   timeouts, refused or dropped connections are retried ``transport_retries`` times with exponential
   backoff and jitter. Other 4xx fail at once. The openai client runs with ``max_retries=0`` so its own
   retries do not multiply with ours.
2. Validation (our loop): an answer that is not JSON, is truncated (``finish_reason=length``), has no
   choices, or fails pydantic validation (including the grounding validators, which read
   ``context.text``, a ``models.Grounding``) is re-asked ``validation_retries`` times. instructor 1.17's own re-ask
   (``reask_tools``/``reask_md_json`` in ``instructor/v2/providers/openai/handlers.py``) *extends* the
   message list on every retry, so the prompt grows with every failure; we call instructor with
   ``max_retries=0`` (exactly one request) and build each re-ask ourselves from the original messages,
   the last bad answer and one user message carrying the last error.

What instructor does here, and what it no longer does per request: its mode handlers (the registry behind
``instructor.from_openai``) say how a mode asks for a response model (``tools``/``tool_choice``, or the schema
written into the messages for ``json``/``md_json``) and how an answer is read back (finish reason, tool call
or content, a fenced block). Its ``create`` wrapper, around those handlers, re-derived everything on every
call: it walked the response model's classes for async validators seven times, built a new pydantic class
around the model (so its schema cache never hit) and regenerated the JSON schema, and openai's ``create``
re-walked the whole request against its TypedDicts. Measured, that was three quarters of the client's CPU
per request (bench/README.md, "CPU per request"). So ``_Wire`` asks the handler once per mode and model, the
request goes out through the openai client's ``post`` (its errors, timeouts and headers unchanged), and the
answer is parsed once, with the grounding context (``model_validate_json``): only an answer that fails is
parsed again without it, to tell a malformed answer (re-asked with the structural error, as before) from an
ungrounded one. The bodies sent are byte for byte those ``create`` built (a test holds them).

Why ``context`` is never handed to instructor's ``create``: instructor renders every message as a Jinja
template (and ``textwrap.dedent``s it) whenever a context is given, which would rewrite report text
containing ``{{`` or indentation. The handlers used here never template.

Modes (``Settings.mode``, instructor's names): ``json_schema`` asks the endpoint to *enforce* the response
model's strict schema (``response_format: {"type": "json_schema", "json_schema": {..., "strict": true}}``: OpenAI
Structured Outputs; vLLM, llama.cpp server and Ollama compile it into a grammar), ``tools_strict`` sends it as a
strict tool, ``tools`` as a plain tool, ``json`` asks for a JSON object (schema in the prompt), ``md_json`` for a
fenced block. instructor 1.17 sends neither strict form itself (its ``TOOLS_STRICT`` is a deprecated alias of
``TOOLS``, and ``JSON_SCHEMA`` sends the schema as is, without ``strict``), so for those two modes the request's
``response_format`` / ``tools`` are written here (``models.strict_json_schema``) and merged over the body
instructor's handler built, as openai merges an ``extra_body`` (later keys win); instructor still parses the answer.

Mode fallback (only in ``mode="auto"``, which starts with ``config.AUTO_MODES[0]``): an endpoint that rejects the
current mode falls back to the next of ``AUTO_MODES`` (json_schema -> tools -> json -> md_json), once per client,
with one warning line, and the client keeps the new mode for the rest of its life (a run). A rejection is an HTTP
400/422 naming the mode's feature (``response_format``/``json_schema``, tools, ``json_object``), or a 500 saying it
is unsupported (llama.cpp answers ``tools param requires --jinja flag`` with a 500; such a 500 is not retried);
in tools mode an answer with several or no tool calls; in json_schema mode an answer that does not follow the
schema it was sent: an endpoint that enforces the schema cannot produce one (short of truncation), so it accepted
``response_format`` without enforcing it (Ollama Cloud, llama.cpp when the grammar fails to parse, some proxies).
"""

from __future__ import annotations

import email.utils
import inspect
import itertools
import json
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Generic, Literal, TypeVar, cast
from urllib.parse import urlsplit

import httpx2
import instructor
import openai
from instructor.core import IncompleteOutputException
from instructor.v2.core.providers import Provider
from instructor.v2.core.registry import ModeHandlers, mode_registry
from instructor.v2.core.response_model import prepare_response_model
from openai.types.chat import ChatCompletion
from pydantic import BaseModel, ValidationError
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from ..config import AUTO_MODES, Settings
from ..errors import LLMError, ReplayMissError
from ..fingerprint import DEFAULT_BASE_URL, endpoint_id
from ..models import Grounding, strict_json_schema
from ..safety import register_secrets, safe_error
from .call import CallResult
from .replay import LABEL_HEADER, RecordTransport, ReplayTransport, encode_label
from .transport import MAX_RESPONSE_BYTES, ResponseTooLarge, SocketTransport, endpoint_transport, too_large

T = TypeVar("T", bound=BaseModel)
ModeName = Literal["json_schema", "tools_strict", "tools", "json", "md_json"]

log = logging.getLogger("summarizer.llm")
_http_log = logging.getLogger("httpx2")  # the direct path logs its requests where httpx2 logs them


_INSTRUCTOR_MODES: dict[str, instructor.Mode] = {
    "json_schema": instructor.Mode.JSON_SCHEMA,  # parses the content; the strict response_format is ours
    "tools_strict": instructor.Mode.TOOLS,  # parses the tool call; the strict tool is ours (see the docstring)
    "tools": instructor.Mode.TOOLS,
    "json": instructor.Mode.JSON,
    "md_json": instructor.Mode.MD_JSON,
}
_FALLBACK: dict[str, ModeName] = {mode: cast(ModeName, nxt) for mode, nxt in itertools.pairwise(AUTO_MODES)}
_TOOL_MODES = frozenset({"tools", "tools_strict"})
# What a rejection of each mode names (an HTTP 400/422 body); md_json sends nothing an endpoint could refuse.
_FEATURE_WORDS: dict[str, tuple[str, ...]] = {
    "json_schema": (
        "response_format",
        "json_schema",
        "json schema",
        "structured output",
        "schema",
        "strict",
        "grammar",
    ),
    "tools_strict": ("tool", "function", "strict"),
    "tools": ("tool", "function call", "function_call", "functions"),
    "json": ("response_format", "json_object", "json mode", "json_mode"),
}
# A 500 is a rejection only when it says so (llama.cpp: "tools param requires --jinja flag"); otherwise transient.
_UNSUPPORTED_WORDS = ("not supported", "unsupported", "isn't supported", "requires", "must be one of")
_WHAT = {
    "json_schema": "a strict JSON schema (response_format json_schema)",
    "tools_strict": "strict tool calling",
    "tools": "tool calling",
    "json": "JSON mode (response_format)",
}
_MAX_ERROR_CHARS = 1500


# The body's keys in the order openai's ``chat.completions.create`` writes them (its parameters' order), so the
# bytes sent stay what ``create`` sent; anything a handler adds that ``create`` does not know goes last.
_BODY_ORDER = tuple(
    name
    for name in inspect.signature(openai.resources.chat.completions.Completions.create).parameters
    if name not in ("self", "extra_headers", "extra_query", "extra_body", "timeout")
)
_PROBE = {"role": "user", "content": "probe"}


def _dumps(body: dict[str, Any]) -> bytes:
    """The body's bytes as openai writes them (``openai._utils._json.openapi_dumps``: httpx's defaults)."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


@dataclass(frozen=True)
class _Wire:
    """How one mode asks for one response model and reads its answer: instructor's handler for the mode, the
    model as instructor prepares it (once: preparing it builds a new class and walks every class it uses),
    and the request fields that do not depend on the messages (``tools``, ``tool_choice``), when the
    handler leaves the messages alone; ``json``/``md_json`` write the schema into them, per request."""

    handlers: ModeHandlers
    prepared: type[BaseModel]
    fixed: dict[str, Any] | None
    # What a strict mode writes over instructor's request (``LLMClient._shape``): merged last, key by key, as
    # openai merged it as ``extra_body`` (a key instructor wrote keeps its place, a new one goes last).
    over: dict[str, Any] | None = None

    @classmethod
    def build(cls, mode: ModeName, response_model: type[BaseModel], over: dict[str, Any] | None = None) -> _Wire:
        handlers = mode_registry.get_handlers(Provider.OPENAI, _INSTRUCTOR_MODES[mode])
        prepared = prepare_response_model(response_model)
        assert prepared is not None
        _, probe = handlers.request_handler(response_model=prepared, kwargs={"messages": [_PROBE]})
        fixed = {k: v for k, v in probe.items() if k != "messages"} if probe["messages"] == [_PROBE] else None
        return cls(handlers, prepared, fixed, over)

    def body(self, messages: list[dict[str, str]], fields: dict[str, Any]) -> dict[str, Any]:
        """The request body: ``fields`` (model, sampling) with the messages and the mode's own fields."""
        if self.fixed is not None:
            out: dict[str, Any] = {**fields, "messages": list(messages), **self.fixed}
        else:
            request = {**fields, "messages": messages}
            _, out = self.handlers.request_handler(response_model=self.prepared, kwargs=request)
        if self.handlers.message_converter is not None:
            out["messages"] = self.handlers.message_converter(out["messages"], autodetect_images=False)
        ordered = {k: out[k] for k in _BODY_ORDER if k in out}
        ordered.update((k, v) for k, v in out.items() if k not in ordered)
        if self.over:
            ordered.update(self.over)
        return ordered

    def parse(self, completion: ChatCompletion, response_model: type[T], context: Grounding | None) -> T:
        """The answer as ``response_model``, validated strictly from its JSON (as instructor does) with
        ``context`` for the grounding validators."""
        value = self.handlers.response_parser(
            response=completion,
            response_model=response_model,
            validation_context=cast(Any, context),
            strict=True,
            stream=False,
            is_async=False,
        )
        # instructor hangs the whole completion on the value; it would live as long as the answer does.
        vars(value).pop("_raw_response", None)
        return cast(T, value)


def cached_prompt_tokens(usage: Any) -> int:
    """Prompt tokens the provider served from its prefix cache: ``prompt_tokens_details.cached_tokens``
    (OpenAI, DashScope, vLLM), else DeepSeek's ``prompt_cache_hit_tokens``; 0 when not reported."""
    if usage is None:
        return 0
    get = usage.get if isinstance(usage, dict) else lambda k: getattr(usage, k, None)
    details = get("prompt_tokens_details")
    cached = details.get("cached_tokens") if isinstance(details, dict) else getattr(details, "cached_tokens", None)
    if not isinstance(cached, int):
        cached = get("prompt_cache_hit_tokens")
        if cached is None and not isinstance(usage, dict):
            cached = (getattr(usage, "model_extra", None) or {}).get("prompt_cache_hit_tokens")
    return cached if isinstance(cached, int) else 0


@dataclass
class _Tally:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    attempts: int = 0
    cached_tokens: int = 0

    def add_usage(self, usage: Any) -> None:
        if usage is None:
            return
        if isinstance(usage, dict):
            prompt, completion = usage.get("prompt_tokens"), usage.get("completion_tokens")
        else:
            prompt, completion = (
                getattr(usage, "prompt_tokens", None),
                getattr(usage, "completion_tokens", None),
            )
        self.prompt_tokens += prompt if isinstance(prompt, int) else 0
        self.completion_tokens += completion if isinstance(completion, int) else 0
        self.cached_tokens += cached_prompt_tokens(usage)


class _BadAnswer(Exception):
    """An answer the validation policy may re-ask about."""

    def __init__(self, reason: str, answer_text: str | None, unchecked: Any = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.answer_text = answer_text
        self.unchecked = unchecked  # well-formed but ungrounded value, if the schema itself was satisfied


class _ModeRejected(Exception):
    """The endpoint does not support the current mode (grounds for a fallback)."""


# --------------------------------------------------------------------------------------------------
# Error classification
# --------------------------------------------------------------------------------------------------


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and everything it wraps: instructor wraps openai errors, openai wraps transport errors."""
    seen: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in seen:
        seen.append(cur)
        cur = cur.__cause__
    return seen


def _replay_miss(exc: BaseException) -> ReplayMissError | None:
    for e in _causes(exc):
        if isinstance(e, ReplayMissError):
            return e
    return None


def _is_transient(exc: BaseException) -> bool:
    if _replay_miss(exc) is not None or any(isinstance(e, ResponseTooLarge) for e in _causes(exc)):
        return False
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code in (408, 409, 429) or exc.status_code >= 500
    # APITimeoutError is an APIConnectionError: refused, reset, dropped mid-body, timed out.
    return isinstance(exc, openai.APIConnectionError)


def retry_wait(state: RetryCallState, backoff: Callable[[RetryCallState], float], cap: float) -> float:
    """How long tenacity waits before the next attempt: the endpoint's Retry-After when it sends one (capped),
    else the exponential backoff with jitter. Shared by the chat client and the batch API's file/batch calls."""
    exc = state.outcome.exception() if state.outcome is not None else None
    after = _retry_after(exc)
    if after is not None:
        return min(after, cap)
    return float(backoff(state))


def _retry_after(exc: BaseException | None) -> float | None:
    """Seconds the server asked us to wait (``retry-after-ms``, ``Retry-After`` seconds or HTTP date)."""
    if not isinstance(exc, openai.APIStatusError):
        return None
    headers = exc.response.headers
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _error_text(exc: BaseException) -> str:
    """Short, model-readable description of why an answer was rejected."""
    if isinstance(exc, ValidationError):
        lines = []
        for err in exc.errors(include_url=False)[:20]:
            loc = ".".join(str(p) for p in err.get("loc", ())) or "(root)"
            lines.append(f"- {loc}: {err.get('msg', '')}")
        text = "\n".join(lines)
    else:
        text = str(exc)
    return text[:_MAX_ERROR_CHARS]


def _rejects_mode(exc: BaseException, mode: str) -> bool:
    """Does this HTTP error say the endpoint does not take ``mode`` (grounds for a fallback, never a retry)?"""
    if not isinstance(exc, openai.APIStatusError):
        return False
    words = _FEATURE_WORDS.get(mode, ())
    text = f"{exc.message} {exc.body}".lower()
    if not any(w in text for w in words):
        return False
    if exc.status_code in (400, 422):
        return True
    return exc.status_code in (500, 501) and any(w in text for w in _UNSUPPORTED_WORDS)


def _refusal(completion: Any) -> str | None:
    """The model's refusal (Structured Outputs answers a refused request with ``message.refusal``, no content)."""
    choices = getattr(completion, "choices", None)
    refusal = getattr(choices[0].message, "refusal", None) if choices else None
    return refusal if isinstance(refusal, str) and refusal else None


def _tool_call_count(completion: Any) -> int | None:
    choices = getattr(completion, "choices", None)
    if not choices:
        return None
    return len(getattr(choices[0].message, "tool_calls", None) or [])


def _answer_text(completion: Any) -> str | None:
    """The bad answer as text, for the re-ask: tool arguments in tools mode, else the content."""
    choices = getattr(completion, "choices", None)
    if not choices:
        return None
    message = choices[0].message
    tool_calls = getattr(message, "tool_calls", None) or []
    if tool_calls:
        return str(tool_calls[0].function.arguments or "")
    content = getattr(message, "content", None)
    return content if isinstance(content, str) else None


def reask_messages(messages: list[dict[str, str]], answer_text: str | None, error: str) -> list[dict[str, str]]:
    """Original messages + the last bad answer + one user message with the last error.

    The bad answer goes back as plain assistant text even in tools mode: an assistant ``tool_calls``
    message would oblige us to answer it with a ``tool`` message, which several OpenAI-compatible
    servers (older llama.cpp, some vLLM chat templates) reject; plain text works everywhere.
    """
    out = [dict(m) for m in messages]
    if answer_text is not None:
        out.append({"role": "assistant", "content": answer_text})
    out.append(
        {
            "role": "user",
            "content": (
                "上一次的回答未通过校验 (your previous answer was rejected):\n"
                f"{error}\n"
                "请修正上述错误后重新给出完整的回答;引文和数字必须逐字摘自原文。"
                " Answer again in full, in the same format, fixing these errors."
            ),
        }
    )
    return out


# --------------------------------------------------------------------------------------------------
# The client
# --------------------------------------------------------------------------------------------------


class Slots:
    """A counting semaphore for ``with``: ``limit`` tokens in a ``queue.SimpleQueue``. Why not
    ``threading.BoundedSemaphore``: it is Python code around a ``Condition``, and at concurrency 16 every
    request waits for a slot (twice as many threads as slots), so each acquire took a Python-level wait and
    notify; the queue blocks and wakes in C (~0.07 µs a pair uncontended, against ~1.9)."""

    def __init__(self, limit: int) -> None:
        self._tokens: queue.SimpleQueue[None] = queue.SimpleQueue()
        for _ in range(limit):
            self._tokens.put(None)

    def __enter__(self) -> None:
        self._tokens.get()

    def __exit__(self, *exc: object) -> None:
        self._tokens.put(None)


class InFlightLimit(httpx2.BaseTransport):
    """Bounds the requests on the wire. The concurrency limit belongs here rather than around a whole call:
    building the request and parsing and validating the answer are client-side work that, held inside the
    limit, would leave the endpoint idle while threads wait for the GIL (measured: bench/README.md).

    It also bounds what one response may hold (``max_bytes``, decoded): a 50 MB answer once took 550 MB to read,
    decode and parse, and a 50 MB error body was copied into every message that named it."""

    def __init__(self, inner: httpx2.BaseTransport, limit: int, max_bytes: int | None = None) -> None:
        self._inner = inner
        self.slots = Slots(limit)  # taken by LLMClient's direct requests too
        self.max_bytes = MAX_RESPONSE_BYTES if max_bytes is None else max_bytes

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        with self.slots:
            response = self._inner.handle_request(request)
            read_bounded(response, self.max_bytes)  # the body arriving is part of the request in flight
            return response

    def close(self) -> None:
        self._inner.close()


def read_bounded(response: httpx2.Response, limit: int) -> None:
    """Read the body, decoded, refusing more than ``limit`` bytes of it (``ResponseTooLarge``)."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        response.close()
        raise ResponseTooLarge(too_large(int(declared), limit, response.status_code))
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limit:
            response.close()
            raise ResponseTooLarge(too_large(None, limit, response.status_code))
        chunks.append(chunk)
    response._content = b"".join(chunks)  # what response.read() would have set, bounded


class LLMClient:
    """Thread-safe: one client may serve many chunks concurrently (the mode switch is locked)."""

    def __init__(
        self, settings: Settings, *, cassettes: Path | None = None, http_client: httpx2.Client | None = None
    ) -> None:
        """``cassettes``: serve every HTTP answer from this folder (replay; no socket is opened).
        ``settings.record_dir``: write every answer there as a cassette (record)."""
        if cassettes is not None and settings.record_dir is not None:
            raise ValueError("LLMClient: cassettes (replay) and record_dir (record) are exclusive")
        self.settings = settings
        register_secrets(settings.api_key_value(), settings.base_url)
        self._base_url = (settings.base_url or DEFAULT_BASE_URL).rstrip("/")
        self._owns_http = http_client is None
        # Set by ``_http_client`` when requests can go straight to a socket transport (see ``_post``).
        self._direct: SocketTransport | None = None
        self._limit: InFlightLimit | None = None
        if http_client is None:
            http_client = self._http_client(settings, cassettes)
        self._http = http_client
        self._openai = openai.OpenAI(
            api_key=settings.api_key_value() or "unused",  # replay and local servers need none; never read env
            base_url=self._base_url,
            timeout=settings.timeout,
            max_retries=0,
            http_client=http_client,
        )
        # What every request carries, worked out once: openai's own headers (authorization, user agent,
        # platform) and the completions URL (see ``_post``).
        self._headers: dict[str, str] = {
            k: v for k, v in {**self._openai.auth_headers, **self._openai.default_headers}.items() if isinstance(v, str)
        }
        # After a request's own headers, as openai adds them: no retries of its own, its read timeout.
        self._headers_after = {"x-stainless-retry-count": "0", "x-stainless-read-timeout": str(float(settings.timeout))}
        self._completions_url = httpx2.URL(f"{self._base_url}/chat/completions")  # parsed once, not per request
        # What ``build_request`` would merge into every request of a client built here (its default headers, the
        # timeout), merged once; a caller's own client may carry cookies, parameters or a base URL, and its
        # requests are built by it (``_request``).
        defaults = http_client.headers.raw
        self._client_headers = (
            [(k.decode("latin-1"), v.decode("latin-1")) for k, v in defaults] if self._owns_http else None
        )
        self._timeout = httpx2.Timeout(settings.timeout).as_dict()
        self._host = httpx2.Request("POST", self._completions_url).headers["Host"]  # as httpx2 writes it
        self._lock = threading.Lock()
        self._mode: ModeName = cast(ModeName, AUTO_MODES[0]) if settings.mode == "auto" else settings.mode
        self._shapes: dict[tuple[str, type[BaseModel]], dict[str, Any]] = {}  # strict request parts, built once
        self._wires: dict[tuple[ModeName, type[BaseModel]], _Wire] = {}
        self._instructors: dict[str, instructor.Instructor] = {}
        self._backoff = wait_exponential_jitter(
            multiplier=settings.backoff_initial, max=settings.backoff_max, jitter=settings.backoff_initial
        )
        self._sleep: Callable[[float], None] = time.sleep

    def _http_client(self, settings: Settings, cassettes: Path | None) -> httpx2.Client:
        base_path = urlsplit(self._base_url).path
        # Sockets and httptools (``transport.py``), or httpx2's proxy transport where the environment names a proxy
        # for the endpoint.
        transport: httpx2.BaseTransport = endpoint_transport(self._base_url)
        if cassettes is not None:
            transport = ReplayTransport(cassettes, base_path=base_path)
        elif settings.record_dir is not None:
            transport = RecordTransport(settings.record_dir, transport, base_path=base_path)
        # Requests on the wire at once, across every thread using this client (see InFlightLimit).
        self._limit = InFlightLimit(transport, settings.concurrency)
        url = httpx2.URL(self._base_url)
        if isinstance(transport, SocketTransport) and not (url.username or url.password):
            # (A URL's user and password are httpx2's to turn into Basic auth: such requests go through its client.)
            self._direct = transport
        return httpx2.Client(transport=self._limit, timeout=settings.timeout)

    # -- public ------------------------------------------------------------------------------------

    @property
    def mode(self) -> ModeName:
        """The mode the next request will use (changes only through fallback in ``auto``)."""
        with self._lock:
            return self._mode

    def endpoint_id(self) -> str:
        """Scheme, host, port and path of the endpoint: no credentials, query or trailing slash."""
        return endpoint_id(self._base_url)

    def complete(
        self,
        messages: list[dict[str, str]],
        response_model: type[T],
        *,
        context: Grounding,
        label: str,
    ) -> CallResult[T]:
        tally = _Tally()
        reasks = 0
        last: _BadAnswer | None = None
        while True:
            mode = self.mode
            request = messages if last is None else reask_messages(messages, last.answer_text, last.reason)
            try:
                value = self._attempt(request, response_model, mode, context, label, tally)
            except _ModeRejected as exc:
                if self._fall_back(mode, str(exc), label):
                    last = None  # a format problem, not a content one: start over in the new mode
                    continue
                raise self._error(label, tally, mode, f"endpoint rejected {mode} mode: {exc}") from exc
            except _BadAnswer as exc:
                if reasks >= self.settings.validation_retries:
                    if exc.unchecked is not None:
                        log.warning(
                            "%s: answer still not grounded after %d re-ask(s) (%s); kept for verification to flag",
                            label,
                            reasks,
                            " ".join(exc.reason.split())[:300],
                        )
                        return CallResult(
                            value=exc.unchecked,
                            prompt_tokens=tally.prompt_tokens,
                            completion_tokens=tally.completion_tokens,
                            attempts=tally.attempts,
                            mode=mode,
                            grounded=False,
                            cached_tokens=tally.cached_tokens,
                        )
                    raise self._error(
                        label, tally, mode, f"no valid answer after {reasks} re-ask(s): {exc.reason}"
                    ) from exc
                reasks += 1
                last = exc
                log.info(
                    "%s: answer rejected (%s mode), re-asking %d/%d",
                    label,
                    mode,
                    reasks,
                    self.settings.validation_retries,
                )
                continue
            return CallResult(
                value=value,
                prompt_tokens=tally.prompt_tokens,
                completion_tokens=tally.completion_tokens,
                attempts=tally.attempts,
                mode=mode,
                cached_tokens=tally.cached_tokens,
            )

    def close(self) -> None:
        if self._owns_http:
            self._openai.close()

    def __enter__(self) -> LLMClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- internals ---------------------------------------------------------------------------------

    def _instructor(self, mode: ModeName) -> instructor.Instructor:
        """instructor's client for ``mode`` (its provider and mode name the registry's handlers). The synchronous
        path asks the handlers directly (``_wire``); the batch API's judge looks them up through this."""
        with self._lock:
            client = self._instructors.get(mode)
            if client is None:
                client = self._instructors[mode] = instructor.from_openai(self._openai, mode=_INSTRUCTOR_MODES[mode])
            return client

    def _wire(self, mode: ModeName, response_model: type[BaseModel]) -> _Wire:
        shape = self._shape(mode, response_model)  # outside the lock: it takes it
        with self._lock:
            wire = self._wires.get((mode, response_model))
            if wire is None:
                wire = self._wires[(mode, response_model)] = _Wire.build(mode, response_model, shape)
            return wire

    def _fall_back(self, mode: ModeName, reason: str, label: str) -> bool:
        if self.settings.mode != "auto":
            return False
        with self._lock:
            if self._mode != mode:
                return True  # another thread already switched; just retry in the current mode
            nxt = _FALLBACK.get(mode)
            if nxt is None:
                return False
            self._mode = nxt
        log.warning(
            "endpoint %s rejected %s; falling back to %s mode (%s: %s)",
            self.endpoint_id(),
            _WHAT.get(mode, mode),
            nxt,
            label,
            " ".join(reason.split())[:200],
        )
        return True

    def _shape(self, mode: ModeName, response_model: type[BaseModel]) -> dict[str, Any] | None:
        """The request parts a strict mode writes itself (``extra_body``; see the module docstring), or None."""
        if mode not in ("json_schema", "tools_strict"):
            return None
        key = (mode, response_model)
        with self._lock:
            shape = self._shapes.get(key)
        if shape is not None:
            return shape
        schema = strict_json_schema(response_model)
        if mode == "json_schema":
            # The name says what the title would (and costs its tokens once, not twice).
            body = {k: v for k, v in schema.items() if k != "title"}
            shape = {
                "response_format": {
                    "type": "json_schema",
                    "json_schema": {"name": response_model.__name__, "schema": body, "strict": True},
                }
            }
        else:
            # As instructor names and describes the tool (so its tool_choice still points at it).
            function = {
                "name": schema.get("title", response_model.__name__),
                "description": schema.get("description") or response_model.__name__,
                "parameters": {k: v for k, v in schema.items() if k not in ("title", "description")},
                "strict": True,
            }
            shape = {"tools": [{"type": "function", "function": function}]}
        with self._lock:
            self._shapes[key] = shape
        return shape

    def _error(self, label: str, tally: _Tally, mode: str, detail: str) -> LLMError:
        # The detail may quote the endpoint's error body: cut, and the key redacted (an endpoint may echo it).
        return LLMError(
            f"{label}: {safe_error(detail)} [endpoint {self.endpoint_id()}, model {self.settings.model}, "
            f"mode {mode}, {tally.attempts} request(s)]"
        )

    def _wait(self, state: RetryCallState) -> float:
        return retry_wait(state, self._backoff, self.settings.backoff_max)

    def _send(
        self,
        messages: list[dict[str, str]],
        response_model: type[T],
        mode: ModeName,
        label: str,
        tally: _Tally,
        context: Grounding | None = None,
    ) -> _Outcome[T]:
        """One validation attempt: up to ``1 + transport_retries`` HTTP requests; raises transport and fatal
        errors. The answer is read with ``context`` (without it, only its form is checked)."""
        fields: dict[str, Any] = {"model": self.settings.model, "temperature": self.settings.temperature}
        if self.settings.max_tokens is not None:
            fields["max_tokens"] = self.settings.max_tokens
        wire = self._wire(mode, response_model)
        content = _dumps(wire.body(messages, fields))
        headers = {**self._headers, LABEL_HEADER: encode_label(label), **self._headers_after}
        for attempt in self._retrying(label, mode):
            with attempt:
                tally.attempts += 1
                completion = self._post(content, headers, tally)
        if completion is None:  # a 200 whose body is not JSON: an empty answer, re-asked
            return _Outcome(None, None, problem=ValueError("the response body is not JSON"))
        tally.add_usage(getattr(completion, "usage", None))
        return self._read(wire, completion, response_model, context)

    def _post(self, content: bytes, headers: dict[str, str], tally: _Tally) -> ChatCompletion | None:
        """One HTTP request, as openai's client sends it (its headers, its error classes: a timeout is an
        ``APITimeoutError``, any other failure to get an answer an ``APIConnectionError``, a 4xx/5xx the
        status error openai makes of it) without its per-request machinery (options copied and merged,
        headers and URL rebuilt, a retry loop that is off). An error's body may still report the tokens it cost.

        Straight to the socket transport when it is ours (``_direct``): the same bytes on the wire as through
        httpx2's client, without its request and response objects (0.55-0.72 -> 0.25-0.28 ms of CPU per request;
        bench/README.md, issue 19). httpx2's objects are made only for an error or an encoded body."""
        if self._direct is None:
            request = self._request(content, headers)
            try:
                response = self._http.send(request)
            except httpx2.TimeoutException as exc:
                raise openai.APITimeoutError(request=request) from exc
            except Exception as exc:
                raise openai.APIConnectionError(request=request) from exc
        else:
            got = self._post_direct(self._direct, content, headers)
            if isinstance(got, bytes):
                return _completion(got)
            response = got
        if response.status_code >= 400:
            error = self._openai._make_status_error_from_response(response)
            tally.add_usage(error.body.get("usage") if isinstance(error.body, dict) else None)
            raise error
        return _completion(response.content)

    def _post_direct(self, direct: SocketTransport, content: bytes, headers: dict[str, str]) -> bytes | httpx2.Response:
        """The answer through ``direct``: a success's body as it came, else (an error, or a body to decode) the
        httpx2 response ``_post`` reads it from, read as httpx2's client would have read it."""
        assert self._limit is not None
        wire = [("Host", self._host), *self._merged(headers), ("Content-Length", str(len(content)))]
        try:
            with self._limit.slots:
                answer = direct.exchange(
                    "POST", self._completions_url, wire, content, self._timeout, max_bytes=self._limit.max_bytes
                )
                if _http_log.isEnabledFor(logging.INFO):  # the line httpx2's client logs for each request
                    _http_log.info(
                        'HTTP Request: %s %s "%s %d %s"',
                        "POST",
                        self._completions_url,
                        "HTTP/1.1",
                        answer.status,
                        answer.reason.decode("latin-1"),
                    )
                if answer.status < 400 and not _encoded(answer.headers):
                    return answer.body
                response = httpx2.Response(
                    answer.status,
                    headers=answer.headers,
                    stream=httpx2.ByteStream(answer.body),
                    request=self._request(content, headers),
                )
                read_bounded(response, self._limit.max_bytes)
                return response
        except httpx2.TimeoutException as exc:
            raise openai.APITimeoutError(request=self._request(content, headers)) from exc
        except Exception as exc:
            raise openai.APIConnectionError(request=self._request(content, headers)) from exc

    def _merged(self, headers: dict[str, str]) -> list[tuple[str, str]]:
        """The client's default headers and ``headers`` as httpx2 merges them: a header the request sets replaces
        the client's (in any case) and goes last."""
        assert self._client_headers is not None
        own = {k.lower() for k in headers}
        merged = [(k, v) for k, v in self._client_headers if k.lower() not in own]
        merged.extend(headers.items())
        return merged

    def _request(self, content: bytes, headers: dict[str, str]) -> httpx2.Request:
        """The POST to the completions URL. Built directly when the httpx2 client is ours: ``build_request`` merges
        the client's URL, headers, cookies and query parameters anew for every request, a fifth of the client
        stack's CPU per request (bench/README.md), and ours has only its default headers to merge."""
        if self._client_headers is None:
            return self._http.build_request(
                "POST", self._completions_url, content=content, headers=headers, timeout=self.settings.timeout
            )
        return httpx2.Request(
            "POST",
            self._completions_url,
            content=content,
            headers=self._merged(headers),
            extensions={"timeout": self._timeout},
        )

    def _retrying(self, label: str, mode: ModeName) -> Retrying:
        """The transport policy: transient failures retried with backoff (``Retry-After`` honoured); a 5xx that
        says the endpoint does not take ``mode`` is not transient (retrying cannot change it)."""

        def transient(exc: BaseException) -> bool:
            return _is_transient(exc) and not _rejects_mode(exc, mode)

        def before_sleep(state: RetryCallState) -> None:
            if not log.isEnabledFor(logging.INFO):
                return  # the failure's description is not built for a line nobody sees
            exc = state.outcome.exception() if state.outcome is not None else None
            log.info(
                "%s: transient failure (%s), retry %d/%d",
                label,
                _short(exc),
                state.attempt_number,
                self.settings.transport_retries,
            )

        return Retrying(
            stop=stop_after_attempt(1 + max(0, self.settings.transport_retries)),
            wait=self._wait,
            retry=retry_if_exception(transient),
            reraise=True,
            sleep=self._sleep,
            before_sleep=before_sleep,
        )

    @staticmethod
    def _read(
        wire: _Wire, completion: ChatCompletion, response_model: type[T], context: Grounding | None
    ) -> _Outcome[T]:
        """The answer parsed once, with the grounding context. Only when that fails is it parsed again without
        the context: failing there too, it is malformed (``problem``: the error instructor's parse gives,
        which the re-ask quotes); passing, it is well-formed but ungrounded (``ungrounded``: the grounding
        error, and the value kept for verification to flag)."""
        try:
            return _Outcome(wire.parse(completion, response_model, context), completion)
        except ValidationError as exc:
            grounding_error = exc
        except Exception as exc:  # whatever the answer's reading raised: too long, no tool call, refusal…
            return _Outcome(None, completion, problem=exc)
        try:
            unchecked = wire.parse(completion, response_model, None)
        except Exception as exc:
            return _Outcome(None, completion, problem=exc)
        return _Outcome(unchecked, completion, ungrounded=grounding_error)

    def _attempt(
        self,
        messages: list[dict[str, str]],
        response_model: type[T],
        mode: ModeName,
        context: Grounding,
        label: str,
        tally: _Tally,
    ) -> T:
        try:
            outcome = self._send(messages, response_model, mode, label, tally, context)
        except ReplayMissError:
            raise
        except openai.APIStatusError as exc:
            miss = _replay_miss(exc)
            if miss is not None:
                raise miss from None
            if _rejects_mode(exc, mode):
                raise _ModeRejected(f"HTTP {exc.status_code}: {exc.message}") from exc
            detail = f"HTTP {exc.status_code}: {exc.message}"
            if _is_transient(exc):
                detail = f"still failing after {self.settings.transport_retries} retries: {detail}"
            raise self._error(label, tally, mode, detail) from exc
        except openai.OpenAIError as exc:
            miss = _replay_miss(exc)
            if miss is not None:
                raise miss from None
            detail = _short(exc)
            if _is_transient(exc):
                detail = f"still failing after {self.settings.transport_retries} retries: {detail}"
            raise self._error(label, tally, mode, detail) from exc
        return self._settle(outcome, mode)

    def _judge(
        self,
        value: T | None,
        completion: Any,
        problem: BaseException | None,
        response_model: type[T],
        mode: ModeName,
        context: Grounding,
    ) -> T:
        """The validation policy on one answer as instructor's structural parse gives it (value, completion,
        problem): the checked value, or ``_BadAnswer``/``_ModeRejected``. Apart from sending, so the batch API
        judges the answers of its output files by the same rules (``batchapi/wire.py``); the synchronous path
        reads its answers in one parse (``_read``) and settles them the same way (``_settle``)."""
        ungrounded: ValidationError | None = None
        if problem is None and value is not None:
            try:
                value = response_model.model_validate(value.model_dump(), context=context)
            except ValidationError as exc:
                ungrounded = exc
        return self._settle(_Outcome(value, completion, problem, ungrounded), mode)

    def _settle(self, outcome: _Outcome[T], mode: ModeName) -> T:
        """An answer as read: the grounded value, or why it is refused (``_BadAnswer``: re-ask it, with the
        unchecked value when only grounding failed; ``_ModeRejected``: the endpoint does not take the mode)."""
        completion, problem = outcome.completion, outcome.problem
        auto = self.settings.mode == "auto"
        if mode == "tools" and auto:
            count = _tool_call_count(completion)
            if count is not None and count != 1:
                raise _ModeRejected(f"answer had {count} tool calls where exactly one was required")

        if problem is not None:
            refusal = _refusal(completion)
            if isinstance(problem, IncompleteOutputException):
                reason = "回答被截断 (finish_reason=length): the JSON is incomplete; answer again, concisely"
            elif refusal is not None:
                reason = f"模型拒绝回答 (refusal): {refusal}"
            elif getattr(completion, "choices", None) == [] or _answer_text(completion) is None:
                reason = "回答为空 (the answer had no content)"
            else:
                reason = _error_text(problem)
                if mode == "json_schema" and auto:
                    # An enforcing endpoint cannot answer this: it took response_format without enforcing it.
                    raise _ModeRejected(f"the answer did not follow the schema it was sent: {reason}")
            raise _BadAnswer(reason, _answer_text(completion))
        if outcome.value is None:  # pragma: no cover - a parse returns a value or raises
            raise _BadAnswer("回答为空 (the answer had no content)", None)

        count = _tool_call_count(completion)
        if mode in _TOOL_MODES and count is not None and count > 1:
            raise _BadAnswer(f"answer had {count} tool calls; call the tool exactly once", None)
        if outcome.ungrounded is not None:
            raise _BadAnswer(_error_text(outcome.ungrounded), _answer_text(completion), unchecked=outcome.value)
        return outcome.value


@dataclass
class _Outcome(Generic[T]):
    """One answer as read: its value (the unchecked one when ungrounded), the completion, and what is wrong."""

    value: T | None
    completion: Any
    problem: BaseException | None = None  # malformed: no value
    ungrounded: ValidationError | None = None  # well-formed, but the grounding validators refused it


def _encoded(headers: list[tuple[bytes, bytes]]) -> bool:
    """Whether the body carries a ``Content-Encoding`` to undo (gzip, deflate…)."""
    return any(k.lower() == b"content-encoding" and v.strip().lower() != b"identity" for k, v in headers)


def _completion(body: bytes) -> ChatCompletion | None:
    """The answer as openai reads it: constructed without validation (a lenient endpoint's odd field stays as
    sent), or None when the body is not a JSON object. An answer that matches openai's types exactly (strict:
    no coercion, so every value is the one sent) is validated in one call into the same objects instead,
    ten times cheaper than the recursive construct (0.25 ms per request, measured)."""
    try:
        return ChatCompletion.model_validate_json(body, strict=True)
    except ValidationError:
        pass
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    return cast(ChatCompletion, ChatCompletion.construct(**data))  # as openai does: no validation


def _short(exc: BaseException | None) -> str:
    if exc is None:
        return "unknown error"
    inner = [e for e in _causes(exc) if e is not exc]
    text = f"{type(exc).__name__}: {exc}"
    if inner:
        text += f" ({type(inner[0]).__name__}: {inner[0]})"
    return text[:300]


__all__ = ["MAX_RESPONSE_BYTES", "InFlightLimit", "LLMClient", "ResponseTooLarge", "reask_messages"]
