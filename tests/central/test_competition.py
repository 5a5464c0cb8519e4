"""The ministry admin configures the year: window in WIB, form versions, stages."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from shared.db import db
from shared.models import AuditLog, Competition, CompetitionVersion, Proposal, Role
from shared.services.competitions import current_competition
from shared.tenancy import national_scope
from shared.timeutil import to_wib
from sync.models import ChangeEvent
from tests.central.helpers import version_of


def _competition(factory) -> Competition:
    return factory.competition()


def _events(factory) -> list[ChangeEvent]:
    with factory.app.app_context(), national_scope():
        return list(db.session.execute(sa.select(ChangeEvent).order_by(ChangeEvent.seq)).scalars())


def _post(client, url: str, data: dict[str, str]):
    """Post ``data`` as typed on the page just loaded (with the page's version token)."""
    return client.post(url, data={"version": version_of(client.get(url).text), **data})


def _set_window(factory, opens: datetime, closes: datetime) -> None:
    def change() -> None:
        comp = current_competition()
        comp.registration_opens_at, comp.registration_closes_at = opens, closes

    factory.run(change)


def test_extending_the_deadline_needs_a_reason_and_reaches_the_nodes(
    client, login_as, factory
) -> None:
    comp = _competition(factory)
    login_as(Role.MINISTRY_ADMIN)
    page = client.get("/competition/window").get_data(as_text=True)
    assert 'value="2026-11-01T00:00"' in page  # shown in WIB
    data = {"opens_at": "2026-11-01T00:00", "closes_at": f"{comp.year}-03-07T23:59"}
    response = _post(client, "/competition/window", data)
    assert response.status_code == 400
    assert factory.get(Competition, comp.id).registration_closes_at == comp.registration_closes_at

    response = _post(
        client, "/competition/window", {**data, "reason": "Banyak daerah terdampak banjir."}
    )
    assert response.status_code == 302
    closes = factory.get(Competition, comp.id).registration_closes_at
    assert closes == datetime(comp.year, 3, 7, 16, 59, tzinfo=UTC)  # 23.59 WIB
    assert f"07-03-{comp.year} 23.59 WIB" in client.get("/competition/").get_data(as_text=True)
    with factory.app.app_context(), national_scope():
        entry = db.session.execute(
            sa.select(AuditLog).where(AuditLog.action == "competition.extend_deadline")
        ).scalar_one()
    assert entry.after["reason"] == "Banyak daerah terdampak banjir."
    (event,) = _events(factory)
    assert event.kind == "competition.updated" and event.tenant_id is None
    assert event.payload["registration_closes_at"] == closes.isoformat()
    assert event.payload["year"] == comp.year


def test_window_must_close_after_it_opens(client, login_as, factory) -> None:
    _competition(factory)
    login_as(Role.MINISTRY_ADMIN)
    response = _post(
        client,
        "/competition/window",
        {"opens_at": "2027-03-01T00:00", "closes_at": "2027-02-01T00:00", "reason": "x"},
    )
    assert response.status_code == 400
    assert _events(factory) == []


def test_form_changes_in_place_before_registration_opens(client, login_as, factory) -> None:
    comp = _competition(factory)
    _set_window(
        factory,
        datetime(2099, 11, 1, tzinfo=UTC),
        datetime(2100, 2, 28, tzinfo=UTC),
    )
    login_as(Role.MINISTRY_ADMIN)
    response = _post(
        client,
        "/competition/rules",
        {"min_implementation_years": "2", "max_attachment_mb": "5", "sdg_required": "y"},
    )
    assert response.status_code == 302
    with factory.app.app_context(), national_scope():
        versions = db.session.execute(sa.select(CompetitionVersion)).scalars().all()
        assert [v.number for v in versions] == [1]
        assert versions[0].config.min_implementation_years == 2
        assert versions[0].config.max_attachment_mb == 5
    assert factory.get(Competition, comp.id).current_version == 1


def test_form_changes_after_opening_make_a_newversion_of(client, login_as, factory, tenant) -> None:
    comp = _competition(factory)
    proposal = factory.proposal(tenant)
    login_as(Role.MINISTRY_ADMIN)
    page = client.get("/competition/form/sections").get_data(as_text=True)
    assert 'value="ringkasan"' in page
    rows = _rows_of_sections(factory)
    rows["rows-0-word_limit"] = "250"  # Ringkasan 200 -> 250
    rows["note"] = "Ringkasan diperpanjang"
    response = _post(client, "/competition/form/sections", rows)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    after = factory.get(Competition, comp.id)
    assert after.current_version == 2
    with factory.app.app_context(), national_scope():
        by_number = {
            v.number: v for v in db.session.execute(sa.select(CompetitionVersion)).scalars()
        }
        assert by_number[1].config.sections[0].word_limit == 200
        assert by_number[2].config.sections[0].word_limit == 250
        assert by_number[2].note == "Ringkasan diperpanjang"
        kept = db.session.get(Proposal, proposal.id)
        assert kept.competition_version_id == by_number[1].id  # written against version 1
    assert [e.payload["version"] for e in _events(factory)] == [2]


def _rows_of_sections(factory) -> dict[str, str]:
    comp = factory.competition()
    data: dict[str, str] = {}
    for i, s in enumerate(comp.config.sections):
        data.update(
            {
                f"rows-{i}-key": s.key,
                f"rows-{i}-title_id": s.title.id,
                f"rows-{i}-title_en": s.title.en,
                f"rows-{i}-word_limit": str(s.word_limit),
                f"rows-{i}-groups": ", ".join(s.groups),
            }
        )
        if s.required:
            data[f"rows-{i}-required"] = "y"
    return data


def test_groups_quota_and_new_category(client, login_as, factory) -> None:
    comp = _competition(factory)
    login_as(Role.MINISTRY_ADMIN)
    data: dict[str, str] = {}
    for i, g in enumerate(comp.config.groups):
        data.update(
            {
                f"rows-{i}-code": g.code,
                f"rows-{i}-name_id": g.name.id,
                f"rows-{i}-name_en": g.name.en,
                f"rows-{i}-quota": str(g.quota or ""),
            }
        )
        if g.by_invitation:
            data[f"rows-{i}-by_invitation"] = "y"
        if g.requires_source:
            data[f"rows-{i}-requires_source"] = "y"
    data["rows-0-quota"] = "12"
    # Replikasi cannot go while form sections still belong to it
    response = _post(client, "/competition/form/groups", {**data, "rows-1-delete": "y"})
    assert response.status_code == 400
    assert "Kelompok tidak dikenal pada bagian: replikasi" in response.get_data(as_text=True)
    data.update(
        {
            "rows-3-code": "daerah_3t",
            "rows-3-name_id": "Daerah 3T",
            "rows-3-name_en": "3T Regions",
            "rows-3-quota": "3",
        }
    )
    assert _post(client, "/competition/form/groups", data).status_code == 302
    config = factory.competition().config
    assert [g.code for g in config.groups] == ["umum", "replikasi", "khusus", "daerah_3t"]
    assert config.group("umum").quota == 12
    assert config.group("daerah_3t").quota == 3

    # a duplicate code is refused and nothing changes
    data = {
        "rows-0-code": "umum",
        "rows-0-name_id": "Umum",
        "rows-0-name_en": "General",
        "rows-1-code": "umum",
        "rows-1-name_id": "Lagi",
        "rows-1-name_en": "Again",
    }
    response = _post(client, "/competition/form/groups", data)
    assert response.status_code == 400
    assert factory.competition().config.group("daerah_3t") is not None


def test_stage_publish_times_in_wib(client, login_as, factory) -> None:
    comp = _competition(factory)
    login_as(Role.MINISTRY_ADMIN)
    data = {}
    for i, s in enumerate(comp.stages):
        data[f"rows-{i}-code"] = s.code
    data["rows-0-starts_at"] = f"{comp.year}-03-02T08:00"
    data["rows-0-ends_at"] = f"{comp.year}-03-16T16:00"
    data["rows-0-publish_at"] = f"{comp.year}-03-20T10:00"
    assert _post(client, "/competition/stages", data).status_code == 302
    screening = next(s for s in factory.competition().stages if s.code == "screening")
    assert screening.publish_at == datetime(comp.year, 3, 20, 3, 0, tzinfo=UTC)
    assert _events(factory)[-1].payload["stages"][0]["publish_at"] == (
        screening.publish_at.isoformat()
    )


def test_stage_results_cannot_be_published_before_the_stage_starts(
    client, login_as, factory
) -> None:
    comp = _competition(factory)
    before = next(s.publish_at for s in comp.stages if s.code == "screening")
    login_as(Role.MINISTRY_ADMIN)
    data = {f"rows-{i}-code": s.code for i, s in enumerate(comp.stages)}
    data["rows-0-starts_at"] = f"{comp.year}-03-02T08:00"
    data["rows-0-ends_at"] = f"{comp.year}-03-16T16:00"
    data["rows-0-publish_at"] = f"{comp.year}-02-20T10:00"
    response = _post(client, "/competition/stages", data)
    assert response.status_code == 400
    assert 'class="flash error" role="alert">' in response.text
    assert "Seleksi Administrasi" in response.text.split('class="flash error"')[1].split("<")[0]
    screening = next(s for s in factory.competition().stages if s.code == "screening")
    assert screening.publish_at == before


def test_only_the_ministry_admin_configures(client, login_as, factory) -> None:
    _competition(factory)
    login_as(Role.SECRETARIAT)
    assert client.get("/competition/").status_code == 403


def test_a_field_wtforms_checks_says_what_is_wrong_in_the_users_language(
    client, login_as, factory
) -> None:
    comp = _competition(factory)
    login_as(Role.MINISTRY_ADMIN)
    data = {"opens_at": "2026-11-01T00:00", "closes_at": "", "reason": "Banjir."}
    page = client.post("/competition/window", data=data).get_data(as_text=True)
    assert "Tanggal dan jam tidak valid." in page and "Not a valid" not in page
    page = client.post("/competition/rules", data={"min_implementation_years": "1.5"})
    assert "Bukan bilangan bulat yang valid." in page.get_data(as_text=True)
    client.post("/language", data={"lang": "en", "next": "/competition/window"})
    page = client.post("/competition/window", data=data).get_data(as_text=True)
    assert "Not a valid datetime value." in page
    assert factory.get(Competition, comp.id).registration_closes_at == comp.registration_closes_at


def _english(client) -> None:
    client.post("/language", data={"lang": "en", "next": "/competition/"})


def test_a_window_page_loaded_before_an_extension_cannot_undo_it(client, login_as, factory) -> None:
    comp = _competition(factory)
    login_as(Role.MINISTRY_ADMIN)
    _english(client)
    closes = to_wib(comp.registration_closes_at).strftime("%Y-%m-%dT%H:%M")
    stale = version_of(client.get("/competition/window").text)  # admin B opens the page
    # admin A extends the deadline
    extended = {
        "opens_at": "2026-11-01T00:00",
        "closes_at": f"{comp.year}-03-31T23:59",
        "reason": "Perpanjangan resmi sesuai surat Menteri",
    }
    assert _post(client, "/competition/window", extended).status_code == 302
    # B, on the page loaded before, corrects the opening hour and saves
    typed = {
        "version": stale,
        "opens_at": "2026-11-01T08:00",
        "closes_at": closes,
        "reason": "Koreksi jam pembukaan",
    }
    response = client.post("/competition/window", data=typed)
    assert response.status_code == 400
    page = response.text
    assert "someone else changed the registration window" in page
    assert f"31-03-{comp.year} 23.59 WIB" in page  # what it is now
    assert 'value="2026-11-01T08:00"' in page and "Koreksi jam pembukaan" in page  # kept
    after = factory.get(Competition, comp.id)
    assert after.registration_closes_at == datetime(comp.year, 3, 31, 16, 59, tzinfo=UTC)
    assert after.registration_opens_at == comp.registration_opens_at
    with factory.app.app_context(), national_scope():
        actions = db.session.execute(
            sa.select(AuditLog.action).where(AuditLog.action.like("competition.%"))
        ).scalars()
        assert list(actions) == ["competition.extend_deadline"]
    assert len(_events(factory)) == 1
    # the page shown again carries the current version: saving it now is a knowing choice
    assert version_of(page) == version_of(client.get("/competition/window").text)


def _category_rows(factory) -> dict[str, str]:
    data: dict[str, str] = {}
    for i, c in enumerate(factory.competition().config.categories):
        data.update(
            {
                f"rows-{i}-code": c.code,
                f"rows-{i}-name_id": c.name.id,
                f"rows-{i}-name_en": c.name.en,
            }
        )
    return data


def test_a_stale_categories_page_cannot_drop_a_category_added_meanwhile(
    client, login_as, factory, tenant
) -> None:
    comp = _competition(factory)
    factory.proposal(tenant)  # the form is in use: a change makes a new version
    login_as(Role.MINISTRY_ADMIN)
    _english(client)
    url = "/competition/form/categories"
    token = version_of(client.get(url).text)  # both admins open the page
    rows = _category_rows(factory)
    n = len(factory.competition().config.categories)

    def added(code: str, name_id: str, name_en: str) -> dict[str, str]:
        new = {f"rows-{n}-code": code, f"rows-{n}-name_id": name_id, f"rows-{n}-name_en": name_en}
        return {**rows, **new, "version": token}

    first = client.post(url, data=added("transportasi", "Transportasi", "Transport"))
    assert first.status_code == 302
    assert factory.get(Competition, comp.id).current_version == 2
    response = client.post(url, data=added("pariwisata", "Pariwisata", "Tourism"))
    assert response.status_code == 400
    page = response.text
    assert "someone else saved a change" in page
    assert 'value="pariwisata"' in page  # what B typed is still there
    saved = page.split('id="saved"', 1)[1].split("</section>", 1)[0]
    assert "transportasi" in saved and "pariwisata" not in saved
    codes = [c.code for c in factory.competition().config.categories]
    assert "transportasi" in codes and "pariwisata" not in codes
    assert factory.get(Competition, comp.id).current_version == 2  # no second version
    assert [e.payload["version"] for e in _events(factory)] == [2]


def test_rules_and_stage_pages_loaded_before_a_save_are_refused_too(
    client, login_as, factory
) -> None:
    comp = _competition(factory)
    login_as(Role.MINISTRY_ADMIN)
    _english(client)
    rules = {"min_implementation_years": "2", "max_attachment_mb": "5", "sdg_required": "y"}
    stale = version_of(client.get("/competition/rules").text)
    assert _post(client, "/competition/rules", rules).status_code == 302
    response = client.post(
        "/competition/rules", data={**rules, "max_attachment_mb": "9", "version": stale}
    )
    assert response.status_code == 400 and "Saved now" in response.text
    assert 'value="9"' in response.text
    assert factory.competition().config.max_attachment_mb == 5

    stages = {f"rows-{i}-code": s.code for i, s in enumerate(comp.stages)}
    stale = version_of(client.get("/competition/stages").text)
    first = {**stages, "rows-0-starts_at": f"{comp.year}-03-02T08:00"}
    assert _post(client, "/competition/stages", first).status_code == 302
    second = {**stages, "rows-0-ends_at": f"{comp.year}-03-16T16:00", "version": stale}
    response = client.post("/competition/stages", data=second)
    assert response.status_code == 400 and "Saved now" in response.text
    screening = factory.competition().stages[0]
    assert screening.starts_at == datetime(comp.year, 3, 2, 1, 0, tzinfo=UTC)
    assert screening.ends_at == comp.stages[0].ends_at  # B's change was not written
