"""Each competition rule, one at a time: its message on save (text kept) and on send and submit
(refused, nothing changed). Imported by the regional and the central test packages, so the
same cases run on a node (SQLite) and on central (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest

from shared.db import db, utcnow
from shared.models import AuditLog, Proposal, ProposalRevision, ProposalStatus, Role
from shared.services import proposals as svc
from shared.timeutil import wib_date
from sync.models import OutboxItem
from tests.proposal_support import (
    complete_proposal,
    complete_values,
    edit_post,
    open_window,
    step_version,
    values_of,
)

S = ProposalStatus


@dataclass(frozen=True)
class Case:
    code: str
    message: str  # what the page says (Bahasa Indonesia, the default locale)
    change: Callable[[dict[str, Any], Any], dict[str, Any]] = lambda v, c: {}
    group: str = "umum"
    kinds: tuple[str, ...] = ("decree", "truth_declaration")
    setup: Callable[[Any, Any, Any], None] = lambda factory, tenant, unit: None
    extra: dict[str, Any] = field(default_factory=dict)


def _without(key: str) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    return lambda v, c: {"sections": {k: t for k, t in v["sections"].items() if k != key}}


def _fill_quota(factory: Any, tenant: Any, unit: Any) -> None:
    for n in range(10):
        factory.proposal(
            tenant,
            unit,
            title=f"Inovasi Terdahulu Nomor {n} Bidang {'ABCDEFGHIJ'[n]}",
            status=S.SUBMITTED,
            submitted_revision=1,
        )


def _close_window(factory: Any, tenant: Any, unit: Any) -> None:
    now = utcnow()
    factory.set_window(now - timedelta(days=120), now - timedelta(minutes=1))


CASES = [
    Case("title_missing", "Judul wajib diisi.", lambda v, c: {"title": ""}),
    Case("category_unknown", "Pilih kategori.", lambda v, c: {"category_code": ""}),
    Case("sdg_missing", "Pilih sedikitnya satu tujuan SDGs.", lambda v, c: {"sdgs": []}),
    Case("innovator_missing", "Sebutkan inovator atau timnya.", lambda v, c: {"innovator": ""}),
    Case(
        "start_missing",
        "Tanggal mulai implementasi wajib diisi.",
        lambda v, c: {"implementation_start": None},
    ),
    Case("section_missing", "Bagian Ringkasan wajib diisi.", _without("ringkasan")),
    Case(
        "word_limit",
        "Bagian Ide Inovatif berisi 601 kata; batasnya 600 kata.",
        lambda v, c: {"sections": {**v["sections"], "ide_inovatif": " ".join(["warga"] * 601)}},
    ),
    Case(
        "too_young",
        "Inovasi harus sudah diimplementasikan sedikitnya 1 tahun",
        lambda v, c: {
            "implementation_start": wib_date(c.registration_closes_at) - timedelta(days=100)
        },
    ),
    Case(
        "replication_source",
        "Proposal replikasi harus menyebut inovasi terdahulu yang direplikasi.",
        lambda v, c: {"replicates_title": ""},
        group="replikasi",
        kinds=("decree", "truth_declaration", "replication_statement"),
    ),
    Case(
        "not_invited",
        "Kelompok Khusus hanya terbuka bagi instansi yang diundang kementerian.",
        group="khusus",
    ),
    Case(
        "quota",
        "Instansi Anda sudah memakai kuota 10 proposal pada kelompok Umum.",
        setup=_fill_quota,
    ),
    Case(
        "duplicate_title",
        "Judul sama atau sangat mirip dengan judul proposal lain: "
        "SIPANDU: Sistem Pelayanan Terpadu Lansia.",
        lambda v, c: {"title": "Sipandu - Sistem Pelayanan Terpadu Lansia!"},
        setup=lambda f, t, u: f.proposal(t, u, title="SIPANDU: Sistem Pelayanan Terpadu Lansia"),
    ),
    Case(
        "attachment_missing",
        "Dokumen wajib belum dilampirkan: SK penetapan inovator atau tim.",
        kinds=("truth_declaration",),
    ),
    Case(
        "truth_declaration",
        "Centang pernyataan bahwa informasi yang disampaikan benar.",
        lambda v, c: {"truth_declared": False},
    ),
    Case(
        "video_url",
        "Tautan video harus berupa alamat web yang diawali http:// atau https://.",
        lambda v, c: {"video_url": "youtube.com/watch?v=jemputbola"},
    ),
    Case(
        "contact_email",
        "Alamat surel narahubung tidak valid.",
        lambda v, c: {"contact_email": "rina@"},
    ),
    Case(
        "contact_phone",
        "Masukkan nomor telepon: angka, spasi, +, -, tanda kurung.",
        lambda v, c: {"contact_phone": "hubungi saya"},
    ),
    Case("closed", "Pendaftaran ditutup pada", setup=_close_window),
]


def _prepare(
    case: Case, factory: Any, tenant: Any, unit: Any, status: ProposalStatus, broken: bool
) -> Any:
    """A proposal meeting every rule (or, ``broken``, breaking only ``case``'s rule)."""
    competition = open_window(factory)
    values = complete_values(competition, case.group)
    overrides = case.change(values, competition) if broken else {}
    proposal = complete_proposal(
        factory, tenant, unit, status=status, group=case.group, kinds=case.kinds, **overrides
    )
    case.setup(factory, tenant, unit)
    return proposal, competition


def _codes(app: Any, in_app: Any, proposal_id: int) -> list[str]:
    with app.test_request_context(), in_app(app):
        return [v.code for v in svc.check_proposal(db.session.get(Proposal, proposal_id))]


@pytest.mark.parametrize("case", CASES, ids=[c.code for c in CASES])
def test_rule_message_on_save_keeps_the_text(
    case, app, client, factory, tenant, login_as, in_app
) -> None:
    unit = factory.unit(tenant, name="Puskesmas Bangsri")
    proposal, competition = _prepare(case, factory, tenant, unit, S.DRAFT, broken=False)
    values = values_of(proposal)
    values.update(case.change(values, competition))
    login_as(Role.OPERATOR, tenant=tenant, unit=unit)

    response = edit_post(client, proposal.id, values)
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "Tersimpan. 1 ketentuan belum terpenuhi" in page
    assert case.message in page

    stored = factory.get(Proposal, proposal.id)
    assert values_of(stored) == {**values, "sdgs": sorted(values["sdgs"])}  # all text kept
    assert _codes(app, in_app, proposal.id) == [case.code]  # and only this rule fails


@pytest.mark.parametrize("case", CASES, ids=[c.code for c in CASES])
@pytest.mark.parametrize(
    ("step", "role", "status"),
    [("send", Role.OPERATOR, S.DRAFT), ("submit", Role.LOCAL_ADMIN, S.VERIFIED)],
)
def test_rule_refuses_send_and_submit(
    case, step, role, status, app, client, factory, tenant, login_as, in_app
) -> None:
    _refused(case, step, role, status, app, client, factory, tenant, login_as, in_app)


@pytest.mark.parametrize("case", CASES, ids=[c.code for c in CASES])
def test_rule_refuses_submit(case, app, client, factory, tenant, login_as, in_app) -> None:
    _refused(
        case, "submit", Role.LOCAL_ADMIN, S.VERIFIED, app, client, factory, tenant, login_as, in_app
    )


def _refused(case, step, role, status, app, client, factory, tenant, login_as, in_app) -> None:
    unit = factory.unit(tenant, name="Puskesmas Bangsri")
    proposal, _ = _prepare(case, factory, tenant, unit, status, broken=True)
    assert _codes(app, in_app, proposal.id) == [case.code]
    before = values_of(factory.get(Proposal, proposal.id))
    audit_before = factory.count(AuditLog)
    login_as(role, tenant=tenant, unit=unit if role == Role.OPERATOR else None)

    # Submit carries the version the page showed; Send needs none
    data = {"version": step_version(client, proposal.id, step)} if step == "submit" else {}
    page = client.post(f"/proposals/{proposal.id}/{step}", data=data, follow_redirects=True)
    text = page.get_data(as_text=True)
    refusal = {"send": "Proposal belum dapat dikirim.", "submit": "Proposal belum dapat diajukan."}
    assert refusal[step] in text and case.message in text

    after = factory.get(Proposal, proposal.id)
    assert after.status == status and values_of(after) == before
    assert after.submitted_revision is None and after.content_hash == ""
    assert factory.count(ProposalRevision) == 0
    assert factory.count(OutboxItem) == 0
    assert factory.count(AuditLog) == audit_before  # nothing was recorded either
