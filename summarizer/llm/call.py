"""One model call, as every model client answers it: ``CallResult``, and the ``ModelClient`` protocol that
``ModelBackend`` sends requests through. Here, apart from any client, so a new provider's client depends on
this small module and not on the OpenAI one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from pydantic import BaseModel

from ..models import Grounding

T = TypeVar("T", bound=BaseModel)


@dataclass
class CallResult(Generic[T]):
    value: T  # the validated pydantic object
    prompt_tokens: int  # summed over every attempt that returned usage (re-asks, fallbacks)
    completion_tokens: int
    attempts: int  # HTTP requests sent for this call
    mode: str  # how the answer was asked for (for LLMClient: "tools" | "json" | "md_json")
    # False when every re-ask failed the grounding check but the last answer was well-formed: it is
    # returned so that verification can flag its numbers (never silently dropped, never cached).
    grounded: bool = True
    cached_tokens: int = 0  # of prompt_tokens, served from the provider's prefix cache


class ModelClient(Protocol):
    def complete(
        self, messages: list[dict[str, str]], response_model: type[T], *, context: Grounding, label: str
    ) -> CallResult[T]: ...

    def close(self) -> None: ...
