"""The competition rules as pure checks (the views and screening build on them)."""

from datetime import UTC, date, datetime

import pytest

from shared.competition_config import default_config
from shared.services import proposal_rules as rules


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


@pytest.fixture
def config():
    return default_config()


def draft(**kw) -> rules.ProposalDraft:
    values = dict(
        group_code="umum",
        category_code="kesehatan",
        title="Jemput Bola KTP",
        sdgs=(3,),
        implementation_start=date(2023, 5, 1),
        innovator="Tim Dukcapil",
        sections={},
    )
    values.update(kw)
    return rules.ProposalDraft(**values)


def test_word_count_counts_words_like_a_reader() -> None:
    assert rules.count_words("Layanan  jemput-bola, 24 jam!\nCepat.") == 5
    assert rules.count_words("") == 0


def test_sections_required_and_limited(ctx, config) -> None:
    sections = {s.key: "kata " * 10 for s in config.sections_for("umum")}
    sections["ringkasan"] = "kata " * 201
    found = rules.check_sections(draft(sections=sections), config)
    assert [(v.code, v.field) for v in found] == [("word_limit", "section:ringkasan")]
    assert "201" in found[0].message and "200" in found[0].message
    del sections["ringkasan"]
    assert [v.code for v in rules.check_sections(draft(sections=sections), config)] == [
        "section_missing"
    ]


def test_replication_sections_apply_only_to_replikasi(ctx, config) -> None:
    umum = {s.key for s in config.sections_for("umum")}
    replikasi = {s.key for s in config.sections_for("replikasi")}
    assert {"inspirasi", "proses_replikasi", "faktor_pembeda"} == replikasi - umum


def test_implementation_age_counted_back_from_the_close(ctx, config) -> None:
    close = datetime(2027, 2, 28, 16, 59, 59, tzinfo=UTC)  # 23.59.59 WIB
    ok = rules.check_implementation_age(
        draft(implementation_start=date(2026, 2, 28)), config, close
    )
    young = rules.check_implementation_age(
        draft(implementation_start=date(2026, 3, 1)), config, close
    )
    assert ok == [] and [v.code for v in young] == ["too_young"]
    assert "28-02-2026" in young[0].message


def test_group_rules(ctx, config) -> None:
    assert [
        v.code
        for v in rules.check_group_rules(draft(group_code="replikasi"), config, invited=False)
    ] == ["replication_source"]
    assert [
        v.code for v in rules.check_group_rules(draft(group_code="khusus"), config, invited=False)
    ] == ["not_invited"]
    assert rules.check_group_rules(draft(group_code="khusus"), config, invited=True) == []


def test_quota(ctx, config) -> None:
    assert rules.check_quota("umum", config, already_used=9) == []
    assert [v.code for v in rules.check_quota("umum", config, already_used=10)] == ["quota"]
    assert rules.check_quota("khusus", config, already_used=100) == []  # no quota


@pytest.mark.parametrize(
    ("title", "duplicate"),
    [
        ("SIPANDU: Sistem Pelayanan Terpadu", True),
        ("sipandu sistem pelayanan terpadu!", True),
        ("SIPANDU - Sistem Pelayanan Terpadu Desa", True),
        ("SIGAP: Sistem Informasi Gawat Darurat", False),
        ("Sistem Pelayanan Terpadu", False),
        ("SIPANDU Sistem Pelayanan Terpad", True),
    ],
)
def test_duplicate_and_near_duplicate_titles(ctx, title, duplicate) -> None:
    found = rules.check_duplicate_title(title, ["SIPANDU: Sistem Pelayanan Terpadu"])
    assert bool(found) is duplicate


def test_window(ctx) -> None:
    opens = datetime(2026, 10, 31, 17, tzinfo=UTC)
    closes = datetime(2027, 2, 28, 17, tzinfo=UTC)
    assert rules.check_window(datetime(2027, 1, 1, tzinfo=UTC), opens, closes) == []
    closed = rules.check_window(closes, opens, closes)
    assert [v.code for v in closed] == ["closed"] and "WIB" in closed[0].message


def test_evidence(ctx, config) -> None:
    found = rules.check_evidence(draft(group_code="replikasi"), config)
    assert {v.field for v in found} == {
        "attachment:decree",
        "attachment:truth_declaration",
        "attachment:replication_statement",
        "truth_declared",
    }
    complete = draft(attachment_kinds=("decree", "truth_declaration"), truth_declared=True)
    assert rules.check_evidence(complete, config) == []
