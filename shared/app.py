"""The common part of both app factories: config, extensions, scoping, auth, errors, i18n."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, g, request, session
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from shared import models  # noqa: F401  (register every model with the metadata)
from shared.config import load_config
from shared.db import db, include_in_migrations, sqlite_begin_mode
from shared.extensions import babel, csrf, login_manager
from shared.i18n import install_template_gettext
from shared.services.users import scope_of
from shared.tenancy import reset_scope, set_scope
from sync import models as sync_models  # noqa: F401

MIGRATIONS_DIR = str(Path(__file__).parent / "migrations")
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def select_locale() -> str:
    from flask import current_app, has_request_context

    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def build_app(
    import_name: str,
    defaults: type,
    *,
    instance_path: str | None = None,
    test_config: dict[str, Any] | None = None,
) -> Flask:
    """Create a Flask app with everything both node kinds share; callers add blueprints."""
    app = Flask(
        import_name,
        instance_path=str(Path(instance_path).resolve()) if instance_path else None,
        instance_relative_config=True,
        static_folder=str(Path(__file__).parent / "web" / "static"),
        template_folder=str(Path(__file__).parent / "web" / "templates"),
    )
    load_config(app, defaults, test_config)
    if hops := int(app.config.get("PROXY_HOPS") or 0):
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops
        )

    db.init_app(app)
    if app.config.get("MIGRATIONS", True):  # off in serving processes (see extensions.py)
        from flask_migrate import Migrate

        Migrate(
            app,
            db,
            directory=MIGRATIONS_DIR,
            render_as_batch=True,
            include_name=include_in_migrations,
        )
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )
    install_template_gettext(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    _install_request_scope(app)  # first: later hooks already query with the right scope
    from shared.web import init_web

    init_web(app)
    return app


def _install_request_scope(app: Flask) -> None:
    """Resolve the tenant scope once per request from the logged-in user."""

    @app.before_request
    def _visitor_without_login() -> None:
        # No user id in the session and no remember cookie: nobody can be logged in, so skip
        # Flask-Login's loading and session protection (which would rewrite the session and
        # send cookies on every public page).
        if "_user_id" not in session and (
            app.config.get("REMEMBER_COOKIE_NAME", "remember_token") not in request.cookies
        ):
            g._login_user = login_manager.anonymous_user()

    @app.before_request
    def _open_scope() -> None:
        if request.method in WRITE_METHODS:
            g._begin_token = sqlite_begin_mode.set("IMMEDIATE")
        scope = scope_of(current_user) if current_user.is_authenticated else None
        g._scope_token = set_scope(scope)

    @app.teardown_request
    def _close_scope(exc: BaseException | None) -> None:
        token = g.pop("_scope_token", None)
        if token is not None:
            reset_scope(token)
        begin = g.pop("_begin_token", None)
        if begin is not None:
            sqlite_begin_mode.reset(begin)
