"""Sync commands: `sinovik sync ...` on a node, and the sync parts of `central`/`regional`."""

from __future__ import annotations

import json
import sys
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import click

from shared.cli_support import app_context, check_initialised, instance_option, read_secret
from shared.config import read_instance_config
from shared.db import db
from shared.services import tenants

EXIT_BUSY = 75  # EX_TEMPFAIL: another sync holds the lock


@click.group("sync")
def cli() -> None:
    """Push proposals to central and pull back its decisions (regional node)."""


def _emit(data: dict[str, Any], as_json: bool, lines: list[str]) -> None:
    if as_json:
        click.echo(json.dumps(data, indent=2, default=str))
    else:
        for line in lines:
            click.echo(line)


def _bar(label: str, length: int):
    if length and sys.stderr.isatty():
        return click.progressbar(length=length, label=label, file=sys.stderr, width=30)
    return nullcontext(None)


def _sync_once(instance: Path, do_push: bool, do_pull: bool, as_json: bool) -> int:
    from sync.push import pending_count
    from sync.runner import SyncBusy, run

    with app_context("regional", instance):
        pending = pending_count() if do_push else 0
        with _bar("push", pending) as bar:
            try:
                report = run(
                    do_push=do_push,
                    do_pull=do_pull,
                    push_progress=bar.update if bar else None,
                )
            except SyncBusy as err:
                click.echo(str(err), err=True)
                return EXIT_BUSY
    lines = []
    if report.push:
        p = report.push
        lines.append(
            f"push: {p.acked}/{p.pending} acknowledged ({p.duplicates} already held), "
            f"{len(p.rejected)} rejected, {len(p.failed)} failed, "
            f"{p.blobs_uploaded} attachments uploaded"
        )
    if report.pull and report.pull.error:
        lines.append(f"pull: failed (cursor at {report.pull.cursor})")
    elif report.pull:
        q = report.pull
        lines.append(
            f"pull: {q.applied} new events applied, cursor {q.cursor}"
            + (" (central changed: resynchronised)" if q.resynced else "")
        )
    if report.pull_skipped:
        lines.append(f"pull: skipped ({report.pull_skipped})")
    _emit(report.as_dict(), as_json, lines)
    for note in report.push.notes if report.push else []:
        click.echo(f"push: {note}", err=True)
    for line in report.failure_lines():
        click.echo(line, err=True)
    return 0 if report.ok else 1


@cli.command("push")
@instance_option
@click.option("--json", "as_json", is_flag=True, help="A machine-readable summary.")
def push_cmd(instance: Path, as_json: bool) -> None:
    """Send every submitted revision waiting in the outbox."""
    sys.exit(_sync_once(instance, True, False, as_json))


@cli.command("pull")
@instance_option
@click.option("--json", "as_json", is_flag=True, help="A machine-readable summary.")
def pull_cmd(instance: Path, as_json: bool) -> None:
    """Fetch central's decisions (screening, stages, awards, competition changes)."""
    sys.exit(_sync_once(instance, False, True, as_json))


@cli.command("run")
@instance_option
@click.option("--json", "as_json", is_flag=True, help="A machine-readable summary.")
@click.option("--every", help="Keep running: sync, then wait this long (e.g. 15m), with jitter.")
def run_cmd(instance: Path, as_json: bool, every: str | None) -> None:
    """Push, then pull. With --every, repeat forever (for a service or container)."""
    if not every:
        sys.exit(_sync_once(instance, True, True, as_json))
    from sync.runner import next_delay, parse_interval

    try:
        interval = parse_interval(every)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--every") from None
    if read_instance_config(instance):  # another kind of instance never becomes a node: stop
        check_initialised("regional", instance)  # (one not initialised yet may be, soon)
    while True:
        try:
            code = _sync_once(instance, True, True, as_json)
        except click.ClickException as err:  # e.g. central unreachable at connect time
            click.echo(f"sync failed: {err.message}", err=True)
            code = 1
        delay = next_delay(interval)
        click.echo(f"next sync in {delay:.0f} s (last exit {code})", err=True)
        time.sleep(delay)


