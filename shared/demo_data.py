"""Demo content: accounts, units and realistic proposals for `sinovik demo`."""

from __future__ import annotations

from dataclasses import dataclass

from shared.db import db, utcnow
from shared.models.tenant import Tenant
from shared.models.user import Role, User
from shared.services import users

DEMO_PASSWORD = "Sinovik2027demo"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    password: str = DEMO_PASSWORD


def _ready_user(
    username: str, role: Role, full_name: str, tenant: Tenant | None = None, unit=None
) -> User:
    """An account that skips the first-login steps, so the demo opens straight away."""
    user = users.create_user(
        username=username,
        password=DEMO_PASSWORD,
        role=role,
        actor=None,
        tenant=tenant,
        unit=unit,
        full_name=full_name,
        email=f"{username}@demo.sinovik.local",
        must_change_password=False,
    )
    user.phone = "0291-000000"
    user.profile_completed_at = utcnow()
    return user


def seed_central() -> list[DemoLogin]:
    """Ministry accounts for the demo's central server."""
    _ready_user("admin", Role.MINISTRY_ADMIN, "Admin Kementerian")
    _ready_user("sekretariat", Role.SECRETARIAT, "Tim Sekretariat")
    _ready_user("evaluator", Role.EVALUATOR, "Evaluator Satu")
    _ready_user("panelis", Role.PANELIST, "Panelis Satu")
    db.session.flush()
    return [
        DemoLogin("admin", "ministry admin"),
        DemoLogin("sekretariat", "secretariat"),
        DemoLogin("evaluator", "evaluator"),
        DemoLogin("panelis", "panelist"),
    ]


def seed_regional(tenant: Tenant, prefix: str) -> list[DemoLogin]:
    """The Admin Lokal of a demo node, its units with their operators, and proposals in every
    state of the workflow (see shared/demo_proposals.py)."""
    from shared.demo_proposals import seed_unit_proposals

    admin = _ready_user(f"{prefix}.admin", Role.LOCAL_ADMIN, f"Admin Lokal {tenant.name}", tenant)
    db.session.flush()
    operators = seed_unit_proposals(
        tenant,
        prefix,
        admin,
        lambda username, full_name, tenant, unit: _ready_user(
            username, Role.OPERATOR, full_name, tenant, unit
        ),
    )
    return [DemoLogin(f"{prefix}.admin", "admin lokal")] + [
        DemoLogin(username, f"operator, {unit_name}") for username, unit_name in operators
    ]
