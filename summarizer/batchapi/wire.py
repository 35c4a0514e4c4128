"""What goes over the wire for one request, and how an answer that comes back is judged: both by the very code
the synchronous path runs, so a batch answer is accepted or re-asked exactly as a synchronous one would be.

* ``BodyBuilder``: the JSON body ``LLMClient`` would POST to ``/chat/completions`` for a request in a mode
  (instructor adds ``tools``/``tool_choice``, or ``response_format`` and the schema in the system message).
  Running the whole openai + instructor stack for each of 100,000 requests costs ~5 ms apiece, so the stack is
  run once per shape (response model, roles of the messages) with a placeholder in every message's content,
  and each request's body is that template with its contents put in. Instructor only adds text around the
  contents, never reads them, so this is exact; it is checked anyway: the first body of every shape and every
  ``VERIFY_EVERY``-th one are rebuilt through the real stack and compared, and a shape whose template ever
  differs is built through the stack from then on.
* ``Judge``: an answer (a chat completion as a batch output line carries it) parsed as instructor parses it
  for the mode and judged by ``LLMClient._judge``, the synchronous validation policy itself (tool-call rules,
  truncation, refusals, the pydantic models with the grounding context); the whole stack (the answer served to
  ``LLMClient._attempt`` through a transport that answers its one request with it) checks the first answers of
  each response model and every one not accepted. The verdict carries what the re-ask needs (the reason and the
  answer's text), as the synchronous loop has it.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx2
from pydantic import BaseModel

from ..config import Settings
from ..errors import LLMError
from ..llm.client import LLMClient, ModeName, _BadAnswer, _ModeRejected, _Tally, cached_prompt_tokens
from ..models import Grounding

log = logging.getLogger("summarizer.batchapi")

MODE_REJECTED = "mode rejected: "  # the reason of an answer that says the endpoint does not take its mode
VERIFY_EVERY = 997  # besides the first of each shape, every n-th body is rebuilt through the stack and compared
_SLOT = "\u2063summarizer-slot-{}\u2063"  # placeholder content; U+2063 (invisible separator) never occurs in reports


def _client_settings(settings: Settings) -> Settings:
    """The run's settings for a client that never leaves the process: one HTTP request per call, no retry."""
    return settings.with_overrides(transport_retries=0)


class _Canned(httpx2.BaseTransport):
    """Answers every request with ``response()`` and keeps the last request body: nothing leaves the process."""

    def __init__(self) -> None:
        self.body: dict[str, Any] | None = None
        self.status = 200
        self.answer: dict[str, Any] = {}

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        self.body = json.loads(request.read())
        return httpx2.Response(self.status, json=self.answer)


def _placeholder_answer() -> dict[str, Any]:
    """A well-formed, empty completion: what the body builder's one request is answered with."""
    return {
        "id": "placeholder",
        "object": "chat.completion",
        "created": 0,
        "model": "placeholder",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "{}"}, "finish_reason": "stop"}],
    }


def _fill(node: Any, contents: list[str]) -> Any:
    """``node`` (a template) with every placeholder replaced by its message content."""
    if isinstance(node, str):
        if "\u2063" not in node:
            return node
        for i, text in enumerate(contents):
            node = node.replace(_SLOT.format(i), text)
        return node
    if isinstance(node, dict):
        return {k: _fill(v, contents) for k, v in node.items()}
    if isinstance(node, list):
        return [_fill(v, contents) for v in node]
    return node


class BodyBuilder:
    """The synchronous client's request body for any request, in one mode (see the module docstring)."""

    def __init__(self, settings: Settings, mode: ModeName) -> None:
        self.mode: ModeName = mode
        self._transport = _Canned()
        self._transport.answer = _placeholder_answer()
        self._client = LLMClient(_client_settings(settings), http_client=httpx2.Client(transport=self._transport))
        self._templates: dict[tuple[type[BaseModel], tuple[str, ...]], dict[str, Any] | None] = {}
        self._built = 0
        self._lock = threading.Lock()

    def _through_stack(self, messages: list[dict[str, str]], response_model: type[BaseModel]) -> dict[str, Any]:
        with self._lock:
            self._transport.body = None
            self._client._send(messages, response_model, self.mode, "batch body", _Tally())
            body = self._transport.body
        assert body is not None, "the client sent nothing"
        return body

    def body(self, messages: list[dict[str, str]], response_model: type[BaseModel]) -> dict[str, Any]:
        """The exact JSON body ``LLMClient`` would send for ``messages`` asking for ``response_model``."""
        shape = (response_model, tuple(m["role"] for m in messages))
        if shape not in self._templates:
            slots = [{"role": m["role"], "content": _SLOT.format(i)} for i, m in enumerate(messages)]
            self._templates[shape] = self._through_stack(slots, response_model)
            check = True
        else:
            self._built += 1
            check = self._built % VERIFY_EVERY == 0
        template = self._templates[shape]
        if template is None:  # this shape's template once differed: the stack builds every body
            return self._through_stack(messages, response_model)
        body: dict[str, Any] = _fill(template, [m["content"] for m in messages])
        if check:
            real = self._through_stack(messages, response_model)
            if real != body:
                log.warning(
                    "batch request bodies for %s (%s mode) are built through openai + instructor from now on: the "
                    "template differed from the real body",
                    response_model.__name__,
                    self.mode,
                )
                self._templates[shape] = None
                return real
        return body


