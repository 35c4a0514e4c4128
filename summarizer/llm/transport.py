"""HTTP/1.1 for the LLM client: kept-alive sockets, requests written in one piece, answers read by httptools.

Why not httpx2's own transport, nor ``http.client``: on a 2-core machine httpx2's default transport (httpcore2 and
h11, pure Python state machines) cost ~0.9 ms of CPU per request, ``http.client`` under the same httpx2 client ~0.5
and urllib3 under it ~0.8; with httpx2's request and response objects around it, that was a tenth of the LLM path's
CPU per document (bench/README.md, "CPU per request"; issue 19). Of ``http.client``'s share, half was its header
parsing (the ``email`` package) and its per-header checks. Here an answer is parsed by httptools (llhttp, the
parser of Node.js, in C: status line, headers, ``Content-Length`` or chunked framing), and what is left to write by
hand is only what no library offers over plain sockets: a pool of connections shared by threads, the request's
head written in one ``sendall``, timeouts, and every failure raised as the httpx2 exception its default transport
raises for it, so that openai's error classes, the retry policy and ``InFlightLimit`` see what they always saw.

Two ways in, one exchange (``SocketTransport.exchange``):

* ``LLMClient`` posts through ``exchange`` directly, with no httpx2 request or response object on the way
  (``client.py``, ``_post``): ~0.2 ms of CPU per request where the same request through httpx2's client took
  ~0.6 (bench/README.md, issue 19);
* as an httpx2 transport (``handle_request``) for everything else that goes through httpx2: recording cassettes,
  and any code handed the client's httpx2 client.

What it does, and no more: any method but HEAD with the body in memory, connections kept alive per scheme, host
and port and reused last-in first-out, TLS with httpx2's own SSL context (``httpx2.create_ssl_context``: the same
CA bundle, ``SSL_CERT_FILE``/``SSL_CERT_DIR`` honoured), the request's timeouts (connect, write, read), a bound on
the body's size. A kept-alive connection the server has closed meanwhile fails before any answer arrives; the
request is then sent once more on a new connection, as httpcore2 does. ``Content-Encoding`` is left to the caller
(httpx2's ``Response`` decodes it).

Proxies are not spoken here. httpx2's client ignores ``HTTP(S)_PROXY`` once it is handed a transport of its own,
which the LLM client always did (``InFlightLimit``), so an endpoint behind a proxy was unreachable; now
``endpoint_transport`` reads the environment as ``urllib`` does (``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY``,
``NO_PROXY``, in either case) and sends such an endpoint's requests through httpx2's own proxy transport.
"""

from __future__ import annotations

import socket
import ssl
import threading
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httptools
import httpx2

_DEFAULT_PORTS = {"http": 80, "https": 443}
READ_SIZE = 65_536  # bytes asked of the socket per read
MAX_IDLE = 64  # kept-alive connections per endpoint; more are closed when returned
MAX_HEAD_BYTES = 256 << 10  # status line and headers of an answer: more is no HTTP server's doing
# The most one response body may hold. An answer is a few KB (a chunk's summary with its quotes; 16k tokens of
# output is under 100 KB), so this is generous for any real answer and caps what a broken endpoint costs.
MAX_RESPONSE_BYTES = 8 << 20
_BAD_IN_HEAD = ("\r", "\n", "\0")

Endpoint = tuple[str, str, int]  # scheme, host, port


class ResponseTooLarge(Exception):
    """The endpoint's response body passed ``MAX_RESPONSE_BYTES``: refused, not retried (it would be again)."""


def too_large(size: int | None, limit: int, status: int) -> str:
    got = f"{size / (1 << 20):.0f} MB" if size is not None else "more"
    return f"HTTP {status} response larger than {limit >> 20} MB ({got}): refused"


def endpoint_transport(base_url: str) -> httpx2.BaseTransport:
    """The transport for an endpoint: through the proxy the environment names for it (httpx2's proxy transport),
    else ``SocketTransport``."""
    proxy = environment_proxy(base_url)
    return httpx2.HTTPTransport(proxy=proxy) if proxy else SocketTransport()


