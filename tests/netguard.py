"""Network guards for tests: nothing may leave 127.0.0.1.

Reusable as plain pytest fixtures; a test module opts in with::

    from netguard import no_external_network  # noqa: F401  (fixture)
    pytestmark = pytest.mark.usefixtures("no_external_network")

(or a conftest can re-export them / set ``autouse``). Both fixtures yield a :class:`NetGuard` whose
``blocked`` list records every refused attempt, so a test can also assert that nothing was tried.

Why patch ``socket.socket.connect``/``connect_ex`` and ``socket.getaddrinfo`` rather than rely on a
plugin (pytest-socket): it is twenty lines, has no dependency, and covers what httpx2/httpcore2 use
(``socket.create_connection`` resolves through ``getaddrinfo`` then calls ``connect``).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest


class NetworkBlocked(RuntimeError):
    """Deliberately not an OSError, so HTTP stacks do not mistake it for a retryable connect error."""


@dataclass
class NetGuard:
    allow_loopback: bool
    blocked: list[str] = field(default_factory=list)

    def check(self, host: Any) -> None:
        if self.allow_loopback and _is_loopback(host):
            return
        self.blocked.append(str(host))
        what = "any network" if not self.allow_loopback else "a non-loopback address"
        raise NetworkBlocked(f"test tried to reach {host!r}: {what} is blocked in tests")


def _is_loopback(host: Any) -> bool:
    if isinstance(host, (bytes, bytearray)):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def _install(monkeypatch: pytest.MonkeyPatch, guard: NetGuard) -> None:
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def _target(self: socket.socket, address: Any) -> Any:
        if self.family == getattr(socket, "AF_UNIX", object()):
            return None  # local IPC, not network
        return address[0] if isinstance(address, tuple) else address

    def connect(self: socket.socket, address: Any) -> None:
        host = _target(self, address)
        if host is not None:
            guard.check(host)
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        host = _target(self, address)
        if host is not None:
            guard.check(host)
        return real_connect_ex(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None:
            guard.check(host)
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture
def no_external_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[NetGuard]:
    """Refuse every connection and name lookup except loopback (127.0.0.0/8, ::1, localhost)."""
    guard = NetGuard(allow_loopback=True)
    _install(monkeypatch, guard)
    yield guard


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[NetGuard]:
    """Refuse every connection, loopback included: for code that must not open a socket at all (replay)."""
    guard = NetGuard(allow_loopback=False)
    _install(monkeypatch, guard)
    yield guard
