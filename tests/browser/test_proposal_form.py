"""The proposal form in a real browser: live word counter, a word-limit error that loses no
text, per-section saving, the unsent copy offered back after the session is lost, uploads."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from playwright.sync_api import expect

from shared.cli_support import make_app
from shared.db import db, utcnow
from shared.models import Competition, Role, Unit
from shared.services import tenants, users
from shared.tenancy import national_scope
from tests.factories import PDF_BYTES

PASSWORD = "Operator2027ok"


def _seed(instance: Path) -> None:
    """An open window, a unit and its onboarded operator on the node."""
    app = make_app("regional", instance)
    with app.app_context(), national_scope():
        now = utcnow()
        for competition in db.session.execute(sa.select(Competition)).scalars():
            competition.registration_opens_at = now - timedelta(days=60)
            competition.registration_closes_at = now + timedelta(days=20, hours=5)
        tenant = tenants.require_by_code("33.20")
        unit = Unit(tenant_id=tenant.id, name="Dinas Kesehatan", head_name="dr. Mudrikatun")
        db.session.add(unit)
        db.session.flush()
        operator = users.create_user(
            username="operator.dinkes",
            password=PASSWORD,
            role=Role.OPERATOR,
            actor=None,
            tenant=tenant,
            unit=unit,
            full_name="Rizky Pratama",
            email="rizky@jepara.go.id",
            must_change_password=False,
        )
        operator.phone, operator.profile_completed_at = "0291-591219", utcnow()
        db.session.commit()
        db.engine.dispose()


def _login(page) -> None:
    page.get_by_label("Nama pengguna").fill("operator.dinkes")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()


def test_proposal_form_keeps_every_word(start_server, page, tmp_path) -> None:
    node = start_server("regional", "--tenant", "33.20", "--tenant-name", "Kabupaten Jepara")
    _seed(node.instance)
    page.goto(node.url + "proposals/new")
    _login(page)
    expect(page).to_have_url(re.compile(r"/proposals/new"))
    expect(page.locator("#deadline")).to_contain_text("sisa 20 hari 4 jam")

    # the header, and a summary over its limit: the counter turns red as one types
    page.get_by_label("Judul inovasi").fill("SIGAP Lansia: Layanan Kesehatan Jemput Bola")
    page.get_by_label("Kategori").select_option("kesehatan")
    page.get_by_label("3. Kehidupan Sehat dan Sejahtera").check()
    page.get_by_label("Tanggal mulai implementasi").fill("2023-03-01")
    page.get_by_label("Inovator atau tim").fill("Tim SIGAP Puskesmas Bangsri")
    summary = " ".join(["lansia"] * 205)
    page.locator("#section_ringkasan").fill(summary)
    counter = page.locator("#section_ringkasan-count")
    expect(counter).to_have_text("205 dari 200 kata")
    expect(counter).to_have_class(re.compile(r"\bover\b"))
    expect(page.locator("#section-inspirasi")).to_be_hidden()  # Replikasi only
    page.get_by_label("Kelompok").select_option("replikasi")
    expect(page.locator("#section-inspirasi")).to_be_visible()
    page.get_by_label("Kelompok").select_option("umum")

    # saving stores everything and shows the word-limit message next to the section
    page.get_by_role("button", name="Simpan proposal").click()
    expect(page).to_have_url(re.compile(r"/proposals/\d+/edit"))
    expect(page.locator("#section-ringkasan")).to_contain_text(
        "Bagian Ringkasan berisi 205 kata; batasnya 200 kata."
    )
    expect(page.locator("#section_ringkasan")).to_have_value(summary)
    expect(page.get_by_label("Judul inovasi")).to_have_value(
        "SIGAP Lansia: Layanan Kesehatan Jemput Bola"
    )
    edit_url = page.url.split("?")[0].split("#")[0]

    # one section saved on its own, without leaving the page
    shorter = "Petugas puskesmas mendatangi lansia yang tidak dapat datang ke puskesmas."
    page.locator("#section_ringkasan").fill(shorter)
    expect(counter).to_have_text("10 dari 200 kata")
    page.locator("#section-ringkasan").get_by_role("button", name="Simpan bagian ini").click()
    expect(page.locator("#section-ringkasan .section-status")).to_contain_text("Tersimpan pada")
    expect(page.locator("#section-ringkasan small.error")).to_have_count(0)

    # typing, then the session is lost: the text comes back after logging in again
    idea = "Jadwal kunjungan disusun dari data posyandu lansia bersama kader desa."
    page.locator("#section_ide_inovatif").fill(idea)
    page.context.clear_cookies()
    page.goto(edit_url)
    expect(page).to_have_url(re.compile(r"/login"))
    _login(page)
    expect(page).to_have_url(re.compile(r"/proposals/\d+/edit"))
    expect(page.locator("#section_ringkasan")).to_have_value(shorter)  # saved on the server
    expect(page.locator("#section_ide_inovatif")).to_have_value("")  # never reached it
    banner = page.locator("#draft-restore")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("belum tersimpan")
    page.get_by_role("button", name="Pulihkan teks yang belum tersimpan").click()
    expect(page.locator("#section_ide_inovatif")).to_have_value(idea)
    expect(banner).to_be_hidden()
    page.get_by_role("button", name="Simpan proposal").click()
    expect(page.locator("#section_ide_inovatif")).to_have_value(idea)
    page.reload()
    expect(page.locator("#draft-restore")).to_be_hidden()  # nothing pending any more

    # evidence: a PDF is uploaded with progress; a fake PDF is refused by its content
    page.get_by_role("link", name="Dokumen (0)").click()
    pdf = tmp_path / "SK Bupati Jepara.pdf"
    pdf.write_bytes(PDF_BYTES)
    page.get_by_label("Dokumen", exact=True).select_option("decree")
    page.get_by_label("Berkas", exact=True).set_input_files(str(pdf))
    page.get_by_role("button", name="Unggah").click()
    expect(page.locator("#documents")).to_contain_text("SK Bupati Jepara.pdf")
    fake = tmp_path / "foto.pdf"
    fake.write_text("bukan pdf")
    page.get_by_label("Berkas", exact=True).set_input_files(str(fake))
    page.get_by_role("button", name="Unggah").click()
    expect(page.locator("#upload-message")).to_contain_text(
        "Hanya berkas PDF, JPEG dan PNG yang diterima"
    )
    expect(page.locator("#documents")).not_to_contain_text("foto.pdf")
