"""`sinovik central ...`: set up and run the central server."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from shared.cli_common import create_user_command, initialise, serve_command, serve_options
from shared.cli_support import app_context, instance_option
from shared.db import db
from shared.models.tenant import TenantKind
from shared.models.user import Role
from shared.services import tenants

CENTRAL_ROLES = {
    "admin": Role.MINISTRY_ADMIN,
    "secretariat": Role.SECRETARIAT,
    "evaluator": Role.EVALUATOR,
    "panelist": Role.PANELIST,
    "local-admin": Role.LOCAL_ADMIN,
    "operator": Role.OPERATOR,
}


@click.group("central")
def cli() -> None:
    """The ministry's central server."""


@cli.command("init")
@instance_option
@click.option(
    "--database-url",
    help="SQLAlchemy URL, e.g. postgresql://user@host/db (default: SQLite in the instance folder).",
)
def init(instance: Path, database_url: str | None) -> None:
    """Create or upgrade a central instance (database migrated to the latest schema)."""
    initialise("central", instance, {"SQLALCHEMY_DATABASE_URI": database_url})


@cli.command("seed-regions")
@instance_option
def seed_regions(instance: Path) -> None:
    """Create tenants for the 38 provinces and 514 kabupaten/kota (official codes, ODbL)."""
    with app_context("central", instance):
        rows = list(tenants.official_regions())
        with click.progressbar(length=len(rows), label="regions") as bar:
            created, updated = tenants.seed_regions(progress=bar.update)
        db.session.commit()
    click.echo(f"{created} tenants created, {updated} updated, {len(rows)} regions in the list")


@cli.command("add-tenant")
@instance_option
@click.option("--code", required=True)
@click.option("--name", required=True)
@click.option("--kind", required=True, type=click.Choice([k.value for k in TenantKind]))
@click.option("--province", "province_code", help="Province code, for kabupaten/kota.")
@click.option("--3t", "is_3t", is_flag=True, help="A disadvantaged (3T) region.")
def add_tenant(
    instance: Path, code: str, name: str, kind: str, province_code: str | None, is_3t: bool
) -> None:
    """Add a K/L, BUMN or BUMD tenant (regions come from seed-regions)."""
    with app_context("central", instance):
        tenant = tenants.add_tenant(
            code=code, name=name, kind=kind, actor=None, province_code=province_code, is_3t=is_3t
        )
        db.session.commit()
        click.echo(f"tenant {tenant.code} {tenant.name} ({tenant.kind.value}) added")


@cli.command("invite")
@instance_option
@click.option("--tenant", "tenant_code", required=True, help="Tenant code, e.g. 33.20.")
@click.option("--group", "group_code", default="khusus", show_default=True)
def invite(instance: Path, tenant_code: str, group_code: str) -> None:
    """Invite a tenant to a by-invitation group (Khusus) of the current competition."""
    from shared.services import competitions, invitations

    with app_context("central", instance):
        tenant = tenants.require_by_code(tenant_code)
        competition = competitions.current_competition()
        if competition is None:
            raise click.ClickException("no competition exists: run `sinovik central init` first")
        invitations.invite(tenant, competition, group_code, actor=None)
        db.session.commit()
        click.echo(f"{tenant.code} invited to {group_code} in {competition.year}")


@cli.command("create-user")
@instance_option
@click.option("--username", required=True)
@click.option("--role", required=True, type=click.Choice(list(CENTRAL_ROLES)))
@click.option("--tenant", "tenant_code", help="Tenant code (for local-admin and operator).")
@click.option("--unit", "unit_id", type=int, help="Unit id (for operator).")
def create_user(
    instance: Path, username: str, role: str, tenant_code: str | None, unit_id: int | None
) -> None:
    """Create an account; the password is read from stdin or a prompt."""
    create_user_command("central", instance, username, CENTRAL_ROLES[role], tenant_code, unit_id)


@cli.command("report")
@instance_option
@click.option("--year", type=int, help="Competition year (default: the latest).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def report(instance: Path, year: int | None, as_json: bool) -> None:
    """Proposal counts by tenant, kind, status and stage."""
    import json

    from central.reports.counts import build_report, format_table

    with app_context("central", instance):
        data = build_report(year)
    click.echo(json.dumps(data, indent=2, ensure_ascii=False) if as_json else format_table(data))


@cli.command("screening-checks")
@instance_option
def screening_checks(instance: Path) -> None:
    """Compute the automatic screening checklist of every submitted proposal."""
    from central.screening.services import refresh_checks, submitted_count
    from shared.services.competitions import current_competition

    with app_context("central", instance):
        competition = current_competition()
        if competition is None:
            raise click.ClickException("no competition yet: run init first")
        with click.progressbar(length=submitted_count(competition), label="checklists") as bar:
            n = refresh_checks(competition, progress=bar.update)
        db.session.commit()
        year = competition.year
    click.echo(f"{n} checklists computed for competition {year}")


# Central's work is mostly CPU (pages, searches, ingest): gunicorn's usual 2 x cores + 1
# single-threaded workers keep the cores busy while some wait on the database.  (The cores this
# process may run on, where the system says.)
_CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
DEFAULT_WORKERS = min(2 * (_CORES or 1) + 1, 9)


@cli.command("serve")
@instance_option
@serve_options(5000, default_workers=DEFAULT_WORKERS)
@click.option(
    "--threads",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="threads per worker; 1 answers requests in arrival order (sync workers)",
)
def serve(instance: Path, host: str, port: int, workers: int, threads: int) -> None:
    """Serve the central server with gunicorn: preloaded workers sharing the master's memory
    (templates, catalogs, the catalogue's search listing) and their finished public answers.

    By default each worker answers one request at a time and takes the next from the shared
    socket only when free, so under load requests are served in arrival order: with several
    threads per worker a request waits behind whatever its worker accepted, and one interpreter
    shares the worker's threads. Put a buffering reverse proxy (nginx) in front, as for any
    gunicorn deployment with sync workers."""
    with _shared_store_dir():
        serve_command("central", instance, host, port, workers, threads=threads, preload=True)


@contextmanager
def _shared_store_dir() -> Iterator[None]:
    """A private directory, for this run only, where the workers share finished public answers
    (shared/pagecache.py SharedStore); in memory (/dev/shm) where the system has it."""
    from shared.pagecache import SHARED_STORE_ENV

    memory = Path("/dev/shm")
    base = memory if memory.is_dir() and os.access(memory, os.W_OK) else None
    prefix = "sinovik-central-"
    for stale in Path(base or tempfile.gettempdir()).glob(f"{prefix}*-*"):
        # left by a server that was killed (kill -9 runs no clean-up)
        pid = stale.name.removeprefix(prefix).split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)
    directory = tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=base)
    os.environ[SHARED_STORE_ENV] = directory  # read by every worker's app config
    try:
        yield
    finally:
        os.environ.pop(SHARED_STORE_ENV, None)
        shutil.rmtree(directory, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _register_announcement_commands() -> None:
    from central.announce.cli import prepare_announcement

    cli.add_command(prepare_announcement)


_register_announcement_commands()
