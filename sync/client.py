"""The node's HTTP client for central: signed requests, timeouts, retries with backoff.

Each attempt is signed afresh (new timestamp and nonce), so a retried request is never
refused as a replay. Connection errors, timeouts and 5xx answers are retried with
exponential backoff and full jitter; 4xx answers are final and carry central's reason.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from sync import protocol as P
from sync.reasons import N_, Reason


class SyncError(Exception):
    """A sync step failed; ``retryable`` says whether trying later may help."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retryable: bool = True,
        data: dict[str, Any] | None = None,
        why: dict[str, Any] | None = None,
        kind: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message  # in English
        self.status = status
        self.retryable = retryable
        self.data = data or {}
        self.why = why  # the message to translate for the admin (see sync.reasons), if any
        # UNREACHABLE: no answer at all; NOT_SYNC_API: something answered, but not central's
        # sync API (another web server, a proxy's error page)
        self.kind = kind


UNREACHABLE = "unreachable"
NOT_SYNC_API = "not-sync-api"


def not_a_url(url: str) -> str:
    return f"{url} is not a URL of central (e.g. https://sinovik.menpan.go.id)"


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be central's address, or None when it can."""
    split = urlsplit(url)
    if split.scheme not in ("http", "https") or not split.hostname:
        return not_a_url(url)
    return None


class _Transient(Exception):
    def __init__(self, why: Reason, kind: str = "") -> None:
        super().__init__(str(why))
        self.why = why
        self.kind = kind


@dataclass
class ClientSettings:
    connect_timeout: float = 5.0
    read_timeout: float = 60.0
    attempts: int = 5
    backoff_max: float = 30.0


class CentralClient:
    def __init__(
        self, base_url: str, node_id: str, key: str, settings: ClientSettings | None = None
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.base_path = urlsplit(self.base_url).path.rstrip("/")
        self.node_id = node_id
        self.key = key
        self.settings = settings or ClientSettings()
        self.session = requests.Session()

    def close(self) -> None:
        self.session.close()

    def request(
        self,
        method: str,
        endpoint: str,
        *,
        body: bytes = b"",
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        content_type: str = "application/json",
    ) -> dict[str, Any]:
        """One API call; retries transient failures; returns the JSON answer."""
        retrying = Retrying(
            stop=stop_after_attempt(self.settings.attempts),
            wait=wait_random_exponential(multiplier=0.5, max=self.settings.backoff_max),
            retry=retry_if_exception_type(_Transient),
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    return self._once(method, endpoint, body, params, headers, content_type)
        except _Transient as err:
            raise SyncError(
                str(err), retryable=True, why=err.why.as_dict(), kind=err.kind
            ) from None
        raise AssertionError("unreachable")

    def _once(self, method, endpoint, body, params, headers, content_type) -> dict[str, Any]:
        try:
            prepared = requests.Request(
                method,
                f"{self.base_url}{P.API_PREFIX}/{endpoint}",
                data=body,
                params=params,
                headers={"Content-Type": content_type, **(headers or {})},
            ).prepare()
        except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                requests.exceptions.InvalidSchema):  # fmt: skip
            # a mistyped central URL: trying again cannot help
            raise SyncError(not_a_url(self.base_url), retryable=False) from None
        split = urlsplit(prepared.url)
        # Signed as central's app sees it: without the prefix a reverse proxy may mount it on
        path = split.path[len(self.base_path) :] + (f"?{split.query}" if split.query else "")
        prepared.headers.update(P.sign_headers(self.node_id, self.key, method, path, body))
        try:
            response = self.session.send(
                prepared, timeout=(self.settings.connect_timeout, self.settings.read_timeout)
            )
        except requests.RequestException as err:
            raise _Transient(
                Reason(
                    N_("cannot reach central: %(error)s"), {"error": f"{type(err).__name__}: {err}"}
                ),
                UNREACHABLE,
            ) from None
        try:
            data = response.json()
        except ValueError:
            data = None
        # not an answer of central's sync API: not JSON, or a "not found" without the schema
        # every answer of that API carries (another web app, or another SINOVIK site's pages)
        foreign = not isinstance(data, dict) or (
            response.status_code == 404 and "schema" not in data
        )
        if response.status_code >= 500 or (data is None and response.ok):
            raise _Transient(
                Reason(
                    N_("central answered %(status)s (will retry)"), {"status": response.status_code}
                ),
                NOT_SYNC_API if foreign else "",
            )
        if foreign:  # e.g. a proxy's HTML error page: its status says enough
            raise SyncError(
                f"central answered HTTP {response.status_code} {response.reason} "
                "(not an answer of its sync API)",
                status=response.status_code,
                retryable=False,
                kind=NOT_SYNC_API,
            )
        if response.status_code == 401 and "nonce" in str(data.get("error")):
            # the answer to a copy of our request (a proxy or the network sent it twice):
            # the next attempt carries a fresh nonce
            raise _Transient(Reason(N_("central saw this request twice (will retry)")))
        if not response.ok:
            message = data.get("message")
            raise SyncError(
                str(data.get("error") or response.reason),
                status=response.status_code,
                retryable=False,
                data=data,
                why=message if isinstance(message, dict) else None,
            )
        return data

    def post_json(self, endpoint: str, payload: dict[str, Any]) -> dict[str, Any]:
        body = json.dumps({"schema": P.SCHEMA_VERSION, **payload}, separators=(",", ":")).encode()
        return self.request("POST", endpoint, body=body)

    def get(self, endpoint: str, **params: Any) -> dict[str, Any]:
        return self.request("GET", endpoint, params=params or None)
