"""Seeding a running central server's instance for the public-site browser tests."""

from __future__ import annotations

import re

from shared.cli_support import make_app
from tests.conftest import PASSWORD
from tests.factories import Factory


def factory_for(server) -> Factory:
    """A factory writing into the server's own database (the server sees it at once)."""
    return Factory(make_app(server.kind, server.instance))


def log_in(page, server, username: str, password: str = PASSWORD) -> None:
    page.goto(server.url + "login")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(re.compile(r"/dashboard"))
