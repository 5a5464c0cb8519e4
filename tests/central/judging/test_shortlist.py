"""Shortlists: composition rules (which bind), swaps that keep them, persisted lists."""

from __future__ import annotations

from collections.abc import Iterable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from central.judging import shortlist
from central.judging.ranking import Candidate, RankedProposal, stage_ranking
from central.judging.shortlist import CompositionRule, propose, validate_rules
from shared.models import AuditLog, Role
from shared.models.tenant import TenantKind
from shared.services import ServiceError
from tests.central.judging.support import World, js, user
from tests.conftest import login


def _ranked(specs) -> list[RankedProposal]:
    """specs: (region, is_3t, agency type, category) in rank order."""
    out = []
    for i, (region, t3, kind, category) in enumerate(specs, start=1):
        cand = Candidate(i, f"u{i:04d}", f"Inovasi {i}", "", kind, category, "umum", region, t3)
        out.append(RankedProposal(cand, i, 100 - i, 100 - i, 100 - i, 3, 1.0, (), True, False))
    return out


def test_a_3t_minimum_binds_and_pulls_in_lower_ranked_entries() -> None:
    ranking = _ranked(
        [("33", False, "kabupaten", "kesehatan")] * 8 + [("91", True, "kabupaten", "kesehatan")] * 2
    )
    result = propose(ranking, 5, [CompositionRule("is_3t", "yes", min=2)])
    assert [r.proposal_id for r in result.selected] == [1, 2, 3, 9, 10]
    assert result.pulled_in == [9, 10] and result.left_out == [4, 5]
    (report,) = result.rules
    assert report.binds and report.satisfied and (report.by_rank, report.selected) == (0, 2)
    assert result.reasons[9] == ("rule", 0)


def test_a_rule_the_ranking_already_keeps_does_not_bind() -> None:
    ranking = _ranked(
        [("91", True, "kota", "kesehatan")] + [("33", False, "kota", "kesehatan")] * 5
    )
    result = propose(ranking, 3, [CompositionRule("is_3t", "yes", min=1)])
    assert [r.proposal_id for r in result.selected] == [1, 2, 3]
    assert not result.rules[0].binds and result.pulled_in == []


def test_maximum_per_value_and_agency_groups() -> None:
    ranking = _ranked(
        [("33", False, "kabupaten", "a")] * 4
        + [("35", False, "kementerian", "a")] * 3
        + [("36", False, "kota", "b")] * 3
    )
    rules = [CompositionRule("region", "*", max=2), CompositionRule("agency_type", "kl", max=1)]
    result = propose(ranking, 5, rules)
    assert [r.proposal_id for r in result.selected] == [1, 2, 5, 8, 9]
    assert all(r.binds for r in result.rules)


def test_unmet_minimum_is_reported_not_hidden() -> None:
    ranking = _ranked([("33", False, "kabupaten", "a")] * 5)
    result = propose(ranking, 3, [CompositionRule("is_3t", "yes", min=1)])
    assert len(result.selected) == 3 and not result.rules[0].satisfied


def test_rules_are_validated() -> None:
    for bad in (
        {"dimension": "colour", "value": "x", "min": 1},
        {"dimension": "region", "value": "33"},
        {"dimension": "region", "value": "33", "min": 5, "max": 2},
        {"dimension": "region", "value": "*", "min": 1},
    ):
        with pytest.raises(ServiceError):
            validate_rules([bad])


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["33", "35", "91"]),
            st.booleans(),
            st.sampled_from(["kabupaten", "kota", "lembaga"]),
            st.just("a"),
        ),
        min_size=1,
        max_size=40,
    ),
    st.integers(1, 15),
    st.integers(0, 5),
    st.integers(1, 6),
)
def test_the_proposal_never_breaks_a_rule_it_could_keep(specs, size, min_3t, max_region) -> None:
    ranking = _ranked(specs)
    rules = [
        CompositionRule("is_3t", "yes", min=min_3t),
        CompositionRule("region", "*", max=max_region),
    ]
    result = propose(ranking, size, rules)
    chosen = [r.candidate for r in result.selected]
    assert len(chosen) <= size
    regions = [c.region for c in chosen]
    assert all(regions.count(r) <= max_region for r in set(regions))
    if sum(c.is_3t for c in chosen) < min_3t:
        # an unmet minimum: every 3T proposal left out was kept out by its region's maximum,
        # or every seat already holds a 3T proposal
        chosen_ids = {c.proposal_id for c in chosen}
        full_of_3t = len(chosen) == size and all(c.is_3t for c in chosen)
        for r in ranking:
            if r.candidate.is_3t and r.proposal_id not in chosen_ids:
                assert regions.count(r.candidate.region) >= max_region or full_of_3t


