"""Run an app under gunicorn (the production WSGI server), from the `serve` commands."""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication


class GunicornServer(BaseApplication):
    def __init__(self, factory: Callable[[], Flask], options: dict[str, Any]) -> None:
        self.factory = factory
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.factory()


def serve(
    factory: Callable[[], Flask],
    *,
    host: str,
    port: int,
    workers: int,
    threads: int = 4,
    timeout: int = 120,
    preload: bool = False,
) -> None:
    """Serve until stopped.

    ``threads=1`` runs gunicorn's sync workers: each worker takes the next connection from the
    listening socket only when it is free, so requests are answered in arrival order across
    workers (no keep-alive; a buffering proxy in front deals with slow clients). With more
    threads each worker accepts connections as they come and shares one interpreter among its
    threads (gthread), which tolerates slow clients and long requests better.

    By default each worker loads the app after forking. With ``preload`` the master loads it
    once and the workers share its memory (copy-on-write; frozen from the garbage collector so
    it stays shared); connection pools are reset in each worker, so none is shared.
    """
    GunicornServer(
        factory,
        {
            "preload_app": preload,
            "when_ready": _freeze_shared_heap if preload else None,
            "post_fork": _reset_pools if preload else None,
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread" if threads > 1 else "sync",
            "timeout": timeout,
            "graceful_timeout": 20,
            "accesslog": "-",
            "errorlog": "-",
            "loglevel": "warning",
            "proc_name": "sinovik",
        },
    ).run()


def _freeze_shared_heap(server: Any) -> None:
    """Before forking: compile every template, load the catalogs and run the app's warm-up
    functions (``app.extensions["sinovik_warm_up"]``) once, in the master, then keep it all out
    of the collector's reach, so the workers share it instead of copying."""
    app = server.app.wsgi()
    for name in app.jinja_env.list_templates(extensions=("html",)):
        app.jinja_env.get_template(name)
    with app.test_request_context():
        from flask_babel import force_locale, gettext

        for locale in app.config["LANGUAGES"]:
            with force_locale(locale):
                gettext("Dashboard")
    warm_ups = app.extensions.get("sinovik_warm_up", ())
    if warm_ups:
        from shared.db import db

        try:
            with app.app_context():
                for warm_up in warm_ups:
                    warm_up()
        except Exception:  # a cold start is slower, never broken
            server.log.exception("warm-up before forking failed; the workers start cold")
        finally:
            with app.app_context():
                db.engine.dispose()  # the workers open their own connections
    gc.collect()
    gc.freeze()


def _reset_pools(server: Any, worker: Any) -> None:
    """A worker must not reuse a database connection the master may have opened."""
    from shared.db import db

    app = server.app.wsgi()
    with app.app_context():
        db.engine.dispose(close=False)
