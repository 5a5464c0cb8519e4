"""`sinovik regional ...`: set up and run a regional node."""

from __future__ import annotations

from pathlib import Path

import click

from shared.cli_common import create_user_command, initialise, serve_command, serve_options
from shared.cli_support import app_context, instance_option
from shared.db import db
from shared.models.tenant import TenantKind
from shared.models.user import Role
from shared.services import tenants

REGIONAL_ROLES = {"admin": Role.LOCAL_ADMIN, "operator": Role.OPERATOR}


@click.group("regional")
def cli() -> None:
    """A regional node (Pemda intranet)."""


def _host_tenant(code: str, name: str | None, kind: str | None) -> None:
    """Add a hosted tenant; kind and province come from the official list when known."""
    if tenants.get_by_code(code) is not None:
        return
    region = tenants.find_region(code)
    if kind is None and region is None:
        raise click.ClickException(
            f"{code} is not an official region code: give --kind "
            f"({', '.join(k.value for k in TenantKind)})"
        )
    tenants.add_tenant(
        code=code,
        name=name or (region.name if region else code),
        kind=kind or region.kind,
        province_code=region.province_code if region else None,
        actor=None,
    )


@cli.command("init")
@instance_option
@click.option("--tenant", "tenant_code", required=True, help="Official code, e.g. 33.20.")
@click.option("--tenant-name", required=True, help="e.g. 'Kabupaten Jepara'.")
@click.option(
    "--kind",
    type=click.Choice([k.value for k in TenantKind]),
    help="Needed only when the code is not an official region code.",
)
@click.option("--database-url", help="SQLAlchemy URL (default: SQLite in the instance folder).")
def init(
    instance: Path, tenant_code: str, tenant_name: str, kind: str | None, database_url: str | None
) -> None:
    """Create or upgrade a regional node hosting the given tenant."""
    initialise("regional", instance, {"SQLALCHEMY_DATABASE_URI": database_url})
    with app_context("regional", instance):
        _host_tenant(tenant_code, tenant_name, kind)
        db.session.commit()
    click.echo(f"hosting tenant {tenant_code} {tenant_name}")


@cli.command("add-tenant")
@instance_option
@click.option("--code", required=True)
@click.option("--name")
@click.option("--kind", type=click.Choice([k.value for k in TenantKind]))
def add_tenant(instance: Path, code: str, name: str | None, kind: str | None) -> None:
    """Host one more tenant on this node (e.g. a small kabupaten on its province's node)."""
    with app_context("regional", instance):
        _host_tenant(code, name, kind)
        db.session.commit()
    click.echo(f"hosting tenant {code}")


@cli.command("create-user")
@instance_option
@click.option("--username", required=True)
@click.option("--role", required=True, type=click.Choice(list(REGIONAL_ROLES)))
@click.option("--tenant", "tenant_code", help="Tenant code (default: the only hosted tenant).")
@click.option("--unit", "unit_id", type=int, help="Unit id (for operator).")
def create_user(
    instance: Path, username: str, role: str, tenant_code: str | None, unit_id: int | None
) -> None:
    """Create an account; the password is read from stdin or a prompt."""
    if tenant_code is None:
        with app_context("regional", instance):
            from shared.models.tenant import Tenant

            codes = list(db.session.execute(db.select(Tenant.code)).scalars())
        if len(codes) != 1:
            raise click.ClickException(f"this node hosts {len(codes)} tenants: give --tenant")
        tenant_code = codes[0]
    create_user_command("regional", instance, username, REGIONAL_ROLES[role], tenant_code, unit_id)


@cli.command("serve")
@instance_option
@serve_options(5001)
def serve(instance: Path, host: str, port: int, workers: int) -> None:
    """Serve the regional node with gunicorn."""
    serve_command("regional", instance, host, port, workers)
