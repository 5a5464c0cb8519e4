"""Every judging page renders for the people who use it, with real data behind it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from central.judging.models import Assignment, PresentationSlot, Rubric
from shared.db import db
from shared.models import Role
from tests.central.judging.support import Scenario, World
from tests.conftest import login


@pytest.fixture
def scenario(factory) -> Scenario:
    return Scenario(World(factory))


def _urls(app, scenario: Scenario) -> list[str]:
    w = scenario.world
    rubric = w.run(lambda: db.session.execute(sa.select(sa.func.min(Rubric.id))).scalar_one())
    other = w.run(
        lambda: (
            db.session.execute(
                sa.select(Assignment.proposal_id).where(
                    Assignment.stage_id == w.sid("desk_evaluation")
                )
            )
            .scalars()
            .first()
        )
    )
    urls = [
        "/judging/",
        "/judging/rubrics",
        f"/judging/rubrics/{rubric}",
        "/judging/judges",
        f"/judging/judges/{scenario.evaluator.id}",
        "/sanggah/",
    ]
    for code, sid in w.stage_ids.items():
        urls += [
            f"/judging/stages/{sid}",
            f"/judging/stages/{sid}/settings",
            f"/judging/stages/{sid}/panel",
            f"/judging/stages/{sid}/entries",
            f"/judging/stages/{sid}/export.xlsx",
        ]
        if code in ("desk_evaluation", "panel_nomination", "presentation"):
            urls += [
                f"/judging/stages/{sid}/assignments",
                f"/judging/stages/{sid}/consolidation",
                f"/judging/stages/{sid}/proposals/{other}",
            ]
        if code in ("panel_nomination", "final", "presentation"):
            urls += [f"/judging/stages/{sid}/ranking", f"/judging/stages/{sid}/shortlist"]
    urls += [
        f"/judging/stages/{w.sid('final')}/final",
        f"/judging/stages/{w.sid('objection')}/objections",
        f"/judging/stages/{w.sid('presentation')}/schedule",
        f"/judging/stages/{w.sid('field_verification')}/verification",
        f"/judging/stages/{w.sid('field_verification')}/proposals/{scenario.p.id}/verification",
        f"/judging/stages/{w.sid('field_verification')}/proposals/{scenario.p.id}/material/slides",
    ]
    return urls


def test_staff_pages_render(app, client, scenario: Scenario) -> None:
    login(client, scenario.world.staff.username)
    for url in _urls(app, scenario):
        with client.get(url) as response:
            assert response.status_code == 200, (url, response.data[-800:])


def test_codes_are_shown_as_people_read_them(app, client, scenario: Scenario) -> None:
    w = scenario.world
    login(client, w.staff.username)
    rubric = w.run(lambda: db.session.execute(sa.select(sa.func.min(Rubric.id))).scalar_one())
    page = client.get(f"/judging/rubrics/{rubric}").get_data(as_text=True)
    assert "Substansi: 100%" in page and "substance" not in page.split("<select", 1)[0]
    assert '<option value="substance" selected>Substansi</option>' in page
    for code in ("panel_nomination", "final"):
        rows = client.get(f"/judging/stages/{w.sid(code)}/shortlist").get_data(as_text=True)
        assert "<td>kesehatan</td>" not in rows  # the category by its name
    rows = client.get(f"/judging/stages/{w.sid('final')}/shortlist").get_data(as_text=True)
    assert "<td>Kesehatan</td>" in rows
    fv = w.sid("field_verification")
    visits = client.get(f"/judging/stages/{fv}/verification").get_data(as_text=True)
    assert "sesuai uraian" in visits and "confirmed" not in visits
    page = client.get(f"/judging/stages/{fv}/proposals/{scenario.p.id}/verification").text
    assert "25-11-2026" in page and "2026-11-25" not in page


def test_judges_pages_render(app, client, scenario: Scenario) -> None:
    w = scenario.world
    for person in (w.evaluators[0], w.panelists[0]):
        client.post("/logout")
        login(client, person.username)
        assert client.get("/judging/queue").status_code == 200
        assert client.get("/judging/").status_code == 200
        for code in ("panel_nomination", "final", "presentation"):
            status = client.get(f"/judging/stages/{w.sid(code)}/ranking").status_code
            assert status == (200 if person.role == Role.PANELIST else 403)
        slot = w.run(lambda: db.session.execute(sa.select(PresentationSlot.id)).scalars().first())
        assert slot
        assert client.get(f"/judging/stages/{w.sid('final')}/final").status_code in (200, 403)


def test_tenant_finalist_pages_render(app, client, scenario: Scenario) -> None:
    from shared.models import Tenant

    p = scenario.p
    tenant = scenario.world.f.get(Tenant, scenario.world.f.get(type(p), p.id).tenant_id)
    admin = scenario.world.f.user(Role.LOCAL_ADMIN, tenant=tenant)
    login(client, admin.username)
    assert client.get("/finalist/").status_code == 200
    page = client.get(f"/finalist/{p.uuid}")
    assert page.status_code == 200 and b"ringkasan.pdf" in page.data
    with client.get(f"/finalist/{p.uuid}/files/summary") as download:
        assert download.data == b"%PDF-1.4 summary"
