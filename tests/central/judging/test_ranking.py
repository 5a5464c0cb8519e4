"""Ranking: deterministic, stable under any reordering of its input, tie-breaks as documented;
normalisation by per-evaluator z-scores."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from central.judging.models import Normalisation
from central.judging.normalisation import SheetScore, raw_means, zscore_means
from central.judging.ranking import Candidate, rank

CRITERIA = ("kebaruan", "efektivitas", "kemanfaatan")


def _candidates(n: int) -> list[Candidate]:
    return [
        Candidate(i, str(uuid.UUID(int=i * 7919 % 10007)), f"Inovasi {i}") for i in range(1, n + 1)
    ]


# Few distinct values on purpose: ties are the interesting case.
score_values = st.sampled_from([60.0, 70.0, 70.0, 80.0, 85.5, 90.0, 0.1, 0.2, 0.3])


@st.composite
def judged(draw):
    n = draw(st.integers(1, 25))
    judges = draw(st.integers(1, 6))
    cands = _candidates(n)
    sheets = []
    for c in cands:
        for j in draw(st.sets(st.integers(1, judges), max_size=judges)):
            scores = {code: draw(score_values) for code in CRITERIA}
            sheets.append(SheetScore(c.proposal_id, j, sum(scores.values()) / 3, scores))
    basis = draw(st.sampled_from(list(Normalisation)))
    return cands, sheets, basis


def _order(cands, sheets, basis):
    return [
        (r.proposal_id, r.rank)
        for r in rank(cands, sheets, basis=basis, criteria_order=CRITERIA, passing_grade=70.0)
    ]


@settings(max_examples=200, deadline=None)
@given(judged(), st.randoms(use_true_random=False))
def test_ranking_is_stable_under_reordering_of_the_input(data, rnd) -> None:
    cands, sheets, basis = data
    expected = _order(cands, sheets, basis)
    assert expected == _order(cands, sheets, basis)  # deterministic
    shuffled_c, shuffled_s = list(cands), list(sheets)
    rnd.shuffle(shuffled_c)
    rnd.shuffle(shuffled_s)
    assert _order(shuffled_c, shuffled_s, basis) == expected


@settings(max_examples=200, deadline=None)
@given(judged())
def test_ranks_are_a_total_order_following_the_documented_keys(data) -> None:
    cands, sheets, basis = data
    ranked = [r for r in rank(cands, sheets, basis=basis, criteria_order=CRITERIA) if r.rank]
    assert [r.rank for r in ranked] == list(range(1, len(ranked) + 1))
    for a, b in zip(ranked, ranked[1:], strict=False):
        key_a = (
            -round(a.score, 6),
            -round(a.raw_mean, 6),
            tuple(-round(m, 6) for m in a.criteria_means),
            -a.count,
            round(a.spread, 6),
            a.candidate.uuid,
        )
        key_b = (
            -round(b.score, 6),
            -round(b.raw_mean, 6),
            tuple(-round(m, 6) for m in b.criteria_means),
            -b.count,
            round(b.spread, 6),
            b.candidate.uuid,
        )
        assert key_a < key_b


def test_tie_breaks_in_the_documented_order() -> None:
    c = _candidates(5)
    sheets = [
        # 1 and 2: same mean 75; 1 is better on the heaviest criterion
        SheetScore(1, 1, 75, {"kebaruan": 80, "efektivitas": 70}),
        SheetScore(2, 1, 75, {"kebaruan": 70, "efektivitas": 80}),
        # 3 and 4: same everything but the number of scores: 4 has two
        SheetScore(3, 2, 60, {"kebaruan": 60, "efektivitas": 60}),
        SheetScore(4, 2, 60, {"kebaruan": 60, "efektivitas": 60}),
        SheetScore(4, 3, 60, {"kebaruan": 60, "efektivitas": 60}),
    ]
    ranked = rank(c, sheets, criteria_order=("kebaruan", "efektivitas"))
    order = [r.proposal_id for r in ranked]
    assert order[:4] == [1, 2, 4, 3]
    assert ranked[4].proposal_id == 5 and ranked[4].rank is None  # unscored: listed, not ranked


def test_identical_records_fall_back_to_the_uuid_never_the_input_order() -> None:
    c = [Candidate(1, "b-uuid", "B"), Candidate(2, "a-uuid", "A")]
    sheets = [SheetScore(1, 1, 80, {}), SheetScore(2, 1, 80, {})]
    assert [r.proposal_id for r in rank(c, sheets)] == [2, 1]
    assert [r.proposal_id for r in rank(list(reversed(c)), list(reversed(sheets)))] == [2, 1]


def test_zscore_corrects_a_strict_judge() -> None:
    # Judge 1 is strict (50-60), judge 2 lenient (80-90); each scored a different pair.
    sheets = [
        SheetScore(1, 1, 60),
        SheetScore(2, 1, 50),
        SheetScore(3, 2, 90),
        SheetScore(4, 2, 80),
    ]
    raw = raw_means(sheets)
    z = zscore_means(sheets)
    assert raw[1] < raw[4]  # raw: the strict judge's best loses to the lenient judge's worst
    assert z[1] == pytest.approx(z[3]) and z[1] > z[4]  # z-score: each judge's best ranks alike
    assert sum(z.values()) / 4 == pytest.approx(sum(raw.values()) / 4)  # same overall scale


def test_passing_grade_and_disagreement_flag() -> None:
    c = _candidates(2)
    sheets = [
        SheetScore(1, 1, 90),
        SheetScore(1, 2, 60),
        SheetScore(2, 1, 86),
        SheetScore(2, 2, 84),
    ]
    out = {r.proposal_id: r for r in rank(c, sheets, passing_grade=85, disagreement_threshold=20)}
    assert out[1].flagged and not out[1].passed  # mean 75, spread 30
    assert out[2].passed and not out[2].flagged  # mean 85
