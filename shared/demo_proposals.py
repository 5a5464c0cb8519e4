"""Demo units, unit operators and proposals for a regional node, written through the services.

Each demo node gets three units with one operator each and a handful of realistic proposals in
every state of the workflow (draft with open issues, sent, returned with a comment, verified,
submitted), so `sinovik demo` shows a node in the middle of a registration window.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from shared.db import db, utcnow
from shared.models.proposal import Proposal
from shared.models.tenant import Tenant
from shared.models.unit import Unit
from shared.models.user import User
from shared.services import attachments, proposals
from shared.services.proposal_rules import attachment_kind_label
from shared.timeutil import subtract_years, wib_date


@dataclass(frozen=True)
class DemoProposal:
    title: str
    category: str
    sdgs: tuple[int, ...]
    started_years_ago: int
    innovator: str
    summary: str
    idea: str
    state: str  # draft, incomplete, sent, returned, verified, submitted
    group: str = "umum"
    replicates: str = ""
    comment: str = ""


@dataclass(frozen=True)
class DemoUnit:
    name: str
    head: str
    official: str
    operator: tuple[str, str]  # username suffix, full name
    proposals: tuple[DemoProposal, ...] = field(default_factory=tuple)


JEPARA = (
    DemoUnit(
        "Dinas Kesehatan",
        "dr. Mudrikatun, M.M.Kes.",
        "Ani Rahmawati, S.KM.",
        ("dinkes", "Rizky Pratama"),
        (
            DemoProposal(
                "SIGAP Lansia: Layanan Kesehatan Jemput Bola bagi Warga Lanjut Usia",
                "kesehatan",
                (3, 10),
                3,
                "Tim SIGAP Lansia Puskesmas Bangsri",
                "Petugas puskesmas mendatangi lansia yang tidak dapat ke fasilitas kesehatan, "
                "memeriksa tekanan darah dan gula darah, dan mencatat hasilnya dalam aplikasi "
                "yang terhubung dengan rekam medis puskesmas.",
                "Jadwal kunjungan disusun dari data posyandu lansia; kader desa menandai warga "
                "yang perlu didatangi, dan dokter memantau hasil pemeriksaan dari puskesmas.",
                "submitted",
            ),
            DemoProposal(
                "Posyandu Remaja Digital",
                "kesehatan",
                (3, 4),
                2,
                "Tim Promosi Kesehatan Dinas Kesehatan",
                "Remaja mencatat tinggi, berat dan kadar hemoglobin di aplikasi posyandu, "
                "mendapat konseling gizi daring, dan diingatkan jadwal tablet tambah darah.",
                "Kader remaja dilatih menjadi pendamping sebaya yang mengisi data bersama "
                "teman-temannya di sekolah dan karang taruna.",
                "sent",
            ),
        ),
    ),
    DemoUnit(
        "Dinas Kependudukan dan Pencatatan Sipil",
        "Drs. Hadi Priyanto",
        "Sri Lestari, S.Sos.",
        ("dukcapil", "Dewi Anggraini"),
        (
            DemoProposal(
                "Adminduk Masuk Sekolah: Perekaman KTP-el di SMA dan SMK",
                "tata_kelola",
                (16,),
                2,
                "Bidang Pelayanan Pendaftaran Penduduk",
                "Petugas merekam KTP-el siswa berusia 17 tahun di sekolahnya sehingga siswa "
                "tidak perlu meninggalkan pelajaran untuk datang ke kantor dinas.",
                "Sekolah mengirim daftar siswa yang akan berusia 17 tahun; petugas datang "
                "dengan perangkat perekaman keliling sesuai jadwal yang disepakati.",
                "returned",
                comment="Lengkapi data jumlah siswa yang terlayani per tahun dan sebutkan "
                "sekolah mitra pada bagian Kolaborasi.",
            ),
            DemoProposal(
                "Aksi Bunda: Akta Kelahiran Langsung dari Puskesmas",
                "tata_kelola",
                (16, 5),
                1,
                "Seksi Kelahiran dan Kematian",
                "Bayi yang lahir di puskesmas langsung mendapat akta kelahiran, kartu "
                "keluarga baru dan kartu identitas anak sebelum ibu pulang.",
                "",
                "incomplete",
            ),
        ),
    ),
    DemoUnit(
        "Dinas Perindustrian dan Perdagangan",
        "Ir. Zamroni Lestiaza",
        "Bambang Sutrisno, S.E.",
        ("disperindag", "Agus Setiawan"),
        (
            DemoProposal(
                "Klinik Ukir: Pendampingan Desain dan Pemasaran Daring Perajin Mebel",
                "ekonomi",
                (8, 9),
                3,
                "UPT Pengembangan Industri Mebel dan Ukir",
                "Perajin mebel dan ukir mendapat pendampingan desain, foto produk dan "
                "pemasaran di lokapasar, sehingga pesanan dari luar daerah bertambah.",
                "Klinik dibuka setiap Sabtu di sentra ukir; desainer muda dan perajin senior "
                "bekerja bersama pada produk yang siap jual.",
                "verified",
            ),
        ),
    ),
)

SEMARANG = (
    DemoUnit(
        "Dinas Kesehatan Kota Semarang",
        "dr. Abdul Hakam, Sp.PD.",
        "Nur Aini, S.KM., M.Kes.",
        ("dinkes", "Fajar Nugroho"),
        (
            DemoProposal(
                "SEHATI: Semarang Sehat Tanpa Antre",
                "kesehatan",
                (3,),
                4,
                "Tim SEHATI Dinas Kesehatan",
                "Warga mengambil nomor antrean puskesmas lewat aplikasi atau pesan singkat "
                "dan datang pada jam yang ditentukan, sehingga ruang tunggu tidak penuh.",
                "Antrean seluruh puskesmas kota disatukan; warga tanpa telepon pintar "
                "mendaftar lewat SMS atau kader RW.",
                "submitted",
            ),
        ),
    ),
    DemoUnit(
        "Badan Pendapatan Daerah",
        "Drs. Indriyasari",
        "Yulianto Prabowo, S.E., M.M.",
        ("bapenda", "Lestari Wulandari"),
        (
            DemoProposal(
                "PBB Warung: Bayar Pajak Bumi dan Bangunan di Warung Tetangga",
                "ekonomi",
                (8, 17),
                2,
                "Bidang Pajak Daerah",
                "Warga membayar PBB di warung yang menjadi agen bank daerah, dekat rumah "
                "dan di luar jam kerja kantor.",
                "Bank daerah melatih pemilik warung menjadi agen; pembayaran langsung "
                "tercatat di sistem pajak daerah.",
                "sent",
            ),
            DemoProposal(
                "Pasar Rakyat Bersih Digital",
                "lingkungan",
                (11, 12),
                1,
                "Tim Replikasi Pasar Bersih",
                "Pedagang pasar tradisional memilah sampah dan menyetorkannya ke bank sampah "
                "pasar; poinnya dapat dipakai membayar retribusi.",
                "Mengadaptasi penataan pasar Lapak Ganteng ke pasar-pasar kota dengan "
                "pencatatan poin sampah secara digital.",
                "draft",
                group="replikasi",
                replicates="Lapak Ganteng, Kabupaten Banyuwangi",
            ),
        ),
    ),
    DemoUnit(
        "Kecamatan Semarang Tengah",
        "Budi Santoso, S.STP., M.Si.",
        "Rina Kartika, S.H.",
        ("kecamatan", "Hendra Gunawan"),
        (),
    ),
)

DEMO_UNITS = {"jepara": JEPARA, "semarang": SEMARANG}


def _sections(p: DemoProposal, unit: DemoUnit, keys: list[str]) -> dict[str, str]:
    text = {
        "ringkasan": p.summary,
        "ide_inovatif": p.idea,
        "signifikansi": f"Sebelum {p.title.split(':')[0]}, warga harus datang sendiri ke "
        f"kantor {unit.name} dan sering menunggu berjam-jam. Kini layanan datang lebih dekat "
        "dan waktu layanan turun lebih dari separuh.",
        "kontribusi_sdgs": "Inovasi ini mendukung tujuan pembangunan berkelanjutan dengan "
        "memperluas akses layanan dasar bagi kelompok rentan.",
        "adaptabilitas": "Cara kerja dan formulirnya sederhana sehingga dapat ditiru daerah lain "
        "dengan anggaran kecil; dua kecamatan tetangga sudah menerapkannya.",
        "keberlanjutan": f"Inovasi ditetapkan dengan keputusan kepala daerah, dianggarkan setiap "
        f"tahun dalam DPA {unit.name}, dan dipantau setiap triwulan.",
        "kolaborasi": "Melibatkan pemerintah desa, kader, perguruan tinggi setempat dan dunia "
        "usaha melalui program tanggung jawab sosial.",
        "inspirasi": f"Terinspirasi oleh {p.replicates or 'inovasi Top 99 terdahulu'}.",
        "proses_replikasi": "Tim melakukan studi tiru, menyesuaikan prosedur dengan kondisi "
        "setempat, lalu menguji coba di dua lokasi sebelum diperluas.",
        "faktor_pembeda": "Pencatatan dilakukan secara digital dan terhubung dengan sistem "
        "retribusi daerah.",
    }
    out = {k: text[k] for k in keys if k in text}
    if p.state == "incomplete":  # a draft still being written: some sections are empty
        out = {k: v for k, v in out.items() if k in ("ringkasan", "signifikansi")}
    return out


def _pdf(title: str, lines: list[str]) -> bytes:
    """A small real PDF (a decree or a signed statement) for the demo's attachments."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setTitle(title)
    y = 800
    for line in [title, "", *lines]:
        pdf.drawString(60, y, line)
        y -= 18
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _demo_now(competition) -> datetime:
    """Inside the registration window, so the demo's submissions are accepted at any date."""
    now = utcnow()
    if competition.registration_opens_at <= now < competition.registration_closes_at:
        return now
    return competition.registration_closes_at - timedelta(days=7)


