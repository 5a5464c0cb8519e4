"""The per-year form and rules of a competition, as typed data.

A competition version stores this as JSON; nothing about a year is hard-coded in the code.
:func:`default_config` gives a realistic default drawn from recent years (see DOMAIN.md).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Label:
    id: str
    en: str

    def get(self, locale: str | None) -> str:
        return self.en if (locale or "id").startswith("en") else self.id


@dataclass(frozen=True)
class GroupConfig:
    code: str
    name: Label
    by_invitation: bool = False  # Khusus: only tenants the ministry invited
    requires_source: bool = False  # Replikasi: must name the innovation it replicates
    quota: int | None = None  # per tenant; None = unlimited


@dataclass(frozen=True)
class CategoryConfig:
    code: str
    name: Label


@dataclass(frozen=True)
class SdgConfig:
    number: int
    name: Label


@dataclass(frozen=True)
class SectionConfig:
    key: str
    title: Label
    word_limit: int
    required: bool = True
    groups: tuple[str, ...] = ()  # empty = every group
    help: Label | None = None

    def applies_to(self, group_code: str) -> bool:
        return not self.groups or group_code in self.groups


@dataclass(frozen=True)
class AttachmentRule:
    kind: str
    required: bool
    groups: tuple[str, ...] = ()

    def applies_to(self, group_code: str) -> bool:
        return not self.groups or group_code in self.groups


@dataclass(frozen=True)
class CompetitionConfig:
    groups: tuple[GroupConfig, ...]
    categories: tuple[CategoryConfig, ...]
    sdgs: tuple[SdgConfig, ...]
    sections: tuple[SectionConfig, ...]
    attachments: tuple[AttachmentRule, ...] = ()
    min_implementation_years: int = 1
    sdg_required: bool = True
    max_attachment_mb: int = 2

    # -- lookup helpers -------------------------------------------------------------------
    def group(self, code: str) -> GroupConfig | None:
        return next((g for g in self.groups if g.code == code), None)

    def category(self, code: str) -> CategoryConfig | None:
        return next((c for c in self.categories if c.code == code), None)

    def sections_for(self, group_code: str) -> list[SectionConfig]:
        return [s for s in self.sections if s.applies_to(group_code)]

    def attachment_rules_for(self, group_code: str) -> list[AttachmentRule]:
        return [a for a in self.attachments if a.applies_to(group_code)]

    # -- (de)serialisation ------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CompetitionConfig:
        def label(d: dict[str, str] | None) -> Label | None:
            return Label(**d) if d else None

        return cls(
            groups=tuple(GroupConfig(**{**g, "name": label(g["name"])}) for g in data["groups"]),
            categories=tuple(
                CategoryConfig(code=c["code"], name=label(c["name"])) for c in data["categories"]
            ),
            sdgs=tuple(SdgConfig(number=s["number"], name=label(s["name"])) for s in data["sdgs"]),
            sections=tuple(
                SectionConfig(
                    **{
                        **s,
                        "title": label(s["title"]),
                        "help": label(s.get("help")),
                        "groups": tuple(s.get("groups") or ()),
                    }
                )
                for s in data["sections"]
            ),
            attachments=tuple(
                AttachmentRule(**{**a, "groups": tuple(a.get("groups") or ())})
                for a in data.get("attachments", ())
            ),
            min_implementation_years=data.get("min_implementation_years", 1),
            sdg_required=data.get("sdg_required", True),
            max_attachment_mb=data.get("max_attachment_mb", 2),
        )


UMUM, REPLIKASI, KHUSUS = "umum", "replikasi", "khusus"

_SDGS = [
    ("Tanpa Kemiskinan", "No Poverty"),
    ("Tanpa Kelaparan", "Zero Hunger"),
    ("Kehidupan Sehat dan Sejahtera", "Good Health and Well-being"),
    ("Pendidikan Berkualitas", "Quality Education"),
    ("Kesetaraan Gender", "Gender Equality"),
    ("Air Bersih dan Sanitasi Layak", "Clean Water and Sanitation"),
    ("Energi Bersih dan Terjangkau", "Affordable and Clean Energy"),
    ("Pekerjaan Layak dan Pertumbuhan Ekonomi", "Decent Work and Economic Growth"),
    ("Industri, Inovasi dan Infrastruktur", "Industry, Innovation and Infrastructure"),
    ("Berkurangnya Kesenjangan", "Reduced Inequalities"),
    ("Kota dan Permukiman yang Berkelanjutan", "Sustainable Cities and Communities"),
    ("Konsumsi dan Produksi yang Bertanggung Jawab", "Responsible Consumption and Production"),
    ("Penanganan Perubahan Iklim", "Climate Action"),
    ("Ekosistem Lautan", "Life Below Water"),
    ("Ekosistem Daratan", "Life on Land"),
    ("Perdamaian, Keadilan dan Kelembagaan yang Tangguh", "Peace, Justice and Strong Institutions"),
    ("Kemitraan untuk Mencapai Tujuan", "Partnerships for the Goals"),
]

_CATEGORIES = [
    ("kemiskinan", "Penanggulangan Kemiskinan", "Poverty Reduction"),
    ("pendidikan", "Pendidikan", "Education"),
    ("kesehatan", "Kesehatan", "Health"),
    ("ketahanan_pangan", "Ketahanan Pangan", "Food Security"),
    ("ekonomi", "Pemulihan Ekonomi", "Economic Recovery"),
    ("pemberdayaan", "Pemberdayaan Masyarakat", "Community Empowerment"),
    ("gender", "Pelayanan Responsif Gender", "Gender-responsive Service"),
    ("lingkungan", "Lingkungan Hidup", "Environment"),
    ("tata_kelola", "Tata Kelola Pemerintahan", "Governance"),
    ("penegakan_hukum", "Penegakan Hukum", "Law Enforcement"),
]

_SECTIONS = [
    ("ringkasan", "Ringkasan", "Summary", 200, ()),
    ("ide_inovatif", "Ide Inovatif", "Innovative Idea", 600, ()),
    ("signifikansi", "Signifikansi", "Significance", 600, ()),
    ("kontribusi_sdgs", "Kontribusi terhadap SDGs", "Contribution to the SDGs", 200, ()),
    ("adaptabilitas", "Adaptabilitas", "Adaptability", 400, ()),
    ("keberlanjutan", "Keberlanjutan", "Sustainability", 600, ()),
    ("kolaborasi", "Kolaborasi Pemangku Kepentingan", "Stakeholder Collaboration", 200, ()),
    ("inspirasi", "Inspirasi Replikasi", "Replication Inspiration", 100, (REPLIKASI,)),
    ("proses_replikasi", "Proses Replikasi", "Replication Process", 200, (REPLIKASI,)),
    ("faktor_pembeda", "Faktor Pembeda", "Distinguishing Factors", 100, (REPLIKASI,)),
    (
        "capaian_lanjutan",
        "Capaian Setelah Penghargaan",
        "Achievements Since the Award",
        400,
        (KHUSUS,),
    ),
]


def default_config() -> CompetitionConfig:
    """A realistic default: the 2021 categories and the national form's sections."""
    return CompetitionConfig(
        groups=(
            GroupConfig(UMUM, Label("Umum", "General"), quota=10),
            GroupConfig(
                REPLIKASI, Label("Replikasi", "Replication"), requires_source=True, quota=5
            ),
            GroupConfig(KHUSUS, Label("Khusus", "Special"), by_invitation=True),
        ),
        categories=tuple(CategoryConfig(c, Label(i, e)) for c, i, e in _CATEGORIES),
        sdgs=tuple(SdgConfig(n, Label(i, e)) for n, (i, e) in enumerate(_SDGS, start=1)),
        sections=tuple(
            SectionConfig(key, Label(ti, te), limit, groups=groups)
            for key, ti, te, limit, groups in _SECTIONS
        ),
        attachments=(
            AttachmentRule("decree", True),
            AttachmentRule("truth_declaration", True),
            AttachmentRule("replication_statement", True, (REPLIKASI,)),
            AttachmentRule("photo", False),
            AttachmentRule("document", False),
        ),
        min_implementation_years=1,
    )


__all__ = [
    "KHUSUS",
    "REPLIKASI",
    "UMUM",
    "AttachmentRule",
    "CategoryConfig",
    "CompetitionConfig",
    "GroupConfig",
    "Label",
    "SdgConfig",
    "SectionConfig",
    "default_config",
]
