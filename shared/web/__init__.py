"""Web pieces both apps share: auth blueprint, language switch, errors, template helpers."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from flask import Flask, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from shared.db import db
from shared.i18n import locale_code
from shared.services.proposal_rules import attachment_kind_label
from shared.timeutil import format_wib
from shared.web import charts

# Endpoints a user who must still complete the first-login steps may reach.
ONBOARDING_OPEN = frozenset(
    {"auth.onboarding", "auth.logout", "static", "set_language", "language_link"}
)


def safe_next(target: str | None, fallback: str) -> str:
    """Only follow redirects to paths on this site."""
    return target if target and _site_path(target) else fallback


def _site_path(target: str) -> bool:
    """A path on this site, and nothing a browser could read as another address (it takes a
    backslash for a slash and drops tabs and newlines: ``/\\evil.example`` is
    ``//evil.example``), nor a character a Location header cannot carry."""
    if not target.startswith("/") or "\\" in target:
        return False
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def page_path() -> str:
    """The address of the page being shown, for a link or form that comes back to it (the
    layout's language switch). A page answering a POST (a refused form, a stale step at
    /proposals/<id>/submit) gives an address a GET can show: its own if it answers GET too,
    else the page it was posted from (the referrer, when it is a page of this site that
    answers GET), else the home page. Never the POST-only address: that would be a 405."""
    if request.method in ("GET", "HEAD") or _answers_get(request.path):
        return request.full_path
    referrer = _referrer_path()
    if referrer is not None and _answers_get(unquote(urlsplit(referrer).path)):
        return referrer
    return url_for("index")


def _referrer_path() -> str | None:
    """The referrer as a path of this app (with its query), or None for another site."""
    parts = urlsplit(request.referrer or "")
    root = request.script_root
    if parts.scheme not in ("http", "https") or parts.netloc != request.host:
        return None
    if not parts.path.startswith(root + "/"):
        return None  # another application on the same host
    path = parts.path[len(root) :] + (f"?{parts.query}" if parts.query else "")
    return path if _site_path(path) else None


def _answers_get(path: str) -> bool:
    """Whether a GET of ``path`` (without the script root) reaches a view of this app."""
    adapter = current_app.create_url_adapter(request)
    assert adapter is not None
    try:
        adapter.match(path, method="GET")
    except RequestRedirect:
        return True  # e.g. the missing slash of /proposals: the view behind it answers GET
    except HTTPException:
        return False  # not found, or POST only
    return True


def init_web(app: Flask) -> None:
    from shared.extensions import login_manager
    from shared.services.users import load_session_user
    from shared.web.auth import bp as auth_bp
    from shared.web.nav import init_nav

    init_nav(app)
    login_manager.user_loader(load_session_user)
    app.register_blueprint(auth_bp)

    @login_manager.unauthorized_handler
    def _unauthorized():
        if request.blueprint == "api" or request.accept_mimetypes.best == "application/json":
            return {"error": _("Please log in.")}, 401
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))

    @app.before_request
    def _force_onboarding():
        if (
            current_user.is_authenticated
            and current_user.needs_onboarding
            and request.endpoint not in ONBOARDING_OPEN
        ):
            return redirect(url_for("auth.onboarding"))
        return None

    @app.post("/language")
    def set_language():
        """Switch the interface language (kept in the session and on the account)."""
        lang = request.form.get("lang", "")
        if lang in current_app.config["LANGUAGES"]:
            session["locale"] = lang
            if current_user.is_authenticated:
                from shared.db import db

                current_user.locale = lang
                db.session.commit()
        return redirect(safe_next(request.form.get("next"), url_for("index")))

    @app.get("/language/<lang>")
    def language_link(lang: str):
        """Switch the interface language from a link (visitors who are not logged in)."""
        if lang in current_app.config["LANGUAGES"]:
            session["locale"] = lang
        return redirect(safe_next(request.args.get("next"), url_for("index")))

    @app.after_request
    def _security_headers(response):
        # Nothing may come from outside the node: the page would stall on an offline intranet.
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; "
            "script-src 'self'; frame-ancestors 'none'; form-action 'self'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    def _error(code: int, title: str, message: str):
        if request.accept_mimetypes.best == "application/json" or request.path.startswith(
            "/api/"
        ):  # the APIs, the sync API (/api/sync/v1) among them; /sync/ is the node's sync page
            return {"error": message}, code
        return render_template("error.html", code=code, title=title, message=message), code

    @app.errorhandler(CSRFError)
    def _csrf_error(err):
        return _error(
            400,
            _("Form expired"),
            _(
                "The form's security token is missing or expired. Nothing was saved: go back, "
                "reload the page and send it again."
            ),
        )

    @app.errorhandler(403)
    def _forbidden(err):
        return _error(403, _("Not allowed"), _("Your account may not open this page."))

    @app.errorhandler(404)
    def _not_found(err):
        return _error(404, _("Not found"), _("The page or the data you asked for does not exist."))

    @app.errorhandler(413)
    def _too_large(err):
        return _error(413, _("Too large"), _("The upload is larger than the server accepts."))

    @app.errorhandler(500)
    def _server_error(err):
        db.session.rollback()  # nothing half-written is committed later; the log has the error
        return _error(
            500,
            _("Something went wrong"),
            _(
                "The server could not finish this request. Go back and try again; if it happens "
                "again, tell the administrator when it happened."
            ),
        )

    app.jinja_env.filters["reject_key"] = lambda d, key: {k: v for k, v in d.items() if k != key}
    app.jinja_env.filters["wib"] = format_wib
    app.jinja_env.filters["wib_date"] = lambda v: format_wib(v, with_time=False)
    app.jinja_env.globals.update(
        get_locale=locale_code,  # kept per request and language
        page_path=page_path,  # where the language switch comes back to
        bar_chart=charts.bar_chart,
        column_chart=charts.column_chart,
        node_kind=lambda: current_app.config["NODE_KIND"],
        kind_label=attachment_kind_label,  # an attachment's kind as people read it
    )
