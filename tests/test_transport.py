"""llm/transport.py: HTTP/1.1 over sockets, answers parsed by httptools, both as httpx2's transport and as the LLM
client's direct path, against real sockets on 127.0.0.1.

Most cases use a raw socket server written here (``RawServer``), so that what reaches the wire, how many
connections were opened and how each one ends are read from the server's side, not from the transport's."""

from __future__ import annotations

import gzip
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx2
import pytest
import trustme
from netguard import no_external_network  # noqa: F401  (fixture)

from summarizer.config import Settings
from summarizer.errors import LLMError
from summarizer.llm.client import InFlightLimit, LLMClient
from summarizer.llm.transport import SocketTransport
from summarizer.models import ChunkExtraction, Grounding
from summarizer.testing import fake_openai as fs
from tests.support import HI_TECH_CHUNK, extract_messages, fake_settings, hi_tech_answer

pytestmark = pytest.mark.usefixtures("no_external_network")

Handler = Callable[[socket.socket, "RawServer"], None]


def read_request(sock: socket.socket) -> tuple[bytes, bytes]:
    """One request's head and body (by Content-Length), or (b"", b"") when the client closed first."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return b"", b""
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        body += sock.recv(65536)
    return head, body


def answer(body: bytes, *, close: bool = False, extra: str = "") -> bytes:
    headers = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n{extra}"
    if close:
        headers += "Connection: close\r\n"
    return headers.encode() + b"\r\n" + body


class RawServer:
    """Accepts connections on 127.0.0.1 and hands the n-th one to ``handlers[n]`` (the last one repeats)."""

    def __init__(self, handlers: list[Handler]) -> None:
        self.handlers = handlers
        self.heads: list[bytes] = []
        self.connections = 0
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1/chat/completions"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            handler = self.handlers[min(self.connections, len(self.handlers) - 1)]
            self.connections += 1
            threading.Thread(target=self._run, args=(handler, conn), daemon=True).start()

    def _run(self, handler: Handler, conn: socket.socket) -> None:
        with conn, suppress(OSError):
            handler(conn, self)

    def close(self) -> None:
        self._sock.close()


@contextmanager
def raw_server(*handlers: Handler) -> Iterator[RawServer]:
    server = RawServer(list(handlers))
    try:
        yield server
    finally:
        server.close()


def replying(reply: Callable[[bytes, bytes], bytes], *, close: bool = False) -> Handler:
    """Keep-alive: answers every request on the connection with ``reply(head, body)`` (closing after the first
    when ``close``); each request's head is kept in ``server.heads``."""

    def handler(conn: socket.socket, server: RawServer) -> None:
        while True:
            head, body = read_request(conn)
            if not head:
                return
            server.heads.append(head)
            conn.sendall(reply(head, body))
            if close:
                conn.shutdown(socket.SHUT_RDWR)
                return

    return handler


# Echoes the length of each request's body.
serve_forever = replying(lambda head, body: answer(b'{"echo": %d}' % len(body)))


def serve_once_then_close(conn: socket.socket, server: RawServer) -> None:
    """Answers one request as if keeping the connection alive, then closes it (an idle timeout on the server)."""
    head, body = read_request(conn)
    server.heads.append(head)
    conn.sendall(answer(b'{"echo": %d}' % len(body)))
    time.sleep(0.05)


def close_without_answer(conn: socket.socket, server: RawServer) -> None:
    head, _ = read_request(conn)
    server.heads.append(head)


def client(**kw: object) -> httpx2.Client:
    return httpx2.Client(transport=SocketTransport(), **kw)  # type: ignore[arg-type]


def test_one_connection_serves_request_after_request() -> None:
    with raw_server(serve_forever) as server, client() as http:
        bodies = [http.post(server.url, content=b"x" * n).json() for n in (1, 200, 3)]
    assert bodies == [{"echo": 1}, {"echo": 200}, {"echo": 3}]
    assert server.connections == 1


