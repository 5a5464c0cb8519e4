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
        # a domain the e-mail check accepts (it refuses reserved ones like .local), so the
        # demo's accounts can be edited as they are
        email=f"{username}@demo.sinovik.go.id",
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


MINISTRY_DEMO = (
    (
        "Telemedisin Rumah Sakit Vertikal untuk Puskesmas Daerah Terpencil",
        "Dokter spesialis rumah sakit vertikal memeriksa pasien puskesmas di daerah terpencil "
        "melalui konsultasi video terjadwal, sehingga pasien tidak perlu dirujuk jauh.",
    ),
    (
        "SATUSEHAT Mobile: Rekam Medis Warga dalam Satu Aplikasi",
        "Warga melihat riwayat imunisasi, hasil laboratorium dan resep dari semua fasilitas "
        "kesehatan dalam satu aplikasi yang terhubung dengan platform nasional.",
    ),
)


def seed_central_intake() -> list[DemoLogin]:
    """Central's own intake: a ministry without a node (its Admin Lokal, a unit, proposals it
    submitted directly) and an Admin Lokal account request waiting for the secretariat."""
    import io
    from datetime import timedelta

    from central.accounts import services as account_requests
    from shared.demo_proposals import _demo_now, _pdf
    from shared.models.tenant import TenantKind
    from shared.models.unit import Unit
    from shared.services import attachments, proposals, tenants
    from shared.timeutil import subtract_years, wib_date

    ministry = tenants.add_tenant(
        code="KL.KEMENKES", name="Kementerian Kesehatan", kind=TenantKind.KEMENTERIAN, actor=None
    )
    admin = _ready_user("kemenkes.admin", Role.LOCAL_ADMIN, "Admin Lokal Kemenkes", ministry)
    unit = Unit(tenant_id=ministry.id, name="Direktorat Jenderal Pelayanan Kesehatan")
    db.session.add(unit)
    db.session.flush()
    competition = proposals.require_competition()
    config, now = competition.config, _demo_now(competition)
    start = subtract_years(wib_date(competition.registration_closes_at), 3)
    for title, summary in MINISTRY_DEMO:
        values = proposals.ProposalInput(
            group_code="umum",
            title=title,
            category_code="kesehatan",
            sdgs=(3, 10),
            implementation_start=start - timedelta(days=30),
            innovator="Tim Inovasi Direktorat Jenderal Pelayanan Kesehatan",
            contact_name="dr. Sri Wahyuni",
            contact_phone="021-5201590",
            contact_email="inovasi@kemkes.demo.go.id",
            truth_declared=True,
            sections={s.key: summary for s in config.sections_for("umum")},
        )
        proposal, _ = proposals.create_proposal(
            tenant=ministry, unit=unit, actor=admin, values=values, now=now
        )
        for rule in config.attachment_rules_for("umum"):
            if rule.required:
                data = _pdf(f"{rule.kind} - {ministry.name}", [title[:90]])
                attachments.add_attachment(
                    proposal,
                    kind=rule.kind,
                    filename=f"{rule.kind}.pdf",
                    stream=io.BytesIO(data),
                    actor=admin,
                )
        proposals.verify_proposal(proposal, actor=admin, now=now)
        proposals.submit_proposal(proposal, actor=admin, now=now)
    kudus = tenants.get_by_code("33.19")
    if kudus is not None:
        letter = _pdf(
            "Surat Permohonan Akun Admin Lokal SINOVIK",
            ["Nomor: 800/415/2026", "Sekretaris Daerah Kabupaten Kudus"],
        )
        account_requests.submit_request(
            account_requests.RequestInput(
                tenant_code=kudus.code,
                agency_name="",
                agency_kind="",
                full_name="Dwi Lestari",
                position="Kepala Bagian Organisasi",
                email="organisasi@kudus.demo.go.id",
                phone="0291-435420",
                letter_number="800/415/2026",
                letter_date=wib_date(utcnow()),
                letter_filename="surat-permohonan-kudus.pdf",
                letter_bytes=letter,
            ),
            remote_addr="demo",
        )
    db.session.flush()
    return [DemoLogin("kemenkes.admin", "admin lokal, ministry without a node")]
