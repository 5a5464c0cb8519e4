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


DEMO_UNITS = (
    ("dinkes", "Dinas Kesehatan", "Kepala Dinas Kesehatan"),
    ("disdukcapil", "Dinas Kependudukan dan Pencatatan Sipil", "Kepala Disdukcapil"),
    ("dpmptsp", "Dinas Penanaman Modal dan PTSP", "Kepala DPMPTSP"),
)


def seed_regional(tenant: Tenant, prefix: str) -> list[DemoLogin]:
    """The Admin Lokal of a demo node, its units and one operator per unit."""
    from shared.services import units

    admin = _ready_user(f"{prefix}.admin", Role.LOCAL_ADMIN, f"Admin Lokal {tenant.name}", tenant)
    logins = [DemoLogin(f"{prefix}.admin", "admin lokal")]
    for short, name, head in DEMO_UNITS:
        unit = units.create_unit(
            tenant,
            units.UnitData(
                name=name,
                head_name=head,
                official_name=f"Sekretaris {name}",
                official_position="Sekretaris Dinas",
                official_email=f"{short}@{prefix}.go.id",
                it_name=f"Pengelola TI {short.upper()}",
            ),
            actor=admin,
        )
        _ready_user(f"{prefix}.{short}", Role.OPERATOR, f"Operator {name}", tenant, unit)
        logins.append(DemoLogin(f"{prefix}.{short}", f"operator, {name}"))
    db.session.flush()
    return logins
