"""HTTP/1.1 for the LLM client over the standard library's ``http.client``, as an httpx2 transport.

Why by hand, and why not httpx2's own transport: on a 2-core machine httpx2's default transport (httpcore2 and h11,
pure Python state machines) cost ~0.9 ms of CPU per request, ``http.client`` under the same httpx2 client ~0.5 and
urllib3 under it ~0.8 (bench/README.md, "CPU per request"; issue 19). At ~7 requests per document that was a tenth
of the LLM path's CPU. ``http.client`` parses the status line and headers in C-backed ``email`` code and reads the
body with one ``recv`` per buffer; what it lacks, a pool of kept-alive connections shared by threads and httpx2's
exception types, is the little written here.

What it does, and no more: any method with the body in memory (``request.read()``), connections kept alive per
scheme, host and port and reused last-in first-out, TLS with httpx2's own SSL context (``httpx2.create_ssl_context``:
the same CA bundle, ``SSL_CERT_FILE``/``SSL_CERT_DIR`` honoured), the request's timeouts (connect, write, read)
and every failure raised as the httpx2 exception its default transport raises for it, so openai's error classes,
the retry policy and ``InFlightLimit`` see what they saw before. A kept-alive connection the server has closed
meanwhile fails before any answer arrives; the request is then sent once more on a new connection, as httpcore2
does. The body streams through httpx2 (``Response(stream=...)``), which decodes ``Content-Encoding``; chunked
transfer is ``http.client``'s.

Proxies are not spoken here. httpx2's client ignores ``HTTP(S)_PROXY`` once it is handed a transport of its own,
which the LLM client always did (``InFlightLimit``), so an endpoint behind a proxy was unreachable; now
``endpoint_transport`` reads the environment as ``urllib`` does (``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY``,
``NO_PROXY``, in either case) and sends such an endpoint's requests through httpx2's own proxy transport.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
import urllib.request
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx2

_DEFAULT_PORTS = {"http": 80, "https": 443}
READ_SIZE = 65_536  # bytes asked of the socket per read of a body
MAX_IDLE = 64  # kept-alive connections per endpoint; more are closed when returned


def endpoint_transport(base_url: str) -> httpx2.BaseTransport:
    """The transport for an endpoint: through the proxy the environment names for it (httpx2's proxy transport),
    else ``StdlibTransport``."""
    proxy = environment_proxy(base_url)
    return httpx2.HTTPTransport(proxy=proxy) if proxy else StdlibTransport()


def environment_proxy(url: str) -> str | None:
    """The proxy URL the environment gives for ``url``, or None (none set, or ``NO_PROXY`` excludes its host)."""
    parts = urlsplit(url)
    proxies = urllib.request.getproxies_environment()
    proxy = proxies.get(parts.scheme) or proxies.get("all")
    if not proxy or urllib.request.proxy_bypass(parts.hostname or ""):
        return None
    return proxy


class StdlibTransport(httpx2.BaseTransport):
    """Thread-safe: any number of threads share the pool (each connection serves one request at a time)."""

    def __init__(self, *, verify: ssl.SSLContext | bool = True, trust_env: bool = True) -> None:
        self._verify = verify
        self._trust_env = trust_env
        self._ssl: ssl.SSLContext | None = None
        self._idle: dict[tuple[str, str, int], list[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()
        self._closed = False

    # -- httpx2.BaseTransport ----------------------------------------------------------------------

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        url = request.url
        if url.scheme not in _DEFAULT_PORTS:
            raise httpx2.UnsupportedProtocol(f"unsupported URL scheme {url.scheme!r}", request=request)
        endpoint = (url.scheme, url.host, url.port or _DEFAULT_PORTS[url.scheme])
        timeouts = request.extensions.get("timeout", {})
        body = request.read()
        target = url.raw_path.decode("ascii")
        headers = request.headers.raw
        while True:
            conn, reused = self._checkout(endpoint, timeouts, request)
            try:
                response = self._exchange(conn, request, target, headers, body, timeouts)
            except _Stale as stale:
                conn.close()
                if reused:
                    continue  # the server closed it while it sat idle: once more, on a new connection
                raise stale.error from stale.__cause__
            except BaseException:
                conn.close()
                raise
            return httpx2.Response(
                response.status,
                headers=[(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.getheaders()],
                stream=_Body(self, endpoint, conn, response, request),
                extensions={"http_version": b"HTTP/1.1", "reason_phrase": response.reason.encode("latin-1")},
            )

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, {}
        for conns in idle.values():
            for conn in conns:
                conn.close()

    # -- connections --------------------------------------------------------------------------------

    def _checkout(
        self, endpoint: tuple[str, str, int], timeouts: dict[str, float | None], request: httpx2.Request
    ) -> tuple[http.client.HTTPConnection, bool]:
        """An idle connection to ``endpoint`` (reused=True), or a new one, connected."""
        with self._lock:
            idle = self._idle.get(endpoint)
            conn = idle.pop() if idle else None
        if conn is not None:
            if conn.sock is not None:
                conn.sock.settimeout(timeouts.get("write"))
            return conn, True
        scheme, host, port = endpoint
        connect_timeout = timeouts.get("connect")
        if scheme == "https":
            conn = http.client.HTTPSConnection(host, port, timeout=connect_timeout, context=self._ssl_context())
        else:
            conn = http.client.HTTPConnection(host, port, timeout=connect_timeout)
        try:
            conn.connect()
        except TimeoutError as exc:
            conn.close()
            raise httpx2.ConnectTimeout(str(exc) or "timed out", request=request) from exc
        except OSError as exc:  # refused, unreachable, name not found, TLS handshake failed
            conn.close()
            raise httpx2.ConnectError(str(exc), request=request) from exc
        assert conn.sock is not None
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as httpcore2: no Nagle delay
        conn.sock.settimeout(timeouts.get("write"))
        return conn, False

    def _checkin(self, endpoint: tuple[str, str, int], conn: http.client.HTTPConnection) -> None:
        with self._lock:
            if not self._closed:
                idle = self._idle.setdefault(endpoint, [])
                if len(idle) < MAX_IDLE:
                    idle.append(conn)
                    return
        conn.close()

    def _ssl_context(self) -> ssl.SSLContext:
        with self._lock:
            if self._ssl is None:
                ctx = httpx2.create_ssl_context(verify=self._verify, trust_env=self._trust_env)
                ctx.set_alpn_protocols(["http/1.1"])  # as httpcore2 offers it with HTTP/2 off
                self._ssl = ctx
            return self._ssl

    @staticmethod
    def _exchange(
        conn: http.client.HTTPConnection,
        request: httpx2.Request,
        target: str,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
        timeouts: dict[str, float | None],
    ) -> http.client.HTTPResponse:
        """Send the request and read the answer's status line and headers."""
        try:
            # httpx2's request already carries Host, Accept-Encoding and Content-Length.
            conn.putrequest(request.method, target, skip_host=True, skip_accept_encoding=True)
            for name, value in headers:
                conn.putheader(name, value)
            conn.endheaders(body or None)
        except (BrokenPipeError, ConnectionResetError) as exc:
            raise _Stale(httpx2.WriteError(str(exc), request=request)) from exc
        except TimeoutError as exc:
            raise httpx2.WriteTimeout(str(exc) or "timed out", request=request) from exc
        except OSError as exc:
            raise httpx2.WriteError(str(exc), request=request) from exc
        assert conn.sock is not None
        conn.sock.settimeout(timeouts.get("read"))
        try:
            return conn.getresponse()
        except http.client.RemoteDisconnected as exc:  # closed without a byte of answer
            error = httpx2.RemoteProtocolError("Server disconnected without sending a response.", request=request)
            raise _Stale(error) from exc
        except ConnectionResetError as exc:
            raise _Stale(httpx2.ReadError(str(exc), request=request)) from exc
        except TimeoutError as exc:
            raise httpx2.ReadTimeout(str(exc) or "timed out", request=request) from exc
        except http.client.HTTPException as exc:  # a malformed status line or headers
            raise httpx2.RemoteProtocolError(str(exc), request=request) from exc
        except OSError as exc:
            raise httpx2.ReadError(str(exc), request=request) from exc


class _Stale(Exception):
    """The connection was closed by the server before it answered: on a kept-alive connection, a reason to try a
    new one; on a new connection, ``error`` (what httpx2's transport raises for it)."""

    def __init__(self, error: httpx2.TransportError) -> None:
        super().__init__(str(error))
        self.error = error


class _Body(httpx2.SyncByteStream):
    """The answer's body as it arrives; the connection goes back to the pool once the body is read to its end."""

    def __init__(
        self,
        transport: StdlibTransport,
        endpoint: tuple[str, str, int],
        conn: http.client.HTTPConnection,
        response: http.client.HTTPResponse,
        request: httpx2.Request,
    ) -> None:
        self._transport = transport
        self._endpoint = endpoint
        self._conn: http.client.HTTPConnection | None = conn
        self._response = response
        self._request = request
        self._complete = False  # read to its end: the connection may serve another request

    def __iter__(self) -> Iterator[bytes]:
        response, request = self._response, self._request
        while True:
            try:
                chunk = response.read(READ_SIZE)
            except TimeoutError as exc:
                raise httpx2.ReadTimeout(str(exc) or "timed out", request=request) from exc
            except http.client.IncompleteRead as exc:
                raise httpx2.RemoteProtocolError(
                    "peer closed connection without sending complete message body", request=request
                ) from exc
            except http.client.HTTPException as exc:
                raise httpx2.RemoteProtocolError(str(exc), request=request) from exc
            except OSError as exc:
                raise httpx2.ReadError(str(exc), request=request) from exc
            if not chunk:
                # http.client's read(amt) returns b"" at an early end of file rather than raising IncompleteRead
                # (only a chunked body raises): a body shorter than its Content-Length is caught here.
                if response.length:
                    raise httpx2.RemoteProtocolError(
                        "peer closed connection without sending complete message body", request=request
                    )
                self._complete = True
                return
            yield chunk

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        response = self._response
        if self._complete and response.isclosed() and not response.will_close:
            self._transport._checkin(self._endpoint, conn)  # read to its end, and the server keeps it open
        else:
            response.close()
            conn.close()


__all__ = ["StdlibTransport", "endpoint_transport", "environment_proxy"]