def seed_unit_proposals(tenant: Tenant, prefix: str, admin: User, make_user) -> list[tuple]:
    """Create the node's demo units, operators and proposals; returns (username, unit name)."""
    competition = proposals.require_competition()
    config = competition.config
    now = _demo_now(competition)
    close_day = wib_date(competition.registration_closes_at)
    accounts = []
    for spec in DEMO_UNITS.get(prefix, JEPARA):
        unit = Unit(
            tenant_id=tenant.id,
            name=spec.name,
            head_name=spec.head,
            official_name=spec.official,
            official_position="Kepala Bidang",
        )
        db.session.add(unit)
        db.session.flush()
        username = f"{prefix}.{spec.operator[0]}"
        operator = make_user(username, spec.operator[1], tenant, unit)
        db.session.flush()
        accounts.append((username, unit.name))
        for p in spec.proposals:
            _write(p, spec, tenant, unit, operator, admin, config, close_day, now)
    return accounts


def _write(p, spec, tenant, unit, operator, admin, config, close_day, now) -> Proposal:
    keys = [s.key for s in config.sections_for(p.group)]
    start = subtract_years(close_day, p.started_years_ago) - timedelta(days=45)
    values = proposals.ProposalInput(
        group_code=p.group,
        title=p.title,
        category_code=p.category,
        sdgs=p.sdgs,
        implementation_start=start if p.state != "incomplete" else None,
        innovator=p.innovator,
        contact_name=spec.official,
        contact_phone="0291-591" + str(100 + len(p.title))[-3:],
        contact_email=f"inovasi.{spec.operator[0]}@demo.go.id",
        video_url="https://video.demo.go.id/" + spec.operator[0] if p.state != "incomplete" else "",
        truth_declared=p.state != "incomplete",
        replicates_title=p.replicates,
        sections=_sections(p, spec, keys),
    )
    proposal, _ = proposals.create_proposal(
        tenant=tenant, unit=unit, actor=operator, values=values, now=now
    )
    if p.state == "incomplete":
        return proposal
    kinds = [r.kind for r in config.attachment_rules_for(p.group) if r.required]
    for kind in kinds:
        data = _pdf(
            f"{attachment_kind_label(kind)} - {tenant.name}",
            [p.title[:90], f"{spec.name}", f"Ditetapkan {date.today():%d-%m-%Y}"],
        )
        attachments.add_attachment(
            proposal, kind=kind, filename=f"{kind}.pdf", stream=io.BytesIO(data), actor=operator
        )
    if p.state == "draft":
        return proposal
    proposals.send_proposal(proposal, actor=operator, now=now)
    if p.state == "returned":
        proposals.return_proposal(proposal, p.comment, actor=admin)
    if p.state in ("verified", "submitted"):
        proposals.verify_proposal(proposal, actor=admin, now=now)
    if p.state == "submitted":
        proposals.submit_proposal(proposal, actor=admin, now=now)
    return proposal
