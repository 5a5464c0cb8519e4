"""Tenants without a regional node use the same proposal pages on central (SQLite and
PostgreSQL): their submission lands directly in the national inbox, with no outbox."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from shared.cli import main
from shared.db import db
from shared.models import (
    Invitation,
    Proposal,
    ProposalRevision,
    ProposalStatus,
    Role,
    TenantKind,
)
from shared.tenancy import national_scope
from sync.models import OutboxItem
from tests.factories import PDF_BYTES
from tests.proposal_rule_cases import (  # noqa: F401  (collected here, on central's databases)
    test_rule_refuses_submit,
)
from tests.proposal_support import (
    complete_proposal,
    complete_values,
    form_data,
    open_window,
    submit_post,
    verify_post,
)

S = ProposalStatus


@pytest.fixture
def ministry_tenant(factory):
    """A ministry works on central directly: it has no regional node."""
    return factory.tenant(
        code="KL-024", name="Kementerian Kesehatan", kind=TenantKind.KEMENTERIAN, province_code=None
    )


def test_direct_submission_by_a_tenant_without_a_node(
    app, client, factory, ministry_tenant, login_as, in_app
) -> None:
    competition = open_window(factory)
    unit = factory.unit(ministry_tenant, name="Direktorat Jenderal Pelayanan Kesehatan")
    login_as(Role.OPERATOR, tenant=ministry_tenant, unit=unit)
    assert "Proposal" in client.get("/dashboard").get_data(as_text=True)  # menu entry

    values = complete_values(competition, title="Telemedisin Rumah Sakit Vertikal")
    created = client.post("/proposals/new", data=form_data(values))
    assert created.status_code == 302
    proposal_id = int(re.search(r"/proposals/(\d+)/edit", created.location)[1])
    for kind in ("decree", "truth_declaration"):
        client.post(
            f"/proposals/{proposal_id}/attachments",
            data={"kind": kind, "file": (io.BytesIO(PDF_BYTES + kind.encode()), f"{kind}.pdf")},
            content_type="multipart/form-data",
        )
    assert client.post(f"/proposals/{proposal_id}/send").status_code == 302

    login_as(Role.LOCAL_ADMIN, tenant=ministry_tenant)
    assert verify_post(client, proposal_id).status_code == 302
    page = submit_post(client, proposal_id, follow_redirects=True)
    text = page.get_data(as_text=True)
    assert "Proposal telah diajukan ke kementerian." in text
    assert "Diterima kementerian" in text

    with in_app(app):
        proposal = db.session.get(Proposal, proposal_id)
        assert proposal.status == S.SUBMITTED
        assert proposal.received_at is not None and proposal.received_at == proposal.submitted_at
        inbox = db.session.execute(sa.select(ProposalRevision)).scalar_one()
        assert (inbox.tenant_id, inbox.proposal_uuid, inbox.revision) == (
            ministry_tenant.id,
            proposal.uuid,
            1,
        )
        assert inbox.content["tenant_code"] == "KL-024"
        assert inbox.content_hash == proposal.content_hash
        assert db.session.execute(sa.select(OutboxItem)).first() is None  # nothing to sync


def test_another_tenant_on_central_cannot_reach_the_proposal(
    client, factory, ministry_tenant, tenant, login_as
) -> None:
    open_window(factory)
    theirs = complete_proposal(factory, ministry_tenant, factory.unit(ministry_tenant))
    login_as(Role.LOCAL_ADMIN, tenant=tenant)
    assert client.get(f"/proposals/{theirs.id}").status_code == 404
    assert client.post(f"/proposals/{theirs.id}/verify").status_code == 404
    assert "Telemedisin" not in client.get("/proposals/").get_data(as_text=True)


def test_ministry_staff_do_not_use_the_tenant_form(client, factory, login_as) -> None:
    login_as(Role.SECRETARIAT)
    assert client.get("/proposals/").status_code == 403
    assert client.get("/proposals/new").status_code == 403


def _cli(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_cli_invites_a_tenant_to_khusus(tmp_path: Path) -> None:
    instance = str(tmp_path / "central")
    assert _cli("central", "init", "--instance", instance).exit_code == 0
    added = _cli(
        "central", "add-tenant", "--instance", instance, "--code", "KL-010", "--name",
        "Kementerian Agama", "--kind", "kementerian",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    result = _cli("central", "invite", "--instance", instance, "--tenant", "KL-010")
    assert result.exit_code == 0, result.output
    assert "KL-010 invited to khusus" in result.output
    again = _cli("central", "invite", "--instance", instance, "--tenant", "KL-010")
    assert again.exit_code == 0  # inviting twice changes nothing

    wrong = CliRunner().invoke(
        main, ["central", "invite", "--instance", instance, "--tenant", "KL-010", "--group", "umum"]
    )
    assert wrong.exit_code != 0 and "tidak perlu undangan" in wrong.output
    unknown = CliRunner().invoke(
        main, ["central", "invite", "--instance", instance, "--tenant", "XX-999"]
    )
    assert unknown.exit_code != 0 and "XX-999" in unknown.output

    from shared.cli_support import make_app

    app = make_app("central", Path(instance))
    with app.app_context(), national_scope():
        rows = db.session.execute(sa.select(Invitation.group_code)).scalars().all()
        db.engine.dispose()
    assert rows == ["khusus"]


@pytest.mark.parametrize("screened", ["passed", "failed", "in a stage"])
def test_a_proposal_the_ministry_screened_can_no_longer_be_reopened(
    app, client, factory, ministry_tenant, login_as, in_app, screened
) -> None:
    from shared.models import ScreeningResult

    open_window(factory)
    unit = factory.unit(ministry_tenant)
    values = {
        "passed": {"screening_result": ScreeningResult.PASSED},
        "failed": {"screening_result": ScreeningResult.FAILED},
        "in a stage": {"stage_code": "desk_evaluation"},
    }[screened]
    proposal = complete_proposal(factory, ministry_tenant, unit, status=S.SUBMITTED, **values)
    login_as(Role.LOCAL_ADMIN, tenant=ministry_tenant)
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert f"/proposals/{proposal.id}/revise" not in page  # no button offered
    answer = client.post(f"/proposals/{proposal.id}/revise", follow_redirects=True)
    assert "sudah menyeleksi proposal ini" in answer.get_data(as_text=True)
    with in_app(app):
        held = db.session.get(Proposal, proposal.id)
        assert (held.status, held.revision) == (S.SUBMITTED, proposal.revision)
