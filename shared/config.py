"""Configuration: a base class, then the instance folder's config.json, then SINOVIK_* variables.

Environment variables win over the instance file so that a container (docker-compose) can set
everything without touching the volume.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

ENV_PREFIX = "SINOVIK_"
INSTANCE_FILE = "config.json"
DEV_SECRET = "dev-only-not-secret"


class ConfigError(RuntimeError):
    """The configuration cannot be used; the message says what to fix."""


class BaseConfig:
    NODE_KIND = "regional"  # or "central"
    ENV = "production"  # "development" or "testing" relax the secret-key check
    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None  # default: SQLite in the instance folder
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {}  # stale connections: see shared.db
    BABEL_DEFAULT_LOCALE = "id"
    BABEL_DEFAULT_TIMEZONE = "Asia/Jakarta"
    LANGUAGES = ("id", "en")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 8 * 3600
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session: no lost forms
    MAX_CONTENT_LENGTH = 64 * 1024 * 1024
    UPLOAD_MAX_MB = 2  # per attachment; the competition may set a lower limit
    LOGIN_MAX_FAILURES = 5  # per username within the window
    LOGIN_MAX_FAILURES_PER_ADDR = 20
    LOGIN_WINDOW_SECONDS = 15 * 60
    # Reverse proxies in front of the app that add X-Forwarded-For/-Proto/-Host: the client's
    # address (per-address limits) and URL are read from them (werkzeug's ProxyFix). 0: none
    # (a header sent straight to the app is then ignored: clients cannot choose an address).
    PROXY_HOPS = 0
    BLOB_DIR: str | None = None  # default: <instance>/blobs
    TENANT_CODES: list[str] = []  # regional: the tenants this node hosts
    PAGE_CACHE_MAX_AGE = 60  # seconds a cached page part may live (0: no cache); pagecache.py


def _coerce(raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def load_config(app: Flask, defaults: type, test_config: dict[str, Any] | None = None) -> None:
    """Fill ``app.config`` from the defaults, the instance file, the environment and tests."""
    app.config.from_object(defaults)
    instance_file = Path(app.instance_path) / INSTANCE_FILE
    if instance_file.exists():
        app.config.from_file(str(instance_file), load=json.load)
    for key, raw in os.environ.items():
        if key.startswith(ENV_PREFIX) and key not in ("SINOVIK_INSTANCE",):
            app.config[key.removeprefix(ENV_PREFIX)] = _coerce(raw)
    if test_config:
        app.config.update(test_config)

    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        db_path = Path(app.instance_path) / "sinovik.db"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{db_path}"
    if not app.config.get("BLOB_DIR"):
        app.config["BLOB_DIR"] = str(Path(app.instance_path) / "blobs")
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql://"):
        # psycopg 3 is the driver we ship
        app.config["SQLALCHEMY_DATABASE_URI"] = app.config["SQLALCHEMY_DATABASE_URI"].replace(
            "postgresql://", "postgresql+psycopg://", 1
        )
    _check_secret(app)


def _check_secret(app: Flask) -> None:
    relaxed = app.config.get("ENV") in ("development", "testing") or app.config.get("TESTING")
    if not app.config.get("SECRET_KEY"):
        if not relaxed:
            raise ConfigError(
                "SECRET_KEY is not set: run `sinovik ... init` or set SINOVIK_SECRET_KEY"
            )
        app.config["SECRET_KEY"] = DEV_SECRET
    elif app.config["SECRET_KEY"] == DEV_SECRET and not relaxed:
        raise ConfigError("the development SECRET_KEY cannot be used in production")


def write_instance_config(instance: Path, values: dict[str, Any]) -> Path:
    """Create or update the instance folder's config.json (owner-readable only)."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / INSTANCE_FILE
    current: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    current.setdefault("SECRET_KEY", secrets.token_urlsafe(48))
    current.update({k: v for k, v in values.items() if v is not None})
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n")
    os.chmod(tmp, 0o600)
    tmp.replace(path)
    return path


def read_instance_config(instance: Path) -> dict[str, Any]:
    path = instance / INSTANCE_FILE
    return json.loads(path.read_text()) if path.exists() else {}