# -- persisted, with swaps ---------------------------------------------------------------------


@pytest.fixture
def panel_world(factory) -> World:
    w = World(factory)
    PANEL = "panel_nomination"
    w.settings(
        PANEL,
        shortlist_size=3,
        composition_rules=[{"dimension": "is_3t", "value": "yes", "min": 1, "max": None}],
    )
    plain = w.tenant(province="33")
    remote = w.tenant(province="91", is_3t=True)
    w.proposals(plain, 4)
    w.proposals(remote, 1)
    w.judges(["desk_evaluation", PANEL], 3)
    # desk: everyone passes; panel: the 3T proposal ranks last
    w.settings("desk_evaluation", passing_grade=None)
    w.open()
    w.assign()
    w.score_all("desk_evaluation", lambda a: 80)
    w.promote("desk_evaluation")
    w.assign(PANEL)
    w.score_all(PANEL, lambda a: 60 if a.proposal_id == max_id(w) else 90 - a.proposal_id % 5)
    return w


def max_id(w: World) -> int:
    return max(a.proposal_id for a in w.assignments("panel_nomination"))


def test_generated_list_keeps_the_rule_and_swaps_cannot_break_it(panel_world: World) -> None:
    w = panel_world
    sid = w.sid("panel_nomination")
    w.run(lambda: shortlist.generate(js(sid), actor=user(w.staff.id)))
    view = w.run(lambda: _summary(shortlist.view(js(sid))))
    remote_id = max_id(w)
    assert remote_id in view["selected"] and view["binds"] == [True]
    others = [pid for pid in view["selected"] if pid != remote_id]
    outside = view["alternates"][0]

    with pytest.raises(ServiceError, match="3T"):
        w.run(
            lambda: shortlist.swap(
                js(sid), out_id=remote_id, in_id=outside, reason="Panel", actor=user(w.staff.id)
            )
        )
    w.run(
        lambda: shortlist.swap(
            js(sid),
            out_id=others[0],
            in_id=outside,
            reason="Keputusan panel",
            actor=user(w.staff.id),
        )
    )
    after = w.run(lambda: _summary(shortlist.view(js(sid))))
    assert outside in after["selected"] and others[0] not in after["selected"]
    assert w.f.count(AuditLog, AuditLog.action == "judging.shortlist.swap") == 1


def _summary(view) -> dict:
    return {
        "selected": [r.proposal_id for r in view.selected],
        "alternates": [r.proposal_id for r in view.alternates],
        "binds": [r.binds for r in view.rules],
    }


def test_tenant_kind_values_cover_agency_aliases() -> None:
    kinds = {k.value for k in TenantKind}
    for members in shortlist.AGENCY_ALIASES.values():
        assert members <= kinds


# -- ties at the edge of the list (through the pages) -------------------------------------------


def _tied_panel(w: World, scores: dict[str, float]) -> dict[str, int]:
    """Proposals titled by the keys of ``scores`` at the panel nomination (Top 2, no rules),
    every panelist giving each the score; returns their ids by title."""
    w.settings("desk_evaluation", passing_grade=None)
    w.settings("panel_nomination", shortlist_size=2, composition_rules=[])
    ids = {title: w.proposals(w.tenant(province="51"), 1, title=title)[0].id for title in scores}
    w.judges("desk_evaluation", 3)
    w.judges("panel_nomination", 3, Role.PANELIST)
    w.open()
    w.assign()
    w.score_all("desk_evaluation", lambda a: 80)
    w.promote("desk_evaluation")
    w.assign("panel_nomination")
    by_id = {pid: scores[title] for title, pid in ids.items()}
    w.score_all("panel_nomination", lambda a: by_id[a.proposal_id])
    return ids


