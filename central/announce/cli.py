"""`sinovik central prepare-announcement`: build a year's catalogue entries and certificates."""

from __future__ import annotations

import json
from pathlib import Path

import click

from shared.cli_support import app_context, instance_option


@click.command("prepare-announcement")
@instance_option
@click.option("--year", type=int, help="Competition year (default: the latest).")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable summary.")
def prepare_announcement(instance: Path, year: int | None, as_json: bool) -> None:
    """Create the catalogue entries and certificates of every finalist and winner.

    Safe to run at any time and repeatedly (e.g. from cron after judging): what it prepares
    stays embargoed until each stage's publish time.
    """
    from central.announce.published import publications
    from central.announce.services import prepare_announcement as prepare
    from shared.db import db

    with app_context("central", instance):
        pubs = publications()
        pub = next((p for p in pubs if year is None or p.year == year), None)
        if pub is None:
            raise click.ClickException(f"no competition for year {year}")
        done = prepare(pub, actor=None)
        db.session.commit()
        summary = {
            "year": pub.year,
            "catalogue": vars(done.catalogue),
            "certificates": vars(done.certificates),
            "finalists_published": pub.finalists_published,
            "awards_published": pub.awards_published,
        }
    if as_json:
        click.echo(json.dumps(summary))
        return
    c, k = done.catalogue, done.certificates
    click.echo(
        f"{pub.year}: catalogue {c.created} added, {c.updated} updated, {c.unchanged} unchanged; "
        f"certificates {k.issued} issued, {k.revoked} revoked, {k.unchanged} unchanged"
    )
