"""Evidence files on a regional node: type by content, size limits, list, download, delete."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from shared.db import db
from shared.models import Attachment, AuditLog, Proposal, ProposalStatus, Role
from tests.factories import JPEG_BYTES, PDF_BYTES, PNG_BYTES
from tests.proposal_support import complete_proposal, open_window


@pytest.fixture
def setting(factory, tenant, login_as):
    open_window(factory)
    unit = factory.unit(tenant, name="Dinas Kependudukan dan Pencatatan Sipil")
    proposal = complete_proposal(factory, tenant, unit, kinds=())
    login_as(Role.OPERATOR, tenant=tenant, unit=unit)
    return proposal


def _upload(client, proposal, data: bytes, name: str, kind: str = "photo", json: bool = False):
    headers = {"Accept": "application/json"} if json else {}
    return client.post(
        f"/proposals/{proposal.id}/attachments",
        data={"kind": kind, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        headers=headers,
    )


@pytest.mark.parametrize(
    ("data", "name", "media_type"),
    [
        (PDF_BYTES, "SK Inovasi.pdf", "application/pdf"),
        (PNG_BYTES, "foto-layanan.png", "image/png"),
        (JPEG_BYTES, "foto kegiatan.JPG", "image/jpeg"),
        (PNG_BYTES, "foto-tanpa-ekstensi", "image/png"),  # the name does not matter
    ],
)
def test_pdf_jpeg_png_are_accepted_by_content(
    app, client, factory, setting, data, name, media_type
) -> None:
    response = _upload(client, setting, data, name)
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert f"Berkas {name} telah dilampirkan." in page
    attachment = factory.get(Attachment, 1)
    assert (attachment.filename, attachment.media_type, attachment.size) == (
        name,
        media_type,
        len(data),
    )
    with client.get(f"/proposals/attachments/{attachment.id}") as download:
        assert download.status_code == 200 and download.data == data
        assert download.mimetype == media_type


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"MZ\x90\x00 this is a Windows program", "laporan.pdf"),
        (b"<html><script>alert(1)</script></html>", "foto.png"),
        (b"PK\x03\x04 a zip/docx file", "proposal.docx"),
    ],
)
def test_other_content_is_refused_whatever_its_name(
    app, client, factory, setting, data, name
) -> None:
    response = _upload(client, setting, data, name)
    page = client.get(response.location).get_data(as_text=True)
    assert "Hanya berkas PDF, JPEG dan PNG yang diterima" in page
    assert factory.count(Attachment) == 0
    assert _blobs(app) == []  # nothing stored on disk


def _blobs(app):
    from shared.blobstore import BlobStore

    return list(BlobStore(app.config["BLOB_DIR"]).iter_digests())


# Limits below 0.5 MB keep the test client's request bodies in memory (werkzeug spools larger
# multipart bodies to temporary files it never closes).
KB = 1024


def test_server_size_limit(app, client, factory, setting) -> None:
    app.config["UPLOAD_MAX_MB"] = 0.25
    big = PDF_BYTES + b"0" * (256 * KB)
    response = _upload(client, setting, big, "besar.pdf", json=True)
    assert response.status_code == 400
    assert response.get_json() == {"error": "Berkas lebih besar dari 0.25 MB."}
    assert factory.count(Attachment) == 0 and _blobs(app) == []
    fits = PDF_BYTES + b"0" * (256 * KB - len(PDF_BYTES))
    assert _upload(client, setting, fits, "pas.pdf", json=True).status_code == 201


def test_competition_size_limit_when_smaller(app, client, factory, setting, in_app) -> None:
    from shared.models import CompetitionVersion

    with in_app(app):
        version = db.session.get(Proposal, setting.id).competition_version
        version.data = {**version.data, "max_attachment_mb": 0.2}
        db.session.commit()
        assert db.session.get(CompetitionVersion, version.id).data["max_attachment_mb"] == 0.2
    assert app.config["UPLOAD_MAX_MB"] == 2
    response = _upload(client, setting, PDF_BYTES + b"0" * (210 * KB), "besar.pdf")
    page = client.get(response.location).get_data(as_text=True)
    assert "Berkas lebih besar dari 0.2 MB." in page
    assert "paling besar 205 KB per berkas" in page
    assert factory.count(Attachment) == 0


def test_xhr_upload_answers_json(client, factory, setting) -> None:
    response = _upload(client, setting, PDF_BYTES, "sk.pdf", kind="decree", json=True)
    assert response.status_code == 201
    assert response.get_json()["filename"] == "sk.pdf"
    again = _upload(client, setting, PDF_BYTES, "sk-lagi.pdf", kind="decree", json=True)
    assert again.status_code == 400
    assert again.get_json() == {"error": "Berkas ini sudah dilampirkan sebagai dokumen tersebut."}
    wrong_kind = _upload(client, setting, PDF_BYTES, "x.pdf", kind="laporan", json=True)
    assert wrong_kind.get_json() == {"error": "Pilih jenis dokumen."}
    assert factory.count(Attachment) == 1


def test_list_missing_required_documents_and_delete(app, client, factory, setting) -> None:
    page = client.get(f"/proposals/{setting.id}/attachments").get_data(as_text=True)
    assert "Dokumen wajib belum dilampirkan: SK penetapan inovator atau tim." in page
    _upload(client, setting, PDF_BYTES, "SK Bupati 12-2023.pdf", kind="decree")
    page = client.get(f"/proposals/{setting.id}/attachments").get_data(as_text=True)
    assert "SK Bupati 12-2023.pdf" in page
    assert "Dokumen wajib belum dilampirkan: SK penetapan" not in page

    attachment_id = factory.get(Attachment, 1).id
    response = client.post(f"/proposals/attachments/{attachment_id}/delete", follow_redirects=True)
    assert "Berkas SK Bupati 12-2023.pdf telah dihapus." in response.get_data(as_text=True)
    assert factory.count(Attachment) == 0
    assert len(_blobs(app)) == 1  # the bytes stay: a frozen revision may refer to them
    actions = [
        a
        for a in _audit_actions(app)
        if a in ("proposal.attachment_add", "proposal.attachment_delete")
    ]
    assert actions == ["proposal.attachment_add", "proposal.attachment_delete"]


def _audit_actions(app) -> list[str]:
    from shared.tenancy import national_scope

    with app.app_context(), national_scope():
        return list(db.session.execute(sa.select(AuditLog.action).order_by(AuditLog.id)).scalars())


def test_documents_are_frozen_once_sent(app, client, factory, tenant, login_as, in_app) -> None:
    open_window(factory)
    unit = factory.unit(tenant)
    proposal = complete_proposal(factory, tenant, unit, status=ProposalStatus.SENT)
    login_as(Role.OPERATOR, tenant=tenant, unit=unit)
    response = _upload(client, proposal, PNG_BYTES, "foto.png", json=True)
    assert response.status_code == 400
    assert "tidak dapat diubah sekarang" in response.get_json()["error"]
    with in_app(app):
        attachment_id = db.session.execute(sa.select(sa.func.min(Attachment.id))).scalar_one()
    client.post(f"/proposals/attachments/{attachment_id}/delete")
    assert factory.count(Attachment) == 2
    page = client.get(f"/proposals/{proposal.id}/attachments").get_data(as_text=True)
    assert "Dokumen hanya dapat diubah selama proposal masih dapat disunting." in page