def test_the_wire_carries_httpx2s_headers_once_each() -> None:
    with raw_server(serve_forever) as server, client() as http:
        http.post(server.url, content=b"{}", headers={"X-Label": "doc 1"})
    lines = server.heads[0].decode("latin-1").split("\r\n")
    assert lines[0] == "POST /v1/chat/completions HTTP/1.1"
    names = [line.split(":", 1)[0].lower() for line in lines[1:]]
    assert names.count("host") == 1 and names.count("accept-encoding") == 1, names
    assert f"host: 127.0.0.1:{server.port}" in (line.lower() for line in lines)
    assert "accept-encoding: identity" not in (line.lower() for line in lines)  # http.client's own default
    assert "x-label: doc 1" in (line.lower() for line in lines)
    assert "content-length: 2" in (line.lower() for line in lines)


def test_a_connection_the_server_closed_while_idle_is_replaced_once() -> None:
    with raw_server(serve_once_then_close, serve_forever) as server, client() as http:
        assert http.post(server.url, content=b"ab").json() == {"echo": 2}
        time.sleep(0.2)  # the server has closed the kept-alive connection by now
        assert http.post(server.url, content=b"abc").json() == {"echo": 3}
    assert server.connections == 2
    assert len(server.heads) == 2  # the second request reached the new connection, once


def test_a_new_connection_closed_without_an_answer_is_an_error_not_a_loop() -> None:
    with (
        raw_server(close_without_answer) as server,
        client() as http,
        pytest.raises(httpx2.RemoteProtocolError, match="without sending a response"),
    ):
        http.post(server.url, content=b"{}")
    assert server.connections == 1


def test_connection_refused_is_a_connect_error() -> None:
    probe = socket.create_server(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    with client() as http, pytest.raises(httpx2.ConnectError):
        http.post(f"http://127.0.0.1:{port}/v1/chat/completions", content=b"{}")


def test_an_answer_that_never_comes_is_a_read_timeout() -> None:
    def silent(conn: socket.socket, server: RawServer) -> None:
        read_request(conn)
        time.sleep(2)

    with raw_server(silent) as server, client(timeout=0.3) as http:
        started = time.monotonic()
        with pytest.raises(httpx2.ReadTimeout):
            http.post(server.url, content=b"{}")
    assert time.monotonic() - started < 1.5


def test_a_body_cut_short_is_a_protocol_error_and_the_connection_is_not_reused() -> None:
    def truncated(conn: socket.socket, server: RawServer) -> None:
        read_request(conn)
        conn.sendall(answer(b'{"echo": 1234567890}')[:-8])
        conn.shutdown(socket.SHUT_RDWR)

    transport = SocketTransport()
    with raw_server(truncated, serve_forever) as server, httpx2.Client(transport=transport) as http:
        with pytest.raises(httpx2.RemoteProtocolError, match="complete message body"):
            http.post(server.url, content=b"{}")
        assert transport._idle == {} or all(not v for v in transport._idle.values())
        assert http.post(server.url, content=b"{}").json() == {"echo": 2}
    assert server.connections == 2


def test_chunked_and_gzipped_answers_are_decoded() -> None:
    payload = '{"text": "全年完成固定资产投资30.95亿元"}'.encode()
    packed = gzip.compress(payload)

    def chunked_gzip(conn: socket.socket, server: RawServer) -> None:
        while True:
            head, _ = read_request(conn)
            if not head:
                return
            parts = [packed[:7], packed[7:]]
            framed = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n" + framed
            )

    with raw_server(chunked_gzip) as server, client() as http:
        first = http.post(server.url, content=b"{}")
        second = http.post(server.url, content=b"{}")
    assert first.content == payload and second.json() == {"text": "全年完成固定资产投资30.95亿元"}
    assert server.connections == 1  # a chunked answer read to its end leaves the connection reusable


