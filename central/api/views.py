"""Open data API views (rate limits and paging: see the package docstring)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, current_app, jsonify, request, url_for
from flask_babel import gettext as _
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from central.announce import results
from central.announce.published import publication_by_year
from central.api.openapi import openapi_document
from central.catalogue import services as catalogue
from central.public.cache import cached_public_answer
from shared.pagination import page_count
from shared.services import ServiceError

bp = Blueprint("api", __name__, url_prefix="/api/v1")
limiter = Limiter(key_func=get_remote_address)
limiter.shared_limit(lambda: current_app.config["API_RATE_LIMIT"], scope="open-data-api")(bp)

LISTS = ("finalists", "top")


def _paged(items: list[dict[str, Any]], total: int, page: int, per_page: int, **extra: Any):
    pages = page_count(total, per_page)
    args = {k: v for k, v in request.args.items() if k not in ("page", "per_page")}

    def link(n: int) -> str:
        return url_for(request.endpoint or "", page=n, per_page=per_page, **args, _external=True)

    return jsonify(
        {
            **extra,
            "items": items,
            "page": page,
            "per_page": per_page,
            "total": total,
            "pages": pages,
            "links": {
                "self": link(page),
                "next": link(page + 1) if page < pages else None,
                "prev": link(page - 1) if page > 1 else None,
            },
        }
    )


@bp.errorhandler(ServiceError)
def _bad_request(err: ServiceError):
    return {"error": err.message, "field": err.field}, 400


@bp.after_request
def _open_to_all(response):
    response.headers["Access-Control-Allow-Origin"] = "*"
    if response.status_code == 200:
        # published data only, the same for everyone: shared caches may keep it a minute
        # (an embargo lifting shows at most that much later, never earlier)
        response.headers.setdefault("Cache-Control", "public, max-age=60")
    return response


@bp.get("/catalogue")
def catalogue_list():
    """Published finalists and winners, searchable and filterable, best match first."""
    return cached_public_answer(_catalogue_list)


def _catalogue_list():
    query = catalogue.CatalogueQuery.from_args(request.args)
    page = catalogue.search(query)
    base = _entry_url("-")[:-1]  # built once: a page lists up to a hundred entries
    items = [{**item.as_json(), "url": base + item.entry.proposal_uuid} for item in page.items]
    return _paged(items, page.total, page.page, page.per_page)


def _entry_url(uuid: str) -> str:
    return url_for("public.catalogue_entry", uuid=uuid, _external=True)


@bp.get("/catalogue/<uuid>")
def catalogue_item(uuid: str):
    """One published entry with what is needed to replicate it and its replication links."""
    found = catalogue.published_entry(uuid)
    if found is None:
        abort(404)
    data = found.item.as_json(detail=True)
    data["url"] = _entry_url(uuid)
    data["inspiration"] = (
        {"uuid": found.inspiration.entry.proposal_uuid, "title": found.inspiration.entry.title}
        if found.inspiration
        else None
    )
    data["replicated_by"] = [
        {"uuid": r.entry.proposal_uuid, "title": r.entry.title, "year": r.entry.year}
        for r in found.replicated_by
    ]
    return jsonify(data)


@bp.get("/results")
def results_list():
    """A published result list of one year (finalists, or the Top list with special awards)."""
    which = request.args.get("list", "finalists")
    if which not in LISTS:
        raise ServiceError(_("list must be one of: %(values)s.", values=", ".join(LISTS)), "list")
    query = catalogue.CatalogueQuery.from_args(
        {k: v for k, v in request.args.items() if k in ("year", "page", "per_page")}
    )
    pub = publication_by_year(query.year)
    if pub is None:
        abort(404)
    filters = results.ResultFilters.from_args(request.args)
    stage = pub.stage("top99" if which == "finalists" else "final")
    if which == "finalists":
        rows = results.finalists(pub, filters)
        published = pub.finalists_published
    else:
        rows = [r for group in results.winners(pub, filters).values() for r in group]
        published = pub.awards_published
    start = (query.page - 1) * query.per_page
    return _paged(
        [
            {**r.as_json(), "url": _entry_url(r.uuid) if r.in_catalogue else None}
            for r in rows[start : start + query.per_page]
        ],
        len(rows),
        query.page,
        query.per_page,
        year=pub.year,
        list=which,
        published=published,
        publish_at=stage.publish_at.isoformat() if stage and stage.publish_at else None,
    )


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of this API."""
    return jsonify(openapi_document(url_for("api.openapi", _external=True).rsplit("/", 1)[0]))


def init_limits(app: Flask) -> None:
    """Rate limits of the API (Flask-Limiter) and its JSON answer when one is exceeded."""
    app.config.setdefault("API_RATE_LIMIT", "120 per minute")
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)

    @app.errorhandler(429)
    def _too_many(err):
        # Only the API is rate-limited; Flask-Limiter adds Retry-After and X-RateLimit-* headers.
        return {"error": _("Too many requests: slow down and try again later.")}, 429
