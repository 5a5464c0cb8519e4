"""From the outside, for every route of both apps: another tenant's object answers 404, a
wrong role answers 403, a POST without a CSRF token is refused."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from shared.models import Role
from tests.conftest import login, make_test_app
from tests.route_catalog import (
    ANY_ACCOUNT_ENDPOINTS,
    CSRF_EXEMPT_ENDPOINTS,
    NODE_SIGNED_ENDPOINTS,
    OBJECT_ARGS,
    PLAIN_ARGS,
    PUBLIC_ENDPOINTS,
)

TENANT_ROLES = (Role.LOCAL_ADMIN, Role.OPERATOR)


@pytest.fixture(params=["central", "regional"])
def app(request: pytest.FixtureRequest, tmp_path) -> Iterator[Flask]:
    with make_test_app(request.param, "sqlite", tmp_path, request) as app:
        yield app


def _rules(app: Flask):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        yield rule


def _required_roles(app: Flask, endpoint: str) -> tuple[Role, ...] | None:
    return getattr(app.view_functions[endpoint], "required_roles", None)


def _url(app: Flask, rule, factory, tenant) -> str:
    values = {}
    for arg in rule.arguments:
        if arg in OBJECT_ARGS:
            values[arg] = OBJECT_ARGS[arg](factory, tenant)
        elif arg in PLAIN_ARGS:
            values[arg] = PLAIN_ARGS[arg]
        else:
            pytest.fail(f"{rule.endpoint}: add URL argument {arg!r} to tests/route_catalog.py")
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def _methods(rule) -> list[str]:
    return [m for m in ("GET", "POST") if m in rule.methods]


def test_every_endpoint_declares_who_may_use_it(app: Flask) -> None:
    undeclared = [
        rule.endpoint
        for rule in _rules(app)
        if _required_roles(app, rule.endpoint) is None
        and rule.endpoint not in PUBLIC_ENDPOINTS | ANY_ACCOUNT_ENDPOINTS | NODE_SIGNED_ENDPOINTS
    ]
    assert undeclared == [], "decorate with require_roles or list in tests/route_catalog.py"


def test_node_endpoints_refuse_unsigned_requests_even_from_staff(app, client, factory) -> None:
    """A browser session, even the ministry admin's, is no node credential."""
    admin = factory.user(Role.MINISTRY_ADMIN)
    login(client, admin.username)
    checked = 0
    for rule in _rules(app):
        if rule.endpoint not in NODE_SIGNED_ENDPOINTS:
            continue
        url = _url(app, rule, factory, None)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(url, method=method, data=b"{}", csrf=False)
            assert response.status_code == 401, (rule.endpoint, method)
            assert "unsigned" in response.get_json()["error"]
            checked += 1
    assert checked == (5 if app.config["NODE_KIND"] == "central" else 0)


def test_another_tenants_objects_answer_404(app, client, factory, tenant, other_tenant) -> None:
    checked = 0
    for rule in _rules(app):
        roles = _required_roles(app, rule.endpoint) or ()
        if not any(arg in OBJECT_ARGS for arg in rule.arguments):
            continue
        for role in (r for r in TENANT_ROLES if r in roles):
            unit = factory.unit(tenant)
            user = factory.user(role, tenant=tenant, unit=unit)
            client.post("/logout")
            assert login(client, user.username).status_code == 302
            url = _url(app, rule, factory, other_tenant)
            for method in _methods(rule):
                response = client.open(url, method=method)
                assert response.status_code == 404, (rule.endpoint, role, method, url)
                checked += 1
    # the suite must actually exercise something once tenant routes exist
    tenant_routes = [
        r
        for r in _rules(app)
        if any(a in OBJECT_ARGS for a in r.arguments)
        and set(_required_roles(app, r.endpoint) or ()) & set(TENANT_ROLES)
    ]
    assert checked >= len(tenant_routes)


def test_wrong_roles_answer_403(app, client, factory, tenant) -> None:
    for rule in _rules(app):
        roles = _required_roles(app, rule.endpoint)
        if roles is None:
            continue
        for wrong in (r for r in Role if r not in roles):
            unit = factory.unit(tenant)
            user = factory.user(
                wrong,
                tenant=None if wrong.is_ministry else tenant,
                unit=unit if wrong == Role.OPERATOR else None,
            )
            client.post("/logout")
            assert login(client, user.username).status_code == 302
            url = _url(app, rule, factory, tenant)
            for method in _methods(rule):
                response = client.open(url, method=method)
                assert response.status_code == 403, (rule.endpoint, wrong, method, url)


def test_posts_without_csrf_token_are_refused(app, client, factory, tenant) -> None:
    for rule in _rules(app):
        if "POST" not in rule.methods or rule.endpoint in CSRF_EXEMPT_ENDPOINTS:
            continue
        roles = _required_roles(app, rule.endpoint) or (Role.LOCAL_ADMIN,)
        role = roles[0]
        unit = factory.unit(tenant)
        user = factory.user(
            role,
            tenant=None if role.is_ministry else tenant,
            unit=unit if role == Role.OPERATOR else None,
        )
        client.post("/logout")
        login(client, user.username)
        url = _url(app, rule, factory, tenant)
        response = client.post(url, data={}, csrf=False)
        assert response.status_code == 400, (rule.endpoint, url)
