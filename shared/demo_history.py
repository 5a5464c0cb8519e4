"""Demo content for central's public site: last year's edition, already announced.

Without it the demo's results page, innovation catalogue and certificate check would only say
"to be published": this year's competition is still collecting proposals. The finalists are
written as the judging leaves them (a stage reached, an award), last year's default publish
times (April and June) are always past, and the announcement is prepared as the ministry
prepares it (catalogue entries and certificates). One finalist replicates another, so the
original's page shows "replicated by".

Regions other than the demo nodes' own are used: their units would clash by name with the
units the nodes push.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from shared.db import db
from shared.models import Proposal, ProposalStatus, ScreeningResult, Unit
from shared.services import competitions, tenants


@dataclass(frozen=True)
class PastInnovation:
    tenant_code: str
    unit: str
    title: str
    category: str
    stage: str  # the last stage reached: "top99" (finalist) or "final"
    award: str | None
    problem: str
    solution: str
    result: str
    replicates: str = ""  # the title of the innovation it replicates


PAST = (
    PastInnovation(
        "35.10",
        "Dinas Kependudukan dan Pencatatan Sipil",
        "Smart Kampung: Layanan Adminduk Tuntas di Desa",
        "tata_kelola",
        "final",
        "top",
        "Warga desa menempuh dua jam ke kota kabupaten untuk mengurus akta dan KTP.",
        "Kantor desa menjadi loket daring Dukcapil: berkas dipindai, dokumen dicetak di desa.",
        "Waktu pengurusan akta kelahiran turun dari 14 hari menjadi 1 hari.",
    ),
    PastInnovation(
        "35.78",
        "Dinas Kesehatan",
        "Puskesmas Tanpa Antre: Pendaftaran Daring Terpadu",
        "kesehatan",
        "final",
        "top",
        "Pasien puskesmas mengantre sejak subuh dan separuhnya pulang tanpa dilayani.",
        "Pendaftaran lewat aplikasi dan pesan singkat memberi jam datang yang pasti.",
        "Waktu tunggu rata-rata turun dari tiga jam menjadi tiga puluh menit.",
    ),
    PastInnovation(
        "32",
        "Dinas Pendidikan",
        "Sekolah Ramah Anak Berbasis Komunitas",
        "pendidikan",
        "final",
        "outstanding_achievement",
        "Angka putus sekolah di desa terpencil tinggi karena jarak dan biaya.",
        "Kelas jauh dikelola komite orang tua dengan guru kunjung dan modul cetak.",
        "Angka putus sekolah di 40 desa turun dua pertiga dalam dua tahun.",
    ),
    PastInnovation(
        "73.71",
        "Dinas Lingkungan Hidup",
        "Bank Sampah Digital Warga Kota",
        "lingkungan",
        "top99",
        None,
        "Sampah rumah tangga menumpuk di kanal dan TPS penuh sebelum diangkut.",
        "Warga menyetor sampah terpilah ke bank sampah dan menerima saldo di dompet digital.",
        "Sampah yang sampai ke TPA berkurang 18 persen dalam setahun.",
    ),
    PastInnovation(
        "34.01",
        "Dinas Pertanian dan Pangan",
        "Lumbung Pangan Desa Tangguh Bencana",
        "ketahanan_pangan",
        "top99",
        None,
        "Saat banjir dan longsor desa terisolasi dan kehabisan bahan pangan.",
        "Lumbung gabah dikelola BUMDes dengan catatan stok yang dilaporkan setiap minggu.",
        "Tiga kejadian bencana tertangani tanpa kekurangan pangan selama dua minggu.",
    ),
    PastInnovation(
        "32.11",
        "Dinas Kependudukan dan Pencatatan Sipil",
        "Adminduk Tuntas di Desa Sumedang",
        "tata_kelola",
        "top99",
        None,
        "Warga desa pegunungan jarang mengurus dokumen kependudukan karena jauh.",
        "Meniru Smart Kampung Banyuwangi: desa menjadi loket daring dengan petugas terlatih.",
        "Cakupan akta kelahiran anak naik dari 71 menjadi 96 persen.",
        replicates="Smart Kampung: Layanan Adminduk Tuntas di Desa",
    ),
)


def seed_central_history() -> int:
    """Last year's announced edition on central; returns how many finalists it has."""
    from central.announce.published import publication_for
    from central.announce.services import prepare_announcement

    current = competitions.current_competition()
    if current is None:
        raise RuntimeError("the demo central has no competition")
    year = current.year - 1
    competition = competitions.create_default_competition(year)
    db.session.add(competition)
    db.session.flush()
    closes = competition.registration_closes_at
    ids: dict[str, str] = {}
    for past in PAST:
        tenant = tenants.require_by_code(past.tenant_code)
        unit = Unit(tenant_id=tenant.id, name=past.unit, head_name="Kepala Dinas")
        db.session.add(unit)
        db.session.flush()
        proposal = Proposal(
            tenant_id=tenant.id,
            unit_id=unit.id,
            competition_id=competition.id,
            competition_version_id=competition.current.id,
            group_code="replikasi" if past.replicates else "umum",
            category_code=past.category,
            sdgs=[11],
            title=past.title,
            implementation_start=date(year - 3, 7, 1),
            innovator=f"Tim Inovasi {past.unit}",
            contact_name="Narahubung Inovasi",
            contact_email=f"inovasi.{past.tenant_code.replace('.', '')}@demo.sinovik.go.id",
            sections=_sections(past),
            replicates_title=past.replicates,
            replicates_uuid=ids.get(past.replicates),
            status=ProposalStatus.SUBMITTED,
            submitted_revision=1,
            submitted_at=closes - timedelta(days=10),
            received_at=closes - timedelta(days=10),
            screening_result=ScreeningResult.PASSED,
            stage_code=past.stage,
            award=past.award,
            truth_declared=True,
        )
        db.session.add(proposal)
        db.session.flush()
        ids[past.title] = proposal.uuid
    publication = publication_for(competition.id)
    if publication is None or not publication.finalists_published:
        raise RuntimeError(f"the demo's {year} results are not public")
    prepare_announcement(publication, actor=None)
    return len(PAST)


def _sections(past: PastInnovation) -> dict[str, str]:
    return {
        "ringkasan": f"{past.solution} {past.result}",
        "signifikansi": f"Masalah: {past.problem}",
        "ide_inovatif": f"Solusi: {past.solution}",
        "kontribusi_sdgs": f"Hasil: {past.result}",
        "adaptabilitas": "Dapat diterapkan daerah lain dengan biaya kecil dan pelatihan singkat.",
        "keberlanjutan": "Sumber daya: anggaran daerah, peraturan kepala daerah, tim operator.",
        "kolaborasi": "Bekerja sama dengan perangkat desa, kader, dan dinas komunikasi.",
    }
