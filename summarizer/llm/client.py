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

Why ``context`` is not handed to instructor: instructor renders every message as a Jinja template (and
``textwrap.dedent``s it) whenever a context is given, which would rewrite report text containing ``{{``
or indentation. We let instructor parse and validate structurally, then validate again with the context.

Modes (``Settings.mode``, instructor's names): ``json_schema`` asks the endpoint to *enforce* the response
model's strict schema (``response_format: {"type": "json_schema", "json_schema": {..., "strict": true}}``: OpenAI
Structured Outputs; vLLM, llama.cpp server and Ollama compile it into a grammar), ``tools_strict`` sends it as a
strict tool, ``tools`` as a plain tool, ``json`` asks for a JSON object (schema in the prompt), ``md_json`` for a
fenced block. instructor 1.17 sends neither strict form itself (its ``TOOLS_STRICT`` is a deprecated alias of
``TOOLS``, and ``JSON_SCHEMA`` sends the schema as is, without ``strict``), so for those two modes the request's
``response_format`` / ``tools`` are written here (``models.strict_json_schema``) and passed as ``extra_body``, which
openai merges over the body instructor built (later keys win); instructor still parses the answer.

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
import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, TypeVar, cast
from urllib.parse import urlsplit

import httpx2
import instructor
import openai
from instructor.core import IncompleteOutputException, InstructorRetryException
from pydantic import BaseModel, ValidationError
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from ..config import AUTO_MODES, Settings
from ..errors import LLMError, ReplayMissError
from ..fingerprint import DEFAULT_BASE_URL, endpoint_id
from ..models import Grounding, strict_json_schema
from ..safety import register_secrets, safe_error
from .call import CallResult
from .replay import LABEL_HEADER, RecordTransport, ReplayTransport, encode_label

T = TypeVar("T", bound=BaseModel)
ModeName = Literal["json_schema", "tools_strict", "tools", "json", "md_json"]

log = logging.getLogger("summarizer.llm")


class _QuietInstructorRetries(logging.Filter):
    """Drop instructor's per-attempt ERROR records ("API call failed on attempt 1", "Max retries exceeded").

    We call instructor with ``max_retries=0`` and run both retry policies ourselves, so those records
    describe a retry loop that is not in use and would print as errors for every transient 503 we are
    about to retry; our own log lines (``summarizer.llm``) report what actually happens.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        msg = str(record.msg)
        return not (msg.startswith("API call failed on attempt") or msg.startswith("Max retries exceeded"))


_instructor_retry_log = logging.getLogger("instructor.v2.retry")
if not any(isinstance(f, _QuietInstructorRetries) for f in _instructor_retry_log.filters):
    _instructor_retry_log.addFilter(_QuietInstructorRetries())

_INSTRUCTOR_MODES: dict[str, instructor.Mode] = {
    "json_schema": instructor.Mode.JSON_SCHEMA,  # parses the content; the strict response_format is ours
    "tools_strict": instructor.Mode.TOOLS,  # parses the tool call; the strict tool is ours (see the docstring)
    "tools": instructor.Mode.TOOLS,
    "json": instructor.Mode.JSON,
    "md_json": instructor.Mode.MD_JSON,
}
_FALLBACK: dict[str, ModeName] = {
    mode: cast(ModeName, nxt) for mode, nxt in itertools.pairwise(AUTO_MODES)
}
_TOOL_MODES = frozenset({"tools", "tools_strict"})
# What a rejection of each mode names (an HTTP 400/422 body); md_json sends nothing an endpoint could refuse.
_FEATURE_WORDS: dict[str, tuple[str, ...]] = {
    "json_schema": (
        "response_format", "json_schema", "json schema", "structured output", "schema", "strict", "grammar"
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
# The most one response body may hold. An answer is a few KB (a chunk's summary with its quotes; 16k tokens of
# output is under 100 KB), so this is generous for any real answer and caps what a broken endpoint costs.
MAX_RESPONSE_BYTES = 8 << 20


def _too_large(size: int | None, limit: int, status: int) -> str:
    got = f"{size / (1 << 20):.0f} MB" if size is not None else "more"
    return f"HTTP {status} response larger than {limit >> 20} MB ({got}): refused"


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


def reask_messages(
    messages: list[dict[str, str]], answer_text: str | None, error: str
) -> list[dict[str, str]]:
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


class ResponseTooLarge(Exception):
    """The endpoint's response body passed ``MAX_RESPONSE_BYTES``: refused, not retried (it would be again)."""


class InFlightLimit(httpx2.BaseTransport):
    """Bounds the requests on the wire. The concurrency limit belongs here rather than around a whole call:
    building the request and parsing and validating the answer are client-side work that, held inside the
    limit, would leave the endpoint idle while threads wait for the GIL (measured: bench/README.md).

    It also bounds what one response may hold (``max_bytes``, decoded): a 50 MB answer once took 550 MB to read,
    decode and parse, and a 50 MB error body was copied into every message that named it."""

    def __init__(self, inner: httpx2.BaseTransport, limit: int, max_bytes: int | None = None) -> None:
        self._inner = inner
        self._slots = threading.BoundedSemaphore(limit)
        self._max_bytes = MAX_RESPONSE_BYTES if max_bytes is None else max_bytes

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        with self._slots:
            response = self._inner.handle_request(request)
            self._read_bounded(response)  # the body arriving is part of the request in flight
            return response

    def _read_bounded(self, response: httpx2.Response) -> None:
        limit = self._max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            response.close()
            raise ResponseTooLarge(_too_large(int(declared), limit, response.status_code))
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                response.close()
                raise ResponseTooLarge(_too_large(None, limit, response.status_code))
            chunks.append(chunk)
        response._content = b"".join(chunks)  # what response.read() would have set, bounded

    def close(self) -> None:
        self._inner.close()


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
        self._lock = threading.Lock()
        self._mode: ModeName = cast(ModeName, AUTO_MODES[0]) if settings.mode == "auto" else settings.mode
        self._instructors: dict[str, instructor.Instructor] = {}
        self._shapes: dict[tuple[str, type[BaseModel]], dict[str, Any]] = {}  # strict request parts, built once
        self._backoff = wait_exponential_jitter(
            multiplier=settings.backoff_initial, max=settings.backoff_max, jitter=settings.backoff_initial
        )
        self._sleep: Callable[[float], None] = time.sleep

    def _http_client(self, settings: Settings, cassettes: Path | None) -> httpx2.Client:
        base_path = urlsplit(self._base_url).path
        transport: httpx2.BaseTransport = httpx2.HTTPTransport()
        if cassettes is not None:
            transport = ReplayTransport(cassettes, base_path=base_path)
        elif settings.record_dir is not None:
            transport = RecordTransport(settings.record_dir, transport, base_path=base_path)
        # Requests on the wire at once, across every thread using this client (see InFlightLimit).
        return httpx2.Client(transport=InFlightLimit(transport, settings.concurrency), timeout=settings.timeout)

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
                            "%s: answer still not grounded after %d re-ask(s) (%s); kept for verification "
                            "to flag",
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
        with self._lock:
            client = self._instructors.get(mode)
            if client is None:
                client = instructor.from_openai(self._openai, mode=_INSTRUCTOR_MODES[mode])
                self._instructors[mode] = client
            return client

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
        exc = state.outcome.exception() if state.outcome is not None else None
        after = _retry_after(exc)
        if after is not None:
            return min(after, self.settings.backoff_max)
        return float(self._backoff(state))

    def _send(
        self,
        messages: list[dict[str, str]],
        response_model: type[T],
        mode: ModeName,
        label: str,
        tally: _Tally,
    ) -> tuple[T | None, Any, BaseException | None]:
        """One validation attempt: up to ``1 + transport_retries`` HTTP requests.

        Returns (value, completion, parse error); raises transport and fatal errors.
        """
        kwargs: dict[str, Any] = {
            "model": self.settings.model,
            "temperature": self.settings.temperature,
            "extra_headers": {LABEL_HEADER: encode_label(label)},
        }
        if self.settings.max_tokens is not None:
            kwargs["max_tokens"] = self.settings.max_tokens
        shape = self._shape(mode, response_model)
        if shape is not None:
            kwargs["extra_body"] = shape
        client = self._instructor(mode)
        for attempt in self._retrying(label, mode):
            with attempt:
                tally.attempts += 1
                return self._create(client, messages, response_model, kwargs, tally)
        raise AssertionError("unreachable: tenacity either returns or re-raises")  # pragma: no cover

    def _retrying(self, label: str, mode: ModeName) -> Retrying:
        """The transport policy: transient failures retried with backoff (``Retry-After`` honoured); a 5xx that
        says the endpoint does not take ``mode`` is not transient (retrying cannot change it)."""

        def transient(exc: BaseException) -> bool:
            return _is_transient(exc) and not _rejects_mode(exc, mode)

        def before_sleep(state: RetryCallState) -> None:
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

    def _create(
        self,
        client: instructor.Instructor,
        messages: list[dict[str, str]],
        response_model: type[T],
        kwargs: dict[str, Any],
        tally: _Tally,
    ) -> tuple[T | None, Any, BaseException | None]:
        """One HTTP request through instructor: (value, completion, parse error); openai errors unwrapped."""
        try:
            value, completion = client.chat.completions.create_with_completion(
                messages=cast(Any, messages),
                response_model=response_model,
                max_retries=0,
                **kwargs,
            )
        except InstructorRetryException as exc:
            cause = exc.__cause__
            if isinstance(cause, openai.OpenAIError):
                if isinstance(cause, openai.APIStatusError):
                    body = cause.body
                    tally.add_usage(body.get("usage") if isinstance(body, dict) else None)
                # Unwrapped, so tenacity and _attempt classify the openai error itself; no
                # ``from``: that would overwrite the cause openai recorded (e.g. a replay miss).
                raise cause  # noqa: B904
            miss = _replay_miss(exc)
            if miss is not None:
                raise miss from None
            tally.add_usage(getattr(exc.last_completion, "usage", None))
            return None, exc.last_completion, cause if cause is not None else exc
        except IncompleteOutputException as exc:
            tally.add_usage(getattr(exc.last_completion, "usage", None))
            return None, exc.last_completion, exc
        tally.add_usage(getattr(completion, "usage", None))
        return value, completion, None

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
            value, completion, problem = self._send(messages, response_model, mode, label, tally)
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
        return self._judge(value, completion, problem, response_model, mode, context)

    def _judge(
        self,
        value: T | None,
        completion: Any,
        problem: BaseException | None,
        response_model: type[T],
        mode: ModeName,
        context: Grounding,
    ) -> T:
        """The validation policy on one answer as instructor parsed it (``_create``'s triple): the checked
        value, or ``_BadAnswer``/``_ModeRejected``. Apart from sending, so the batch API judges the answers
        of its output files by the same rules (``batchapi/wire.py``)."""
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
        if value is None:  # pragma: no cover - instructor returns a value or raises
            raise _BadAnswer("回答为空 (the answer had no content)", None)

        count = _tool_call_count(completion)
        if mode in _TOOL_MODES and count is not None and count > 1:
            raise _BadAnswer(f"answer had {count} tool calls; call the tool exactly once", None)
        try:
            # Re-validate with the grounding context (see module docstring for why not inside instructor).
            checked = response_model.model_validate(value.model_dump(), context=context)
        except ValidationError as exc:
            raise _BadAnswer(_error_text(exc), _answer_text(completion), unchecked=value) from exc
        return checked


def _short(exc: BaseException | None) -> str:
    if exc is None:
        return "unknown error"
    inner = [e for e in _causes(exc) if e is not exc]
    text = f"{type(exc).__name__}: {exc}"
    if inner:
        text += f" ({type(inner[0]).__name__}: {inner[0]})"
    return text[:300]


__all__ = ["MAX_RESPONSE_BYTES", "InFlightLimit", "LLMClient", "ResponseTooLarge", "reask_messages"]
