"""Score sheets, abstention, re-score requests and consolidation."""

from __future__ import annotations

import pytest

from central.judging import consolidation, scoring
from central.judging.models import Assignment, ScoreSheet, SheetStatus
from central.judging.scoring import SheetInvalid
from shared.db import db
from shared.models import AuditLog
from shared.services import ServiceError
from tests.central.judging.support import World, js, proposal, user

DESK = "desk_evaluation"


@pytest.fixture
def world(factory) -> World:
    w = World(factory)
    w.proposals(w.tenant(province="51"), 2)
    w.judges(DESK, 4)
    w.open()
    w.assign()
    return w


def _save(world: World, assignment_id: int, values: dict, notes: dict, submit: bool):
    def go():
        item = db.session.get(Assignment, assignment_id)
        return scoring.save(
            js(world.sid(DESK)),
            item,
            values=values,
            justifications=notes,
            submit=submit,
            actor=user(item.judge_id),
        ).status

    return world.run(go)


def test_draft_then_submit_with_weighted_total(world: World) -> None:
    item = world.assignments(DESK)[0]
    # a draft may be partial and unjustified
    assert _save(world, item.id, {"kebaruan": "70"}, {}, submit=False) == SheetStatus.DRAFT
    # submitting needs every criterion, in range, each justified
    with pytest.raises(SheetInvalid) as err:
        _save(
            world,
            item.id,
            {"kebaruan": "70", "efektivitas": "120"},
            {"kebaruan": "ok"},
            submit=True,
        )
    assert {"score_efektivitas", "score_kemanfaatan", "note_kebaruan", "note_efektivitas"} <= set(
        err.value.errors
    )
    values = {
        "kebaruan": "90",
        "efektivitas": "80",
        "kemanfaatan": "70",
        "replikasi": "60",
        "keberlanjutan": "50",
    }
    notes = dict.fromkeys(values, "Didukung data layanan tiga tahun.")
    assert _save(world, item.id, values, notes, submit=True) == SheetStatus.SUBMITTED
    sheet = world.run(
        lambda: (
            db.session.execute(db.select(ScoreSheet).filter_by(assignment_id=item.id))
            .scalar_one()
            .total
        )
    )
    assert sheet == pytest.approx(70.0)  # equal weights: the plain mean
    with pytest.raises(ServiceError):
        _save(world, item.id, values, notes, submit=True)
    assert world.f.count(AuditLog, AuditLog.action == "judging.score.submit") == 1


def test_others_scores_are_hidden_until_ones_own_is_submitted(world: World) -> None:
    pid = world.assignments(DESK)[0].proposal_id
    a, b, c = world.assignments(DESK, proposal_id=pid)
    world.score(DESK, b.id, 60)

    def peers_of(judge_id):
        def go():
            sheets = scoring.peer_sheets(js(world.sid(DESK)), pid, user(judge_id))
            return None if sheets is None else [s.judge_id for s in sheets]

        return world.run(go)

    assert peers_of(a.judge_id) is None
    world.score(DESK, a.id, 90)
    assert peers_of(a.judge_id) == [b.judge_id]
    assert peers_of(c.judge_id) is None


def test_abstaining_needs_a_reason_and_brings_in_another_judge(world: World) -> None:
    pid = world.assignments(DESK)[0].proposal_id
    first = world.assignments(DESK, proposal_id=pid)[0]

    def abstain(reason):
        return world.run(
            lambda: (
                scoring.abstain(
                    js(world.sid(DESK)),
                    db.session.get(Assignment, first.id),
                    reason=reason,
                    actor=user(first.judge_id),
                ).status
            )
        )

    with pytest.raises(ServiceError):
        abstain("no")
    assert abstain("Di luar bidang keahlian saya.") == SheetStatus.ABSTAINED
    judges = {a.judge_id for a in world.assignments(DESK, proposal_id=pid)}
    assert len(judges) == 4  # three who will score, plus the abstaining one on record


def test_rescore_reopens_the_sheet_and_hides_the_others_again(world: World) -> None:
    pid = world.assignments(DESK)[0].proposal_id
    a, b, _c = world.assignments(DESK, proposal_id=pid)
    world.score(DESK, a.id, 95)
    world.score(DESK, b.id, 40)

    def rescore():
        sheet = db.session.execute(db.select(ScoreSheet).filter_by(assignment_id=a.id)).scalar_one()
        scoring.request_rescore(
            js(world.sid(DESK)),
            sheet,
            note="Mohon tinjau kembali efektivitas.",
            actor=user(world.staff.id),
        )

    world.run(rescore)
    peers = world.run(lambda: scoring.peer_sheets(js(world.sid(DESK)), pid, user(a.judge_id)))
    assert peers is None
    queue = world.run(lambda: [(i.assignment.id, i.state) for i in scoring.queue(user(a.judge_id))])
    assert (a.id, "rescore") in queue and queue[0] == (a.id, "rescore")
    world.score(DESK, a.id, 50)
    assert world.f.count(AuditLog, AuditLog.action == "judging.score.rescore_request") == 1


def test_consolidation_flags_disagreement_over_the_threshold(world: World) -> None:
    world.settings(DESK, disagreement_threshold=20.0)
    items = world.assignments(DESK)
    pids = sorted({a.proposal_id for a in items})
    disputed_items = [a for a in items if a.proposal_id == pids[0]]
    for item, value in zip(disputed_items, (90, 60, 75), strict=True):
        world.score(DESK, item.id, value)
    for item in items:
        if item.proposal_id != pids[0]:
            world.score(DESK, item.id, 80)
    rows = world.run(
        lambda: {c.proposal_id: c for c in consolidation.consolidate(js(world.sid(DESK)))}
    )
    disputed, calm = rows[pids[0]], rows[pids[1]]
    assert (disputed.count, disputed.mean, disputed.spread, disputed.flagged) == (
        3,
        pytest.approx(75.0),
        30.0,
        True,
    )
    assert (calm.count, calm.spread, calm.flagged) == (3, 0.0, False)

    world.run(
        lambda: consolidation.post(
            js(world.sid(DESK)),
            proposal(pids[0]),
            body="Perbedaan pada efektivitas.",
            author=user(world.staff.id),
        )
    )
    assert world.run(lambda: consolidation.consolidate(js(world.sid(DESK)))[0].messages) == 1
