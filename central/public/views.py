"""The public site, no login: published results, the decree annex, the catalogue, certificate
verification and the open-data documentation.

Every read here goes through central/announce/published.py, which opts out of tenant scoping
visibly (``execution_options(national=True)``) and returns only what is already published.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from central.announce import results
from central.announce.annex import render_annex
from central.announce.published import Publication, publication_by_year, publications
from central.catalogue import services as catalogue
from central.certificates import services as certificates
from central.public.cache import cached_card, cached_public_answer
from shared.db import db
from shared.i18n import locale_code
from shared.results import AWARD_LABELS, award_label
from shared.services import ServiceError

bp = Blueprint("public", __name__, template_folder="templates")


def _publication() -> Publication:
    pub = publication_by_year(request.args.get("year", type=int))
    if pub is None:
        abort(404)
    return pub


def _list_context(pub: Publication) -> dict:
    filters = results.ResultFilters.from_args(request.args)
    return {
        "pub": pub,
        "filters": filters,
        "options": results.filter_options(pub),
        "years": [p.year for p in publications()],
        "locale": locale_code(),
    }


@bp.route("/results")
def results_home():
    """Each year's stages: published lists, or when they will be published (WIB)."""
    return render_template("public/results.html", pubs=publications())


@bp.route("/results/finalists")
def finalists():
    """The finalist list (Top 99), alphabetical, filtered; hidden until its publish time."""
    ctx = _list_context(_publication())
    ctx["rows"] = results.finalists(ctx["pub"], ctx["filters"])
    return render_template("public/finalists.html", **ctx)


@bp.route("/results/top")
def winners():
    """The Top list and the special awards, alphabetical; hidden until the final publish time."""
    ctx = _list_context(_publication())
    ctx["groups"] = results.winners(ctx["pub"], ctx["filters"])
    return render_template("public/winners.html", **ctx)


def _filter_text(filters: results.ResultFilters, options: results.FilterOptions) -> str:
    labels = {**dict(options.kinds), **dict(options.provinces), **dict(options.categories)}
    return ", ".join(labels.get(v, v) for v in filters.as_args().values())


def _pdf(data: bytes, name: str) -> Response:
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )


@bp.route("/results/finalists.pdf")
def finalists_pdf():
    """The finalist list as the decree's annex (PDF); 404 while embargoed."""
    ctx = _list_context(_publication())
    pub = ctx["pub"]
    if not pub.finalists_published:
        abort(404)
    rows = results.finalists(pub, ctx["filters"])
    title = _(
        "Finalists (Top 99) of the Public Service Innovation Competition %(year)d", year=pub.year
    )
    data = render_annex(title, [("", rows)], _filter_text(ctx["filters"], ctx["options"]))
    return _pdf(data, f"finalis-{pub.year}.pdf")


@bp.route("/results/top.pdf")
def winners_pdf():
    """The Top list and special awards as the decree's annex (PDF); 404 while embargoed."""
    ctx = _list_context(_publication())
    pub = ctx["pub"]
    if not pub.awards_published:
        abort(404)
    groups = results.winners(pub, ctx["filters"])
    title = _("Top Public Service Innovations %(year)d", year=pub.year)
    sections = [(award_label(code), rows) for code, rows in groups.items()]
    data = render_annex(title, sections, _filter_text(ctx["filters"], ctx["options"]))
    return _pdf(data, f"top-{pub.year}.pdf")


@bp.route("/catalogue")
def catalogue_search():
    """Search the published finalists and winners by text, category, region, year and award."""
    return cached_public_answer(_catalogue_page)


def _catalogue_page():
    try:
        query = catalogue.CatalogueQuery.from_args(request.args)
    except ServiceError as err:
        return render_template(
            "error.html", code=400, title=_("Bad request"), message=err.message
        ), 400
    page = catalogue.search(query)
    pubs = publications()
    options, awards = _catalogue_choices(pubs[0] if pubs else None)
    card = current_app.jinja_env.get_template("public/_card.html").module.card
    return render_template(
        "public/catalogue.html",
        query=query,
        page=page,
        options=options,
        awards=awards,
        card=lambda item: cached_card(item.entry.id, lambda: card(item, awards)),
    )


# The filter choices of the catalogue page by (database, competition version, locale): labels
# from the shipped regions and the competition's configuration, made once, not for every new
# question.
_CHOICES: dict[tuple[str, int | None, str], tuple[results.FilterOptions, dict[str, str]]] = {}


def _catalogue_choices(pub: Publication | None) -> tuple[results.FilterOptions, dict[str, str]]:
    key = (str(db.engine.url), pub.version_id if pub else None, locale_code())
    found = _CHOICES.get(key)
    if found is None:
        if len(_CHOICES) > 64:  # new versions replace old ones; keep no history
            _CHOICES.clear()
        awards = {code: str(label) for code, label in AWARD_LABELS.items()}
        found = _CHOICES[key] = (results.filter_options(pub), awards)
    return found


@bp.route("/catalogue/<uuid>")
def catalogue_entry(uuid: str):
    """What another agency needs to replicate an innovation, with its replication links."""
    found = catalogue.published_entry(uuid)
    if found is None:
        abort(404)
    return render_template("public/entry.html", found=found, kind_label=results.kind_label)


@bp.route("/verify")
def verify():
    """Check a certificate by the code printed on it."""
    code = request.args.get("code", "").strip()
    if code:
        return redirect(
            url_for("public.verify_code", code=certificates.normalise_code(code) or "-")
        )
    return render_template("public/verify.html", verification=None, code="")


@bp.route("/verify/<code>")
def verify_code(code: str):
    """The verification URL in a certificate's QR code."""
    verification = certificates.verify(code)
    return render_template(
        "public/verify.html",
        verification=verification,
        code=code,
        title_of=certificates.title_of,
    ), (200 if verification else 404)


@bp.route("/open-data")
def open_data():
    """How to use the open-data API."""
    return render_template("public/open_data.html")
