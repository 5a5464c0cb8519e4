"""`sinovik demo` on central: a ministry without a node has submitted proposals, and an account
request waits for the secretariat, so the screening list and the dashboard are not empty."""

from __future__ import annotations

import sqlalchemy as sa

from central.accounts.models import AccountRequest, RequestStatus
from shared import demo_data
from shared.db import db
from shared.models import Proposal, ProposalStatus, Role


def test_demo_central_intake(app, factory, client, login_as, in_app) -> None:
    factory.competition()
    factory.tenant(code="33.19", name="Kabupaten Kudus", province_code="33")
    with app.test_request_context(), in_app(app):
        logins = demo_data.seed_central_intake()
        db.session.commit()
    assert [login.username for login in logins] == ["kemenkes.admin"]
    with app.app_context(), in_app(app):
        statuses = db.session.execute(sa.select(Proposal.status)).scalars().all()
        request = db.session.execute(sa.select(AccountRequest)).scalar_one()
        assert request.status == RequestStatus.PENDING
    assert statuses == [ProposalStatus.SUBMITTED, ProposalStatus.SUBMITTED]
    login_as(Role.SECRETARIAT)
    listing = client.get("/screening/").get_data(as_text=True)
    assert "Telemedisin Rumah Sakit Vertikal" in listing
    assert "Kabupaten Kudus" in client.get("/accounts/requests").get_data(as_text=True)
