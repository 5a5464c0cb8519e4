"""A fault-injecting HTTP proxy for sync tests (stdlib only, threads, 127.0.0.1 only).

The proxy sits between a node and central and answers every request on its own connection
(it tells both sides ``Connection: close``), so "a connection" and "an exchange" are the same
thing. For each connection it draws from a seeded RNG; with probability ``rate`` it injects
one fault:

``drop_before``   the request is read, never forwarded, and the connection is closed
``drop_after``    the request is forwarded, the node's connection closed at once (central
                  still processes it, perhaps while the node already retries)
``cut_request``   half of the request (head and half the body) reaches central, then both
                  connections close
``cut_response``  central answers; the node gets the head and half the body, then a close
``delay``         central answers; the proxy holds the answer past the node's read timeout
``duplicate``     the request reaches central twice (one after the other, or both at once);
                  the node gets the first answer
``reorder``       the request is held and forwarded only after the next connection's request
                  (or after ``hold`` seconds if none comes); its answer goes back if the node
                  still listens

``counts`` says how many connections saw each fault (``ok`` for none).
"""

from __future__ import annotations

import contextlib
import random
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

FAULTS = (
    "drop_before",
    "drop_after",
    "cut_request",
    "cut_response",
    "delay",
    "duplicate",
    "reorder",
)
IO_TIMEOUT = 60.0


@dataclass
class _Held:
    request: bytes
    client: socket.socket
    since: float


class FaultProxy:
    def __init__(
        self,
        upstream: str,
        *,
        rate: float = 0.2,
        seed: int = 1,
        delay: float = 1.0,
        hold: float = 3.0,
        faults: Iterable[str] = FAULTS,
    ) -> None:
        host, _, port = upstream.removeprefix("http://").rstrip("/").partition(":")
        self.upstream = (host, int(port))
        self.rate = rate
        self.delay = delay
        self.hold = hold
        self.faults = tuple(faults)
        unknown = set(self.faults) - set(FAULTS)
        if unknown:
            raise ValueError(f"unknown faults: {sorted(unknown)}")
        self.counts: Counter[str] = Counter()
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._held: _Held | None = None
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    # -- life cycle ---------------------------------------------------------------------

    def start(self) -> FaultProxy:
        self._spawn(self._accept_loop)
        self._spawn(self._release_loop)
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._release_held()
        for thread in list(self._threads):
            thread.join(timeout=IO_TIMEOUT)
        self._listener.close()

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _spawn(self, target, *args) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()]
        self._threads.append(thread)
        thread.start()

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._spawn(self._handle, client)

    def _release_loop(self) -> None:
        """A held request nobody overtook goes on after ``hold`` seconds."""
        while not self._stopping.wait(0.1):
            with self._lock:
                due = self._held is not None and time.monotonic() - self._held.since > self.hold
            if due:
                self._release_held()

    # -- one connection -----------------------------------------------------------------

    def _choose(self) -> tuple[str, bool]:
        with self._lock:
            fault = self._rng.choice(self.faults) if self._rng.random() < self.rate else "ok"
            variant = self._rng.random() < 0.5
            if fault == "reorder" and self._held is not None:
                fault = "ok"  # one request held at a time
            self.counts[fault] += 1
        return fault, variant

    def _handle(self, client: socket.socket) -> None:
        client.settimeout(IO_TIMEOUT)
        try:
            request = _read_request(client)
        except (OSError, ValueError):
            _close(client)
            return
        if request is None:
            _close(client)
            return
        fault, variant = self._choose()
        keep_open = False
        try:
            if fault == "drop_before":
                pass
            elif fault == "drop_after":
                upstream = self._send(request)
                _close(client)
                _drain(upstream)
            elif fault == "cut_request":
                head, body = _split(request)
                part = head + body[: len(body) // 2] if body else head[: len(head) // 2]
                _close(self._send(part, shutdown=False))
            elif fault == "cut_response":
                answer = self._exchange(request)
                head, body = _split(answer)
                client.sendall(head + body[: len(body) // 2] if body else head[: len(head) // 2])
            elif fault == "delay":
                answer = self._exchange(request)
                time.sleep(self.delay)
                client.sendall(answer)
            elif fault == "duplicate":
                if variant:  # both copies at once
                    first, second = self._send(request), self._send(request)
                    answer = _drain(first)
                    _drain(second)
                else:
                    answer = self._exchange(request)
                    self._exchange(request)
                client.sendall(answer)
            elif fault == "reorder":
                with self._lock:
                    self._held = _Held(request, client, time.monotonic())
                keep_open = True
            else:
                client.sendall(self._exchange(request))
        except OSError:
            pass
        finally:
            if not keep_open:
                _close(client)
        if fault != "reorder":
            self._release_held()

    def _release_held(self) -> None:
        with self._lock:
            held, self._held = self._held, None
        if held is None:
            return
        try:
            held.client.sendall(self._exchange(held.request))
        except OSError:
            pass
        finally:
            _close(held.client)

    def _send(self, request: bytes, *, shutdown: bool = True) -> socket.socket:
        upstream = socket.create_connection(self.upstream, timeout=IO_TIMEOUT)
        upstream.sendall(request)
        if shutdown:
            upstream.shutdown(socket.SHUT_WR)
        return upstream

    def _exchange(self, request: bytes) -> bytes:
        return _drain(self._send(request))


# -- HTTP framing (just enough: Content-Length bodies, answers read to the close) -----------


def _read_request(sock: socket.socket) -> bytes | None:
    """One request with ``Connection: close``, or None when the client sent nothing."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            if data:
                raise ValueError("connection closed inside the request head")
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    length = 0
    kept = [lines[0]]
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        key = name.strip().lower()
        if key == b"content-length":
            length = int(value.strip())
        if key in (b"connection", b"keep-alive"):
            continue
        if key == b"transfer-encoding":
            raise ValueError("chunked requests are not supported")
        kept.append(line)
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ValueError("connection closed inside the request body")
        body += chunk
    kept.append(b"Connection: close")
    return b"\r\n".join(kept) + b"\r\n\r\n" + body[:length]


def _drain(sock: socket.socket) -> bytes:
    """Everything the other side sends until it closes (its answer), with ``Connection:
    close`` so the node opens a new connection for its next request."""
    parts = []
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            parts.append(chunk)
    finally:
        _close(sock)
    answer = b"".join(parts)
    head, sep, body = answer.partition(b"\r\n\r\n")
    if not sep:
        return answer
    lines = [
        line
        for line in head.split(b"\r\n")
        if line.partition(b":")[0].strip().lower() not in (b"connection", b"keep-alive")
    ]
    return b"\r\n".join([*lines, b"Connection: close"]) + b"\r\n\r\n" + body


def _split(message: bytes) -> tuple[bytes, bytes]:
    head, sep, body = message.partition(b"\r\n\r\n")
    return head + sep, body


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.close()
