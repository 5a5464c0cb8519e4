"""Helpers every `sinovik` command uses: instance option, app context, secrets, errors."""

from __future__ import annotations

import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
import sqlalchemy.exc
from flask import Flask
from sqlalchemy.orm import configure_mappers

from shared.config import ConfigError, read_instance_config
from shared.db import db, sqlite_begin_mode
from shared.services import ServiceError
from shared.tenancy import national_scope


def instance_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--instance",
        envvar="SINOVIK_INSTANCE",
        required=True,
        type=click.Path(file_okay=False, path_type=Path),
        help="Instance folder (or SINOVIK_INSTANCE).",
    )(fn)


def make_app(kind: str, instance: Path, *, serving: bool = False) -> Flask:
    """The app of an instance; a ``serving`` one leaves out what only the CLI needs."""
    if kind == "central":
        from central import create_app
    else:
        from regional import create_app
    try:
        overrides = {"MIGRATIONS": False} if serving else None
        app = create_app(overrides, instance_path=str(instance))
    except ConfigError as err:
        raise click.ClickException(str(err)) from None
    if serving:  # once, at start, rather than in the first request of every worker
        configure_mappers()
    return app


def check_initialised(kind: str, instance: Path) -> None:
    cfg = read_instance_config(instance)
    if not cfg:
        raise click.ClickException(
            f"{instance} is not an initialised instance: run `sinovik {kind} init --instance "
            f"{instance}` first"
        )
    if cfg.get("NODE_KIND") != kind:
        raise click.ClickException(
            f"{instance} is a {cfg.get('NODE_KIND')} instance, not a {kind} one"
        )


@contextmanager
def app_context(kind: str, instance: Path, *, check: bool = True) -> Iterator[Flask]:
    """An app context with national scope and write transactions, turning errors into lines."""
    if check:
        check_initialised(kind, instance)
    app = make_app(kind, instance)
    token = sqlite_begin_mode.set("IMMEDIATE")
    try:
        with app.app_context(), national_scope():
            try:
                yield app
            except ServiceError as err:
                db.session.rollback()
                raise click.ClickException(err.message) from None
            except sqlalchemy.exc.OperationalError as err:
                db.session.rollback()
                reason = str(err.orig).strip().splitlines()[0] if err.orig else str(err)
                raise click.ClickException(f"database unreachable or failing: {reason}") from None
    finally:
        sqlite_begin_mode.reset(token)


def read_secret(prompt: str, *, confirm: bool = True) -> str:
    """A password or secret from stdin (one line) when piped, else from a hidden prompt."""
    if not sys.stdin.isatty():
        value = sys.stdin.readline().rstrip("\r\n")
        if not value:
            raise click.ClickException(f"{prompt}: nothing was given on stdin")
        return value
    return click.prompt(prompt, hide_input=True, confirmation_prompt=confirm)


def check_port_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as err:
            raise click.ClickException(f"cannot listen on {host}:{port}: {err.strerror}") from None


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]
