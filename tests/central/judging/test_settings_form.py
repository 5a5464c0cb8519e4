"""The stage settings page refuses invalid values with a message and saves nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest

from central.judging.models import JudgingStage
from shared.db import db
from tests.central.judging.support import World, js
from tests.conftest import login

DESK = "desk_evaluation"


@pytest.fixture
def world(factory) -> World:
    return World(factory)


def _form(world: World, code: str = DESK, **changes: Any) -> dict[str, Any]:
    """The settings form as the page fills it in, with ``changes`` typed over it."""

    def _read() -> dict[str, Any]:
        stage: JudgingStage = js(world.sid(code))
        rules = stage.composition_rules or []
        return {
            "kind": stage.kind.value,
            "rubric_id": stage.rubric_id or "",
            "normalisation": stage.normalisation.value,
            "evaluators_per_proposal": stage.evaluators_per_proposal,
            "passing_grade": "" if stage.passing_grade is None else stage.passing_grade,
            "disagreement_threshold": stage.disagreement_threshold,
            "blind": "1" if stage.blind else "",
            "shortlist_size": stage.shortlist_size or "",
            "rule_dimension": [r["dimension"] for r in rules],
            "rule_value": [r["value"] for r in rules],
            "rule_min": ["" if r["min"] is None else r["min"] for r in rules],
            "rule_max": ["" if r["max"] is None else r["max"] for r in rules],
        }

    data = world.run(_read)
    data.update(changes)
    return data


def _stage(world: World, code: str = DESK) -> JudgingStage:
    def _load() -> JudgingStage:
        stage = js(world.sid(code))
        db.session.expunge(stage)
        return stage

    return world.run(_load)


def _post(client, world: World, code: str = DESK, **changes: Any):
    url = f"/judging/stages/{world.sid(code)}/settings"
    return client.post(url, data=_form(world, code, **changes), follow_redirects=True)


@pytest.mark.parametrize("value", ["0", "", "21"])
def test_judges_per_proposal_out_of_range_is_refused(world: World, client, value: str) -> None:
    world.settings(DESK, evaluators_per_proposal=4)
    login(client, world.staff.username)
    page = _post(client, world, evaluators_per_proposal=value, disagreement_threshold="15")
    assert b"Penilai per proposal: 1 sampai 20." in page.data
    assert b"Pengaturan disimpan" not in page.data
    stage = _stage(world)
    assert stage.evaluators_per_proposal == 4 and stage.disagreement_threshold != 15


def test_a_fraction_of_a_judge_is_refused_not_cut(world: World, client) -> None:
    world.settings(DESK, evaluators_per_proposal=4)
    login(client, world.staff.username)
    page = _post(client, world, evaluators_per_proposal="2.5")
    assert "Masukkan bilangan bulat." in _errors(page)
    assert _stage(world).evaluators_per_proposal == 4


def test_an_empty_disagreement_threshold_is_refused(world: World, client) -> None:
    world.settings(DESK, disagreement_threshold=25.0)
    login(client, world.staff.username)
    page = _post(client, world, disagreement_threshold="", evaluators_per_proposal="5")
    assert b"Ambang perbedaan nilai antara 0 dan 100." in page.data
    assert b"Pengaturan disimpan" not in page.data
    stage = _stage(world)
    assert stage.disagreement_threshold == 25.0 and stage.evaluators_per_proposal != 5


def test_a_refused_form_keeps_what_was_typed(world: World, client) -> None:
    login(client, world.staff.username)
    url = f"/judging/stages/{world.sid('panel_nomination')}/settings"
    typed = _form(world, "panel_nomination", evaluators_per_proposal="0", passing_grade="77.5")
    typed.update(_rule("agency_type", "lembaga", "2", "9"), blind="", special_awards="oa | A | B")
    response = client.post(url, data=typed)
    assert response.status_code == 400
    page = response.text
    assert 'name="evaluators_per_proposal" value="0"' in page
    assert 'name="passing_grade" value="77.5"' in page
    assert '<option value="agency_type" selected>' in page and 'value="lembaga"' in page
    assert 'name="rule_max" aria-label="Maksimum" value="9"' in page
    assert 'name="blind" value="1">' in page  # unticked, as sent
    assert ">oa | A | B</textarea>" in page


def test_valid_settings_are_saved(world: World, client) -> None:
    login(client, world.staff.username)
    page = _post(client, world, evaluators_per_proposal="5", disagreement_threshold="12.5")
    assert b"Pengaturan disimpan" in page.data
    stage = _stage(world)
    assert stage.evaluators_per_proposal == 5 and stage.disagreement_threshold == 12.5


def _rule(dimension: str, value: str, lo: str = "1", hi: str = "") -> dict[str, Any]:
    return {
        "rule_dimension": [dimension],
        "rule_value": [value],
        "rule_min": [lo],
        "rule_max": [hi],
    }


def _errors(page) -> list[str]:
    return re.findall(r'<div class="flash error" role="alert">([^<]*)</div>', page.text)


@pytest.mark.parametrize(
    ("dimension", "value"), [("agency_type", "xyz"), ("region", "99"), ("is_3t", "mungkin")]
)
def test_composition_rules_with_unknown_values_are_refused(
    world: World, client, dimension: str, value: str
) -> None:
    code = "panel_nomination"
    before = _stage(world, code).composition_rules
    login(client, world.staff.username)
    page = _post(client, world, code, **_rule(dimension, value))
    (error,) = _errors(page)
    assert value in error  # the message names the value it refuses
    assert b"Pengaturan disimpan" not in page.data
    assert _stage(world, code).composition_rules == before


@pytest.mark.parametrize(
    ("dimension", "value"),
    [("agency_type", "lembaga"), ("agency_type", "kl"), ("region", "33"), ("is_3t", "ya")],
)
def test_composition_rules_with_known_values_are_saved(
    world: World, client, dimension: str, value: str
) -> None:
    code = "panel_nomination"
    login(client, world.staff.username)
    page = _post(client, world, code, **_rule(dimension, value))
    assert b"Pengaturan disimpan" in page.data
    assert _stage(world, code).composition_rules == [
        {"dimension": dimension, "value": value, "min": 1, "max": None}
    ]


def _publish_at(world: World) -> Any:
    return world.run(lambda: js(world.sid(DESK)).stage.publish_at)


def test_results_cannot_be_published_before_the_stage_starts(world: World, client) -> None:
    before = _publish_at(world)
    login(client, world.staff.username)
    page = _post(
        client,
        world,
        starts_at="2027-03-16T00:00",
        ends_at="2027-04-10T23:59",
        publish_at="2027-03-01T10:00",
    )
    (error,) = _errors(page)
    assert b"Pengaturan disimpan" not in page.data
    assert _publish_at(world) == before
    ok = _post(
        client,
        world,
        starts_at="2027-03-16T00:00",
        ends_at="2027-04-10T23:59",
        publish_at="2027-04-11T10:00",
    )
    assert b"Pengaturan disimpan" in ok.data


def test_default_stages_publish_their_results_once_they_end(world: World) -> None:
    from shared.models import Competition

    def _dates() -> list[tuple[str, Any, Any, Any]]:
        competition = db.session.get(Competition, world.competition_id)
        return [(s.code, s.starts_at, s.ends_at, s.publish_at) for s in competition.stages]

    for code, starts, ends, publish in world.run(_dates):
        assert starts < ends <= publish, code