def test_connection_close_is_honoured() -> None:
    def close_each(conn: socket.socket, server: RawServer) -> None:
        head, _ = read_request(conn)
        server.heads.append(head)
        conn.sendall(answer(b"{}", close=True))

    with raw_server(close_each) as server, client() as http:
        for _ in range(3):
            assert http.post(server.url, content=b"{}").status_code == 200
    assert server.connections == 3


def test_threads_share_the_pool() -> None:
    results: list[int] = []
    lock = threading.Lock()
    with raw_server(serve_forever) as server, client() as http:

        def work(n: int) -> None:
            for i in range(10):
                got = http.post(server.url, content=b"x" * (n * 10 + i)).json()["echo"]
                with lock:
                    results.append(got)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sorted(results) == list(range(80))
    assert server.connections <= 8


def test_unsupported_scheme() -> None:
    with client() as http, pytest.raises(httpx2.UnsupportedProtocol):
        http.post("ftp://127.0.0.1/x", content=b"")


def test_tls_context_is_httpx2s_verifying_one() -> None:
    import ssl

    ctx = SocketTransport()._ssl_context()
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname


def test_the_client_sends_through_it_by_default() -> None:
    with LLMClient(Settings(base_url="http://127.0.0.1:9/v1", api_key="x")) as llm:
        transport = llm._http._transport
        assert isinstance(transport, InFlightLimit) and isinstance(transport._inner, SocketTransport)


# -- the LLM client on kept-alive connections (the fake endpoint in HTTP/1.1) -----------------------

GOOD = hi_tech_answer(
    "受疫情影响,一季度咸宁高新技术产业增加值30.95亿元,同比下跌40.5%。", "一季度高新技术产业增加值30.95亿元"
)


def test_a_dropped_answer_on_a_kept_alive_connection_is_retried_on_a_new_one() -> None:
    script = [fs.answer(GOOD), fs.drop(), fs.answer(GOOD)]
    with fs.FakeOpenAI(script, keep_alive=True) as server:
        with LLMClient(fake_settings(server, transport_retries=2)) as llm:
            for expected_attempts in (1, 2):
                result = llm.complete(
                    extract_messages(HI_TECH_CHUNK), ChunkExtraction, context=Grounding(HI_TECH_CHUNK), label="c"
                )
                assert result.attempts == expected_attempts
        assert len(server.requests) == 3
        # Sent again as it was (a transport retry), not re-asked with an error (a cut body read as a bad answer).
        assert server.requests[2].body == server.requests[1].body == server.requests[0].body


# -- proxies from the environment ---------------------------------------------------------------------

PROXY_VARS = [f"{scheme}_{case}" for scheme in ("http", "https", "all", "no") for case in ("proxy", "PROXY")]


@pytest.fixture
def no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_the_environment_names_the_proxy(no_proxy_env: pytest.MonkeyPatch) -> None:
    from summarizer.llm.transport import environment_proxy

    assert environment_proxy("https://api.openai.com/v1") is None
    no_proxy_env.setenv("HTTPS_PROXY", "http://proxy.corp:3128")
    no_proxy_env.setenv("no_proxy", "localhost,127.0.0.1,.internal")
    assert environment_proxy("https://api.openai.com/v1") == "http://proxy.corp:3128"
    assert environment_proxy("http://api.openai.com/v1") is None  # HTTPS_PROXY is for https URLs only
    assert environment_proxy("http://127.0.0.1:8000/v1") is None
    assert environment_proxy("https://vllm.internal/v1") is None
    no_proxy_env.setenv("all_proxy", "http://other:8080")
    assert environment_proxy("http://api.deepseek.com/v1") == "http://other:8080"


