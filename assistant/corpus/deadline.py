"""An httpx transport whose every socket operation keeps to one deadline.

httpx's timeouts bound each operation (a connect, one read), never the exchange: a server
sending its headers one byte every 5 s never trips a 10 s read timeout, so a "60 s in all"
checked between body chunks was not kept while the headers came. Here each connect, TLS
handshake, read and write is given at most the time left before the deadline (the
socket's own timeout, so a blocked read returns when it passes), and once it has passed
every operation fails at once with ``DeadlinePassed`` (an httpx ``ReadTimeout``).
"""

from __future__ import annotations

import contextlib
import ssl
import time
from collections.abc import Iterator
from typing import Any

import httpcore
import httpx


class DeadlinePassed(httpcore.ReadTimeout):
    """The exchange's deadline passed; httpx raises it as its ``ReadTimeout``."""


def deadline_transport(deadline: float, *, verify: ssl.SSLContext | bool) -> httpx.HTTPTransport:
    """An httpx transport (no keep-alive, no proxy) whose sockets keep to ``deadline``.

    Args:
        deadline: a ``time.monotonic()`` time after which nothing more is waited for.
        verify: the TLS certificate check, as httpx's ``verify``.
    """
    transport = httpx.HTTPTransport(verify=verify, trust_env=False)
    # httpx has no argument for httpcore's network backend: the pool it built is
    # replaced by the same pool over the backend that keeps the deadline. No
    # connection is kept: one made for a host must not carry another host's request.
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(verify=verify, trust_env=False),
        max_keepalive_connections=0,
        network_backend=_DeadlineBackend(deadline),
    )
    return transport


def _left(deadline: float, timeout: float | None) -> float:
    """The time an operation may take: its own timeout, cut to what is left."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise DeadlinePassed("the deadline of the whole exchange passed")
    return left if timeout is None else min(timeout, left)


@contextlib.contextmanager
def _keeping(deadline: float) -> Iterator[None]:
    """An operation's timeout as the deadline's own error, when it is the deadline that passed."""
    try:
        yield
    except httpcore.TimeoutException as error:
        if time.monotonic() >= deadline:
            raise DeadlinePassed("the deadline of the whole exchange passed") from error
        raise


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self, deadline: float) -> None:
        self._deadline = deadline
        self._backend = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        with _keeping(self._deadline):
            stream = self._backend.connect_tcp(
                host, port, _left(self._deadline, timeout), local_address, socket_options
            )
        return _DeadlineStream(stream, self._deadline)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.NetworkStream:  # pragma: no cover - links are never Unix sockets
        raise httpcore.ConnectError("Unix sockets are not fetched")

    def sleep(self, seconds: float) -> None:  # pragma: no cover - no retries are made
        time.sleep(min(seconds, max(self._deadline - time.monotonic(), 0)))


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream, deadline: float) -> None:
        self._stream = stream
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        with _keeping(self._deadline):
            return self._stream.read(max_bytes, _left(self._deadline, timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        with _keeping(self._deadline):
            self._stream.write(buffer, _left(self._deadline, timeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        left = _left(self._deadline, timeout)
        with _keeping(self._deadline):
            stream = self._stream.start_tls(ssl_context, server_hostname, left)
        return _DeadlineStream(stream, self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)
