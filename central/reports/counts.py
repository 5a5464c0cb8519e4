"""`sinovik central report`: counts of proposals by tenant, kind, status and stage.

For scripts and monitoring (``--json``) and for people (a plain table). Grouped in the database
with one query, so it stays quick with every tenant's proposals.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from shared.db import db
from shared.models.competition import Competition
from shared.models.proposal import Proposal, ProposalStatus
from shared.models.tenant import Tenant

STATUSES = [s.value for s in ProposalStatus]


def build_report(year: int | None = None) -> dict[str, Any]:
    """The counts of one competition year (the latest when ``year`` is None)."""
    stmt = sa.select(Competition).order_by(Competition.year.desc()).limit(1)
    if year is not None:
        stmt = sa.select(Competition).where(Competition.year == year)
    competition = db.session.execute(stmt).scalar_one_or_none()
    if competition is None:
        return {
            "competition": None,
            "total": 0,
            "by_status": {},
            "by_kind": {},
            "by_stage": {},
            "by_screening": {},
            "tenants": [],
        }
    rows = db.session.execute(
        sa.select(
            Tenant.code,
            Tenant.name,
            Tenant.kind,
            Proposal.status,
            sa.func.coalesce(Proposal.stage_code, ""),
            Proposal.screening_result,
            sa.func.count(),
        )
        .join(Tenant, Tenant.id == Proposal.tenant_id)
        .where(Proposal.competition_id == competition.id)
        .group_by(
            Tenant.code,
            Tenant.name,
            Tenant.kind,
            Proposal.status,
            Proposal.stage_code,
            Proposal.screening_result,
        )
    ).all()
    by_status = dict.fromkeys(STATUSES, 0)
    by_kind: dict[str, dict[str, int]] = {}
    by_stage: dict[str, int] = {}
    by_screening: dict[str, int] = {}
    tenants: dict[str, dict[str, Any]] = {}
    for code, name, kind, status, stage, screening, n in rows:
        by_status[status.value] += n
        kind_counts = by_kind.setdefault(kind.value, {"total": 0, **dict.fromkeys(STATUSES, 0)})
        kind_counts["total"] += n
        kind_counts[status.value] += n
        by_stage[stage or "none"] = by_stage.get(stage or "none", 0) + n
        if status == ProposalStatus.SUBMITTED:
            by_screening[screening.value] = by_screening.get(screening.value, 0) + n
        t = tenants.setdefault(
            code,
            {
                "code": code,
                "name": name,
                "kind": kind.value,
                "total": 0,
                "by_status": dict.fromkeys(STATUSES, 0),
            },
        )
        t["total"] += n
        t["by_status"][status.value] += n
    return {
        "competition": competition.year,
        "total": sum(by_status.values()),
        "by_status": by_status,
        "by_kind": dict(sorted(by_kind.items())),
        "by_stage": dict(sorted(by_stage.items())),
        "by_screening": dict(sorted(by_screening.items())),
        "tenants": sorted(tenants.values(), key=lambda t: t["code"]),
    }


def format_table(report: dict[str, Any]) -> str:
    """The report as aligned plain-text tables."""
    if report["competition"] is None:
        return "no competition yet"
    lines = [f"Competition {report['competition']}: {report['total']} proposals", ""]

    def table(title: str, header: list[str], rows: list[list[Any]]) -> None:
        widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=False)]
        lines.append(title)
        for row in (header, *rows):
            cells = [
                str(x).ljust(w)
                if i < 2 and isinstance(x, str) and not x.isdigit()
                else str(x).rjust(w)
                for i, (x, w) in enumerate(zip(row, widths, strict=True))
            ]
            lines.append("  " + "  ".join(cells).rstrip())
        lines.append("")

    table("By status", ["status", "count"], [[s, n] for s, n in report["by_status"].items()])
    table(
        "By kind",
        ["kind", "total", *STATUSES],
        [[k, v["total"], *(v[s] for s in STATUSES)] for k, v in report["by_kind"].items()],
    )
    table("By stage", ["stage", "count"], [[s, n] for s, n in report["by_stage"].items()])
    if report["by_screening"]:
        table(
            "Screening (submitted)",
            ["result", "count"],
            [[s, n] for s, n in report["by_screening"].items()],
        )
    table(
        "By tenant",
        ["code", "name", "total", *STATUSES],
        [
            [t["code"], t["name"], t["total"], *(t["by_status"][s] for s in STATUSES)]
            for t in report["tenants"]
        ],
    )
    return "\n".join(lines).rstrip() + "\n"