def test_staff_are_warned_when_the_cut_falls_inside_a_tie(factory, client) -> None:
    w = World(factory)
    ids = _tied_panel(w, {"Inovasi Juara": 90, "Inovasi Kembar A": 80, "Inovasi Kembar B": 80})
    sid = w.sid("panel_nomination")
    login(client, w.staff.username)
    client.post("/language", data={"lang": "en", "next": "/"})
    client.post(f"/judging/stages/{sid}/shortlist/generate")
    page = client.get(f"/judging/stages/{sid}/shortlist").get_data(as_text=True)
    assert 'id="cut-ties"' in page
    warning = page.split('id="cut-ties"', 1)[1].split("</div>", 1)[0]
    assert "The cut falls inside a tie." in warning and "80.00" in warning
    assert "Inovasi Kembar A" in warning and "Inovasi Kembar B" in warning
    assert "Inovasi Juara" not in warning
    assert warning.count("not on the list") == 1
    # the list itself is what the ranking gives: the warning changes nothing by itself
    selected = w.run(lambda: shortlist.selected_ids(js(sid)))
    assert len(selected) == 2 and ids["Inovasi Juara"] in selected
    # the promotion card says it too, before the stage is promoted
    stage = client.get(f"/judging/stages/{sid}").get_data(as_text=True)
    notice = stage.split('id="promotion-warnings"', 1)[1].split("</div>", 1)[0]
    assert "inside a tie" in notice
    assert "Inovasi Kembar A" in notice and "Inovasi Kembar B" in notice
    assert "Inovasi Juara" not in notice


def test_no_tie_warning_when_the_scores_differ_at_the_cut(factory, client) -> None:
    w = World(factory)
    _tied_panel(w, {"Inovasi Juara": 90, "Inovasi Kedua": 85, "Inovasi Ketiga": 80})
    sid = w.sid("panel_nomination")
    login(client, w.staff.username)
    client.post(f"/judging/stages/{sid}/shortlist/generate")
    assert 'id="cut-ties"' not in client.get(f"/judging/stages/{sid}/shortlist").text
    assert 'id="promotion-warnings"' not in client.get(f"/judging/stages/{sid}").text


# -- the cut on the ranking page ----------------------------------------------------------------


def _ranking_rows(page: str, titles: Iterable[str]) -> list[str]:
    """The ranking table's body as the reader sees it, top to bottom: each row as its title
    (with " [in]" when marked as selected and " [tie]" when flagged as tied across the cut),
    and the cut's separator row as "CUT"."""
    body = page.split('<table id="ranking">', 1)[1].split("</tbody>", 1)[0].split("<tbody>", 1)[1]
    rows = []
    for chunk in body.split("<tr")[1:]:
        if 'id="cut-line"' in chunk:
            rows.append("CUT")
            continue
        title = next(t for t in titles if f">{t}<" in chunk)
        marks = " [in]" if 'class="badge cut-in"' in chunk else ""
        marks += " [tie]" if 'class="badge cut-tie"' in chunk else ""
        rows.append(title + marks)
    return rows


def _ranking(client, sid: int) -> str:
    return client.get(f"/judging/stages/{sid}/ranking").get_data(as_text=True)


def test_the_ranking_shows_where_the_top_n_ends(factory, client) -> None:
    w = World(factory)
    scores = {"Inovasi Juara": 90, "Inovasi Kedua": 85, "Inovasi Ketiga": 80, "Inovasi Akhir": 70}
    _tied_panel(w, scores)
    sid = w.sid("panel_nomination")
    login(client, w.staff.username)
    client.post("/language", data={"lang": "en", "next": "/"})
    expected = [
        "Inovasi Juara [in]",
        "Inovasi Kedua [in]",
        "CUT",
        "Inovasi Ketiga",
        "Inovasi Akhir",
    ]
    # before the list is proposed: what proposing it would select
    page = _ranking(client, sid)
    assert _ranking_rows(page, scores) == expected
    assert "cut: Top 2" in page.split('id="cut-line"', 1)[1].split("</tr>", 1)[0]
    assert 'id="ranking-cut-ties"' not in page
    # once proposed: the list itself, at the same place
    client.post(f"/judging/stages/{sid}/shortlist/generate")
    assert _ranking_rows(_ranking(client, sid), scores) == expected


