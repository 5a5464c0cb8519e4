"""The central server's journeys in a real browser: an Admin Lokal account issued from the
official letter, direct submission by a ministry without a node, a deadline extension, and
administrative screening with a failure reason that the agency then reads."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa
from playwright.sync_api import expect

from shared.cli_support import make_app
from shared.db import db, utcnow
from shared.models import Competition, Proposal, ProposalStatus, Role, TenantKind, Unit
from shared.services import competitions, tenants, users
from shared.tenancy import national_scope
from tests.central.helpers import pdf_letter
from tests.factories import PDF_BYTES

PASSWORD = "Kementerian2027"
SECTIONS = "Layanan ini memangkas waktu tunggu warga dari tiga hari menjadi satu jam."


def _seed(instance: Path, fn) -> object:
    """Run ``fn`` against the server's database (national scope) and commit."""
    app = make_app("central", instance)
    with app.app_context(), national_scope():
        result = fn()
        db.session.commit()
        db.engine.dispose()
    return result


def _account(username: str, role: Role, tenant_code: str | None = None, unit=None) -> None:
    """An onboarded account (the first-login steps are tested elsewhere)."""
    tenant = tenants.require_by_code(tenant_code) if tenant_code else None
    user = users.create_user(
        username=username,
        password=PASSWORD,
        role=role,
        actor=None,
        tenant=tenant,
        unit=unit,
        full_name=username.replace(".", " ").title(),
        email=f"{username}@example.go.id",
        must_change_password=False,
    )
    user.phone, user.profile_completed_at = "021-5252", utcnow()


def _open_window() -> None:
    now = utcnow()
    for competition in db.session.execute(sa.select(Competition)).scalars():
        competition.registration_opens_at = now - timedelta(days=60)
        competition.registration_closes_at = now + timedelta(days=20)


def _login(page, url: str, username: str, password: str = PASSWORD) -> None:
    page.goto(url + "login")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk").click()


def _logout(page) -> None:
    page.get_by_role("button", name="Keluar").click()


def test_admin_lokal_account_issued_from_the_request_letter(start_server, page, tmp_path) -> None:
    central = start_server("central")
    central.cli(
        "add-tenant", "--code", "33.20", "--name", "Kabupaten Jepara", "--kind", "kabupaten"
    )
    _seed(central.instance, lambda: _account("sekretariat", Role.SECRETARIAT))

    # the agency has no account: from the login page to the public request form
    page.goto(central.url)
    page.get_by_role("link", name="Permohonan akun Admin Lokal").click()
    page.get_by_label("Instansi", exact=True).fill("33.20 - Kabupaten Jepara")
    page.get_by_label("Nama lengkap calon Admin Lokal").fill("Siti Aminah")
    page.get_by_label("Jabatan").fill("Kepala Bagian Organisasi")
    page.get_by_label("Surel dinas").fill("organisasi@jepara.go.id")
    page.get_by_label("Telepon").fill("0291-591219")
    page.get_by_label("Nomor surat").fill("800/123/2026")
    page.get_by_label("Tanggal surat").fill("2026-11-02")
    fake = tmp_path / "surat.pdf"
    fake.write_bytes(b"this is a renamed Word file")
    page.get_by_label("Surat permohonan bertanda tangan (PDF)").set_input_files(str(fake))
    page.get_by_role("button", name="Kirim permohonan").click()
    expect(page.locator("small.error")).to_contain_text("Surat harus berupa dokumen PDF.")
    expect(page.get_by_label("Nama lengkap calon Admin Lokal")).to_have_value("Siti Aminah")
    letter = tmp_path / "Surat Permohonan Akun Jepara.pdf"
    letter.write_bytes(pdf_letter())
    page.get_by_label("Surat permohonan bertanda tangan (PDF)").set_input_files(str(letter))
    page.get_by_role("button", name="Kirim permohonan").click()
    expect(page.get_by_role("heading", name="Permohonan terkirim")).to_be_visible()

    # the secretariat checks the letter and issues the account
    _login(page, central.url, "sekretariat")
    page.get_by_role("navigation").get_by_role("link", name="Permohonan akun").click()
    page.get_by_role("link", name="Kabupaten Jepara").click()
    expect(page.get_by_role("link", name="Surat Permohonan Akun Jepara.pdf")).to_be_visible()
    expect(page.get_by_label("Nama pengguna akun baru")).to_have_value("admin.33.20")
    page.get_by_role("button", name="Setujui dan terbitkan").click()
    expect(page.get_by_role("heading", name="Akun diterbitkan")).to_be_visible()
    password = page.locator("#issued-password").inner_text()
    assert len(password) >= 10
    page.get_by_role("link", name="Selesai").click()
    expect(page.locator("#admins")).to_contain_text("admin.33.20")
    _logout(page)

    # the new Admin Lokal logs in with it and must complete the profile and a new password
    _login(page, central.url, "admin.33.20", password)
    expect(page).to_have_url(re.compile(r"/onboarding"))
    expect(page.get_by_label("Nama lengkap")).to_have_value("Siti Aminah")