def environment_proxy(url: str) -> str | None:
    """The proxy URL the environment gives for ``url``, or None (none set, or ``NO_PROXY`` excludes its host)."""
    parts = urlsplit(url)
    proxies = urllib.request.getproxies_environment()
    proxy = proxies.get(parts.scheme) or proxies.get("all")
    if not proxy or urllib.request.proxy_bypass(parts.hostname or ""):
        return None
    return proxy


@dataclass
class Answer:
    """One HTTP answer as it arrived: ``body`` with its ``Content-Encoding`` (if any) not undone."""

    status: int
    reason: bytes
    headers: list[tuple[bytes, bytes]]
    body: bytes


@dataclass
class _Reading:
    """httptools' callbacks for one answer. An interim answer (1xx) is read past; anything after the answer's end
    on the same connection (``extra``) means the connection cannot be trusted with another request."""

    parser: httptools.HttpResponseParser = field(init=False)
    limit: int | None = None
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    reason: bytes = b""
    body: list[bytes] = field(default_factory=list)
    size: int = 0
    status: int = 0
    headed: bool = False  # the final answer's headers are complete
    done: bool = False
    extra: bool = False
    length: int | None = None  # its Content-Length, when it gives one
    chunked: bool = False
    keep_alive: bool = False  # the server keeps the connection open after this answer

    def __post_init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)

    def on_message_begin(self) -> None:
        if self.done:
            self.extra = True  # and what follows is not read into this answer
            return
        self.headers, self.body, self.reason, self.size = [], [], b"", 0

    def on_status(self, reason: bytes) -> None:
        if not self.done:
            self.reason += reason

    def on_header(self, name: bytes, value: bytes) -> None:
        if not self.done:
            self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        if self.done:
            return
        self.status = self.parser.get_status_code()
        if self.status >= 200:
            self.headed = True
            for name, value in self.headers:
                lower = name.lower()
                if lower == b"content-length" and value.strip().isdigit():
                    self.length = int(value)
                elif lower == b"transfer-encoding" and b"chunked" in value.lower():
                    self.chunked = True
            if self.limit is not None and self.length is not None and self.length > self.limit:
                raise ResponseTooLarge(too_large(self.length, self.limit, self.status))

    def on_body(self, body: bytes) -> None:
        if self.done:
            return
        self.size += len(body)
        if self.limit is not None and self.size > self.limit:
            raise ResponseTooLarge(too_large(None, self.limit, self.status))
        self.body.append(body)

    def on_message_complete(self) -> None:
        if self.headed and not self.done:
            self.done = True
            self.keep_alive = self.parser.should_keep_alive()  # llhttp answers False once past the message


