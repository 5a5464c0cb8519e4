"""Automatic assignment: k judges each, balanced loads, conflicts never assigned, reassignment."""

from __future__ import annotations

from collections import Counter

import pytest

from central.judging import assignment, conflicts
from central.judging.assignment import Pool, compute
from central.judging.conflicts import JudgeConflicts, ProposalFacts
from shared.models import AuditLog, Role
from shared.services import ServiceError
from tests.central.judging.support import World, js, proposal, user


@pytest.fixture
def world(factory) -> World:
    return World(factory)


def test_every_entrant_gets_k_judges_with_balanced_loads(world: World) -> None:
    tenants = [world.tenant(province=p) for p in ("33", "34", "35", "36")]
    for t in tenants:
        world.proposals(t, 5)
    judges = world.judges("desk_evaluation", 6)
    assert world.open() == 20

    result = world.assign()

    assert result.created == 60 and result.short == []
    items = world.assignments("desk_evaluation")
    per_proposal = Counter(a.proposal_id for a in items)
    assert set(per_proposal.values()) == {3}
    loads = Counter(a.judge_id for a in items)
    assert set(loads) == {j.id for j in judges}
    assert max(loads.values()) - min(loads.values()) <= 1
    # a second run changes nothing: everyone already has k judges
    assert world.assign().created == 0


def test_conflicted_pairs_are_never_assigned(world: World) -> None:
    jepara = world.tenant(province="33")
    semarang = world.tenant(province="33")
    bali = world.tenant(province="51")
    p_jepara = world.proposals(jepara, 2)
    p_semarang = world.proposals(semarang, 2)
    p_bali = world.proposals(bali, 4)
    judges = world.judges("desk_evaluation", 4)
    world.affiliate(judges[0], jepara)  # conflicts with all of province 33
    world.run(
        lambda: conflicts.declare(
            user(judges[1].id),
            proposal=proposal(p_bali[0].id),
            reason="Saya pernah menjadi konsultan inovasi ini.",
            actor=user(judges[1].id),
        )
    )
    world.open()
    world.assign()

    conflicted = {p.id for p in p_jepara + p_semarang}
    for item in world.assignments("desk_evaluation", judge_id=judges[0].id):
        assert item.proposal_id not in conflicted
    mine = {a.proposal_id for a in world.assignments("desk_evaluation", judge_id=judges[1].id)}
    assert p_bali[0].id not in mine
    # the three other judges cover the province-33 proposals
    for pid in conflicted:
        assert len(world.assignments("desk_evaluation", proposal_id=pid)) == 3


def test_manual_assignment_of_a_conflicted_pair_is_refused_and_audited_otherwise(
    world: World,
) -> None:
    home = world.tenant(province="33")
    away = world.tenant(province="51")
    (p_home,) = world.proposals(home)
    (p_away,) = world.proposals(away)
    judges = world.judges("desk_evaluation", 4)
    world.affiliate(judges[0], home)
    world.open()
    stage_id = world.sid("desk_evaluation")

    with pytest.raises(ServiceError, match="konflik kepentingan|conflict of interest"):
        world.run(
            lambda: assignment.assign_manually(
                js(stage_id), proposal(p_home.id), user(judges[0].id), actor=user(world.staff.id)
            )
        )
    world.run(
        lambda: assignment.assign_manually(
            js(stage_id), proposal(p_away.id), user(judges[0].id), actor=user(world.staff.id)
        )
    )
    assert world.f.count(AuditLog, AuditLog.action == "judging.assignment.add") == 1


def test_a_new_conflict_ends_the_assignment_and_reassigns(world: World) -> None:
    home = world.tenant(province="33")
    (p,) = world.proposals(home)
    judges = world.judges("desk_evaluation", 4)
    world.open()
    world.assign()
    before = {a.judge_id for a in world.assignments("desk_evaluation", proposal_id=p.id)}
    victim = next(iter(before))
    world.affiliate(user_detached(world, victim), home)

    after = {a.judge_id for a in world.assignments("desk_evaluation", proposal_id=p.id)}
    assert victim not in after and len(after) == 3
    assert after - before and len(judges) == 4


def user_detached(world: World, user_id: int):
    return world.f.get(type(world.staff), user_id)


def test_withdrawal_reassigns_open_work_and_keeps_submitted_scores(world: World) -> None:
    t = world.tenant(province="51")
    props = world.proposals(t, 4)
    judges = world.judges("desk_evaluation", 4)
    world.open()
    world.assign()
    leaving = judges[0]
    mine = world.assignments("desk_evaluation", judge_id=leaving.id)
    world.score("desk_evaluation", mine[0].id, 80)

    world.run(
        lambda: assignment.withdraw_judge(
            js(world.sid("desk_evaluation")),
            user(leaving.id),
            reason="Sakit, tidak bisa menilai.",
            actor=user(world.staff.id),
        )
    )

    still = world.assignments("desk_evaluation", judge_id=leaving.id)
    assert [a.id for a in still] == [mine[0].id]  # the submitted one stays
    for p in props:
        assert len(world.assignments("desk_evaluation", proposal_id=p.id)) == 3


def test_compute_is_deterministic_and_balanced_without_a_database() -> None:
    facts = [ProposalFacts(pid, tenant_id=pid % 7, province=str(pid % 5)) for pid in range(1, 301)]
    judges = list(range(1000, 1012))
    conflicts_by_judge = {j: JudgeConflicts(provinces={str(j % 5)}) for j in judges}

    def run() -> list[tuple[int, int]]:
        return compute(facts, Pool(judges=judges, conflicts=dict(conflicts_by_judge)), 3)

    pairs = run()
    assert pairs == run()
    assert Counter(p for p, _ in pairs) == dict.fromkeys(range(1, 301), 3)
    for pid, jid in pairs:
        assert str(jid % 5) != str(pid % 5)
    loads = Counter(j for _, j in pairs)
    assert max(loads.values()) - min(loads.values()) <= 2


def test_only_judges_sit_on_panels(world: World) -> None:
    admin = world.f.user(Role.LOCAL_ADMIN, tenant=world.tenant())
    with pytest.raises(ServiceError):
        world.run(
            lambda: assignment.add_panel_member(
                js(world.sid("desk_evaluation")), user(admin.id), actor=user(world.staff.id)
            )
        )