@cli.command("status")
@instance_option
@click.option("--json", "as_json", is_flag=True, help="A machine-readable summary.")
def status_cmd(instance: Path, as_json: bool) -> None:
    """Pending, in flight, acknowledged and rejected revisions (and those waiting for a
    file central did not take); last success and error."""
    from sync import push, status

    with app_context("regional", instance):
        data = status.summary()
        configured = push.batch_items()
    box = data["outbox"]
    lines = [
        f"central: {data['central_url'] or 'not connected'} (node {data['node_id'] or '-'})",
        f"pending {box['pending']}, in flight {box['in_flight']}, "
        f"acknowledged {box['acked']}, rejected {box['rejected']}",
        f"last success: {data['last_success_at'] or 'never'}",
        f"last error: {data['last_error'] or 'none'}"
        + (f" at {data['last_error_at']}" if data["last_error_at"] else ""),
        f"push batches: at most {data['batch_items']} items "
        + (
            f"(central's limit; SYNC_BATCH_ITEMS is {configured})"
            if data["batch_items"] != configured
            else "(SYNC_BATCH_ITEMS)"
        ),
        *(
            f"rejected {r['proposal_uuid']} r{r['revision']}: {r['reason']}"
            for r in data["rejected"]
        ),
        *(
            f"not sent {r['proposal_uuid']} r{r['revision']}: {r['reason']}"
            for r in data["not_sent"]
        ),
    ]
    _emit(data, as_json, lines)


# -- commands added to `sinovik central` ----------------------------------------------------


@click.command("issue-node-credentials")
@instance_option
@click.option(
    "--tenant", "tenant_codes", multiple=True, required=True, help="Repeat for each tenant."
)
@click.option("--label", default="", help="A name for the node, e.g. 'Pemprov Jateng server'.")
def issue_node_credentials(instance: Path, tenant_codes: tuple[str, ...], label: str) -> None:
    """A node id and secret for a regional node (the secret is shown once)."""
    from sync import credentials

    with app_context("central", instance):
        chosen = [tenants.require_by_code(code) for code in tenant_codes]
        issued = credentials.issue(chosen, actor=None, label=label)
        db.session.commit()
        click.echo(f"node id: {issued.node.id}")
        click.echo(f"secret:  {issued.secret}")
        click.echo("The secret is shown once; central keeps only its hash. On the node run:")
        click.echo(
            "  sinovik regional connect --instance DIR --central-url URL "
            f"--node-id {issued.node.id}"
        )


@click.command("rotate-node-credentials")
@instance_option
@click.option("--node-id", required=True)
def rotate_node_credentials(instance: Path, node_id: str) -> None:
    """A new secret for a node (the old one stops working at once)."""
    from sync import credentials

    with app_context("central", instance):
        issued = credentials.rotate(credentials.get(node_id), actor=None)
        db.session.commit()
        click.echo(f"node id: {issued.node.id}")
        click.echo(f"secret:  {issued.secret}")


@click.command("revoke-node")
@instance_option
@click.option("--node-id", required=True)
def revoke_node(instance: Path, node_id: str) -> None:
    """Refuse every further request of a node."""
    from sync import credentials

    with app_context("central", instance):
        credentials.revoke(credentials.get(node_id), actor=None)
        db.session.commit()
        click.echo(f"node {node_id} revoked")


@click.command("new-epoch")
@instance_option
def new_epoch(instance: Path) -> None:
    """After restoring central from a backup: make every node resynchronise."""
    from sync import changes

    with app_context("central", instance):
        value = changes.new_epoch()
        db.session.commit()
        click.echo(f"central epoch is now {value}; nodes resynchronise on their next sync")


