"""`sinovik demo` content of a regional node: units, operators and proposals in every state."""

from __future__ import annotations

import re
from collections import Counter

import sqlalchemy as sa

from shared import demo_data
from shared.db import db
from shared.models import Proposal, ProposalRevision, Tenant, Unit, User
from shared.services import proposals as svc
from sync.models import OutboxItem


def test_demo_node_has_units_operators_and_proposals_in_every_state(
    app, factory, tenant, in_app, client
) -> None:
    factory.competition()
    with app.test_request_context(), in_app(app):
        logins = demo_data.seed_regional(db.session.get(Tenant, tenant.id), "jepara")
        db.session.commit()
    assert [login.username for login in logins] == [
        "jepara.admin",
        "jepara.dinkes",
        "jepara.dukcapil",
        "jepara.disperindag",
    ]
    assert logins[1].role == "operator, Dinas Kesehatan"
    with app.test_request_context(), in_app(app):
        units = db.session.execute(sa.select(Unit.name)).scalars().all()
        assert len(units) == 3
        operators = db.session.execute(sa.select(User).where(User.unit_id.is_not(None)))
        assert all(not u.needs_onboarding for u in operators.scalars())
        rows = db.session.execute(sa.select(Proposal)).scalars().all()
        assert Counter(p.status.value for p in rows) == {
            "submitted": 1,
            "sent": 1,
            "returned": 1,
            "draft": 1,
            "verified": 1,
        }
        drafting = [p for p in rows if p.title.startswith("Aksi Bunda")]
        assert len(svc.check_proposal(drafting[0], include_window=False)) >= 3  # still drafting
        returned = next(p for p in rows if p.status.value == "returned")
        assert returned.comments[0].body.startswith("Lengkapi data jumlah siswa")
        assert db.session.execute(sa.select(sa.func.count(ProposalRevision.id))).scalar() == 1
        assert db.session.execute(sa.select(sa.func.count(OutboxItem.id))).scalar() == 1
    # the operator can log in straight away and sees their unit's proposals
    client.post("/login", data={"username": "jepara.dinkes", "password": logins[1].password})
    page = client.get("/proposals/").get_data(as_text=True)
    assert "SIGAP Lansia" in page and "Klinik Ukir" not in page


def test_the_demo_admin_can_edit_the_demo_operators(app, factory, tenant, in_app, client) -> None:
    factory.competition()
    with app.test_request_context(), in_app(app):
        logins = demo_data.seed_regional(db.session.get(Tenant, tenant.id), "jepara")
        db.session.commit()
        operators = db.session.execute(
            sa.select(User.id, User.email).where(User.unit_id.is_not(None)).order_by(User.id)
        ).all()
    client.post("/login", data={"username": "jepara.admin", "password": logins[0].password})
    for user_id, email in operators:
        page = client.get(f"/operators/{user_id}/edit").get_data(as_text=True)
        unit_id = re.search(r'<option selected value="(\d+)"', page)[1]
        full_name = re.search(r'name="full_name"[^>]*value="([^"]*)"', page)[1]
        form = {"full_name": full_name, "email": email, "unit_id": unit_id}
        response = client.post(f"/operators/{user_id}/edit", data=form)
        assert response.status_code == 302, email  # saved as shown
