"""Central's decisions reach the node through the change feed: once each, never before
their publish time, and safely again after central is reset."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from central.competition import services as competition_services
from central.screening import services as screening
from shared.db import db, utcnow
from shared.models.competition import Competition, Stage
from shared.models.proposal import Proposal
from shared.models.user import Role
from sync import changes, feed
from sync.models import ChangeEvent, NodeLink, ReceivedEvent
from tests.sync.conftest import Pair, sync_run


def _central_proposal(uuid: str) -> Proposal:
    return db.session.execute(sa.select(Proposal).where(Proposal.uuid == uuid)).scalar_one()


def _node_view(uuid: str) -> tuple:
    p = db.session.execute(sa.select(Proposal).where(Proposal.uuid == uuid)).scalar_one()
    return p.screening_result.value, p.screening_reason, p.stage_code, p.award


def _stage(code: str) -> Stage:
    return db.session.execute(sa.select(Stage).where(Stage.code == code)).scalar_one()


def _set_publish(pair: Pair, code: str, when) -> None:
    pair.on_central(lambda: setattr(_stage(code), "publish_at", when))


def _received(pair: Pair) -> int:
    return pair.on_node(
        lambda: db.session.execute(sa.select(sa.func.count()).select_from(ReceivedEvent)).scalar()
    )


def test_screening_result_arrives_once_and_only_after_its_publish_time(pair: Pair) -> None:
    pair.connect()
    [uuid] = pair.submitted(1)
    assert sync_run(pair).ok
    secretariat = pair.central.factory.user(Role.SECRETARIAT)
    _set_publish(pair, "screening", utcnow() + timedelta(days=3))

    def _fail():
        screening.decide(
            _central_proposal(uuid),
            result="failed",
            reason_code="too_young",
            note="Baru berjalan satu tahun.",
            actor=db.session.get(type(secretariat), secretariat.id),
        )

    pair.on_central(_fail)
    assert sync_run(pair).ok
    assert pair.on_node(_node_view, uuid)[0] == "pending"  # embargoed

    # the ministry postpones the announcement: still hidden
    _set_publish(pair, "screening", utcnow() + timedelta(days=10))
    assert sync_run(pair).ok
    assert pair.on_node(_node_view, uuid)[0] == "pending"

    _set_publish(pair, "screening", utcnow() - timedelta(minutes=1))
    assert sync_run(pair).ok
    result, reason, _, _ = pair.on_node(_node_view, uuid)
    assert result == "failed" and "Baru berjalan satu tahun." in reason
    before = _received(pair)
    again = sync_run(pair)
    assert again.ok and again.pull.applied == 0 and _received(pair) == before


def test_an_embargoed_result_does_not_hold_back_a_later_deadline_extension(pair: Pair) -> None:
    pair.connect()
    [uuid] = pair.submitted(1)
    assert sync_run(pair).ok
    stage_publish = utcnow() + timedelta(days=5)
    _set_publish(pair, "top99", stage_publish)

    def _stage_event():
        p = _central_proposal(uuid)
        feed.publish(
            "stage.reached",
            {"uuid": uuid, "stage_code": "top99", "award": None},
            tenant_id=p.tenant_id,
            stage=_stage("top99"),
        )

    pair.on_central(_stage_event)
    admin = pair.central.factory.user(Role.MINISTRY_ADMIN)
    new_close = utcnow() + timedelta(days=45)

    def _extend():
        competition = db.session.execute(sa.select(Competition)).scalar_one()
        competition_services.update_window(
            competition,
            opens_at=competition.registration_opens_at,
            closes_at=new_close,
            reason="Banyak daerah terdampak banjir",
            actor=db.session.get(type(admin), admin.id),
        )

    pair.on_central(_extend)
    assert sync_run(pair).ok
    closes = pair.on_node(
        lambda: db.session.execute(sa.select(Competition.registration_closes_at)).scalar_one()
    )
    assert abs((closes - new_close).total_seconds()) < 1
    assert pair.on_node(_node_view, uuid)[2] is None  # the stage result is still embargoed

    _set_publish(pair, "top99", utcnow() - timedelta(seconds=1))
    assert sync_run(pair).ok
    assert pair.on_node(_node_view, uuid)[2] == "top99"


def test_a_node_offline_during_the_announcement_gets_every_result_exactly_once(
    pair: Pair,
) -> None:
    pair.connect()
    uuids = pair.submitted(4)
    assert sync_run(pair).ok
    # the node goes offline; central screens, promotes and announces meanwhile
    awards = {uuids[0]: "top", uuids[1]: "outstanding_achievement", uuids[2]: None}

    def _announce():
        for uuid in uuids:
            p = _central_proposal(uuid)
            feed.publish(
                "screening.decided",
                {"uuid": uuid, "revision": 1, "result": "passed", "reason": ""},
                tenant_id=p.tenant_id,
            )
        for uuid, award in awards.items():
            p = _central_proposal(uuid)
            feed.publish(
                "stage.reached",
                {"uuid": uuid, "stage_code": "top99", "award": None},
                tenant_id=p.tenant_id,
                stage=_stage("top99"),
            )
            feed.publish(
                "award.given",
                {"uuid": uuid, "stage_code": "final", "award": award},
                tenant_id=p.tenant_id,
                stage=_stage("final"),
            )

    pair.on_central(_announce)
    for code in ("top99", "final"):
        _set_publish(pair, code, utcnow() - timedelta(minutes=5))
    expected = pair.on_central(
        lambda: db.session.execute(
            sa.select(sa.func.count())
            .select_from(ChangeEvent)
            .where(ChangeEvent.tenant_id.isnot(None))
        ).scalar()
    )
    # back online: a small page size makes the catch-up take several pages
    pair.central.app.config["SYNC_FEED_LIMIT"] = 3
    report = sync_run(pair)
    assert report.ok
    kinds = report.pull.kinds
    assert kinds["screening.decided"] == 4 and kinds["stage.reached"] == 3
    assert kinds["award.given"] == 3
    assert sum(v for k, v in kinds.items() if k != "competition.updated") == expected
    views = {uuid: pair.on_node(_node_view, uuid) for uuid in uuids}
    assert views[uuids[0]] == ("passed", "", "final", "top")
    assert views[uuids[1]] == ("passed", "", "final", "outstanding_achievement")
    assert views[uuids[2]] == ("passed", "", "final", None)
    assert views[uuids[3]] == ("passed", "", None, None)
    # a repeated pull, or one that starts over from an older cursor, applies nothing twice
    pair.on_node(lambda: setattr(db.session.get(NodeLink, 1), "cursor", 0))
    again = sync_run(pair)
    assert again.ok and again.pull.applied == 0


def test_a_reset_central_gets_everything_back_from_the_node(pair: Pair) -> None:
    pair.connect()
    uuids = pair.submitted(3)
    assert sync_run(pair).ok

    def _wipe():  # central restored from an empty backup
        from shared.models.proposal import Attachment, ProposalRevision

        for model in (Attachment, ProposalRevision, ChangeEvent):
            db.session.execute(sa.delete(model).execution_options(national=True))
        db.session.execute(sa.delete(Proposal).execution_options(national=True))
        changes.new_epoch()

    pair.on_central(_wipe)
    assert pair.central_revisions() == []
    report = sync_run(pair)
    assert report.ok and report.pull.resynced
    assert sorted(u for u, _, _ in pair.central_revisions()) == sorted(uuids)
    assert pair.outbox_states() == {"acked": 3}


def test_an_invitation_to_the_khusus_group_reaches_the_node(pair: Pair) -> None:
    from shared.models.invitation import Invitation
    from shared.models.tenant import Tenant
    from shared.services import invitations

    pair.connect()

    def _invite():
        competition = db.session.execute(sa.select(Competition)).scalar_one()
        invitations.invite(
            db.session.get(Tenant, pair.central_tenant.id), competition, "khusus", actor=None
        )

    pair.on_central(_invite)
    assert sync_run(pair).ok
    groups = pair.on_node(
        lambda: db.session.execute(sa.select(Invitation.group_code)).scalars().all()
    )
    assert groups == ["khusus"]
