"""UNPSA: the secretariat nominates published winners, writes the English texts, checks
eligibility (two years of implementation) and exports a dossier (PDF plus attachments) as zip."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date

import pytest
import sqlalchemy as sa

from central.unpsa.models import UnpsaNomination
from shared.blobstore import BlobStore
from shared.db import db
from shared.models import Role
from tests import announce_factories as af
from tests.central.helpers import version_of
from tests.pdf_text import pdf_text

CYCLE = {"year": 2028, "submission_deadline": "2027-11-30"}
ENGLISH = {
    "title_en": "Online Queues for Community Health Centres",
    "summary_en": "Patients book a slot by text message.",
    "problem_en": "Queues of three hours at health centres.",
    "solution_en": "Booking by app and SMS, shown on a screen.",
    "impact_en": "Waiting time fell to thirty minutes.",
    "category_code": "effective_institutions",
    "sdgs": ["3", "16"],
}


@pytest.fixture
def winners(factory, tenant, app):
    app.config["UNPSA_CYCLE"] = CYCLE
    comp = factory.competition()
    old = af.proposal(
        factory,
        tenant,
        title="Antrean Puskesmas Daring",
        stage_code="final",
        award="top",
        implementation_start=date(2025, 11, 30),
    )
    young = af.proposal(
        factory,
        tenant,
        title="Aplikasi Baru",
        stage_code="final",
        award="top",
        implementation_start=date(2025, 12, 1),
    )
    finalist = af.proposal(factory, tenant, title="Hanya Finalis")
    af.set_publish(factory, comp.id, top99=af.past(), final=af.past())
    return {"old": old, "young": young, "finalist": finalist}


def _attach(factory, app, proposal, content: bytes, filename: str, kind: str = "decree") -> str:
    return factory.attachment(proposal, kind=kind, data=content, filename=filename).sha256


def _save(client, nomination_id: int, data: dict):
    """Save the nomination page as just loaded (with the page's version)."""
    url = f"/unpsa/{nomination_id}"
    return client.post(url, data={"version": version_of(client.get(url).text), **data})


def _nominate(client, proposal) -> int:
    response = client.post(f"/unpsa/nominate/{proposal.id}")
    assert response.status_code == 302
    return int(response.location.rstrip("/").rsplit("/", 1)[1])


def test_only_eligible_published_winners_can_be_nominated(
    client, factory, login_as, winners
) -> None:
    login_as(Role.SECRETARIAT)
    html = client.get("/unpsa").get_data(as_text=True)
    assert "Antrean Puskesmas Daring" in html and "Aplikasi Baru" in html
    assert "Hanya Finalis" not in html  # no award
    assert "kurang dari 2 tahun" in html  # the young one is marked
    # started one day too late for two years by the 30 Nov 2027 deadline
    response = client.post(f"/unpsa/nominate/{winners['young'].id}", follow_redirects=True)
    assert "Tidak memenuhi syarat" in response.get_data(as_text=True)
    assert client.post(f"/unpsa/nominate/{winners['finalist'].id}").status_code == 302
    assert factory.count(UnpsaNomination) == 0
    nomination_id = _nominate(client, winners["old"])
    assert factory.get(UnpsaNomination, nomination_id).cycle_year == 2028
    # once nominated it is no longer offered
    assert client.post(f"/unpsa/nominate/{winners['old'].id}").status_code == 302
    assert factory.count(UnpsaNomination) == 1


def test_winners_stay_out_of_reach_until_published(client, factory, login_as, winners) -> None:
    af.set_publish(factory, final=af.future())
    login_as(Role.SECRETARIAT)
    assert "Antrean Puskesmas Daring" not in client.get("/unpsa").get_data(as_text=True)


def test_english_fields_checklist_and_dossier(client, factory, login_as, winners, app) -> None:
    login_as(Role.SECRETARIAT)
    decree = b"%PDF-1.4 surat keputusan bupati"
    photo = b"\x89PNG foto kegiatan"
    _attach(factory, app, winners["old"], decree, "SK Bupati.pdf")
    _attach(factory, app, winners["old"], photo, "foto 1.png", kind="photo")
    nomination_id = _nominate(client, winners["old"])

    # incomplete: the export is refused and says what is missing
    response = client.get(f"/unpsa/{nomination_id}/dossier.zip", follow_redirects=True)
    assert response.mimetype == "text/html"
    assert "Berkas belum siap" in response.get_data(as_text=True)
    assert "Judul dalam bahasa Inggris" in response.get_data(as_text=True)

    bad = _save(client, nomination_id, {**ENGLISH, "category_code": "sports"})
    assert bad.status_code == 400
    assert "Online Queues" in bad.get_data(as_text=True)  # nothing typed is lost
    assert factory.get(UnpsaNomination, nomination_id).title_en == ""

    assert _save(client, nomination_id, dict(ENGLISH)).status_code == 302
    saved = factory.get(UnpsaNomination, nomination_id)
    assert (saved.title_en, saved.sdgs) == (ENGLISH["title_en"], [3, 16])

    response = client.get(f"/unpsa/{nomination_id}/dossier.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as zf:
        names = zf.namelist()
        folder = names[0].split("/")[0]
        assert f"{folder}/dossier.pdf" in names
        attached = {n.split("/", 1)[1]: zf.read(n) for n in names if "/attachments/" in n}
        assert sorted(attached.values()) == sorted([decree, photo])  # byte-identical
        assert any(n.endswith("decree-SK_Bupati.pdf") for n in attached)
        manifest = json.loads(zf.read(f"{folder}/manifest.json"))
        assert manifest["cycle"] == 2028 and len(manifest["files"]) == 3
        text = pdf_text(zf.read(f"{folder}/dossier.pdf"))
    assert "Online Queues for Community Health Centres" in text
    assert "Enhancing the effectiveness of public institutions" in text
    assert "Good Health and Well-being" in text and "Kabupaten Jepara" in text
    assert factory.get(UnpsaNomination, nomination_id).exported_at is not None


def test_missing_attachment_refuses_the_export(client, factory, login_as, winners, app) -> None:
    login_as(Role.SECRETARIAT)
    sha = _attach(factory, app, winners["old"], b"hilang", "hilang.pdf")
    BlobStore(app.config["BLOB_DIR"]).path(sha).unlink()
    nomination_id = _nominate(client, winners["old"])
    _save(client, nomination_id, dict(ENGLISH))
    response = client.get(f"/unpsa/{nomination_id}/dossier.zip", follow_redirects=True)
    assert "hilang.pdf tidak ada di penyimpanan berkas" in response.get_data(as_text=True)


def test_withdraw_is_audited(client, factory, login_as, winners, in_app, app) -> None:
    login_as(Role.SECRETARIAT)
    nomination_id = _nominate(client, winners["old"])
    assert client.post(f"/unpsa/{nomination_id}/withdraw").status_code == 302
    assert factory.get(UnpsaNomination, nomination_id).withdrawn
    with in_app(app):
        actions = (
            db.session.execute(
                sa.text("SELECT action FROM audit_log WHERE action LIKE 'unpsa.%' ORDER BY id")
            )
            .scalars()
            .all()
        )
    assert actions == ["unpsa.nominated", "unpsa.withdrawn"]


def _english(client) -> None:
    client.post("/language", data={"lang": "en", "next": "/unpsa"})


def test_a_nomination_page_loaded_before_a_colleagues_save_cannot_overwrite_it(
    client, factory, login_as, winners
) -> None:
    login_as(Role.SECRETARIAT)
    _english(client)
    nomination_id = _nominate(client, winners["old"])
    url = f"/unpsa/{nomination_id}"
    stale = version_of(client.get(url).text)  # two colleagues open the page
    assert _save(client, nomination_id, dict(ENGLISH)).status_code == 302
    typed = {**ENGLISH, "title_en": "Queue Booking by Text Message", "version": stale}
    response = client.post(url, data=typed)
    assert response.status_code == 400
    assert "someone else saved this nomination after you opened this page" in response.text
    assert 'value="Queue Booking by Text Message"' in response.text  # kept as typed
    saved = response.text.split('id="saved"', 1)[1].split("</section>", 1)[0]
    assert ENGLISH["title_en"] in saved
    assert factory.get(UnpsaNomination, nomination_id).title_en == ENGLISH["title_en"]


def test_withdrawing_keeps_the_texts_and_tells_colleagues_instead_of_a_404(
    client, factory, login_as, winners
) -> None:
    login_as(Role.SECRETARIAT)
    _english(client)
    nomination_id = _nominate(client, winners["old"])
    assert _save(client, nomination_id, dict(ENGLISH)).status_code == 302
    url = f"/unpsa/{nomination_id}"
    colleague = version_of(client.get(url).text)  # a colleague keeps the page open

    withdrawn = client.post(f"{url}/withdraw", follow_redirects=True)
    assert withdrawn.status_code == 200 and "The nomination is withdrawn" in withdrawn.text
    assert "withdrawn; texts kept" in withdrawn.text  # offered again, texts kept
    again = client.post(f"{url}/withdraw", follow_redirects=True)
    assert again.status_code == 200
    assert "This nomination was already withdrawn on" in again.text

    typed = {**ENGLISH, "impact_en": "Impact typed by the colleague.", "version": colleague}
    response = client.post(url, data=typed)
    assert response.status_code == 400
    assert "this nomination was withdrawn on" in response.text
    assert "Impact typed by the colleague." in response.text  # nothing typed is lost
    assert factory.get(UnpsaNomination, nomination_id).impact_en == ENGLISH["impact_en"]
    assert client.get(f"{url}/dossier.zip").status_code == 302  # no export while withdrawn

    # the colleague nominates it again from that page: their text is saved with it
    response = client.post(url, data={**typed, "action": "renominate"})
    assert response.status_code == 302
    back = factory.get(UnpsaNomination, nomination_id)
    assert not back.withdrawn and back.cycle_year == 2028
    assert (back.title_en, back.impact_en) == (
        ENGLISH["title_en"],
        "Impact typed by the colleague.",
    )

    # withdrawn and nominated again from the list: the same nomination, texts kept
    client.post(f"{url}/withdraw")
    assert _nominate(client, winners["old"]) == nomination_id
    assert factory.get(UnpsaNomination, nomination_id).summary_en == ENGLISH["summary_en"]
    assert factory.count(UnpsaNomination) == 1


def test_a_nomination_of_an_earlier_cycle_is_kept_as_it_was_sent(
    client, factory, login_as, winners
) -> None:
    """Last cycle's dossier went to the UN as it was: its page reads it, nothing changes it
    (before, saving it applied this cycle's categories and checklist to it)."""
    login_as(Role.SECRETARIAT)
    _english(client)
    nomination_id = _nominate(client, winners["old"])
    assert _save(client, nomination_id, dict(ENGLISH)).status_code == 302
    url = f"/unpsa/{nomination_id}"
    version = version_of(client.get(url).text)

    def to_last_cycle() -> int:
        nomination = db.session.get(UnpsaNomination, nomination_id)
        nomination.cycle_year -= 1
        return nomination.cycle_year

    year = factory.run(to_last_cycle)
    page = client.get(url).text
    assert f"belongs to the UNPSA {year} cycle" in page
    assert ">Save<" not in page and "Withdraw the nomination" not in page
    typed = {**ENGLISH, "impact_en": "Changed afterwards.", "version": version}
    response = client.post(url, data=typed)
    assert response.status_code == 400 and f"belongs to the UNPSA {year} cycle" in response.text
    withdrawn = client.post(f"{url}/withdraw", follow_redirects=True)
    assert f"belongs to the UNPSA {year} cycle" in withdrawn.text
    kept = factory.get(UnpsaNomination, nomination_id)
    assert (kept.impact_en, kept.withdrawn) == (ENGLISH["impact_en"], False)