class SocketTransport(httpx2.BaseTransport):
    """Thread-safe: any number of threads share the pool (each connection serves one request at a time)."""

    def __init__(
        self,
        *,
        verify: ssl.SSLContext | bool = True,
        trust_env: bool = True,
        max_bytes: int | None = MAX_RESPONSE_BYTES,
    ) -> None:
        """``max_bytes``: the bound on a body read through ``handle_request`` (``exchange`` takes its own)."""
        self._verify = verify
        self._max_bytes = max_bytes
        self._trust_env = trust_env
        self._ssl: ssl.SSLContext | None = None
        self._idle: dict[Endpoint, list[socket.socket]] = {}
        self._lock = threading.Lock()
        self._closed = False

    # -- the exchange --------------------------------------------------------------------------------

    def exchange(
        self,
        method: str,
        url: httpx2.URL,
        headers: Sequence[tuple[str, str]],
        body: bytes,
        timeouts: Mapping[str, float | None],
        *,
        max_bytes: int | None = None,
        request: httpx2.Request | None = None,
    ) -> Answer:
        """Send one request and read its answer. ``headers`` go on the wire as given, in order, after the request
        line (the caller writes Host and Content-Length, as httpx2 does). A body of more than ``max_bytes`` raises
        ``ResponseTooLarge``; ``request`` is what the httpx2 exceptions raised carry."""
        if url.scheme not in _DEFAULT_PORTS:
            raise httpx2.UnsupportedProtocol(f"unsupported URL scheme {url.scheme!r}", request=request)
        if method.upper() == "HEAD":  # an answer to HEAD has no body whatever its headers say: not spoken here
            raise httpx2.UnsupportedProtocol("HEAD requests are not supported by this transport", request=request)
        endpoint = (url.scheme, url.host, url.port or _DEFAULT_PORTS[url.scheme])
        message = _head(method, url.raw_path.decode("ascii"), headers, request) + body
        while True:
            sock, reused = self._checkout(endpoint, timeouts, request)
            try:
                answer, keep = _send_and_read(sock, message, timeouts, max_bytes, request)
            except _Stale as stale:
                sock.close()
                if reused:
                    continue  # the server closed it while it sat idle: once more, on a new connection
                raise stale.error from stale.__cause__
            except BaseException:
                sock.close()
                raise
            if keep:
                self._checkin(endpoint, sock)
            else:
                sock.close()
            return answer

    # -- httpx2.BaseTransport ----------------------------------------------------------------------

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        answer = self.exchange(
            request.method,
            request.url,
            [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw],
            request.read(),
            request.extensions.get("timeout", {}),
            max_bytes=self._max_bytes,
            request=request,
        )
        return httpx2.Response(
            answer.status,
            headers=answer.headers,
            stream=httpx2.ByteStream(answer.body),
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": answer.reason},
        )

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, {}
        for socks in idle.values():
            for sock in socks:
                sock.close()

    # -- connections --------------------------------------------------------------------------------

    def _checkout(
        self, endpoint: Endpoint, timeouts: Mapping[str, float | None], request: httpx2.Request | None
    ) -> tuple[socket.socket, bool]:
        """An idle connection to ``endpoint`` (reused=True), or a new one, connected."""
        with self._lock:
            idle = self._idle.get(endpoint)
            sock = idle.pop() if idle else None
        if sock is not None:
            return sock, True
        scheme, host, port = endpoint
        try:
            sock = socket.create_connection((host, port), timeout=timeouts.get("connect"))
        except TimeoutError as exc:
            raise httpx2.ConnectTimeout(str(exc) or "timed out", request=request) from exc
        except OSError as exc:  # refused, unreachable, name not found
            raise httpx2.ConnectError(str(exc), request=request) from exc
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as httpcore2: no Nagle delay
            if scheme == "https":
                sock = self._ssl_context().wrap_socket(sock, server_hostname=host)
        except TimeoutError as exc:
            sock.close()
            raise httpx2.ConnectTimeout(str(exc) or "timed out", request=request) from exc
        except OSError as exc:  # the TLS handshake failed (ssl.SSLError is an OSError)
            sock.close()
            raise httpx2.ConnectError(str(exc), request=request) from exc
        return sock, False

    def _checkin(self, endpoint: Endpoint, sock: socket.socket) -> None:
        with self._lock:
            if not self._closed:
                idle = self._idle.setdefault(endpoint, [])
                if len(idle) < MAX_IDLE:
                    idle.append(sock)
                    return
        sock.close()

    def _ssl_context(self) -> ssl.SSLContext:
        with self._lock:
            if self._ssl is None:
                ctx = httpx2.create_ssl_context(verify=self._verify, trust_env=self._trust_env)
                ctx.set_alpn_protocols(["http/1.1"])  # as httpcore2 offers it with HTTP/2 off
                self._ssl = ctx
            return self._ssl


def _head(method: str, target: str, headers: Sequence[tuple[str, str]], request: httpx2.Request | None) -> bytes:
    """The request line and headers, as ``http.client`` writes them; a name or value that would end its line early
    (CR, LF, NUL: header injection, say through an API key) is refused, as ``http.client`` refuses it."""
    lines = [f"{method} {target} HTTP/1.1", *(f"{name}: {value}" for name, value in headers), "\r\n"]
    head = "\r\n".join(lines)
    # Each line ends in the one CR LF the join put there: a CR, LF or NUL of a name or value adds one more.
    if head.count("\n") != len(lines) or head.count("\r") != len(lines) or "\0" in head:
        bad = next(n for n, v in headers if any(c in n or c in v for c in _BAD_IN_HEAD))
        raise httpx2.LocalProtocolError(f"invalid header {bad!r}: CR, LF or NUL in it", request=request)
    return head.encode("latin-1")


