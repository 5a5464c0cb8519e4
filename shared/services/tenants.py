"""Tenants: seeding the official regions, adding K/L and enterprises, activation."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import resources

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from shared.db import db
from shared.models.tenant import Tenant, TenantKind
from shared.models.user import User
from shared.services import ServiceError, audit

# The agency type as people read it; one map for every page (a lembaga is not the generic
# "instansi", which is what "Agency" means in Indonesian).
KIND_LABELS = {
    TenantKind.KEMENTERIAN: _l("Ministry"),
    TenantKind.LEMBAGA: _l("Non-ministerial agency (lembaga)"),
    TenantKind.PROVINSI: _l("Province"),
    TenantKind.KABUPATEN: _l("Regency (kabupaten)"),
    TenantKind.KOTA: _l("City (kota)"),
    TenantKind.BUMN: _l("State enterprise (BUMN)"),
    TenantKind.BUMD: _l("Regional enterprise (BUMD)"),
}


def kind_label(kind: TenantKind | str) -> str:
    """The agency type as people read it (the raw value when unknown)."""
    try:
        return str(KIND_LABELS[TenantKind(kind)])
    except ValueError:
        return str(kind)


REGION_DATA = "shared.data.regions"


@dataclass(frozen=True)
class RegionRow:
    code: str
    name: str
    kind: TenantKind
    province_code: str | None


def official_regions() -> Iterator[RegionRow]:
    """The 38 provinces and 514 kabupaten/kota shipped with the package (ODbL, see SOURCES.md)."""
    folder = resources.files(REGION_DATA)
    with (folder / "provinces.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            yield RegionRow(row["code"], row["name"], TenantKind.PROVINSI, None)
    with (folder / "regencies.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            yield RegionRow(row["code"], row["name"], TenantKind(row["kind"]), row["province_code"])


def find_region(code: str) -> RegionRow | None:
    return next((r for r in official_regions() if r.code == code), None)


def get_by_code(code: str) -> Tenant | None:
    return db.session.execute(sa.select(Tenant).where(Tenant.code == code)).scalar_one_or_none()


def require_by_code(code: str) -> Tenant:
    tenant = get_by_code(code)
    if tenant is None:
        raise ServiceError(_("Unknown tenant code %(code)s.", code=code), field="tenant")
    return tenant


def seed_regions(progress: Callable[[int], None] | None = None) -> tuple[int, int]:
    """Create (or rename) the tenants of every official region; returns (created, updated)."""
    existing = {t.code: t for t in db.session.execute(sa.select(Tenant)).scalars()}
    created = updated = 0
    for row in official_regions():
        tenant = existing.get(row.code)
        if tenant is None:
            db.session.add(
                Tenant(code=row.code, name=row.name, kind=row.kind, province_code=row.province_code)
            )
            created += 1
        elif (tenant.name, tenant.kind, tenant.province_code) != (
            row.name,
            row.kind,
            row.province_code,
        ):
            tenant.name, tenant.kind, tenant.province_code = row.name, row.kind, row.province_code
            updated += 1
        if progress:
            progress(1)
    db.session.flush()
    return created, updated


def add_tenant(
    *,
    code: str,
    name: str,
    kind: TenantKind | str,
    actor: User | None,
    province_code: str | None = None,
    is_3t: bool = False,
) -> Tenant:
    """Add a tenant (K/L, BUMN, BUMD, or a region missing from the official list)."""
    code, name = code.strip(), name.strip()
    try:
        kind = TenantKind(kind)
    except ValueError:
        raise ServiceError(
            _(
                "Unknown kind %(kind)s; use one of: %(kinds)s.",
                kind=kind,
                kinds=", ".join(k.value for k in TenantKind),
            ),
            field="kind",
        ) from None
    if not code or len(code) > 32 or not all(c.isalnum() or c in ".-_" for c in code):
        raise ServiceError(
            _("A tenant code has 1-32 letters, digits, dots, dashes or underscores."),
            field="code",
        )
    if not name:
        raise ServiceError(_("The tenant needs a name."), field="name")
    if get_by_code(code) is not None:
        raise ServiceError(_("The tenant code %(code)s already exists.", code=code), field="code")
    if kind in (TenantKind.KABUPATEN, TenantKind.KOTA):
        province_code = province_code or code.split(".")[0]
        if get_by_code(province_code) is None and find_region(province_code) is None:
            raise ServiceError(
                _("Unknown province %(code)s.", code=province_code), field="province_code"
            )
    tenant = Tenant(code=code, name=name, kind=kind, province_code=province_code, is_3t=is_3t)
    db.session.add(tenant)
    db.session.flush()
    audit.record(
        "tenant.create",
        tenant,
        actor=actor,
        tenant_id=tenant.id,
        after={"code": code, "name": name, "kind": kind.value},
    )
    return tenant


def set_active(tenant: Tenant, active: bool, *, actor: User | None) -> None:
    """Deactivate (or reactivate) a tenant; its data stays."""
    if tenant.active != active:
        tenant.active = active
        audit.record(
            "tenant.activate" if active else "tenant.deactivate",
            tenant,
            actor=actor,
            tenant_id=tenant.id,
        )
