"""Commands both node kinds offer in the same shape: init, create-user, serve."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa

from shared.cli_support import app_context, check_port_free, make_app, read_secret
from shared.config import read_instance_config, write_instance_config
from shared.db import db
from shared.models.unit import Unit
from shared.models.user import Role
from shared.services import competitions, tenants, users


def initialise(kind: str, instance: Path, values: dict[str, Any]) -> None:
    """Write the instance config, migrate the database to head and seed the competition."""
    from flask_migrate import upgrade

    existing = read_instance_config(instance)
    if existing and existing.get("NODE_KIND") != kind:
        raise click.ClickException(
            f"{instance} already holds a {existing.get('NODE_KIND')} instance"
        )
    write_instance_config(instance, {"NODE_KIND": kind, **values})
    (instance / "blobs").mkdir(exist_ok=True)
    with app_context(kind, instance):
        upgrade(directory=str(Path(__file__).parent / "migrations"))
        competition = competitions.ensure_default_competition()
        db.session.commit()
        click.echo(f"{kind} instance ready in {instance} (competition {competition.year})")


def create_user_command(
    kind: str,
    instance: Path,
    username: str,
    role: Role,
    tenant_code: str | None,
    unit_id: int | None,
) -> None:
    password = read_secret(f"Password for {username}")
    with app_context(kind, instance):
        tenant = tenants.require_by_code(tenant_code) if tenant_code else None
        unit = None
        if unit_id is not None:
            unit = db.session.execute(sa.select(Unit).where(Unit.id == unit_id)).scalar()
            if unit is None:
                raise click.ClickException(f"unknown unit id {unit_id}")
        user = users.create_user(
            username=username,
            password=password,
            role=role,
            actor=None,
            tenant=tenant,
            unit=unit,
            must_change_password=True,
        )
        db.session.commit()
        click.echo(
            f"created {user.username} ({role.value}); the first login asks for a new "
            "password and the profile"
        )


def serve_command(
    kind: str,
    instance: Path,
    host: str,
    port: int,
    workers: int,
    *,
    threads: int = 4,
    preload: bool = False,
) -> None:
    from shared.cli_support import check_initialised
    from shared.server import serve

    check_initialised(kind, instance)
    check_port_free(host, port)
    app = make_app(kind, instance, serving=True)  # fail here, with one line, not per worker
    each = f"{threads} threads each" if threads > 1 else "one request at a time each"
    click.echo(f"sinovik {kind} serving http://{host}:{port}/ ({workers} workers, {each})")
    serve(
        (lambda: app) if preload else (lambda: make_app(kind, instance, serving=True)),
        host=host,
        port=port,
        workers=workers,
        threads=threads,
        preload=preload,
    )


def serve_options(default_port: int, default_workers: int = 2):
    def decorator(fn):
        fn = click.option(
            "--workers", default=default_workers, show_default=True, type=click.IntRange(1, 64)
        )(fn)
        fn = click.option(
            "--port", default=default_port, show_default=True, type=click.IntRange(1, 65535)
        )(fn)
        fn = click.option("--host", default="127.0.0.1", show_default=True)(fn)
        return fn

    return decorator
