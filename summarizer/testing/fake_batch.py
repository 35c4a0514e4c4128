"""``FakeBatchOpenAI``: ``FakeOpenAI`` (``fake_openai.py``) with the Files and Batches endpoints of OpenAI's
Batch API, scripted, on 127.0.0.1. Kept apart from ``fake_openai.py`` so that file stays the chat-completions
double; this one only adds routes and reuses its responder and its answers.

Routes: ``POST /v1/files`` (multipart, ``purpose=batch``), ``GET /v1/files`` (``purpose``, ``limit``,
``after``), ``GET /v1/files/{id}``, ``GET /v1/files/{id}/content``; ``POST /v1/batches``,
``GET /v1/batches/{id}``, ``POST /v1/batches/{id}/cancel``, ``GET /v1/batches`` (newest first, ``limit``,
``after``). Chat completions are still served as ``FakeOpenAI`` serves them.

A batch's life is scripted per batch (in creation order): ``lifecycle(n)`` gives the statuses it reports, one
more per ``GET /v1/batches/{id}`` (default ``validating → in_progress → finalizing → completed``; end with
``failed`` or ``expired`` instead). Its lines are answered by the same responder as chat requests, in a
background thread once it is ``in_progress``, and it stays ``in_progress`` until they all are. An answer goes
to the output file; an HTTP-status behaviour (``status(500)``…) to the error file, as OpenAI writes them.
``line_fault(custom_id, body)`` can make a line ``"corrupt"`` (half a JSON line in the output file),
``"omit"`` it, or ``"expire"`` it. ``expired`` answers the first ``expire_done`` share of the lines and
writes the rest to the error file with code ``batch_expired``; a cancelled batch answers what it had. An
upload over ``max_upload_bytes`` is refused with HTTP 400 ("File is too large"), as OpenAI refuses one over
200 MB.

``prefix_cache`` (``PrefixCache``): usage reports ``prompt_tokens_details.cached_tokens`` as a provider's
prefix cache would: the longest prefix, in ``block``-token steps and at least ``min_tokens``, that an earlier
request already sent (tokens by the project's offline estimate, the tool schema first, then the messages).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .fake_openai import Behaviour, FakeOpenAI, Features, RecordedRequest, Responder, _Handler

DEFAULT_LIFECYCLE = ("validating", "in_progress", "finalizing", "completed")
_TOKEN_RE = re.compile(r"[A-Za-z0-9]+|\S")


@dataclass
class PrefixCache:
    """A provider's prefix cache, simulated: ``min_tokens`` and ``block`` as the provider documents them
    (OpenAI: 1024 and 128; vLLM's automatic prefix caching: a block of 16 and no minimum)."""

    min_tokens: int = 1024
    block: int = 128
    _seen: set[bytes] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def cached(self, body: dict[str, Any]) -> int:
        pieces = [json.dumps(body.get("tools") or body.get("response_format") or "", ensure_ascii=False)]
        for m in body.get("messages") or []:
            content = m.get("content")
            pieces.append(f"<{m.get('role')}>" + (content if isinstance(content, str) else json.dumps(content)))
        digest = hashlib.sha1()
        hit = count = 0
        boundaries: list[bytes] = []
        for token in _TOKEN_RE.finditer("\n".join(pieces)):
            digest.update(token.group(0).encode())
            text = token.group(0)
            count += (len(text) + 3) // 4 if len(text) > 1 else 1
            if count // self.block > len(boundaries):
                boundaries.append(digest.copy().digest())
        with self._lock:
            for i, h in enumerate(boundaries):
                size = (i + 1) * self.block
                if h in self._seen and size >= self.min_tokens:
                    hit = size
            self._seen.update(boundaries)
        return hit


@dataclass
class _File:
    id: str
    filename: str
    purpose: str
    path: Path
    bytes: int
    created_at: int


@dataclass
class _Batch:
    id: str
    input_file_id: str
    endpoint: str
    completion_window: str
    metadata: dict[str, Any]
    created_at: int
    script: list[str]
    status: str = "validating"
    step: int = 0
    total: int = 0
    done: int = 0
    failed: int = 0
    output_file_id: str | None = None
    error_file_id: str | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    worker: threading.Thread | None = None
    finished: bool = False  # every line answered (or the batch stopped)
    stop: bool = False  # cancel or expire: stop answering lines
    cancel_requested: bool = False


class FakeBatchOpenAI(FakeOpenAI):
    """``FakeOpenAI`` plus the batch endpoints; see the module docstring."""

    def __init__(
        self,
        responder: Responder | Sequence[Behaviour],
        *,
        lifecycle: Callable[[int], Sequence[str]] | Sequence[str] | None = None,
        line_fault: Callable[[str, dict[str, Any]], str | None] | None = None,
        max_upload_bytes: int | None = None,
        max_requests: int = 50_000,
        expire_done: float = 0.5,
        prefix_cache: PrefixCache | None = None,
        keep_bodies: bool = True,
        endpoint: str = "/v1/chat/completions",
        latency: float = 0.0,
        model: str = "fake-model",
        features: Features | None = None,
    ) -> None:
        super().__init__(responder, latency=latency, model=model, features=features)
        self.lifecycle = lifecycle
        self.line_fault = line_fault
        self.max_upload_bytes = max_upload_bytes
        self.max_requests = max_requests
        self.expire_done = expire_done
        self.prefix_cache = prefix_cache
        self.keep_bodies = keep_bodies
        self.endpoint = endpoint
        self.files: dict[str, _File] = {}
        self.batches: dict[str, _Batch] = {}
        self.calls: list[tuple[str, str]] = []  # (method, path) of every batch-API call, in order
        self._dir = Path(tempfile.mkdtemp(prefix="fake_batch_"))
        self._ids = 0

    # -- lifecycle ---------------------------------------------------------------------------------
    def _handler(self) -> type[BaseHTTPRequestHandler]:
        return type("BatchHandler", (_BatchHandler,), {"fake": self})

    def close(self) -> None:
        for b in list(self.batches.values()):
            b.stop = True
        super().close()
        shutil.rmtree(self._dir, ignore_errors=True)

    # -- state -------------------------------------------------------------------------------------
    def _new_id(self, prefix: str) -> str:
        with self._lock:
            self._ids += 1
            return f"{prefix}-fake{self._ids:06d}"

    def add_file(self, filename: str, purpose: str, data: bytes) -> _File:
        fid = self._new_id("file")
        path = self._dir / fid
        path.write_bytes(data)
        f = _File(fid, filename, purpose, path, len(data), int(time.time()))
        with self._lock:
            self.files[fid] = f
        return f

    def completion(self, body: dict[str, Any], n: int, behaviour: Behaviour) -> dict[str, Any]:
        out = super().completion(body, n, behaviour)
        if self.prefix_cache is not None:
            out["usage"]["prompt_tokens_details"] = {"cached_tokens": self.prefix_cache.cached(body)}
        return out

    def _answer(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """(status code, response body) for one batch line: ``FakeOpenAI``'s own decision (its features, its
        script or responder), recorded like a chat request."""
        n, behaviour = self._next(body, {})
        if not self.keep_bodies:  # a 10,000-line benchmark need not keep every body
            with self._lock:
                rec = self._requests[n]
                self._requests[n] = RecordedRequest(rec.n, {}, {}, rec.received_at, rec.behaviour)
        if behaviour.kind == "status":
            message = behaviour.message or f"fake error {behaviour.status_code}"
            err = {"message": message, "type": "fake", "param": behaviour.param, "code": None}
            return behaviour.status_code, {"error": err}
        if behaviour.kind in ("drop", "hang"):
            return 500, {"error": {"message": "fake server error", "type": "server_error", "code": None}}
        if behaviour.kind == "empty_choices":
            usage = {"prompt_tokens": 5, "completion_tokens": 0, "total_tokens": 5}
            return 200, {
                "id": f"chatcmpl-fake-{n}",
                "object": "chat.completion",
                "created": 1700000000,
                "model": body.get("model", self.model),
                "choices": [],
                "usage": usage,
            }
        completion = self.completion(body, n, behaviour)
        self._set_usage(n, completion["usage"])
        return 200, completion

    def _script(self, n: int) -> list[str]:
        if self.lifecycle is None:
            return list(DEFAULT_LIFECYCLE)
        steps = self.lifecycle(n) if callable(self.lifecycle) else self.lifecycle
        return list(steps)

    def _validate(self, batch: _Batch) -> list[tuple[str, dict[str, Any]]] | None:
        """The input file's (custom_id, body) lines, or None after marking the batch failed."""
        f = self.files.get(batch.input_file_id)
        problems: list[dict[str, Any]] = []
        lines: list[tuple[str, dict[str, Any]]] = []
        seen: set[str] = set()
        if f is None:
            problems.append({"code": "invalid_file", "message": "input file not found", "line": None})
        else:
            for i, raw in enumerate(f.path.read_bytes().splitlines(), 1):
                if not raw.strip():
                    continue
                try:
                    line = json.loads(raw)
                    cid, url, body = line["custom_id"], line["url"], line["body"]
                except (ValueError, KeyError, TypeError):
                    problems.append({"code": "invalid_json_line", "message": "not a request line", "line": i})
                    continue
                if url != batch.endpoint or line.get("method") != "POST":
                    problems.append({"code": "invalid_url", "message": f"url {url} != {batch.endpoint}", "line": i})
                if cid in seen:
                    problems.append({"code": "duplicate_custom_id", "message": f"duplicate {cid}", "line": i})
                seen.add(cid)
                lines.append((cid, body))
            if len(lines) > self.max_requests:
                problems.append(
                    {"code": "too_many_requests", "message": f"{len(lines)} > {self.max_requests}", "line": None}
                )
        if problems:
            batch.errors = problems
            batch.status = "failed"
            batch.finished = True
            return None
        batch.total = len(lines)
        return lines

    def _run(self, batch: _Batch, lines: list[tuple[str, dict[str, Any]]], limit: int | None = None) -> None:
        """Answer the lines (the first ``limit`` when given: the rest expire; until cancelled), then write the
        output and error files."""
        out: list[str] = []
        errors: list[str] = []
        answered = 0
        for i, (cid, body) in enumerate(lines):
            if limit is not None and i >= limit:
                batch.stop = True
            if batch.stop:
                break
            fault = self.line_fault(cid, body) if self.line_fault is not None else None
            answered += 1
            if fault == "omit":
                batch.done += 1
                continue
            if fault == "expire":
                errors.append(_error_line(cid, None, {"code": "batch_expired", "message": "not run in time"}))
                batch.failed += 1
                continue
            code, response = self._answer(body)
            line = json.dumps(
                {
                    "id": f"batch_req_{cid[:12]}",
                    "custom_id": cid,
                    "response": {
                        "status_code": code,
                        "request_id": f"req_{batch.done + batch.failed}",
                        "body": response,
                    },
                    "error": None,
                },
                ensure_ascii=False,
            )
            if code == 200:
                out.append(line[: len(line) // 2] if fault == "corrupt" else line)
                batch.done += 1
            else:
                errors.append(line)
                batch.failed += 1
        if batch.stop:  # expired or cancelled: what was not run goes to the error file
            why = "batch_cancelled" if batch.cancel_requested else "batch_expired"
            for cid, _body in lines[answered:]:
                errors.append(_error_line(cid, None, {"code": why, "message": why.replace("_", " ")}))
                batch.failed += 1
        if out:
            batch.output_file_id = self.add_file(
                f"{batch.id}_output.jsonl", "batch_output", ("\n".join(out) + "\n").encode()
            ).id
        if errors:
            batch.error_file_id = self.add_file(
                f"{batch.id}_error.jsonl", "batch_output", ("\n".join(errors) + "\n").encode()
            ).id
        batch.finished = True

    def _start_work(self, batch: _Batch, lines: list[tuple[str, dict[str, Any]]], *, until: float | None) -> None:
        limit = int(len(lines) * until) if until is not None else None
        batch.worker = threading.Thread(target=self._run, args=(batch, lines, limit), daemon=True)
        batch.worker.start()

    def advance(self, batch: _Batch) -> None:
        """One retrieve's worth of progress through the batch's script."""
        if batch.status in ("completed", "failed", "expired", "cancelled"):
            return
        if batch.status == "cancelling":
            if batch.worker is None or batch.finished:
                if batch.worker is None:
                    batch.finished = True
                batch.status = "cancelled"
            return
        if batch.status == "in_progress" and not batch.finished:
            return  # still answering its lines
        if batch.step + 1 >= len(batch.script):
            return
        batch.step += 1
        nxt = batch.script[batch.step]
        if nxt == "in_progress":
            lines = self._validate(batch)
            if lines is None:
                return
            expires = "expired" in batch.script
            self._start_work(batch, lines, until=self.expire_done if expires else None)
        elif nxt == "failed":
            if batch.worker is None:
                batch.errors = batch.errors or [{"code": "server_error", "message": "the batch failed", "line": None}]
            batch.finished = True
        elif nxt in ("finalizing", "completed", "expired") and batch.worker is None:
            lines = self._validate(batch)
            if lines is None:
                return
            self._run(batch, lines, int(len(lines) * self.expire_done) if nxt == "expired" else None)
        batch.status = nxt

    def as_json(self, b: _Batch) -> dict[str, Any]:
        return {
            "id": b.id,
            "object": "batch",
            "endpoint": b.endpoint,
            "errors": {"object": "list", "data": b.errors} if b.errors else None,
            "input_file_id": b.input_file_id,
            "completion_window": b.completion_window,
            "status": b.status,
            "output_file_id": b.output_file_id if b.status in ("completed", "expired", "cancelled") else None,
            "error_file_id": b.error_file_id if b.status in ("completed", "expired", "cancelled") else None,
            "created_at": b.created_at,
            "request_counts": {"total": b.total, "completed": b.done, "failed": b.failed},
            "metadata": b.metadata,
        }


def run_batch_file(
    source: Path,
    target: Path,
    responder: Responder,
    *,
    model: str = "fake-model",
    prefix_cache: PrefixCache | None = None,
) -> int:
    """What ``vllm run-batch -i SOURCE -o TARGET`` does, with ``responder`` as the model: every request line
    answered, one output line each (``{"id", "custom_id", "response": {"status_code", "request_id", "body"},
    "error"}``, errors in the same file as vLLM writes them). Returns the number of lines written."""
    fake = FakeBatchOpenAI(responder, model=model, prefix_cache=prefix_cache, keep_bodies=False)
    written = 0
    with source.open("rb") as src, target.open("w", encoding="utf-8") as out:
        for raw in src:
            if not raw.strip():
                continue
            line = json.loads(raw)
            code, body = fake._answer(line["body"])
            out.write(
                json.dumps(
                    {
                        "id": f"vllm-{written}",
                        "custom_id": line["custom_id"],
                        "response": {"status_code": code, "request_id": f"vllm-batch-{written}", "body": body},
                        "error": None,
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
            written += 1
    shutil.rmtree(fake._dir, ignore_errors=True)
    return written


def _error_line(cid: str, response: dict[str, Any] | None, error: dict[str, Any] | None) -> str:
    return json.dumps(
        {"id": f"batch_req_{cid[:12]}", "custom_id": cid, "response": response, "error": error}, ensure_ascii=False
    )


def _page(items: list[dict[str, Any]], query: dict[str, list[str]]) -> dict[str, Any]:
    limit = int(query.get("limit", ["20"])[0])
    after = query["after"][0] if query.get("after") else None
    if after is not None:
        ids = [i["id"] for i in items]
        items = items[ids.index(after) + 1 :] if after in ids else []
    page = items[:limit]
    return {
        "object": "list",
        "data": page,
        "has_more": len(items) > limit,
        "first_id": page[0]["id"] if page else None,
        "last_id": page[-1]["id"] if page else None,
    }


class _BatchHandler(_Handler):
    fake: FakeBatchOpenAI
    protocol_version = "HTTP/1.0"

    def _bytes(self, code: int, data: bytes) -> None:
        self.send_response(code)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _not_found(self) -> None:
        self._send_json(404, {"error": {"message": f"no such object: {self.path}", "type": "invalid_request_error"}})

    def do_GET(self) -> None:
        fake = self.fake
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        parts = url.path.rstrip("/").split("/")
        with fake._lock:
            fake.calls.append(("GET", url.path))
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            if parts[:3] == ["", "v1", "files"]:
                if len(parts) == 3:
                    purpose = query["purpose"][0] if query.get("purpose") else None
                    files = sorted(fake.files.values(), key=lambda f: f.id)
                    items = [_file_json(f) for f in files if purpose is None or f.purpose == purpose]
                    self._send_json(200, _page(items, query))
                    return
                f = fake.files.get(parts[3])
                if f is None:
                    self._not_found()
                elif len(parts) == 5 and parts[4] == "content":
                    self._bytes(200, f.path.read_bytes())
                else:
                    self._send_json(200, _file_json(f))
                return
            if parts[:3] == ["", "v1", "batches"]:
                if len(parts) == 3:
                    with fake._lock:
                        items = [
                            fake.as_json(b) for b in sorted(fake.batches.values(), key=lambda b: b.id, reverse=True)
                        ]
                    self._send_json(200, _page(items, query))
                    return
                b = fake.batches.get(parts[3])
                if b is None:
                    self._not_found()
                    return
                with fake._lock:
                    fake.advance(b)
                    payload = fake.as_json(b)
                self._send_json(200, payload)
                return
            self._not_found()

    def do_POST(self) -> None:
        fake = self.fake
        url = urlsplit(self.path)
        parts = url.path.rstrip("/").split("/")
        if parts[:3] not in (["", "v1", "files"], ["", "v1", "batches"]):
            super().do_POST()
            return
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        with fake._lock:
            fake.calls.append(("POST", url.path))
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            if parts == ["", "v1", "files"]:
                self._upload(raw)
            elif len(parts) == 3:
                self._create(raw)
            elif len(parts) == 5 and parts[4] == "cancel":
                b = fake.batches.get(parts[3])
                if b is None:
                    self._not_found()
                    return
                with fake._lock:
                    if b.status in ("validating", "in_progress", "finalizing"):
                        b.cancel_requested = True
                        b.stop = True
                        b.status = "cancelling"
                    payload = fake.as_json(b)
                self._send_json(200, payload)
            else:
                self._not_found()

    def _upload(self, raw: bytes) -> None:
        fake = self.fake
        head = f"Content-Type: {self.headers.get('Content-Type')}\r\n\r\n".encode()
        message = BytesParser(policy=HTTP).parsebytes(head + raw)
        fields: dict[str, tuple[str | None, bytes]] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            fields[str(name)] = (part.get_filename(), payload if isinstance(payload, bytes) else b"")
        if "file" not in fields or "purpose" not in fields:
            self._send_json(
                400, {"error": {"message": "file and purpose are required", "type": "invalid_request_error"}}
            )
            return
        filename, data = fields["file"]
        if fake.max_upload_bytes is not None and len(data) > fake.max_upload_bytes:
            self._send_json(
                400,
                {
                    "error": {
                        "message": f"File is too large: {len(data)} bytes; the maximum size is "
                        f"{fake.max_upload_bytes} bytes",
                        "type": "invalid_request_error",
                        "code": "file_too_large",
                    }
                },
            )
            return
        f = fake.add_file(filename or "upload.jsonl", fields["purpose"][1].decode(), data)
        self._send_json(200, _file_json(f))

    def _create(self, raw: bytes) -> None:
        fake = self.fake
        try:
            body = json.loads(raw)
            file_id = body["input_file_id"]
        except (ValueError, KeyError, TypeError):
            self._send_json(400, {"error": {"message": "input_file_id is required", "type": "invalid_request_error"}})
            return
        if file_id not in fake.files:
            self._send_json(400, {"error": {"message": f"no file {file_id}", "type": "invalid_request_error"}})
            return
        if body.get("endpoint") != fake.endpoint:
            self._send_json(
                400,
                {"error": {"message": f"unsupported endpoint {body.get('endpoint')}", "type": "invalid_request_error"}},
            )
            return
        bid = fake._new_id("batch")
        with fake._lock:
            script = fake._script(len(fake.batches))
            b = _Batch(
                bid,
                file_id,
                body["endpoint"],
                body.get("completion_window", "24h"),
                body.get("metadata") or {},
                int(time.time()),
                script,
                status=script[0],
            )
            fake.batches[bid] = b
            payload = fake.as_json(b)
        self._send_json(200, payload)


def _file_json(f: _File) -> dict[str, Any]:
    return {
        "id": f.id,
        "object": "file",
        "bytes": f.bytes,
        "created_at": f.created_at,
        "filename": f.filename,
        "purpose": f.purpose,
        "status": "processed",
    }


__all__ = ["DEFAULT_LIFECYCLE", "FakeBatchOpenAI", "PrefixCache", "run_batch_file"]
