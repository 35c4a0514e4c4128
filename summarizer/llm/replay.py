"""Record and replay LLM traffic at the HTTP layer (httpx2 transports), one JSON cassette per request.

Why at the transport rather than around ``LLMClient.complete``: everything above the socket (openai's
request building, instructor's parsing, our retry and re-ask policies, mode fallback) then runs for real
in replay, so a replayed run is the same code path as a live one, minus the network.

Why hand-written rather than vcrpy/pytest-recording: those patch httpx (not httpx2), key cassettes on
headers we must drop, and store one YAML file per test; we want one readable, diff-able JSON file per
request, named by a hash of the request alone, so re-recording one chunk touches one file.

A cassette::

    {"label": "xianning_city_2020h1.txt chunk 3/7",
     "request": {"method": "POST", "path": "/chat/completions", "body": {...}},
     "response": {"status": 200, "headers": {"content-type": "application/json"}, "body": {...}}}

The file name is ``request_hash(method, path, body) + ".json"``. ``path`` is relative to the client's
base URL path (``/v1``, ``/compatible-mode/v1``), so a recording made against one OpenAI-compatible
endpoint replays whatever ``base_url`` the replaying client was given. Headers are never part of the
hash and never stored on the request side (that is where ``Authorization``/``api-key`` travel); on the
response side only stable headers are kept.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import httpx2

from ..errors import ReplayMissError

LABEL_HEADER = "X-Summarizer-Label"
KEPT_RESPONSE_HEADERS = ("content-type", "retry-after")
# Transient answers are not worth a cassette: the client retries and the retry's answer (same request,
# same hash) is the one we want to keep. Deterministic errors (400 "tools not supported") are recorded,
# because mode fallback in replay depends on seeing them again.
_TRANSIENT_STATUSES = frozenset({408, 409, 429})


def encode_label(label: str) -> str:
    """Header-safe form of a label (labels carry Chinese file names; headers must be ASCII)."""
    return quote(label, safe=" /.:-_()")


def decode_label(value: str | None) -> str:
    return unquote(value) if value else "(no label)"


def _sorted(value: Any) -> Any:
    """Recursively key-sorted copy: cassettes diff cleanly whatever order openai serialised in."""
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


def request_hash(method: str, path: str, body: Any) -> str:
    """20 hex digits of sha256 over the canonical request (method, relative path, key-sorted JSON body)."""
    canonical = json.dumps(
        {"method": method.upper(), "path": path, "body": body},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:20]


def _parse_body(raw: bytes) -> Any:
    text = raw.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except ValueError:
        return text  # stored as a string; still hashed and replayed faithfully


class _CassetteIO:
    def __init__(self, cassettes_dir: Path | str, base_path: str) -> None:
        self.directory = Path(cassettes_dir)
        self.base_path = base_path.rstrip("/")

    def describe(self, request: httpx2.Request) -> tuple[str, str, Any, str]:
        """(method, relative path, parsed body, label) of a request."""
        path = request.url.path
        if self.base_path and (path == self.base_path or path.startswith(self.base_path + "/")):
            path = path[len(self.base_path) :] or "/"
        body = _parse_body(request.read()) if request.content else None
        return request.method, path, body, decode_label(request.headers.get(LABEL_HEADER))

    def file_for(self, digest: str) -> Path:
        return self.directory / f"{digest}.json"


class ReplayTransport(httpx2.BaseTransport):
    """Serves responses from cassettes; never opens a socket. A miss raises ``ReplayMissError``."""

    def __init__(self, cassettes_dir: Path | str, *, base_path: str = "") -> None:
        self._io = _CassetteIO(cassettes_dir, base_path)

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        method, path, body, label = self._io.describe(request)
        digest = request_hash(method, path, body)
        file = self._io.file_for(digest)
        if not file.is_file():
            raise ReplayMissError(
                f"{label}: no cassette {digest}.json in {self._io.directory} for {method} {path} "
                f"(prompt, model or settings changed?); re-record with a real endpoint: "
                f"summarize FILE --backend llm --record {self._io.directory}"
            )
        data = json.loads(file.read_text(encoding="utf-8"))
        response = data["response"]
        if "text" in response:
            content = str(response["text"]).encode("utf-8")
        else:
            content = json.dumps(response.get("body"), ensure_ascii=False).encode("utf-8")
        return httpx2.Response(
            int(response["status"]),
            headers=dict(response.get("headers") or {}),
            content=content,
            request=request,
        )


class RecordTransport(httpx2.BaseTransport):
    """Forwards to ``inner`` (a real transport) and writes a cassette for every non-transient answer."""

    def __init__(
        self,
        cassettes_dir: Path | str,
        inner: httpx2.BaseTransport | None = None,
        *,
        base_path: str = "",
    ) -> None:
        self._io = _CassetteIO(cassettes_dir, base_path)
        self._inner = inner if inner is not None else httpx2.HTTPTransport()

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        method, path, body, label = self._io.describe(request)
        response = self._inner.handle_request(request)
        try:
            content = response.read()
        finally:
            response.close()
        status = response.status_code
        if status < 500 and status not in _TRANSIENT_STATUSES:
            self._write(label, method, path, body, status, response.headers, content)
        # The body is already decoded, so the framing headers of the wire response no longer apply.
        headers = [
            (k, v)
            for k, v in response.headers.multi_items()
            if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")
        ]
        return httpx2.Response(status, headers=headers, content=content, request=request)

    def _write(
        self,
        label: str,
        method: str,
        path: str,
        body: Any,
        status: int,
        headers: httpx2.Headers,
        content: bytes,
    ) -> None:
        response: dict[str, Any] = {
            "status": status,
            "headers": {k: headers[k] for k in KEPT_RESPONSE_HEADERS if k in headers},
        }
        parsed = _parse_body(content)
        if isinstance(parsed, str):
            response["text"] = parsed
        else:
            response["body"] = _sorted(parsed)
        cassette = {
            "label": label,
            "request": {"method": method, "path": path, "body": _sorted(body)},
            "response": response,
        }
        self._io.directory.mkdir(parents=True, exist_ok=True)
        target = self._io.file_for(request_hash(method, path, body))
        # Write-then-rename: concurrent chunks (threads, processes) never see a half-written cassette.
        fd, tmp = tempfile.mkstemp(dir=self._io.directory, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(cassette, fh, ensure_ascii=False, indent=2)
                fh.write("\n")
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def close(self) -> None:
        self._inner.close()
