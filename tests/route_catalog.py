"""What the route-security tests need to know about URL arguments and public endpoints.

When you add a route, add its URL arguments here if they are new; the tests refuse to guess.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shared.models import Role


def _judging() -> Any:
    from tests.central.judging import catalog

    return catalog


# URL argument -> how to make an object of a given tenant and return the value for the URL.
# Signature: (factory, tenant) -> value
OBJECT_ARGS: dict[str, Callable[[Any, Any], Any]] = {
    "proposal_id": lambda f, t: f.proposal(t, f.unit(t)).id,
    "proposal_uuid": lambda f, t: f.proposal(t, f.unit(t)).uuid,
    "unit_id": lambda f, t: f.unit(t).id,
    "user_id": lambda f, t: f.user(Role.OPERATOR, tenant=t, unit=f.unit(t)).id,
    "tenant_code": lambda f, t: t.code,
    "attachment_id": lambda f, t: f.attachment(f.proposal(t, f.unit(t))).id,
    # judging (central): see tests/central/judging/catalog.py
    "stage_id": lambda f, t: _judging().stage_id(f, t),
    "rubric_id": lambda f, t: _judging().rubric_id(f, t),
    "judge_id": lambda f, t: _judging().judge_id(f, t),
    "assignment_id": lambda f, t: _judging().assignment_id(f, t),
    "objection_id": lambda f, t: _judging().objection_id(f, t),
    "slot_id": lambda f, t: _judging().slot_id(f, t),
}

# URL arguments that do not name a tenant's object: a sample value.
PLAIN_ARGS: dict[str, Any] = {
    "filename": "sinovik.css",
    "lang": "en",
    "section_key": "ringkasan",
    "fmt": "csv",
    "kind": "slides",
}

# Endpoints anyone may open without logging in.
PUBLIC_ENDPOINTS = {
    "static",
    "index",
    "auth.login",
    "set_language",
    "sanggah.index",
    "sanggah.form",
}

# Endpoints every logged-in account may open (no role restriction).
ANY_ACCOUNT_ENDPOINTS = {"auth.logout", "auth.onboarding", "auth.change_password"}

# Endpoints authenticated by other means than the session (no CSRF: not browser forms).
CSRF_EXEMPT_ENDPOINTS: set[str] = set()