@click.command("import-bundle")
@instance_option
@click.argument("bundle", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True)
def import_bundle(instance: Path, bundle: Path, as_json: bool) -> None:
    """Apply a node's sneakernet bundle exactly as an online push would."""
    from sync import bundle as bundles

    with app_context("central", instance):
        done = bundles.import_proposals(bundle)
    counts: dict[str, int] = {}
    for r in done.results:
        counts[r.status] = counts.get(r.status, 0) + 1
    data = {
        "results": [r.as_dict() for r in done.results],
        "counts": counts,
        "refused_files": [f.as_dict() for f in done.refused],
    }
    _emit(
        data, as_json, [", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "empty bundle"]
    )
    for f in done.refused:
        click.echo(f"not imported: {f.why}", err=True)
    if done.refused:
        click.echo(
            "The proposals naming such a file are rejected, as an online push would be; to "
            "take them, raise central's SYNC_BLOB_MAX_BYTES and import the bundle again.",
            err=True,
        )
    bad = [r for r in done.results if r.status in ("rejected", "conflict")]
    for r in bad:
        click.echo(f"{r.status} {r.proposal_uuid} r{r.revision}: {r.reason}", err=True)
    sys.exit(1 if bad or done.refused else 0)


@click.command("export-results")
@instance_option
@click.option("--tenant", "tenant_code", required=True)
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def export_results(instance: Path, tenant_code: str, out: Path) -> None:
    """Write a tenant's results (and what central holds) for a node without a link."""
    from sync import bundle as bundles

    with app_context("central", instance):
        summary = bundles.export_results(tenants.require_by_code(tenant_code), out)
    click.echo(f"wrote {out}: {summary['events']} events, {summary['held']} revisions held")


# -- `sinovik regional connect` and the sneakernet side of a node -------------------------


@click.command("connect")
@instance_option
@click.option("--central-url", required=True, help="e.g. https://sinovik.menpan.go.id")
@click.option("--node-id", required=True)
def connect(instance: Path, central_url: str, node_id: str) -> None:
    """Check the node id and secret (read from stdin) against central and store them."""
    from sync import node

    secret = read_secret("Node secret", confirm=False)
    with app_context("regional", instance):
        connected = node.connect(central_url, node_id, secret)
        db.session.commit()
    click.echo(
        f"connected to {central_url} as {node_id}; central serves this node's tenants "
        f"{', '.join(connected.served)}"
    )
    for code in connected.unserved:
        click.echo(
            f"warning: central does not serve tenant {code} for this node: its proposals "
            "will be rejected until the ministry issues credentials that include it",
            err=True,
        )
    if connected.requeued:
        click.echo(
            f"{connected.requeued} revision{'s' if connected.requeued != 1 else ''} rejected "
            f"for {'their' if connected.requeued != 1 else 'its'} tenant "
            f"{'are' if connected.requeued != 1 else 'is'} queued again (sent on the next sync)"
        )


@cli.command("export")
@instance_option
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def export_cmd(instance: Path, out: Path) -> None:
    """Write a signed bundle of every pending revision and its files (for a USB stick)."""
    from sync import bundle as bundles

    with app_context("regional", instance):
        summary = bundles.export_proposals(out)
    click.echo(f"wrote {out}: {summary['items']} revisions, {summary['blobs']} attachments")


@cli.command("import-results")
@instance_option
@click.argument("bundle", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_results(instance: Path, bundle: Path) -> None:
    """Apply a results bundle from central (events once each; acknowledges what central holds)."""
    from sync import bundle as bundles

    with app_context("regional", instance):
        summary = bundles.import_results(bundle)
    click.echo(
        f"applied {summary['applied']} new events, acknowledged {summary['acked']} revisions"
        + (f", {summary['conflicts']} differ from central's copy" if summary["conflicts"] else "")
    )


CENTRAL_COMMANDS = (
    issue_node_credentials,
    rotate_node_credentials,
    revoke_node,
    new_epoch,
    import_bundle,
    export_results,
)
REGIONAL_COMMANDS = (connect,)
