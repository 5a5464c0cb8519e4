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


def test_demo_central_shows_last_years_announced_edition_to_the_public(
    app, factory, client, in_app
) -> None:
    """The demo's public site is not empty while this year's competition is still open."""
    from central.certificates.models import Certificate
    from shared import demo_history

    year = factory.competition().year - 1
    for past in demo_history.PAST:
        factory.tenant(code=past.tenant_code, name=f"Daerah {past.tenant_code}")
    with app.test_request_context(), in_app(app):
        assert demo_history.seed_central_history() == len(demo_history.PAST)
        db.session.commit()
    with app.app_context(), in_app(app):
        codes = db.session.execute(sa.select(Certificate.code)).scalars().all()
    winners = client.get(f"/results/top?year={year}").get_data(as_text=True)
    assert "Smart Kampung: Layanan Adminduk Tuntas di Desa" in winners
    assert "Bank Sampah Digital Warga Kota" not in winners  # a finalist, not a winner
    listing = client.get("/catalogue?q=adminduk").get_data(as_text=True)
    assert "Adminduk Tuntas di Desa Sumedang" in listing
    with app.app_context(), in_app(app):
        original = db.session.execute(
            sa.select(Proposal.uuid).where(Proposal.title.startswith("Smart Kampung"))
        ).scalar_one()
    detail = client.get(f"/catalogue/{original}").get_data(as_text=True)
    assert "Adminduk Tuntas di Desa Sumedang" in detail  # "replicated by"
    assert len(codes) >= len(demo_history.PAST)  # every finalist, and the winners' awards
    assert client.get(f"/verify/{codes[0]}").status_code == 200
