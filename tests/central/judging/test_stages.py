"""Stages as data: setup, promotion (freeze, stage codes, embargoed events), removal."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from central.judging import stages
from central.judging.models import EntryStatus, StageEntry, StageKind
from shared.db import db, utcnow
from shared.models import AuditLog, Proposal, Stage
from shared.services import ServiceError
from shared.services.competitions import DEFAULT_STAGES
from shared.timeutil import format_wib
from sync.models import ChangeEvent
from tests.central.judging.support import World, js, proposal, user
from tests.conftest import login

DESK = "desk_evaluation"


@pytest.fixture
def world(factory) -> World:
    return World(factory)


def test_setup_creates_every_stage_with_its_defaults(world: World) -> None:
    kinds = world.run(
        lambda: {
            j.stage.code: (j.kind, j.rubric.name if j.rubric else None)
            for j in stages.sequence(world.competition_id)
        }
    )
    assert list(kinds) == [code for code, *_ in DEFAULT_STAGES]
    assert kinds["screening"][0] == StageKind.EXTERNAL
    assert kinds[DESK] == (StageKind.SCORED, "Kriteria KIPP")
    assert kinds["presentation"] == (StageKind.SCORED, "Rubrik Final")
    assert kinds["objection"][0] == StageKind.OBJECTION and kinds["final"][0] == StageKind.FINAL
    criteria = world.run(
        lambda: [
            (c.code, c.aspect, c.weight) for c in js(world.sid("presentation")).rubric.criteria
        ]
    )
    substance = sum(w for _c, a, w in criteria if a == "substance")
    assert substance == 60 and sum(w for *_x, w in criteria) == 100


def test_promotion_freezes_moves_the_selection_and_publishes_embargoed_events(world: World) -> None:
    world.settings(DESK, passing_grade=75.0)
    t = world.tenant(province="51")
    good, weak = world.proposals(t, 2)
    world.judges(DESK, 3)
    world.open()
    world.assign()
    with pytest.raises(ServiceError, match="6"):
        world.promote(DESK)  # six sheets not submitted
    world.score_all(DESK, lambda a: 90 if a.proposal_id == good.id else 60)
    check = world.promote(DESK)
    assert check.selected == [good.id] and check.not_selected == [weak.id]

    panel_stage = world.f.get(Stage, world.sid("panel_nomination"))
    assert world.f.get(Proposal, good.id).stage_code == "panel_nomination"
    assert world.f.get(Proposal, weak.id).stage_code == DESK
    events = world.run(
        lambda: [
            (
                e.payload["uuid"],
                e.payload["stage_code"],
                db.session.get(Stage, e.stage_id).publish_at,
            )
            for e in db.session.execute(
                sa.select(ChangeEvent)
                .where(ChangeEvent.kind == "stage.reached")
                .order_by(ChangeEvent.seq)
            ).scalars()
        ]
    )
    assert (good.uuid, "panel_nomination", panel_stage.publish_at) in events
    entries = world.run(
        lambda: {e.proposal_id: (e.status, e.rank) for e in stages.entries(js(world.sid(DESK)))}
    )
    assert entries == {good.id: (EntryStatus.ADVANCED, 1), weak.id: (EntryStatus.NOT_SELECTED, 2)}
    # frozen: scores and settings no longer change
    item = world.assignments(DESK)[0]
    with pytest.raises(ServiceError):
        world.score(DESK, item.id, 10)
    with pytest.raises(ServiceError):
        world.settings(DESK, passing_grade=10.0)
    assert world.f.count(AuditLog, AuditLog.action == "judging.stage.promote") == 1


def test_stages_are_promoted_in_order(world: World) -> None:
    world.proposals(world.tenant(province="51"), 1)
    world.judges(DESK, 3)
    world.open()
    with pytest.raises(ServiceError):
        world.promote("panel_nomination")


def test_removal_reverts_to_the_last_stage_that_cut(world: World) -> None:
    world.settings(DESK, passing_grade=None)  # desk promotes everyone: no cut
    (p,) = world.proposals(world.tenant(province="51"))
    world.judges(DESK, 3)
    world.open()
    world.assign()
    world.score_all(DESK, lambda a: 80)
    world.promote(DESK)
    world.run(
        lambda: stages.remove_entry(
            js(world.sid("panel_nomination")),
            proposal(p.id),
            reason="Inovasi ditarik oleh instansi.",
            actor=user(world.staff.id),
        )
    )
    # the desk stage did not cut, screening did: the proposal falls back to screening
    assert world.f.get(Proposal, p.id).stage_code == "screening"
    entry = world.run(
        lambda: db.session.execute(
            sa.select(StageEntry.status, StageEntry.removed_reason).where(
                StageEntry.stage_id == world.sid("panel_nomination")
            )
        ).one()
    )
    assert entry == (EntryStatus.REMOVED, "Inovasi ditarik oleh instansi.")


def test_rubric_of_a_scored_stage_is_kept_once_scores_exist(world: World) -> None:
    world.proposals(world.tenant(province="51"), 1)
    world.judges(DESK, 3)
    world.open()
    world.assign()
    world.score(DESK, world.assignments(DESK)[0].id, 70, submit=False)
    final_rubric = world.run(lambda: js(world.sid("presentation")).rubric_id)
    with pytest.raises(ServiceError):
        world.settings(DESK, rubric_id=final_rubric)


def test_objection_window_must_close_before_promotion(world: World) -> None:
    sid = world.sid("objection")
    now = utcnow()
    world.settings("objection", starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=1))
    check = world.run(lambda: stages.check_promotion(js(sid)))
    ends = world.f.get(Stage, sid).ends_at
    assert any(format_wib(ends) in problem for problem in check.problems)  # window still open


# -- entering a stage before its start date (through the pages) ----------------------------------


def test_promoting_into_a_stage_before_its_start_needs_a_confirmation(world: World, client) -> None:
    world.settings(DESK, passing_grade=None)
    (p,) = world.proposals(world.tenant(province="51"), 1)
    world.judges(DESK, 3)
    world.open()
    world.assign()
    world.score_all(DESK, lambda a: 80)
    starts = utcnow() + timedelta(days=3)
    world.starts("panel_nomination", starts)
    login(client, world.staff.username)
    client.post("/language", data={"lang": "en", "next": "/"})
    url = f"/judging/stages/{world.sid(DESK)}"
    card = client.get(url).get_data(as_text=True)
    assert 'id="before-start"' in card and format_wib(starts) in card
    refused = client.post(f"{url}/promote", data={"confirm": "yes"}, follow_redirects=True)
    refusal = refused.get_data(as_text=True)
    assert (  # the stage named in the page's language
        f"The next stage, Independent Panel Nomination, starts on {format_wib(starts)}: tick"
        in refusal
    )
    assert not _frozen(world, DESK) and world.f.get(Proposal, p.id).stage_code == DESK
    done = client.post(
        f"{url}/promote", data={"confirm": "yes", "before_start": "yes"}, follow_redirects=True
    )
    assert "The stage was promoted and frozen." in done.get_data(as_text=True)
    assert _frozen(world, DESK) and world.f.get(Proposal, p.id).stage_code == "panel_nomination"
    audit = world.run(
        lambda: db.session.execute(
            sa.select(AuditLog.after).where(AuditLog.action == "judging.stage.promote")
        ).scalar_one()
    )
    assert audit["before_start"] is True


def test_a_started_next_stage_needs_no_extra_confirmation(world: World, client) -> None:
    world.settings(DESK, passing_grade=None)
    world.proposals(world.tenant(province="51"), 1)
    world.judges(DESK, 3)
    world.open()
    world.assign()
    world.score_all(DESK, lambda a: 80)
    world.starts("panel_nomination", utcnow() - timedelta(hours=1))
    login(client, world.staff.username)
    url = f"/judging/stages/{world.sid(DESK)}"
    assert 'id="before-start"' not in client.get(url).get_data(as_text=True)
    client.post(f"{url}/promote", data={"confirm": "yes"})
    assert _frozen(world, DESK)


def test_taking_screened_proposals_in_before_the_stage_starts_needs_a_confirmation(
    world: World, client
) -> None:
    world.proposals(world.tenant(province="51"), 2)
    starts = utcnow() + timedelta(days=2)
    world.starts(DESK, starts)
    login(client, world.staff.username)
    client.post("/language", data={"lang": "en", "next": "/"})
    url = f"/judging/stages/{world.sid(DESK)}/entries"
    assert 'id="before-start"' in client.get(url).get_data(as_text=True)
    refused = client.post(url, follow_redirects=True).get_data(as_text=True)
    assert "starts on " + format_wib(starts) in refused
    assert world.f.count(StageEntry) == 0
    client.post(url, data={"before_start": "yes"})
    assert world.f.count(StageEntry) == 2
    world.starts(DESK, utcnow() - timedelta(hours=1))  # once started, no confirmation
    world.proposals(world.tenant(province="52"), 1)
    assert 'id="before-start"' not in client.get(url).get_data(as_text=True)
    client.post(url)
    assert world.f.count(StageEntry) == 3


def _frozen(world: World, code: str) -> bool:
    return world.run(lambda: js(world.sid(code)).frozen)
