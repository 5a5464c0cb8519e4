"""What the route-security tests need to know about URL arguments and public endpoints.

When you add a route, add its URL arguments here if they are new; the tests refuse to guess.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shared.models import Role
from tests import announce_factories as af


def _judging() -> Any:
    from tests.central.judging import catalog

    return catalog


def _node_id(f: Any, t: Any) -> str:
    from shared.db import db
    from shared.models import Tenant
    from sync import credentials

    return f.run(lambda: credentials.issue([db.session.get(Tenant, t.id)], actor=None).node.id)


# URL argument -> how to make an object of a given tenant and return the value for the URL.
# Signature: (factory, tenant) -> value
OBJECT_ARGS: dict[str, Callable[[Any, Any], Any]] = {
    "proposal_id": lambda f, t: f.proposal(t, f.unit(t)).id,
    "proposal_uuid": lambda f, t: f.proposal(t, f.unit(t)).uuid,
    "unit_id": lambda f, t: f.unit(t).id,
    "user_id": lambda f, t: f.user(Role.OPERATOR, tenant=t, unit=f.unit(t)).id,
    "tenant_code": lambda f, t: t.code,
    "entry_id": lambda f, t: af.catalogue_entry(f, t).id,
    "certificate_code": lambda f, t: af.certificate(f, t).code,
    "nomination_id": lambda f, t: af.nomination(f, t).id,
    "request_id": lambda f, t: f.account_request(t).id,
    "attachment_id": lambda f, t: f.attachment(f.proposal(t, f.unit(t))).id,
    "node_id": lambda f, t: _node_id(f, t),  # central: a regional node serving the tenant
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
    "year": 2027,
    "uuid": "00000000-0000-4000-8000-000000000000",
    "code": "AAAABBBBCCCCDDDD",
    "part": "groups",
    "section_key": "ringkasan",
    "fmt": "csv",
    "kind": "slides",
    "sha256": "0" * 64,
}

# Endpoints anyone may open without logging in.
PUBLIC_ENDPOINTS = {
    "static",
    "index",
    "auth.login",
    "set_language",
    "language_link",
    # the public site and the open-data API (central): published data only, no login
    "public.results_home",
    "public.finalists",
    "public.winners",
    "public.finalists_pdf",
    "public.winners_pdf",
    "public.catalogue_search",
    "public.catalogue_entry",
    "public.verify",
    "public.verify_code",
    "public.open_data",
    "api.catalogue_list",
    "api.catalogue_item",
    "api.results_list",
    "api.openapi",
    "sanggah.index",
    "sanggah.form",
    "account_request.public_form",
}

# Endpoints every logged-in account may open (no role restriction).
ANY_ACCOUNT_ENDPOINTS = {"auth.logout", "auth.onboarding", "auth.change_password"}

# Endpoints a regional node calls, authenticated by its signed request (sync/protocol.py)
# instead of a session; tests/test_route_security.py checks that they refuse unsigned calls.
NODE_SIGNED_ENDPOINTS = {
    "sync_api.hello",
    "sync_api.blobs_missing",
    "sync_api.blob_chunk",
    "sync_api.push",
    "sync_api.feed",
}

# Endpoints authenticated by other means than the session (no CSRF: not browser forms).
CSRF_EXEMPT_ENDPOINTS: set[str] = set(NODE_SIGNED_ENDPOINTS)