def _send_and_read(
    sock: socket.socket,
    message: bytes,
    timeouts: Mapping[str, float | None],
    max_bytes: int | None,
    request: httpx2.Request | None,
) -> tuple[Answer, bool]:
    """The answer, and whether the connection may serve another request."""
    try:
        sock.settimeout(timeouts.get("write"))
        sock.sendall(message)
    except (BrokenPipeError, ConnectionResetError) as exc:
        raise _Stale(httpx2.WriteError(str(exc), request=request)) from exc
    except TimeoutError as exc:
        raise httpx2.WriteTimeout(str(exc) or "timed out", request=request) from exc
    except OSError as exc:
        raise httpx2.WriteError(str(exc), request=request) from exc
    reading = _Reading(limit=max_bytes)
    try:
        _read(sock, reading, timeouts.get("read"), request)
    finally:
        # The parser calls back into ``reading``, which holds it: a reference cycle, that would keep the answer's
        # bytes until a garbage collection (a batch promotes them to the oldest generation first).
        del reading.parser
    keep = reading.keep_alive and not reading.extra
    return Answer(reading.status, reading.reason, reading.headers, b"".join(reading.body)), keep


def _read(sock: socket.socket, reading: _Reading, timeout: float | None, request: httpx2.Request | None) -> None:
    """Read until the answer is complete (``reading.done``)."""
    buffer = bytearray(READ_SIZE)
    view = memoryview(buffer)
    received = 0
    sock.settimeout(timeout)
    while not reading.done:
        try:
            n = sock.recv_into(buffer)
        except ConnectionResetError as exc:
            if received == 0:
                raise _Stale(httpx2.ReadError(str(exc), request=request)) from exc
            raise httpx2.ReadError(str(exc), request=request) from exc
        except TimeoutError as exc:
            raise httpx2.ReadTimeout(str(exc) or "timed out", request=request) from exc
        except OSError as exc:
            raise httpx2.ReadError(str(exc), request=request) from exc
        if n == 0:
            _ended(reading, received, request)
            return
        received += n
        try:
            reading.parser.feed_data(view[:n])
        except httptools.HttpParserUpgrade as exc:  # never asked for: no answer of ours switches protocols
            raise httpx2.RemoteProtocolError("the server switched protocols unasked", request=request) from exc
        except httptools.HttpParserError as exc:
            if isinstance(exc.__context__, ResponseTooLarge):  # raised in a callback, re-raised as a parse error
                raise exc.__context__ from None
            raise httpx2.RemoteProtocolError(f"malformed answer: {exc}", request=request) from exc
        if not reading.headed and received > MAX_HEAD_BYTES:
            raise httpx2.RemoteProtocolError("the answer's headers are too long", request=request)


def _ended(reading: _Reading, received: int, request: httpx2.Request | None) -> None:
    """The server closed the connection before the answer was complete by its framing: the end of a body
    delimited by the connection's end (neither Content-Length nor chunked), or an answer cut short."""
    if received == 0:
        raise _Stale(httpx2.RemoteProtocolError("Server disconnected without sending a response.", request=request))
    if reading.headed and reading.length is None and not reading.chunked:
        reading.done = True
        return
    raise httpx2.RemoteProtocolError(
        "peer closed connection without sending complete message body"
        if reading.headed
        else "Server disconnected without sending a complete response.",
        request=request,
    )


class _Stale(Exception):
    """The connection was closed by the server before it answered: on a kept-alive connection, a reason to try a
    new one; on a new connection, ``error`` (what httpx2's transport raises for it)."""

    def __init__(self, error: httpx2.TransportError) -> None:
        super().__init__(str(error))
        self.error = error


__all__ = [
    "MAX_RESPONSE_BYTES",
    "Answer",
    "ResponseTooLarge",
    "SocketTransport",
    "endpoint_transport",
    "environment_proxy",
]
