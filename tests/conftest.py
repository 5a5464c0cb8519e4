"""Fixtures shared by every test package.

Databases: each test gets a fresh, fully migrated database.  SQLite: a migrated template file
is made once per session and copied per test.  PostgreSQL (when SINOVIK_TEST_POSTGRES_URL is
set): one throwaway database per session, migrated once, truncated after each test.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer

from shared.db import db
from shared.tenancy import national_scope

POSTGRES_URL = os.environ.get("SINOVIK_TEST_POSTGRES_URL")
PG_SKIP = "PostgreSQL tests skipped: set SINOVIK_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1/postgres"
FAST_PASSWORD_HASH = "pbkdf2:sha256:1000"
PASSWORD = "Rahasia12345"  # satisfies the policy


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("SINOVIK_FAST"):
        skip = pytest.mark.skip(reason="slow scenario skipped (SINOVIK_FAST=1)")
        for item in items:
            if "slow" in item.keywords:
                item.add_marker(skip)


# -- databases -------------------------------------------------------------------------------


def _migrate(app: Flask) -> None:
    from flask_migrate import upgrade

    from shared.app import MIGRATIONS_DIR

    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR)
        db.engine.dispose()


def base_config(tmp: Path, url: str) -> dict[str, Any]:
    return {
        "TESTING": True,
        "ENV": "testing",
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "PASSWORD_HASH_METHOD": FAST_PASSWORD_HASH,
        "BLOB_DIR": str(tmp / "blobs"),
        "SERVER_NAME": None,
    }


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from central import create_app

    folder = tmp_path_factory.mktemp("template")
    path = folder / "template.db"
    app = create_app(base_config(folder, f"sqlite:///{path}"), instance_path=str(folder))
    _migrate(app)
    return path


def skip_or_fail(reason: str, required_by: str) -> None:
    """Skip with a line saying how to enable the test; in CI (``required_by`` set), fail."""
    if os.environ.get(required_by):
        pytest.fail(f"{reason} (required here by {required_by})")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not POSTGRES_URL:
        skip_or_fail(PG_SKIP, "SINOVIK_REQUIRE_POSTGRES")
    from central import create_app

    admin_url = sa.make_url(POSTGRES_URL).set(drivername="postgresql+psycopg")
    name = f"sinovik_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    folder = tmp_path_factory.mktemp("pg")
    _migrate(create_app(base_config(folder, url), instance_path=str(folder)))
    yield url
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def _truncate_all(app: Flask) -> None:
    with app.app_context():
        tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        with db.engine.begin() as conn:
            conn.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


@contextmanager
def make_test_app(
    kind: str,
    backend: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    extra: dict[str, Any] | None = None,
) -> Iterator[Flask]:
    if backend == "postgresql":
        url = request.getfixturevalue("postgres_database")
    else:
        path = tmp_path / "sinovik.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    if kind == "central":
        from central import create_app
    else:
        from regional import create_app
    app = create_app({**base_config(tmp_path, url), **(extra or {})}, instance_path=str(tmp_path))
    app.test_client_class = CSRFClient
    try:
        yield app
    finally:
        if backend == "postgresql":
            _truncate_all(app)
        with app.app_context():
            db.engine.dispose()


# -- clients ----------------------------------------------------------------------------------


class CSRFClient(FlaskClient):
    """A test client that adds a valid CSRF token to every form POST, as a browser would.

    Pass ``csrf=False`` to send a request without one.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        add = kwargs.pop("csrf", True)
        method = kwargs.get("method", "GET").upper()
        if add and method in ("POST", "PUT", "PATCH", "DELETE"):
            token = self.csrf_token()
            data = kwargs.get("data")
            if data is None and "json" not in kwargs:
                kwargs["data"] = data = {}
            if isinstance(data, dict):
                data.setdefault("csrf_token", token)
            headers = dict(kwargs.get("headers") or {})
            headers.setdefault("X-CSRFToken", token)
            kwargs["headers"] = headers
        return super().open(*args, **kwargs)

    def csrf_token(self) -> str:
        with self.session_transaction() as sess:
            raw = sess.setdefault("csrf_token", uuid.uuid4().hex)
        app = self.application
        return URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(raw)


# -- helpers ----------------------------------------------------------------------------------


@pytest.fixture
def in_app() -> Callable[[Flask], Any]:
    """``with in_app(app): ...``: a fresh app context with national scope, for checks."""

    @contextmanager
    def _ctx(app: Flask) -> Iterator[None]:
        with app.app_context(), national_scope():
            yield

    return _ctx


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> Any:
    return client.post("/login", data={"username": username, "password": password})


def language_next(page: str) -> str:
    """Where the layout's language switch on ``page`` leads back to (its ``next``)."""
    start = page.find('action="/language"')
    assert start >= 0, "the page has no language switch"
    found = re.search(r'name="next" value="([^"]*)"', page[start : page.find("</form>", start)])
    assert found, "the language switch has no next"
    return html.unescape(found[1])


def switch_language(client: FlaskClient, page: str, lang: str) -> Any:
    """Click ``lang`` in the language switch of ``page`` (as shown), following the redirects."""
    data = {"lang": lang, "next": language_next(page)}
    return client.post("/language", data=data, follow_redirects=True)


@pytest.fixture
def factory(app: Flask) -> Any:
    from tests.factories import Factory

    return Factory(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


@pytest.fixture
def tenant(factory: Any) -> Any:
    return factory.tenant(code="33.20", name="Kabupaten Jepara")


@pytest.fixture
def other_tenant(factory: Any) -> Any:
    return factory.tenant(code="33.74", name="Kota Semarang", kind="kota")


@pytest.fixture
def login_as(client: FlaskClient, factory: Any) -> Callable[..., Any]:
    """Create an onboarded account with the role and log the client in as it."""

    def _login(role: Any, tenant: Any = None, unit: Any = None, **kw: Any) -> Any:
        user = factory.user(role, tenant=tenant, unit=unit, **kw)
        client.post("/logout")
        response = login(client, user.username)
        assert response.status_code == 302, response.data[:500]
        return user

    return _login
