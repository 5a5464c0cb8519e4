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

from shared import demo_data
from shared.cli_common import initialise
from shared.cli_support import app_context, free_port
from shared.db import db
from shared.services import tenants

DEMO_NODES = (("33.20", "Kabupaten Jepara", "jepara"), ("33.74", "Kota Semarang", "semarang"))


def _start(kind: str, instance: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "shared",
            kind,
            "serve",
            "--instance",
            str(instance),
            "--port",
            str(port),
            "--workers",
            "1",
        ],
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
            click.secho(f"{name:<10} {url}", bold=True)
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
