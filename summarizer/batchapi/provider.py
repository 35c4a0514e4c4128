"""The provider's Files and Batches endpoints (OpenAI's Batch API, served in the same shape by Azure OpenAI,
Qwen/DashScope and others), through the openai client with this project's transport policy.

Every call is retried like a chat request (``llm/client.py``: 429 with ``Retry-After``, 5xx, timeouts, dropped
connections; ``--retries``, exponential backoff with jitter); other 4xx fail at once. Two lookups make the
two non-idempotent calls safe to repeat after a kill: ``find_file`` (an upload whose id was never saved, by
its file name, which carries the run id and the file's hash) and ``find_batch`` (a batch whose id was never
saved, by its input file id).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any, TypeVar

import openai
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from ..config import Settings
from ..errors import LLMError
from ..fingerprint import DEFAULT_BASE_URL, endpoint_id
from ..llm.client import _is_transient, _short, retry_wait

log = logging.getLogger("summarizer.batchapi")
T = TypeVar("T")

LIST_PAGE = 100


class UploadTooLarge(Exception):
    """The endpoint refused a file for its size (the shard is split in two and both halves uploaded)."""


def _too_large(exc: openai.APIStatusError) -> bool:
    text = f"{exc.message} {exc.body}".lower()
    return exc.status_code == 413 or (
        exc.status_code == 400
        and any(w in text for w in ("too large", "too big", "exceeds", "maximum size", "size limit"))
    )


class Provider:
    """The batch endpoints of one OpenAI-compatible base URL."""

    def __init__(self, settings: Settings, *, endpoint: str, window: str) -> None:
        self.settings = settings
        self.endpoint = endpoint  # the "url" of every request line and of the batch, e.g. /v1/chat/completions
        self.window = window
        base_url = (settings.base_url or DEFAULT_BASE_URL).rstrip("/")
        self.endpoint_id = endpoint_id(base_url)
        self._client = openai.OpenAI(
            api_key=settings.api_key_value() or "unused",
            base_url=base_url,
            timeout=settings.timeout,
            max_retries=0,
        )
        self._backoff = wait_exponential_jitter(
            multiplier=settings.backoff_initial, max=settings.backoff_max, jitter=settings.backoff_initial
        )
        self.sleep = time.sleep

    def close(self) -> None:
        self._client.close()

    # -- the transport policy ---------------------------------------------------------------------
    def _wait(self, state: RetryCallState) -> float:
        return retry_wait(state, self._backoff, self.settings.backoff_max)

    def _call(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        def before_sleep(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome is not None else None
            log.info(
                "%s: transient failure (%s), retry %d/%d",
                what,
                _short(exc),
                state.attempt_number,
                self.settings.transport_retries,
            )

        retrying = Retrying(
            stop=stop_after_attempt(1 + max(0, self.settings.transport_retries)),
            wait=self._wait,
            retry=retry_if_exception(_is_transient),
            reraise=True,
            sleep=self.sleep,
            before_sleep=before_sleep,
        )
        try:
            for attempt in retrying:
                with attempt:
                    return fn(*args, **kwargs)
        except openai.APIStatusError as exc:
            if what.startswith("upload") and _too_large(exc):
                raise UploadTooLarge(f"HTTP {exc.status_code}: {exc.message}") from exc
            if exc.status_code in (404, 405) and what.startswith(("upload", "list", "create")):
                raise LLMError(
                    f"batch API: the endpoint {self.endpoint_id} has no Files/Batches API (HTTP {exc.status_code} "
                    f"on {what}); for an engine that reads batch files (vllm run-batch) use --batch-export and "
                    "--batch-import"
                ) from exc
            raise LLMError(
                f"batch API: {what}: HTTP {exc.status_code}: {exc.message} [endpoint {self.endpoint_id}]"
            ) from exc
        except openai.OpenAIError as exc:
            raise LLMError(f"batch API: {what}: {_short(exc)} [endpoint {self.endpoint_id}]") from exc
        raise AssertionError("unreachable")  # pragma: no cover

    # -- files --------------------------------------------------------------------------------------
    def upload(self, path: Path, filename: str) -> str:
        def send() -> Any:
            with path.open("rb") as fh:
                return self._client.files.create(file=(filename, fh, "application/jsonl"), purpose="batch")

        return str(self._call(f"upload {filename}", send).id)

    def find_file(self, filename: str, size: int) -> str | None:
        """The id of an uploaded batch file with this name and size, if the endpoint has one."""
        after: str | None = None
        while True:
            kwargs: dict[str, Any] = {"purpose": "batch", "limit": LIST_PAGE}
            if after:
                kwargs["after"] = after
            page = self._call("list files", self._client.files.list, **kwargs)
            data = list(page.data)
            for f in data:
                if f.filename == filename and (not f.bytes or f.bytes == size):
                    return str(f.id)
            if not data or not getattr(page, "has_more", False):
                return None
            after = data[-1].id

    def download(self, file_id: str, dest: Path) -> None:
        """Stream a file's content to ``dest`` (replaced atomically: a kill leaves no half file)."""
        tmp = dest.with_name(f".{dest.name}.part")
        dest.parent.mkdir(parents=True, exist_ok=True)

        def fetch() -> None:
            with self._client.with_streaming_response.files.content(file_id) as response, tmp.open("wb") as fh:
                for block in response.iter_bytes():
                    fh.write(block)

        self._call(f"download {file_id}", fetch)
        tmp.replace(dest)

    # -- batches ------------------------------------------------------------------------------------
    def create(self, file_id: str, metadata: dict[str, str]) -> dict[str, Any]:
        batch = self._call(
            f"create batch for {file_id}",
            self._client.batches.create,
            input_file_id=file_id,
            endpoint=self.endpoint,
            completion_window=self.window,
            metadata=metadata,
        )
        return _plain(batch)

    def find_batch(self, file_id: str, since: float) -> dict[str, Any] | None:
        """The batch created on ``file_id``, if any (batches are listed newest first; the search stops an hour
        before ``since``, the run's start). A run uploads each file once, so a file has at most one batch."""
        after: str | None = None
        while True:
            kwargs: dict[str, Any] = {"limit": LIST_PAGE}
            if after:
                kwargs["after"] = after
            page = self._call("list batches", self._client.batches.list, **kwargs)
            data = list(page.data)
            for b in data:
                if b.input_file_id == file_id:
                    return _plain(b)
            if not data or not getattr(page, "has_more", False) or min(b.created_at for b in data) < since - 3600:
                return None
            after = data[-1].id

    def retrieve(self, batch_id: str) -> dict[str, Any]:
        return _plain(self._call(f"retrieve {batch_id}", self._client.batches.retrieve, batch_id))

    def cancel(self, batch_id: str) -> dict[str, Any]:
        return _plain(self._call(f"cancel {batch_id}", self._client.batches.cancel, batch_id))


def _plain(obj: Any) -> dict[str, Any]:
    data = obj.model_dump(mode="json") if hasattr(obj, "model_dump") else dict(obj)
    return data if isinstance(data, dict) else {}


__all__ = ["Provider", "UploadTooLarge"]
