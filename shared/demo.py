"""`sinovik demo`: a central server and two regional nodes with demo data, on free ports."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import click
import requests

from shared import demo_data, demo_history
from shared.cli_common import initialise
from shared.cli_support import app_context, free_port
from shared.db import db
from shared.services import tenants

DEMO_NODES = (("33.20", "Kabupaten Jepara", "jepara"), ("33.74", "Kota Semarang", "semarang"))


SYNC_EVERY = "1m"  # the demo nodes sync every minute (production: 15m)


def _start(kind: str, instance: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    command = ["serve", "--port", str(port), "--workers", "1"]
    return _spawn([kind, *command, "--instance", str(instance)], log)


def _start_sync(instance: Path, log: Path) -> subprocess.Popen[bytes]:
    """The node's scheduled sync, as the docker-compose `sync` service runs it."""
    return _spawn(["sync", "run", "--instance", str(instance), "--every", SYNC_EVERY], log)


def _link(central: Path, central_url: str, instance: Path, code: str) -> str:
    """Issue node credentials on central and connect the node with them."""
    from sync import credentials, node

    with app_context("central", central):
        issued = credentials.issue([tenants.require_by_code(code)], actor=None, label=code)
        node_id, secret = issued.node.id, issued.secret
        db.session.commit()
    with app_context("regional", instance):
        node.connect(central_url, node_id, secret)
        db.session.commit()
    return node_id


def _spawn(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "shared", *args],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # Ctrl-C reaches us only; we stop the servers ourselves
    )


def _wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise click.ClickException(f"{url} did not start:\n{log.read_text()[-2000:]}")
        try:
            requests.get(url + "login", timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.3)
    raise click.ClickException(f"{url} did not answer within 60 s")


def build(root: Path) -> dict[str, tuple[Path, list[demo_data.DemoLogin]]]:
    """Create the three instances with their demo data."""
    nodes: dict[str, tuple[Path, list[demo_data.DemoLogin]]] = {}
    central = root / "central"
    initialise("central", central, {})
    with app_context("central", central):
        tenants.seed_regions()
        logins = demo_data.seed_central()
        logins += demo_data.seed_central_intake()
        demo_history.seed_central_history()
        db.session.commit()
    nodes["central"] = (central, logins)
    for code, name, prefix in DEMO_NODES:
        instance = root / prefix
        initialise("regional", instance, {})
        with app_context("regional", instance):
            region = tenants.find_region(code)
            tenant = tenants.add_tenant(
                code=code,
                name=name,
                kind=region.kind,
                province_code=region.province_code,
                actor=None,
            )
            logins = demo_data.seed_regional(tenant, prefix)
            db.session.commit()
        nodes[prefix] = (instance, logins)
    return nodes


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@click.command("demo")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep the demo instances here (default: a temporary folder, removed after).",
)
def demo(directory: Path | None) -> None:
    """Run a central server and two regional nodes with demo data until Ctrl-C."""
    root = directory or Path(tempfile.mkdtemp(prefix="sinovik-demo-"))
    click.echo(f"building demo instances in {root} ...")
    nodes = build(root)
    procs: list[subprocess.Popen[bytes]] = []
    central_url = ""
    try:
        click.echo("")
        for name, (instance, logins) in nodes.items():
            kind = "central" if name == "central" else "regional"
            port = free_port()
            log = root / f"{name}.log"
            proc = _start(kind, instance, port, log)
            procs.append(proc)
            url = f"http://127.0.0.1:{port}/"
            _wait_ready(url, proc, log)
            if kind == "central":
                central_url = url.rstrip("/")
            else:
                code = next(c for c, _n, prefix in DEMO_NODES if prefix == name)
                node_id = _link(nodes["central"][0], central_url, instance, code)
                procs.append(_start_sync(instance, root / f"{name}-sync.log"))
            click.secho(f"{name:<10} {url}", bold=True)
            if kind == "central":
                click.echo(f"    public site, no login: {url}results, {url}catalogue")
            else:
                click.echo(
                    f"    synced as node {node_id} every {SYNC_EVERY} (log: {name}-sync.log)"
                )
            for login in logins:
                click.echo(f"    {login.username:<20} {login.password:<18} {login.role}")
        click.echo("\nPress Ctrl-C to stop.")
        signal.signal(signal.SIGTERM, _interrupt)
        while all(proc.poll() is None for proc in procs):
            time.sleep(0.5)
        click.echo("a server stopped unexpectedly; see the logs in " + str(root))
    except KeyboardInterrupt:
        pass
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        click.echo("stopped")
        if directory is None:
            shutil.rmtree(root, ignore_errors=True)
