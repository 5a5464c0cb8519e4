"""Browser tests: Playwright driving Debian's chromium against real gunicorn servers."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from shared.cli import main
from shared.cli_support import free_port
from tests.conftest import skip_or_fail

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

pytestmark = pytest.mark.browser


@dataclass
class Server:
    kind: str
    instance: Path
    url: str
    process: subprocess.Popen[bytes]

    def cli(self, *args: str, input: str | None = None) -> str:
        """Run a `sinovik <kind> ...` command against this server's instance."""
        result = CliRunner().invoke(
            main,
            [self.kind, *args, "--instance", str(self.instance)],
            input=input,
            catch_exceptions=False,
        )
        assert result.exit_code == 0, result.output
        return result.output


def _wait(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server died:\n{log.read_text()[-3000:]}")
        try:
            requests.get(url + "login", timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"server at {url} did not start")


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """``start_server("regional", init_args=[...])``: an initialised instance under gunicorn."""
    servers: list[Server] = []

    def _start(
        kind: str, *init_args: str, name: str | None = None, env: dict[str, str] | None = None
    ) -> Server:
        instance = tmp_path / (name or kind)
        result = CliRunner().invoke(
            main, [kind, "init", "--instance", str(instance), *init_args], catch_exceptions=False
        )
        assert result.exit_code == 0, result.output
        port = free_port()
        log = instance / "server.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
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
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, **(env or {})},
            )
        url = f"http://127.0.0.1:{port}/"
        server = Server(kind, instance, url, process)
        servers.append(server)
        _wait(url, process, log)
        return server

    yield _start
    for server in servers:
        server.process.terminate()
    for server in servers:
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        skip_or_fail(
            f"browser tests skipped: {CHROMIUM} is missing (apt-get install chromium)",
            "SINOVIK_REQUIRE_BROWSER",
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser) -> Iterator[object]:
    context = browser.new_context(locale="id-ID", accept_downloads=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()