# --------------------------------------------------------------------------------------------------
# Judging an answer
# --------------------------------------------------------------------------------------------------


@dataclass
class Verdict:
    """How the synchronous validation policy judges one answer.

    ``accepted``: ``value`` is validated against the grounding (it goes to the cache). ``rejected``: worth a
    re-ask, with ``reason`` (the error the re-ask message carries) and ``answer_text`` (the bad answer the
    re-ask shows back); ``unchecked`` is the well-formed but ungrounded value, if the schema was satisfied.
    ``error``: the request itself failed (HTTP status, an unreadable line): it is sent again as it was.
    """

    outcome: str  # accepted | rejected | error
    value: BaseModel | None = None
    reason: str = ""
    answer_text: str | None = None
    unchecked: BaseModel | None = None


@dataclass(frozen=True)
class Tokens:
    prompt: int = 0
    cached: int = 0
    completion: int = 0


def usage_of(body: Any) -> Tokens:
    """The tokens a completion body reports (cached prompt tokens included); zeros when it has none."""
    usage = body.get("usage") if isinstance(body, dict) else None
    if not isinstance(usage, dict):
        return Tokens()
    prompt, completion = usage.get("prompt_tokens"), usage.get("completion_tokens")
    return Tokens(
        prompt if isinstance(prompt, int) else 0,
        cached_prompt_tokens(usage),
        completion if isinstance(completion, int) else 0,
    )