def test_the_client_sends_through_the_proxy_the_environment_names(no_proxy_env: pytest.MonkeyPatch) -> None:
    no_proxy_env.setenv("HTTPS_PROXY", "http://proxy.corp:3128")
    with LLMClient(Settings(base_url="https://api.openai.com/v1", api_key="x")) as llm:
        transport = llm._http._transport
        assert isinstance(transport, InFlightLimit) and isinstance(transport._inner, httpx2.HTTPTransport)
    with LLMClient(Settings(base_url="http://127.0.0.1:9/v1", api_key="x")) as llm:
        assert isinstance(llm._http._transport._inner, SocketTransport)  # type: ignore[attr-defined]


def test_a_request_reaches_the_proxy_in_absolute_form(no_proxy_env: pytest.MonkeyPatch) -> None:
    """The endpoint's host is never looked up: the request goes to the proxy on 127.0.0.1, which answers."""
    from summarizer.llm.transport import endpoint_transport

    with raw_server(serve_forever) as proxy:
        no_proxy_env.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.port}")
        url = "http://llm.example.invalid/v1/chat/completions"
        with httpx2.Client(transport=endpoint_transport(url)) as http:
            assert http.post(url, content=b"{}").json() == {"echo": 2}
    assert proxy.heads[0].split(b"\r\n")[0] == b"POST http://llm.example.invalid/v1/chat/completions HTTP/1.1"


# -- answers the parser must read right -----------------------------------------------------------------


def one_reply(reply: bytes, *, close: bool = False) -> Handler:
    """Answers each request on the connection with ``reply`` as it is (closing after it when ``close``)."""
    return replying(lambda head, body: reply, close=close)


def test_an_interim_answer_is_read_past() -> None:
    reply = b"HTTP/1.1 100 Continue\r\n\r\n" + answer(b'{"echo": 1}')
    with raw_server(one_reply(reply)) as server, client() as http:
        assert [http.post(server.url, content=b"{}").json() for _ in range(2)] == [{"echo": 1}] * 2
    assert server.connections == 1


def test_a_body_delimited_by_the_connections_end_is_read_to_it() -> None:
    reply = b'HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{"echo": 7}'
    with raw_server(one_reply(reply, close=True)) as server, client() as http:
        assert [http.post(server.url, content=b"{}").json() for _ in range(2)] == [{"echo": 7}] * 2
    assert server.connections == 2  # an HTTP/1.0 answer without keep-alive: never reused


def test_bytes_after_the_answer_leave_the_connection_unused() -> None:
    reply = answer(b'{"echo": 1}') + b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nbad"
    with raw_server(one_reply(reply)) as server, client() as http:
        assert [http.post(server.url, content=b"{}").json() for _ in range(2)] == [{"echo": 1}] * 2
    assert server.connections == 2


@pytest.mark.parametrize(
    "reply",
    [
        b"HTTP/1.1 2OO OK\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
        b"SSH-2.0-OpenSSH_9.6\r\n",
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
    ],
)
def test_a_malformed_answer_is_a_protocol_error(reply: bytes) -> None:
    with raw_server(one_reply(reply)) as server, client() as http, pytest.raises(httpx2.RemoteProtocolError):
        http.post(server.url, content=b"{}")


def test_headers_that_never_end_are_refused() -> None:
    endless = b"HTTP/1.1 200 OK\r\n" + b"X-Pad: " + b"a" * 400_000 + b"\r\n"
    with raw_server(one_reply(endless)) as server, client() as http, pytest.raises(httpx2.RemoteProtocolError):
        http.post(server.url, content=b"{}")


@pytest.mark.parametrize("value", ["a\r\nX-Injected: 1", "a\nb", "a\0b"])
def test_a_header_that_would_end_its_line_is_refused_before_anything_is_sent(value: str) -> None:
    with raw_server(serve_forever) as server, client() as http:
        with pytest.raises(httpx2.LocalProtocolError, match="CR, LF or NUL"):
            http.post(server.url, content=b"{}", headers={"Authorization": f"Bearer {value}"})
        assert http.post(server.url, content=b"{}").json() == {"echo": 2}
    assert len(server.heads) == 1 and b"X-Injected" not in server.heads[0]


