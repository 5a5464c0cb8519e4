"""`sinovik regional ...`: set up and run a regional node."""

from __future__ import annotations

import json
import sys
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import click

from shared.cli_common import create_user_command, initialise, serve_command, serve_options
from shared.cli_support import app_context, check_initialised, instance_option, make_app
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
@serve_options(5001, default_workers=2)
@click.option("--threads", default=2, show_default=True, type=click.IntRange(1, 64))
def serve(instance: Path, host: str, port: int, workers: int, threads: int) -> None:
    """Serve the regional node with gunicorn: preloaded workers sharing the master's memory."""
    serve_command("regional", instance, host, port, workers, threads=threads, preload=True)


def _storage(instance: Path) -> tuple[Path, Path]:
    """The node's SQLite file and attachment folder, from its configuration."""
    from regional.backup import BackupError, sqlite_path

    check_initialised("regional", instance)
    app = make_app("regional", instance)
    try:
        return sqlite_path(app.config["SQLALCHEMY_DATABASE_URI"]), Path(app.config["BLOB_DIR"])
    except BackupError as err:
        raise click.ClickException(str(err)) from None


def _progress(length: int, label: str):
    return click.progressbar(length=max(length, 1), label=label, file=sys.stderr, width=30)


@cli.command("backup")
@instance_option
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The backup file to write (a tar archive).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the manifest summary as JSON.")
def backup(instance: Path, out: Path, as_json: bool) -> None:
    """Take a consistent online backup (database and attachments) into one file."""
    from regional import backup as bk

    db_path, blob_dir = _storage(instance)
    try:
        pages, blob_total = bk.database_pages(db_path), bk.blob_bytes(blob_dir)
        with _progress(pages + blob_total, "Backing up") as bar:
            manifest = bk.create_backup(
                db_path=db_path,
                blob_dir=blob_dir,
                out=out,
                db_progress=bar.update,
                blob_progress=bar.update,
            )
    except (bk.BackupError, OSError) as err:
        raise click.ClickException(f"backup failed: {err}") from None
    summary = {
        "file": str(out),
        "size": out.stat().st_size,
        "alembic_revision": manifest.alembic_revision,
        "tenant_codes": manifest.tenant_codes,
        "attachments": len(manifest.blobs),
        "counts": manifest.counts,
        "missing_files": manifest.missing_files,
    }
    if manifest.missing_files:
        click.echo(
            f"warning: {len(manifest.missing_files)} attached file(s) the database refers to "
            f"are not in {blob_dir}; the backup cannot restore them "
            f"(first: {manifest.missing_files[0]})",
            err=True,
        )
    if as_json:
        click.echo(json.dumps(summary, sort_keys=True))
    else:
        click.echo(
            f"backup written to {out} ({summary['size'] / 1e6:.1f} MB): tenants "
            f"{', '.join(manifest.tenant_codes)}, {manifest.counts.get('proposal', 0)} proposals, "
            f"{len(manifest.blobs)} attachment files, schema {manifest.alembic_revision}"
        )


@cli.command("restore")
@instance_option
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace without asking (for scripts).")
def restore(instance: Path, archive: Path, yes: bool) -> None:
    """Restore a backup of this node; the data it replaces is kept under <instance>/replaced/."""
    from flask_migrate import upgrade

    from regional import backup as bk
    from shared.app import MIGRATIONS_DIR

    db_path, blob_dir = _storage(instance)
    try:
        manifest = bk.read_manifest(archive)
        _, node_tenants, node_counts = (
            bk.describe_database(db_path) if db_path.exists() else (None, [], {})
        )
        bk.check_belongs_here(manifest, node_tenants=node_tenants, migrations_dir=MIGRATIONS_DIR)
        with tempfile.TemporaryDirectory(dir=instance, prefix=".restore-") as tmp:
            size = int(manifest.database["size"]) + manifest.blob_bytes
            with _progress(size, "Verifying the backup") as bar:
                staged = bk.stage(archive, manifest, Path(tmp), bar.update)
            click.echo(
                f"backup of {manifest.created_at} (tenants {', '.join(manifest.tenant_codes)}): "
                f"{manifest.counts.get('proposal', 0)} proposals, "
                f"{manifest.counts.get('unit', 0)} units, {len(manifest.blobs)} attachment files"
            )
            click.echo(
                f"this node now holds {node_counts.get('proposal', 0)} proposals and "
                f"{node_counts.get('unit', 0)} units; they will be replaced"
            )
            if not yes:
                click.confirm("Replace this node's data with the backup?", abort=True)
            stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
            kept = bk.keep_copy(db_path, instance / "replaced" / stamp)
            added = bk.put_in_place(staged, db_path=db_path, blob_dir=blob_dir)
    except (bk.BackupError, OSError) as err:
        raise click.ClickException(f"restore refused: {err}") from None
    except tarfile.TarError as err:  # cut short on its way (a copy to a USB stick interrupted)
        raise click.ClickException(
            f"restore refused: {archive} is damaged or incomplete ({err}); copy it again"
        ) from None
    with app_context("regional", instance):
        upgrade(directory=MIGRATIONS_DIR)  # a backup from before an upgrade gets the new schema
    click.echo(f"restored {archive}; {added} attachment files added")
    if kept:
        click.echo(f"the replaced database is kept in {kept}")
