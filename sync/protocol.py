"""The sync wire protocol: version, headers, limits and the canonical request signature.

Every request a node sends is signed with HMAC-SHA256 under the node key over::

    METHOD \\n PATH?QUERY \\n TIMESTAMP \\n NONCE \\n SHA256(BODY)

Central refuses a timestamp outside the allowed skew, a nonce it has seen within that window,
an unknown or revoked node and a bad signature. TLS belongs to the deployment; the signature
holds without it (it does not hide the content, it makes it unforgeable and unreplayable).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping
from typing import Any

SCHEMA_VERSION = 1
API_PREFIX = "/api/sync/v1"

H_NODE = "X-Sinovik-Node"
H_TIME = "X-Sinovik-Timestamp"
H_NONCE = "X-Sinovik-Nonce"
H_SIGNATURE = "X-Sinovik-Signature"
H_SCHEMA = "X-Sinovik-Schema"

MAX_SKEW_SECONDS = 300


def blob_max_bytes(config: Mapping[str, Any]) -> int:
    """The largest attachment central keeps from a node, uploaded or in a bundle
    (``SYNC_BLOB_MAX_BYTES``, else ``MAX_CONTENT_LENGTH``)."""
    return int(config.get("SYNC_BLOB_MAX_BYTES") or config["MAX_CONTENT_LENGTH"])


def derive_key(secret: str) -> str:
    """The HMAC key both sides use; central stores only this hash of the printed secret."""
    return hashlib.sha256(f"sinovik-node-key:{secret}".encode()).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def string_to_sign(method: str, path: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    return "\n".join((method.upper(), path, timestamp, nonce, body_digest(body))).encode()


def signature(key: str, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    message = string_to_sign(method, path, timestamp, nonce, body)
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def sign_headers(node_id: str, key: str, method: str, path: str, body: bytes) -> dict[str, str]:
    """Headers for one request (a fresh timestamp and nonce each time)."""
    timestamp = str(int(time.time()))
    nonce = secrets.token_hex(16)
    return {
        H_NODE: node_id,
        H_TIME: timestamp,
        H_NONCE: nonce,
        H_SIGNATURE: signature(key, method, path, timestamp, nonce, body),
        H_SCHEMA: str(SCHEMA_VERSION),
    }


def bundle_signature(key: str, manifest: bytes) -> str:
    """A sneakernet bundle's signature: HMAC over its manifest (which lists every hash)."""
    return hmac.new(key.encode(), b"bundle\n" + manifest, hashlib.sha256).hexdigest()