class Judge:
    """Judges answers as the synchronous path does (see the module docstring).

    Serving each answer through the whole openai + instructor stack costs ~15 ms (instructor rebuilds the
    tool schema on every call), so answers are parsed the way that stack parses them (openai's
    ``construct_type`` into a ``ChatCompletion``, the mode handler's ``response_parser`` with instructor's error
    mapping, as ``LLMClient._create`` sees it) and judged by ``LLMClient._judge``, the synchronous policy
    itself. The stack stays the reference: the first answers of each response model, and every answer the
    fast path does not accept, are judged through it too, and a response model whose two verdicts ever
    differ is judged through the stack from then on.
    """

    CHECK_FIRST = 3

    def __init__(self, settings: Settings, mode: ModeName) -> None:
        self.mode: ModeName = mode
        self._transport = _Canned()
        self._client = LLMClient(_client_settings(settings), http_client=httpx2.Client(transport=self._transport))
        self._lock = threading.Lock()
        self._prepared: dict[type[BaseModel], Any] = {}
        self._checked: dict[type[BaseModel], int] = {}
        self._slow_only: set[type[BaseModel]] = set()

    def judge(
        self,
        messages: list[dict[str, str]],
        response_model: type[BaseModel],
        grounding: Grounding,
        label: str,
        completion: dict[str, Any],
    ) -> Verdict:
        """The verdict on ``completion`` (a ``chat.completion`` body with status 200) for this request."""
        with self._lock:
            if response_model in self._slow_only:
                return self._through_stack(messages, response_model, grounding, label, completion)
            fast = self._fast(response_model, grounding, completion)
            seen = self._checked.get(response_model, 0)
            if fast is not None and fast.outcome == "accepted" and seen >= self.CHECK_FIRST:
                return fast
            self._checked[response_model] = seen + 1
            slow = self._through_stack(messages, response_model, grounding, label, completion)
            if fast is None or _key(fast) != _key(slow):
                if fast is not None:
                    log.warning(
                        "batch answers for %s are judged through openai + instructor from now on: the fast "
                        "path's verdict differed (%s / %s)",
                        response_model.__name__,
                        fast.outcome,
                        slow.outcome,
                    )
                self._slow_only.add(response_model)
            return slow

    def _fast(self, response_model: type[BaseModel], grounding: Grounding, body: dict[str, Any]) -> Verdict | None:
        try:
            from openai._models import construct_type
            from openai.types.chat import ChatCompletion

            completion = construct_type(type_=ChatCompletion, value=body)
        except Exception:  # anything unusual is left to the stack
            return None
        value, completion_seen, problem = self._parse(response_model, completion)
        try:
            checked = self._client._judge(value, completion_seen, problem, response_model, self.mode, grounding)
        except _BadAnswer as exc:
            return Verdict("rejected", reason=exc.reason, answer_text=exc.answer_text, unchecked=exc.unchecked)
        except _ModeRejected as exc:
            return Verdict("error", reason=f"{MODE_REJECTED}{exc}")
        return Verdict("accepted", value=checked)

    def _parse(self, response_model: type[BaseModel], completion: Any) -> tuple[Any, Any, BaseException | None]:
        """(value, completion, problem) as ``LLMClient._create`` gets them from instructor's one attempt:
        instructor 1.17's ``retry_sync_v2`` re-raises a truncated answer, wraps a parse error with the
        completion, and a parser crash without it."""
        from instructor.core import IncompleteOutputException
        from instructor.v2.core.retry import _RETRYABLE_PARSE_ERRORS, _finalize_parsed_response

        handlers, prepared = self._handlers(response_model)
        try:
            parsed = handlers.response_parser(
                response=completion,
                response_model=prepared,
                validation_context=None,
                strict=True,
                stream=False,
                is_async=False,
            )
        except IncompleteOutputException as exc:
            return None, exc.last_completion, exc
        except _RETRYABLE_PARSE_ERRORS as exc:
            return None, completion, exc
        except Exception as exc:  # instructor wraps these without the completion
            return None, None, exc
        return _finalize_parsed_response(parsed, completion, None), completion, None

    def _handlers(self, response_model: type[BaseModel]) -> tuple[Any, Any]:
        """The mode's instructor handlers and the response model as instructor prepares it (once per model)."""
        from instructor.v2.core.registry import mode_registry
        from instructor.v2.core.response_model import prepare_response_model

        client = self._client._instructor(self.mode)
        handlers = mode_registry.get_handlers(client.provider, client.mode)
        if response_model not in self._prepared:
            model = prepare_response_model(response_model)
            prepared, _kwargs = handlers.request_handler(response_model=model, kwargs={"messages": []})
            self._prepared[response_model] = prepared
        return handlers, self._prepared[response_model]

    def _through_stack(
        self,
        messages: list[dict[str, str]],
        response_model: type[BaseModel],
        grounding: Grounding,
        label: str,
        completion: dict[str, Any],
    ) -> Verdict:
        """The answer served to ``LLMClient._attempt`` as its one HTTP response: the synchronous path, whole."""
        self._transport.status = 200
        self._transport.answer = completion
        try:
            value = self._client._attempt(messages, response_model, self.mode, grounding, label, _Tally())
        except _BadAnswer as exc:
            return Verdict("rejected", reason=exc.reason, answer_text=exc.answer_text, unchecked=exc.unchecked)
        except _ModeRejected as exc:
            # In auto mode: the answer says the endpoint does not take this mode. The request is sent again
            # as it was, in the next mode (the runner's fallback between rounds).
            return Verdict("error", reason=f"{MODE_REJECTED}{exc}")
        except LLMError as exc:
            return Verdict("error", reason=str(exc))
        return Verdict("accepted", value=value)

    def close(self) -> None:
        self._client.close()


def _key(v: Verdict) -> tuple[Any, ...]:
    """What two verdicts must share to be the same verdict."""

    def dump(m: BaseModel | None) -> Any:
        return m.model_dump(mode="json") if m is not None else None

    return (v.outcome, v.reason, v.answer_text, dump(v.value), dump(v.unchecked))


def _answer_text(completion: dict[str, Any]) -> str | None:
    try:
        message = completion["choices"][0]["message"]
    except (KeyError, IndexError, TypeError):
        return None
    calls = message.get("tool_calls") or []
    if calls:
        return str(calls[0].get("function", {}).get("arguments") or "")
    content = message.get("content")
    return content if isinstance(content, str) else None


BodyFn = Callable[[list[dict[str, str]], type[BaseModel]], dict[str, Any]]