def test_the_ranking_flags_a_tie_across_the_cut(factory, client) -> None:
    w = World(factory)
    scores = {"Inovasi Juara": 90, "Inovasi Kembar A": 80, "Inovasi Kembar B": 80}
    ids = _tied_panel(w, scores)
    sid = w.sid("panel_nomination")
    login(client, w.staff.username)
    client.post("/language", data={"lang": "en", "next": "/"})
    client.post(f"/judging/stages/{sid}/shortlist/generate")
    page = _ranking(client, sid)
    rows = _ranking_rows(page, scores)
    # the tie-break (ultimately the UUID) decides which twin is in: both are flagged
    chosen = w.run(lambda: shortlist.selected_ids(js(sid)))
    inside, outside = sorted(
        ("Inovasi Kembar A", "Inovasi Kembar B"), key=lambda t: ids[t] not in chosen
    )
    assert rows == ["Inovasi Juara [in]", f"{inside} [in] [tie]", "CUT", f"{outside} [tie]"]
    notice = page.split('id="ranking-cut-ties"', 1)[1].split("</div>", 1)[0]
    assert "The cut falls inside a tie." in notice


def _marked(page: str, proposal_id: int) -> tuple[bool, bool]:
    """Does the row of ``proposal_id`` lie above the cut's line, and is it marked as selected?"""
    body = page.split('<table id="ranking">', 1)[1].split("</tbody>", 1)[0]
    above = body.index(f'data-proposal="{proposal_id}"') < body.index('id="cut-line"')
    row = body.split(f'data-proposal="{proposal_id}"', 1)[1].split("</tr>", 1)[0]
    return above, 'class="badge cut-in"' in row


def test_a_rule_or_a_swap_shows_on_both_sides_of_the_cut(panel_world: World, client) -> None:
    w = panel_world
    sid = w.sid("panel_nomination")
    remote_id = max_id(w)
    login(client, w.staff.username)
    order = w.run(lambda: [r.proposal_id for r in stage_ranking(js(sid))])
    assert order[-1] == remote_id
    # Top 3 by rank: the line follows the third; the 3T minimum pulls in the last one
    page = _ranking(client, sid)
    assert [_marked(page, pid) for pid in order] == [
        (True, True),
        (True, True),
        (True, False),
        (False, False),
        (False, True),
    ]
    w.run(lambda: shortlist.generate(js(sid), actor=user(w.staff.id)))
    w.run(
        lambda: shortlist.swap(
            js(sid), out_id=order[0], in_id=order[3], reason="Panel", actor=user(w.staff.id)
        )
    )
    page = _ranking(client, sid)
    assert [_marked(page, pid) for pid in order] == [
        (True, False),
        (True, True),
        (True, False),
        (False, True),
        (False, True),
    ]


def test_no_cut_on_the_ranking_without_a_shortlist_size(factory, client) -> None:
    w = World(factory)
    scores = {"Inovasi Juara": 90, "Inovasi Kembar A": 80, "Inovasi Kembar B": 80}
    _tied_panel(w, scores)
    w.settings("panel_nomination", shortlist_size=None)
    sid = w.sid("panel_nomination")
    login(client, w.staff.username)
    page = _ranking(client, sid)
    rows = _ranking_rows(page, scores)  # unmarked; the twins in their tie-break's order (UUID)
    assert rows[0] == "Inovasi Juara"
    assert sorted(rows[1:]) == ["Inovasi Kembar A", "Inovasi Kembar B"]
    for mark in ('id="cut-line"', "cut-in", "cut-tie", 'id="ranking-cut-ties"'):
        assert mark not in page