def test_a_declared_or_streamed_body_over_the_bound_is_refused() -> None:
    from summarizer.llm.transport import ResponseTooLarge

    big = answer(b"x" * 5000)
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + b"1000\r\n" + b"y" * 4096 + b"\r\n0\r\n\r\n"
    timeouts = httpx2.Timeout(5.0).as_dict()
    for reply in (big, chunked):
        with raw_server(one_reply(reply)) as server:
            transport = SocketTransport()
            with pytest.raises(ResponseTooLarge, match="larger than"):
                transport.exchange("POST", httpx2.URL(server.url), [("Host", "x")], b"", timeouts, max_bytes=1000)
            transport.close()


def test_head_requests_are_refused() -> None:
    with client() as http, pytest.raises(httpx2.UnsupportedProtocol, match="HEAD"):
        http.head("http://127.0.0.1:9/v1/models")


# -- the LLM client's direct path -------------------------------------------------------------------------


def completion_for(body: bytes) -> bytes:
    """The fake endpoint's answer (an extraction of GOOD) in the form the request's mode asks for."""
    return json.dumps(fs.FakeOpenAI([]).completion(json.loads(body), 1, fs.answer(GOOD))).encode()


class Recording:
    """A raw server that keeps each request's bytes whole and answers with an extraction, or with ``reply(body)``."""

    def __init__(self, reply: Callable[[bytes], bytes] | None = None) -> None:
        self.requests: list[bytes] = []
        self.reply = reply or (lambda body: answer(completion_for(body)))
        self.handler = replying(self._record)

    def _record(self, head: bytes, body: bytes) -> bytes:
        self.requests.append(head + b"\r\n\r\n" + body)
        return self.reply(body)

    def __call__(self, conn: socket.socket, server: RawServer) -> None:
        self.handler(conn, server)


