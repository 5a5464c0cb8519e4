"""The fast duplicate-title screening gives exactly the verdicts of the plain rule."""

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.services.proposal_rules import first_similar_title, titles_similar

WORDS = ["Layanan", "Antrean", "Daring", "Puskesmas", "Desa", "Sehat", "Klinik", "Keliling"]
title = st.lists(
    st.one_of(st.sampled_from(WORDS), st.text(alphabet="abcdeéÑ-12 ,.!", max_size=8)),
    max_size=8,
).map(" ".join)


@settings(max_examples=400, deadline=None)
@given(title, title)
def test_same_verdict_as_titles_similar(a: str, b: str) -> None:
    assert (first_similar_title(a, [b]) is not None) == titles_similar(a, b)


@settings(max_examples=100, deadline=None)
@given(title, st.lists(title, max_size=6))
def test_returns_the_first_match(a: str, others: list[str]) -> None:
    expected = next((o for o in others if titles_similar(a, o)), None)
    assert first_similar_title(a, others) == expected


def test_near_duplicates_are_found_among_many() -> None:
    others = [f"Inovasi nomor {n} untuk layanan {n * 17}" for n in range(2000)]
    assert first_similar_title("Sistem Antrean Daring Puskesmas", others) is None
    others.append("Sistem antrean daring puskesmas!")
    assert first_similar_title("Sistem Antrean Daring Puskesmas", others) == others[-1]