def test_direct_submission_by_a_ministry_without_a_node(start_server, page, tmp_path) -> None:
    central = start_server("central")

    def seed() -> None:
        _open_window()
        tenants.add_tenant(
            code="KL.KEMENKES",
            name="Kementerian Kesehatan",
            kind=TenantKind.KEMENTERIAN,
            actor=None,
        )
        tenant = tenants.require_by_code("KL.KEMENKES")
        db.session.add(Unit(tenant_id=tenant.id, name="Direktorat Pelayanan Kesehatan"))
        _account("admin.kemenkes", Role.LOCAL_ADMIN, "KL.KEMENKES")
        _account("sekretariat", Role.SECRETARIAT)

    _seed(central.instance, seed)
    _login(page, central.url, "admin.kemenkes")
    page.get_by_role("navigation").get_by_role("link", name="Proposal").click()
    page.goto(central.url + "proposals/new")
    page.get_by_label("Unit").select_option(label="Direktorat Pelayanan Kesehatan")
    page.get_by_label("Judul inovasi").fill("Telemedisin Rumah Sakit Vertikal")
    page.get_by_label("Kategori").select_option("kesehatan")
    page.get_by_label("3. Kehidupan Sehat dan Sejahtera").check()
    page.get_by_label("Tanggal mulai implementasi").fill("2023-03-01")
    page.get_by_label("Inovator atau tim").fill("Tim Telemedisin")
    for key in (
        "ringkasan",
        "ide_inovatif",
        "signifikansi",
        "kontribusi_sdgs",
        "adaptabilitas",
        "keberlanjutan",
        "kolaborasi",
    ):
        page.locator(f"#section_{key}").fill(SECTIONS)
    page.locator("input[name=truth_declared]").check()
    page.get_by_role("button", name="Simpan proposal").click()
    expect(page).to_have_url(re.compile(r"/proposals/\d+/edit"))

    page.get_by_role("link", name="Dokumen (0)").click()
    for kind in ("decree", "truth_declaration"):
        pdf = tmp_path / f"{kind}.pdf"
        pdf.write_bytes(PDF_BYTES + kind.encode())
        page.get_by_label("Dokumen", exact=True).select_option(kind)
        page.get_by_label("Berkas", exact=True).set_input_files(str(pdf))
        page.get_by_role("button", name="Unggah").click()
        expect(page.locator("#documents")).to_contain_text(f"{kind}.pdf")

    page.locator("nav.tabs").get_by_role("link", name="Proposal", exact=True).click()
    expect(page.locator("#issues")).to_contain_text("memenuhi semua ketentuan")
    page.get_by_role("button", name="Verifikasi").click()
    page.get_by_role("button", name="Ajukan ke kementerian").click()
    expect(page.locator("#status")).to_have_text("Diajukan")

    # the Admin Lokal's dashboard on central shows its own tenant
    page.get_by_role("navigation").get_by_role("link", name="Dasbor").click()
    expect(page.locator("#totals")).to_contain_text("1Diajukan")
    _logout(page)

    # it reached the national intake at once: no node, no sync
    _login(page, central.url, "sekretariat")
    expect(page.get_by_role("heading", name=re.compile("Dasbor nasional"))).to_be_visible()
    expect(page.locator("#totals .stat").first).to_contain_text("1")
    # on a phone the submissions-per-day chart keeps readable day labels and scrolls inside
    # its own box; the page itself does not scroll sideways
    page.set_viewport_size({"width": 360, "height": 740})
    page.reload()
    heights = page.eval_on_selector_all(
        "#per-day svg text", "els => els.map(e => e.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= 9, heights
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_role("navigation").get_by_role("link", name="Seleksi").click()
    expect(page.get_by_role("link", name="Telemedisin Rumah Sakit Vertikal")).to_be_visible()


def test_deadline_extension_needs_a_reason(start_server, page) -> None:
    central = start_server("central")
    year = _seed(
        central.instance,
        lambda: (
            _account("admin.kemenpan", Role.MINISTRY_ADMIN),
            competitions.current_competition().year,
        )[1],
    )
    _login(page, central.url, "admin.kemenpan")
    page.get_by_role("navigation").get_by_role("link", name="Kompetisi").click()
    expect(page.locator("#window")).to_contain_text(f"28-02-{year} 23.59 WIB")
    page.get_by_role("link", name="Ubah jadwal pendaftaran").click()
    page.get_by_label("Pendaftaran ditutup (WIB)").fill(f"{year}-03-07T23:59")
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator("small.error")).to_contain_text("Jelaskan mengapa batas waktu berubah")
    page.get_by_label("Alasan perubahan").fill(
        "Banyak daerah terdampak banjir pada akhir Februari."
    )
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator(".flash.success")).to_contain_text("dikirim ke node daerah")
    expect(page.locator("#window")).to_contain_text(f"07-03-{year} 23.59 WIB")


