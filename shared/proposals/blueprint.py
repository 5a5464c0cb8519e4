"""The ``proposals`` blueprint and the helpers its views share."""

from __future__ import annotations

from flask import Blueprint, abort, flash, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from shared.db import db
from shared.models.proposal import Proposal
from shared.models.user import Role, User
from shared.permissions import can_view_proposal
from shared.results import screening_label
from shared.services import ServiceError
from shared.services import proposals as svc
from shared.services.proposal_rules import count_words
from shared.services.proposals import status_label
from shared.text import format_size
from shared.web.loading import load_or_404
from shared.web.nav import add_nav

TENANT_ROLES = (Role.LOCAL_ADMIN, Role.OPERATOR)

bp = Blueprint("proposals", __name__, url_prefix="/proposals", template_folder="templates")
add_nav(bp, "proposals.index", _l("Proposals"), TENANT_ROLES, order=10)

__all__ = ["TENANT_ROLES", "actor", "bp", "load_proposal", "status_label"]


def actor() -> User:
    return current_user._get_current_object()


def locale() -> str:
    return str(get_locale() or "id")


def load_proposal(proposal_id: int) -> Proposal:
    """The proposal in the URL: 404 outside the tenant, 403 for another unit's operator."""
    proposal = load_or_404(Proposal, proposal_id)
    if not can_view_proposal(current_user, proposal):
        abort(403)
    return proposal


def wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def refuse(err: ServiceError) -> None:
    """Undo the failed step and tell the user why (each broken rule is listed on the page)."""
    db.session.rollback()
    flash(err.message, "error")


def flash_saved(found: list) -> None:
    if found:
        flash(
            _(
                "Saved. %(n)d rule(s) are not met yet; the messages are next to the fields.",
                n=len(found),
            ),
            "warning",
        )
    else:
        flash(_("Saved. The proposal meets every rule."), "success")


@bp.context_processor
def _helpers() -> dict:
    return {
        "status_label": status_label,
        "action_label": svc.action_label,
        "screening_label": screening_label,  # as on the results pages, on both node kinds
        "format_size": format_size,
        "count_words": count_words,
        "locale": locale(),
    }
