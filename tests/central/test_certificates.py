"""Certificates: one per finalist and per award, a PDF with a QR code and a verification URL, and
a public check of the code that reveals nothing before the result is published."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from central.certificates.models import Certificate, CertificateKind
from central.certificates.services import issue_certificates
from shared.db import db
from shared.models import Proposal, Role
from tests import announce_factories as af
from tests.pdf_text import pdf_drawing, pdf_text


@pytest.fixture
def comp_id(factory) -> int:
    return factory.competition().id


@pytest.fixture
def issued(factory, tenant, comp_id):
    finalist = af.proposal(factory, tenant, title="Posyandu Digital")
    winner = af.proposal(
        factory, tenant, title="Pasar Rakyat Online", stage_code="final", award="top"
    )
    af.proposal(factory, tenant, title="Tidak Lolos", stage_code="desk_evaluation")
    result = factory.run(issue_certificates, comp_id, actor=None)
    assert (result.issued, result.revoked) == (3, 0)  # finalist + (finalist, award) of the winner
    return {"finalist": finalist, "winner": winner}


def _certs(factory, **where) -> list[Certificate]:
    with factory.app.app_context():
        from shared.tenancy import national_scope

        with national_scope():
            stmt = sa.select(Certificate).filter_by(**where).order_by(Certificate.id)
            certs = list(db.session.execute(stmt).scalars())
            db.session.expunge_all()
            return certs


def test_each_finalist_and_each_award_gets_one_certificate(factory, issued, comp_id) -> None:
    certs = _certs(factory)
    kinds = sorted((c.innovation_title, c.kind.value, c.award) for c in certs)
    assert kinds == [
        ("Pasar Rakyat Online", "award", "top"),
        ("Pasar Rakyat Online", "finalist", None),
        ("Posyandu Digital", "finalist", None),
    ]
    # unguessable codes: 16 base32 characters (80 random bits), all different
    assert all(re.fullmatch(r"[A-Z2-7]{16}", c.code) for c in certs)
    assert len({c.code for c in certs}) == 3
    again = factory.run(issue_certificates, comp_id, actor=None)
    assert (again.issued, again.revoked, again.unchanged) == (0, 0, 3)


def test_verification_hides_certificates_until_the_result_is_public(
    client, factory, issued, comp_id
) -> None:
    af.set_publish(factory, comp_id, top99=af.future(), final=af.future())
    finalist_cert = _certs(factory, proposal_id=issued["finalist"].id)[0]
    page = client.get(f"/verify/{finalist_cert.code}")
    assert page.status_code == 404
    assert "Posyandu Digital" not in page.get_data(as_text=True)

    af.set_publish(factory, comp_id, top99=af.past())
    page = client.get(f"/verify/{finalist_cert.formatted_code.lower()}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert (
        "Sertifikat ini asli" in html and "Posyandu Digital" in html and "Kabupaten Jepara" in html
    )
    assert "Finalis Top 99" in html
    # the award certificate waits for the final results
    award = _certs(factory, proposal_id=issued["winner"].id, kind=CertificateKind.AWARD)[0]
    assert client.get(f"/verify/{award.code}").status_code == 404
    af.set_publish(factory, comp_id, final=af.past())
    assert "Top Inovasi Pelayanan Publik" in client.get(f"/verify/{award.code}").get_data(
        as_text=True
    )


def test_typed_codes_and_unknown_codes(client, factory, issued, comp_id) -> None:
    af.set_publish(factory, comp_id, top99=af.past())
    code = _certs(factory, proposal_id=issued["finalist"].id)[0].code
    typed = f" {code[:4]} {code[4:8]}-{code[8:]} ".lower()
    response = client.get("/verify", query_string={"code": typed})
    assert response.status_code == 302 and response.location.endswith(f"/verify/{code}")
    wrong = ("A" if code[0] != "A" else "B") + code[1:]
    page = client.get(f"/verify/{wrong}")
    assert page.status_code == 404
    assert "Tidak ada sertifikat dengan kode ini" in page.get_data(as_text=True)


def test_a_finalist_removed_later_has_its_certificate_revoked(
    client, factory, issued, comp_id, in_app, app
) -> None:
    af.set_publish(factory, comp_id, top99=af.past())
    cert = _certs(factory, proposal_id=issued["finalist"].id)[0]
    with in_app(app):  # an objection is upheld: judging takes the proposal out of the finalists
        db.session.execute(
            sa.update(Proposal)
            .where(Proposal.id == issued["finalist"].id)
            .values(stage_code="panel_nomination")
        )
        db.session.commit()
    result = factory.run(issue_certificates, comp_id, actor=None)
    assert result.revoked == 1
    html = client.get(f"/verify/{cert.code}").get_data(as_text=True)
    assert "Sertifikat ini dicabut" in html


def test_pdf_carries_the_details_code_and_verification_url(
    client, factory, login_as, issued, comp_id, tenant
) -> None:
    af.set_publish(factory, comp_id, top99=af.past(), final=af.past())
    cert = _certs(factory, proposal_id=issued["winner"].id, kind=CertificateKind.AWARD)[0]
    login_as(Role.SECRETARIAT)
    response = client.get(f"/certificates/{cert.code}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert "PIAGAM PENGHARGAAN" in text
    assert "Kabupaten Jepara" in text and "Pasar Rakyat Online" in text
    assert "Top Inovasi Pelayanan Publik Kompetisi Inovasi Pelayanan Publik Tahun" in text
    assert cert.formatted_code in text
    assert f"http://localhost/verify/{cert.code}" in text
    # the QR code is drawn as vector modules: many small filled rectangles
    assert len(re.findall(rb" re\s+f", pdf_drawing(response.data))) > 100


def test_public_base_url_is_used_in_the_certificate(
    client, factory, login_as, issued, comp_id, app
) -> None:
    app.config["PUBLIC_BASE_URL"] = "https://sinovik.menpan.go.id/"
    af.set_publish(factory, comp_id, top99=af.past())
    cert = _certs(factory, proposal_id=issued["finalist"].id)[0]
    login_as(Role.SECRETARIAT)
    text = pdf_text(client.get(f"/certificates/{cert.code}.pdf").data)
    assert f"https://sinovik.menpan.go.id/verify/{cert.code}" in text


def test_tenant_downloads_its_certificates_once_published(
    client, factory, login_as, issued, comp_id, tenant
) -> None:
    cert = _certs(factory, proposal_id=issued["finalist"].id)[0]
    af.set_publish(factory, comp_id, top99=af.future())
    login_as(Role.LOCAL_ADMIN, tenant=tenant)
    assert client.get(f"/certificates/{cert.code}.pdf").status_code == 404
    assert cert.formatted_code not in client.get("/our-results").get_data(as_text=True)
    af.set_publish(factory, comp_id, top99=af.past())
    assert cert.formatted_code in client.get("/our-results").get_data(as_text=True)
    assert client.get(f"/certificates/{cert.code}.pdf").status_code == 200


def test_secretariat_prepares_catalogue_and_certificates_in_one_step(
    client, factory, login_as, tenant, comp_id
) -> None:
    af.proposal(factory, tenant, title="Satu Finalis")
    login_as(Role.SECRETARIAT)
    year = factory.competition().year
    html = client.get(f"/announcements?year={year}").get_data(as_text=True)
    assert "Diembargo" in html
    response = client.post(f"/announcements/{year}/prepare", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "1 entri ditambahkan" in html and "1 diterbitkan" in html
    listing = client.get(f"/certificates?year={year}").get_data(as_text=True)
    assert "Satu Finalis" in listing and "Berlaku" in listing
