"""The regional node's whole journey in a real browser against a real server.

The Admin Lokal registers a unit and an operator; the operator writes a proposal with an
attachment, hits a word-limit error without losing text, sends it; the admin returns it with
a comment; the operator fixes it and sends it again; the admin's page from before the fix
refuses Verify and shows the proposal as it is now, where the language switch works; the
admin verifies and submits; after the deadline a submit is refused with a message.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from playwright.sync_api import Page, expect

from shared.cli_support import make_app
from shared.db import db, utcnow
from shared.models import Competition
from shared.tenancy import national_scope
from tests.factories import PDF_BYTES

ADMIN_PASSWORD = "JeparaKuat2027"
OPERATOR_PASSWORD = "DinkesKuat2027"
SHORT_TEXT = "Warga lansia menerima obat di rumah tanpa antre di puskesmas setiap bulan."


def set_window(instance: Path, *, closes_in: timedelta) -> None:
    """Move the registration close relative to now (the server reads it on every request)."""
    app = make_app("regional", instance)
    with app.app_context(), national_scope():
        now = utcnow()
        db.session.execute(
            sa.update(Competition).values(
                registration_opens_at=now - timedelta(days=120),
                registration_closes_at=now + closes_in,
            )
        )
        db.session.commit()
        db.engine.dispose()


def first_login(page: Page, url: str, username: str, given: str, new: str, name: str) -> None:
    """Log in with an issued password, complete the profile and choose a password."""
    page.goto(url + "login")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(given)
    page.get_by_role("button", name="Masuk").click()
    expect(page).to_have_url(re.compile(r"/onboarding"))
    page.get_by_label("Nama lengkap").fill(name)
    page.get_by_label("Surel").fill(f"{username}@jepara.go.id")
    page.get_by_label("Telepon").fill("0291-591219")
    page.get_by_label("Kata sandi sekarang").fill(given)
    page.get_by_label("Kata sandi baru", exact=True).fill(new)
    page.get_by_label("Ulangi kata sandi baru").fill(new)
    page.get_by_role("button", name="Simpan dan lanjutkan").click()
    expect(page).to_have_url(re.compile(r"/dashboard"))


def open_proposal(page: Page, url: str, title: str) -> None:
    page.goto(url + "proposals/")
    page.get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()


def test_admin_and_operator_take_a_proposal_from_draft_to_submission(
    start_server, browser, tmp_path
) -> None:
    node = start_server("regional", "--tenant", "33.20", "--tenant-name", "Kabupaten Jepara")
    set_window(node.instance, closes_in=timedelta(days=20))
    node.cli(
        "create-user", "--username", "admin.jepara", "--role", "admin", input="Diberikan2027\n"
    )
    evidence = tmp_path / "sk-inovasi.pdf"
    evidence.write_bytes(PDF_BYTES)
    declaration = tmp_path / "pernyataan.pdf"
    declaration.write_bytes(PDF_BYTES + b"% ttd\n")

    admin = browser.new_context(locale="id-ID").new_page()
    operator = browser.new_context(locale="id-ID").new_page()
    for p in (admin, operator):
        p.set_default_timeout(15_000)

    # -- the Admin Lokal registers a unit and its operator --------------------------------
    first_login(admin, node.url, "admin.jepara", "Diberikan2027", ADMIN_PASSWORD, "Siti Aminah")
    admin.get_by_role("link", name="Unit", exact=True).click()
    admin.get_by_role("link", name="Daftarkan unit").click()
    admin.get_by_label("Nama unit").fill("Dinas Kesehatan")
    admin.get_by_label("Kepala unit").fill("dr. Muhammad Ali")
    admin.get_by_label("Pejabat penanggung jawab: nama").fill("Sri Wahyuni")
    admin.get_by_label("Pejabat penanggung jawab: jabatan").fill("Sekretaris Dinas")
    admin.get_by_label("Pejabat penanggung jawab: telepon").fill("0291-591234")
    admin.get_by_label("Pejabat penanggung jawab: surel").fill("dinkes@jepara.go.id")
    admin.get_by_label("Kontak TI: nama").fill("Agus Santoso")
    admin.get_by_role("button", name="Simpan").click()
    expect(admin.get_by_text("Unit Dinas Kesehatan telah didaftarkan")).to_be_visible()

    admin.get_by_role("link", name="Buat akun operator").click()
    admin.get_by_label("Nama pengguna").fill("budi.dinkes")
    admin.get_by_label("Nama lengkap").fill("Budi Santoso")
    admin.get_by_label("Surel").fill("budi@dinkes.jepara.go.id")
    expect(admin.get_by_label("Unit")).to_have_value(re.compile(r"\d+"))  # the unit, preselected
    admin.get_by_role("button", name="Buat akun").click()
    expect(admin.get_by_role("heading", name="Akun dibuat")).to_be_visible()
    temporary = admin.locator("code.secret").inner_text()

    # -- the operator writes the proposal -------------------------------------------------
    first_login(operator, node.url, "budi.dinkes", temporary, OPERATOR_PASSWORD, "Budi Santoso")
    operator.get_by_role("link", name="Proposal", exact=True).click()
    operator.get_by_role("link", name="Proposal baru").click()
    operator.get_by_label("Judul inovasi").fill("Antar Obat untuk Lansia")
    operator.get_by_label("Kelompok").select_option(label="Umum")
    operator.get_by_label("Kategori").select_option(label="Kesehatan")
    operator.get_by_label(re.compile("Kehidupan Sehat")).check()
    operator.get_by_label("Tanggal mulai implementasi").fill("2023-02-01")
    operator.get_by_label("Inovator atau tim").fill("Tim Inovasi Puskesmas Bangsri")
    too_long = "obat " * 230
    operator.get_by_label("Ringkasan", exact=True).fill(too_long)
    expect(operator.locator("#section-ringkasan .wordcount")).to_have_class(re.compile("over"))
    for label in (
        "Ide Inovatif",
        "Signifikansi",
        "Kontribusi terhadap SDGs",
        "Adaptabilitas",
        "Keberlanjutan",
        "Kolaborasi Pemangku Kepentingan",
    ):
        operator.get_by_label(label, exact=True).fill(SHORT_TEXT)
    operator.get_by_role("button", name="Simpan proposal").click()

    # the word limit is reported next to the section, and nothing typed is lost
    expect(
        operator.get_by_text("Bagian Ringkasan berisi 230 kata; batasnya 200 kata.")
    ).to_be_visible()
    expect(operator.get_by_label("Ringkasan", exact=True)).to_have_value(too_long.strip())
    expect(operator.get_by_label("Ide Inovatif", exact=True)).to_have_value(SHORT_TEXT)
    operator.get_by_label("Ringkasan", exact=True).fill(SHORT_TEXT)
    operator.get_by_role("button", name="Simpan proposal").click()

    operator.get_by_role("link", name=re.compile(r"^Dokumen")).first.click()
    for kind, path in (
        ("SK penetapan inovator atau tim", evidence),
        ("Surat pernyataan kebenaran data yang ditandatangani", declaration),
    ):
        operator.get_by_label("Dokumen", exact=True).select_option(label=kind)
        operator.get_by_label("Berkas", exact=True).set_input_files(str(path))
        operator.get_by_role("button", name="Unggah").click()
        expect(operator.get_by_role("link", name=path.name)).to_be_visible()

    operator.get_by_role("link", name="Sunting", exact=True).click()
    operator.get_by_label(re.compile("Saya menyatakan bahwa informasi")).check()
    operator.get_by_role("button", name="Simpan proposal").click()
    expect(operator.get_by_text("Tersimpan. Proposal memenuhi semua ketentuan")).to_be_visible()
    operator.get_by_role("link", name="Proposal", exact=True).first.click()
    open_proposal(operator, node.url, "Antar Obat untuk Lansia")
    operator.get_by_role("button", name="Kirim ke Admin Lokal").click()
    expect(operator.locator("#status")).to_have_text("Dikirim ke admin")

    # -- the admin returns it with a comment ----------------------------------------------
    open_proposal(admin, node.url, "Antar Obat untuk Lansia")
    admin.get_by_label("Kembalikan ke unit dengan komentar").fill(
        "Sebutkan jumlah lansia yang dilayani per bulan."
    )
    admin.get_by_role("button", name="Kembalikan ke unit").click()
    expect(admin.locator("#status")).to_have_text("Dikembalikan")

    # -- the operator reads the comment, fixes and sends it again -------------------------
    open_proposal(operator, node.url, "Antar Obat untuk Lansia")
    expect(operator.locator("#return-note")).to_contain_text(
        "Sebutkan jumlah lansia yang dilayani per bulan."
    )
    operator.locator("#workflow").get_by_role("link", name="Sunting").click()
    operator.get_by_label("Signifikansi", exact=True).fill(
        SHORT_TEXT + " Setiap bulan 320 lansia dilayani."
    )
    operator.get_by_role("button", name="Simpan proposal").click()
    open_proposal(operator, node.url, "Antar Obat untuk Lansia")
    operator.get_by_role("button", name="Kirim ke Admin Lokal").click()
    expect(operator.locator("#status")).to_have_text("Dikirim ke admin")

    # -- Verify on the admin's page from before the fix: refused, the page as it is now -----
    expect(admin.locator("#status")).to_have_text("Dikembalikan")  # still open from the return
    admin.get_by_role("button", name="Verifikasi").click()
    expect(admin.locator(".flash.error")).to_contain_text("sehingga belum diverifikasi")
    expect(admin.get_by_text("Setiap bulan 320 lansia dilayani.")).to_be_visible()
    expect(admin.locator("#status")).to_have_text("Dikirim ke admin")
    assert re.search(r"/proposals/\d+/verify$", admin.url)  # the refused POST's own address
    # the language switch there leads back to the proposal page, in English (no 405)
    admin.get_by_role("button", name="EN", exact=True).click()
    expect(admin.locator("#status")).to_have_text("Sent to admin")
    assert re.search(r"/proposals/\d+$", admin.url)
    admin.get_by_role("button", name="ID", exact=True).click()
    expect(admin.locator("#status")).to_have_text("Dikirim ke admin")

    # -- the admin verifies and submits ---------------------------------------------------
    open_proposal(admin, node.url, "Antar Obat untuk Lansia")
    expect(admin.get_by_text("Setiap bulan 320 lansia dilayani.")).to_be_visible()
    admin.get_by_role("button", name="Verifikasi").click()
    expect(admin.locator("#status")).to_have_text("Terverifikasi")
    admin.get_by_role("button", name="Ajukan ke kementerian").click()
    expect(admin.locator("#status")).to_have_text("Diajukan")
    admin.goto(node.url + "dashboard")
    expect(admin.locator("table.quota tbody tr").first).to_have_text(re.compile(r"Umum\s*1\s*10"))

    # -- after the deadline, a submit is refused with a message ---------------------------
    open_proposal(admin, node.url, "Antar Obat untuk Lansia")
    admin.get_by_role("button", name="Ubah (revisi baru)").click()
    admin.get_by_role("button", name="Verifikasi").click()
    expect(admin.locator("#status")).to_have_text("Terverifikasi")
    set_window(node.instance, closes_in=-timedelta(minutes=1))
    admin.get_by_role("button", name="Ajukan ke kementerian").click()
    expect(admin.locator(".flash.error")).to_have_text("Proposal belum dapat diajukan.")
    expect(admin.locator("#issues")).to_contain_text("tidak ada lagi yang dapat diajukan")
    expect(admin.locator("#status")).to_have_text("Terverifikasi")
    admin.goto(node.url + "dashboard")
    expect(admin.locator("#deadline")).to_contain_text("Pendaftaran ditutup pada")

    # -- on a phone, the wide unit table scrolls by itself; the page does not ---------------
    admin.set_viewport_size({"width": 360, "height": 740})
    admin.reload()
    expect(admin.locator("table.by-unit")).to_contain_text("Dinas Kesehatan")
    page_width, table_width = admin.evaluate(
        "[document.documentElement.scrollWidth,"
        " document.querySelector('table.by-unit').scrollWidth]"
    )
    assert table_width > 360  # the table is wider than the screen...
    assert page_width <= 360  # ...and only the table scrolls sideways
