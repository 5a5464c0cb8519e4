"""The fault proxy injects what it says: each fault seen from both ends of one request."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import requests
from flask import Flask, request

from tests.sync.conftest import serve_app
from tests.sync.faultproxy import FaultProxy


class Upstream:
    """A tiny server recording every request body it received in full."""

    def __init__(self) -> None:
        self.seen: list[bytes] = []
        self.lock = threading.Lock()
        app = Flask(__name__)

        @app.post("/echo")
        def echo():
            body = request.get_data()
            with self.lock:
                self.seen.append(body)
            return {"got": body.decode()}

        self.url, self.server = serve_app(app)

    def wait_for(self, count: int) -> list[bytes]:
        deadline = time.monotonic() + 5
        while len(self.seen) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.1)  # nothing more arrives
        return list(self.seen)


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    served = Upstream()
    yield served
    served.server.shutdown()


def _post(proxy: FaultProxy, body: str, timeout: float = 2.0) -> str | None:
    """The answer, or None when the request failed on the node's side."""
    try:
        response = requests.post(f"{proxy.url}/echo", data=body.encode(), timeout=timeout)
        return response.json()["got"]
    except (requests.RequestException, ValueError):
        return None


@pytest.mark.parametrize(
    ("fault", "answered", "arrived"),
    [
        ("drop_before", False, 0),
        ("drop_after", False, 1),
        ("cut_response", False, 1),
        ("duplicate", True, 2),
    ],
)
def test_each_fault_reaches_the_ends_it_should(
    upstream: Upstream, fault: str, answered: bool, arrived: int
) -> None:
    with FaultProxy(upstream.url, rate=1.0, faults=[fault]) as proxy:
        got = _post(proxy, "payload-" * 100)
        seen = upstream.wait_for(arrived)
        assert proxy.counts == {fault: 1}
    assert (got is not None) == answered
    assert seen == [b"payload-" * 100] * arrived


def test_a_cut_request_never_arrives_whole(upstream: Upstream) -> None:
    with FaultProxy(upstream.url, rate=1.0, faults=["cut_request"]) as proxy:
        assert _post(proxy, "payload-" * 100) is None
        seen = upstream.wait_for(1)
    assert b"payload-" * 100 not in seen


def test_a_delayed_answer_comes_after_the_client_gave_up(upstream: Upstream) -> None:
    with FaultProxy(upstream.url, rate=1.0, faults=["delay"], delay=0.6) as proxy:
        assert _post(proxy, "late", timeout=0.3) is None
        assert upstream.wait_for(1) == [b"late"]  # central did the work all the same


def test_a_reordered_request_arrives_after_the_next_one(upstream: Upstream) -> None:
    with FaultProxy(upstream.url, rate=1.0, faults=["reorder"], hold=5.0) as proxy:
        assert _post(proxy, "first", timeout=0.3) is None  # held: the client gives up
        proxy.rate = 0.0
        assert _post(proxy, "second") == "second"
        assert upstream.wait_for(2) == [b"second", b"first"]


def test_without_faults_every_answer_comes_back(upstream: Upstream) -> None:
    with FaultProxy(upstream.url, rate=0.0) as proxy:
        assert [_post(proxy, f"n{i}") for i in range(5)] == [f"n{i}" for i in range(5)]
        assert proxy.counts == {"ok": 5}
