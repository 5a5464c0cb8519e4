"""A conflicted judge can never open the proposal, whatever route or URL they try.

For every judging route, with every stage in the URL, the proposal (or its assignment,
objection or slot) in the URL and in the form: GET never shows the proposal, POST never
changes anything about it. List pages mask it. Public pages are out of scope (the finalist
list is public during the objection period).
"""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from flask import Flask

from central.judging.models import Assignment, PresentationSlot, Rubric
from shared.db import db
from shared.models import AuditLog
from tests.central.judging.support import Scenario, World
from tests.conftest import login


@pytest.fixture
def scenario(factory) -> Scenario:
    return Scenario(World(factory))


def _values(scenario: Scenario) -> dict[str, list]:
    w, p = scenario.world, scenario.p
    assignment_on_p = w.run(
        lambda: (
            db.session.execute(sa.select(Assignment.id).where(Assignment.proposal_id == p.id))
            .scalars()
            .first()
        )
    )
    slot_of_p = w.run(
        lambda: db.session.execute(
            sa.select(PresentationSlot.id).where(PresentationSlot.proposal_id == p.id)
        ).scalar_one()
    )
    rubric = w.run(lambda: db.session.execute(sa.select(sa.func.min(Rubric.id))).scalar_one())
    assert assignment_on_p and slot_of_p
    return {
        "stage_id": list(w.stage_ids.values()),
        "proposal_id": [p.id],
        "assignment_id": [assignment_on_p],
        "objection_id": [scenario.objection_id],
        "slot_id": [slot_of_p],
        "rubric_id": [rubric],
        "judge_id": [scenario.evaluator.id],
        "kind": ["slides", "summary"],
        "attachment_id": [scenario.attachment_id],
    }


def _urls(app: Flask, values: dict[str, list]):
    from itertools import product

    from flask import url_for

    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("judging."):
            continue
        args = sorted(rule.arguments)
        for combo in product(*(values[a] for a in args)):
            with app.test_request_context():
                yield rule, url_for(rule.endpoint, **dict(zip(args, combo, strict=True)))


def _mentions(entry: tuple, p) -> bool:
    _action, object_id, before, after = entry
    blob = json.dumps([before, after], default=str)
    return object_id == p.uuid or p.uuid in blob or f'"proposal_id": {p.id}' in blob


def test_conflicted_judges_cannot_open_the_proposal_on_any_route(
    app, client, scenario: Scenario
) -> None:
    p, w = scenario.p, scenario.world
    values = _values(scenario)
    form = {
        "proposal_id": p.id,
        "out_id": p.id,
        "in_id": p.id,
        "award": "outstanding_achievement",
        "reason": "Alasan yang cukup panjang untuk lolos validasi.",
        "note": "Catatan yang cukup panjang.",
        "body": "Pesan diskusi.",
        "action": "submit",
        "notes": "Catatan kunjungan lapangan yang panjang.",
        "visited_on": "2026-11-25",
        "outcome": "confirmed",
        **{
            f"score_{c}": "90"
            for c in (
                "kebaruan",
                "efektivitas",
                "kemanfaatan",
                "replikasi",
                "keberlanjutan",
                "presentasi",
                "wawancara",
            )
        },
        **{
            f"note_{c}": "Alasan penilaian yang panjang."
            for c in (
                "kebaruan",
                "efektivitas",
                "kemanfaatan",
                "replikasi",
                "keberlanjutan",
                "presentasi",
                "wawancara",
            )
        },
    }
    title = p.title.encode()
    checked = 0
    for judge in (scenario.evaluator, scenario.panelist):
        client.post("/logout")
        assert login(client, judge.username).status_code == 302
        for rule, url in _urls(app, values):
            last = w.run(
                lambda: db.session.execute(sa.select(sa.func.max(AuditLog.id))).scalar_one()
            )
            for method in ("GET", "POST"):
                if method not in rule.methods:
                    continue
                # Withdrawing names no proposal; sent empty, so the judge stays on the panels
                # and every later route is still tried with a panel member.
                data = (
                    None
                    if method == "GET"
                    else ({} if rule.endpoint == "judging.withdraw" else dict(form))
                )
                with client.open(url, method=method, data=data) as response:
                    body = response.get_data()
                    assert title not in body and p.uuid.encode() not in body, (
                        judge.role,
                        method,
                        url,
                    )
                    if response.status_code == 200:
                        assert method == "GET", (judge.role, url)
                    else:
                        assert response.status_code in (302, 400, 403, 404), (
                            judge.role,
                            method,
                            url,
                            response.status_code,
                        )
                    checked += 1
            new = w.run(
                lambda last=last: [
                    (e.action, e.object_id, e.before, e.after)
                    for e in db.session.execute(
                        sa.select(AuditLog).where(AuditLog.id > last)
                    ).scalars()
                ]
            )
            assert not [e for e in new if _mentions(e, p)], (judge.role, url)
    assert checked > 200


def test_the_score_page_of_the_conflicted_proposal_is_forbidden(
    app, client, scenario: Scenario
) -> None:
    w, p = scenario.world, scenario.p
    login(client, scenario.panelist.username)
    for code in ("panel_nomination", "presentation", "final", "field_verification"):
        response = client.get(f"/judging/stages/{w.sid(code)}/proposals/{p.id}")
        assert response.status_code == 403, code
    # the same panelist opens an unconflicted finalist of the same stage
    other = next(pid for pid in scenario.finalist_ids("final") if pid != p.id)
    assert client.get(f"/judging/stages/{w.sid('final')}/proposals/{other}").status_code == 200