def _submitted(tenant_code: str, title: str, start: date) -> str:
    tenant = tenants.require_by_code(tenant_code)
    competition = competitions.current_competition()
    proposal = Proposal(
        tenant_id=tenant.id,
        competition_id=competition.id,
        competition_version_id=competition.current.id,
        group_code="umum",
        category_code="kesehatan",
        sdgs=[3],
        title=title,
        implementation_start=start,
        innovator="Tim Inovasi",
        sections={s.key: SECTIONS for s in competition.config.sections_for("umum")},
        truth_declared=True,
        status=ProposalStatus.SUBMITTED,
        submitted_at=utcnow(),
        submitted_revision=1,
    )
    db.session.add(proposal)
    db.session.flush()
    return proposal.uuid


def test_screening_with_a_failure_reason_the_agency_reads(start_server, page) -> None:
    central = start_server("central")

    def seed() -> None:
        tenants.add_tenant(
            code="KL.KEMENKES",
            name="Kementerian Kesehatan",
            kind=TenantKind.KEMENTERIAN,
            actor=None,
        )
        _account("sekretariat", Role.SECRETARIAT)
        _account("admin.kemenkes", Role.LOCAL_ADMIN, "KL.KEMENKES")
        _submitted("KL.KEMENKES", "Telemedisin Rumah Sakit Vertikal", date(2023, 1, 1))
        _submitted("KL.KEMENKES", "Posyandu Digital Terpadu", date.today() - timedelta(days=90))
        # results are published at once in this test (the stage's publish time has passed)
        stage = next(s for s in competitions.current_competition().stages if s.code == "screening")
        stage.publish_at = utcnow() - timedelta(hours=1)

    _seed(central.instance, seed)
    _login(page, central.url, "sekretariat")
    page.get_by_role("navigation").get_by_role("link", name="Seleksi").click()
    young = page.locator("tr", has_text="Posyandu Digital Terpadu")
    expect(young.locator("td.check.bad")).not_to_have_count(0)  # too young, no documents

    page.get_by_role("link", name="Posyandu Digital Terpadu").click()
    expect(page.locator("#checklist li.bad", has_text="Usia implementasi")).to_be_visible()
    page.get_by_role("radio", name="Tidak lolos").check()
    page.get_by_label("Alasan tidak lolos").select_option(
        label="Inovasi belum cukup lama diterapkan"
    )
    page.get_by_label("Penjelasan untuk instansi").fill(
        "Implementasi baru dimulai tiga bulan lalu."
    )
    page.get_by_role("button", name="Catat keputusan").click()
    row = page.locator("tr", has_text="Posyandu Digital Terpadu")
    expect(row).to_contain_text("Tidak lolos")
    expect(row).to_contain_text(
        "Inovasi belum cukup lama diterapkan: Implementasi baru dimulai tiga bulan lalu."
    )

    # the other one passes through the bulk form
    page.get_by_label("Pilih: Telemedisin Rumah Sakit Vertikal").check()
    page.locator("#bulk").get_by_role("radio", name="Lolos", exact=True).check()
    page.get_by_role("button", name="Terapkan pada yang dipilih").click()
    expect(page.locator(".flash.success")).to_contain_text("1 proposal")
    expect(page.locator("tr", has_text="Telemedisin Rumah Sakit Vertikal")).to_contain_text("Lolos")
    _logout(page)

    # the agency reads the decision and its reason on its proposal
    _login(page, central.url, "admin.kemenkes")
    page.get_by_role("navigation").get_by_role("link", name="Proposal").click()
    page.get_by_role("link", name="Posyandu Digital Terpadu").click()
    results = page.locator("#results")
    expect(results).to_contain_text("Tidak lolos")
    expect(results).to_contain_text("Implementasi baru dimulai tiga bulan lalu.")