def test_the_direct_path_puts_the_same_bytes_on_the_wire_as_httpx2s_client(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """LLMClient sends straight through SocketTransport, without httpx2's client; a caller's httpx2 client over the
    same transport builds the request itself. Both must write the very same bytes, head and body."""
    recording = Recording()
    messages = extract_messages(HI_TECH_CHUNK)
    with raw_server(recording) as server:
        settings = Settings(base_url=f"http://127.0.0.1:{server.port}/v1", api_key="sk-x", model="m")

        def refuse(*args: object, **kw: object) -> None:
            raise AssertionError("the direct path does not go through httpx2's client")

        with LLMClient(settings) as direct:
            assert direct._direct is not None
            with monkeypatch.context() as m:
                m.setattr(httpx2.Client, "send", refuse)
                direct.complete(messages, ChunkExtraction, context=Grounding(HI_TECH_CHUNK), label="doc 中文 1/2")
        with LLMClient(settings, http_client=httpx2.Client(transport=SocketTransport())) as through:
            assert through._direct is None
            through.complete(messages, ChunkExtraction, context=Grounding(HI_TECH_CHUNK), label="doc 中文 1/2")
    assert len(recording.requests) == 2
    assert recording.requests[0] == recording.requests[1]
    assert recording.requests[0].startswith(b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:")


def test_the_direct_path_reads_a_gzipped_chunked_answer_and_an_error_as_httpx2_does() -> None:
    def gzipped(body: bytes) -> bytes:
        packed = gzip.compress(completion_for(body))
        head = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"
        return head + b"%x\r\n%s\r\n0\r\n\r\n" % (len(packed), packed)

    def not_found(body: bytes) -> bytes:
        error = json.dumps({"error": {"message": "no such model", "type": "invalid_request_error"}}).encode()
        return b"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (
            len(error),
            error,
        )

    messages = extract_messages(HI_TECH_CHUNK)
    for reply, expect in ((gzipped, None), (not_found, "HTTP 404: .*no such model")):
        with raw_server(Recording(reply)) as server:
            settings = Settings(base_url=f"http://127.0.0.1:{server.port}/v1", api_key="sk-x", transport_retries=0)
            with LLMClient(settings) as llm:
                assert llm._direct is not None
                if expect is None:
                    result = llm.complete(messages, ChunkExtraction, context=Grounding(HI_TECH_CHUNK), label="c")
                    assert result.value.items[0].metrics[0].value == "30.95亿"  # as GOOD says it
                else:
                    with pytest.raises(LLMError, match=expect):
                        llm.complete(messages, ChunkExtraction, context=Grounding(HI_TECH_CHUNK), label="c")


def test_a_url_with_a_user_and_password_goes_through_httpx2s_client() -> None:
    """httpx2 turns a URL's user and password into Basic auth; the direct path would not, so it is not taken."""
    with LLMClient(Settings(base_url="http://user:pw@127.0.0.1:9/v1", api_key="x")) as llm:
        assert llm._direct is None
    with LLMClient(Settings(base_url="http://127.0.0.1:9/v1", api_key="x")) as llm:
        assert llm._direct is not None


# -- HTTPS (a throwaway CA: trustme) ------------------------------------------------------------------------


@contextmanager
def tls_server(ca: trustme.CA, *handlers: Handler) -> Iterator[RawServer]:
    """``raw_server`` behind TLS, with a certificate for localhost and 127.0.0.1 from ``ca``."""
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost", "127.0.0.1").configure_cert(server_ctx)

    def wrapped(handler: Handler) -> Handler:
        def run(conn: socket.socket, server: RawServer) -> None:
            with server_ctx.wrap_socket(conn, server_side=True) as tls:
                handler(tls, server)

        return run

    with raw_server(*(wrapped(h) for h in handlers)) as server:
        yield server


def test_https_reuses_one_verified_connection_and_refuses_an_unknown_ca() -> None:
    ca = trustme.CA()
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)
    with tls_server(ca, serve_forever) as server:
        url = f"https://localhost:{server.port}/v1/chat/completions"
        with httpx2.Client(transport=SocketTransport(verify=client_ctx)) as http:
            assert [http.post(url, content=b"x" * n).json() for n in (3, 5)] == [{"echo": 3}, {"echo": 5}]
        assert server.connections == 1
        with client() as http, pytest.raises(httpx2.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            http.post(url, content=b"{}")  # the system's CAs do not know this one


def test_the_llm_client_speaks_https_on_its_direct_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An https endpoint through LLMClient's own transport, its CA named by SSL_CERT_FILE (as httpx2 reads it)."""
    ca = trustme.CA()
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    recording = Recording()
    with tls_server(ca, recording) as server:
        settings = Settings(base_url=f"https://localhost:{server.port}/v1", api_key="sk-x")
        with LLMClient(settings) as llm:
            assert llm._direct is not None
            for _ in range(2):
                result = llm.complete(
                    extract_messages(HI_TECH_CHUNK), ChunkExtraction, context=Grounding(HI_TECH_CHUNK), label="c"
                )
                assert result.attempts == 1
    assert len(recording.requests) == 2 and server.connections == 1


def test_a_body_read_as_httpx2s_transport_is_bounded_too() -> None:
    """Through ``handle_request`` (record mode, a caller's httpx2 client) a body is bounded as it arrives, not
    read whole first."""
    from summarizer.llm.transport import ResponseTooLarge

    with raw_server(one_reply(answer(b"z" * 5000))) as server:
        with httpx2.Client(transport=SocketTransport(max_bytes=1000)) as http, pytest.raises(ResponseTooLarge):
            http.post(server.url, content=b"{}")
        with client() as http:  # the default bound is the client's, 8 MB
            assert len(http.post(server.url, content=b"{}").content) == 5000
