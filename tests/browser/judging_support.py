"""Seeding judging scenarios into a running central server's instance, and logging in."""

from __future__ import annotations

from typing import Any

from shared.cli_support import make_app
from tests.central.judging.support import World
from tests.factories import Factory

PASSWORD = "Rahasia12345"  # tests.factories' default


def world_for(server: Any) -> World:
    """A World writing into the server's database (SQLite in its instance folder)."""
    return World(Factory(make_app("central", server.instance)))


def log_in(page: Any, server: Any, username: str) -> None:
    page.context.clear_cookies()
    page.goto(server.url + "login")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(lambda url: "/login" not in url)
