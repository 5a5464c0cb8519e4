"""Invitations to by-invitation groups (Khusus): the ministry invites a tenant for a year."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from shared.db import db
from shared.models.competition import Competition
from shared.models.invitation import Invitation
from shared.models.tenant import Tenant
from shared.models.user import User
from shared.services import ServiceError, audit

INVITATION_EVENT = "invitation.created"  # central -> the tenant's node, through the feed


def invite(
    tenant: Tenant, competition: Competition, group_code: str, *, actor: User | None
) -> Invitation:
    """Invite ``tenant`` to ``group_code`` of ``competition``; inviting twice changes nothing."""
    group = competition.config.group(group_code)
    if group is None:
        raise ServiceError(_("Unknown group %(g)s.", g=group_code), field="group")
    if not group.by_invitation:
        raise ServiceError(
            _("The group %(g)s is open to every agency; no invitation is needed.", g=group_code),
            field="group",
        )
    existing = db.session.execute(
        sa.select(Invitation).where(
            Invitation.tenant_id == tenant.id,
            Invitation.competition_id == competition.id,
            Invitation.group_code == group_code,
        )
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    invitation = Invitation(
        tenant_id=tenant.id, competition_id=competition.id, group_code=group_code
    )
    db.session.add(invitation)
    db.session.flush()
    audit.record(
        "invitation.create",
        invitation,
        actor=actor,
        after={"tenant": tenant.code, "year": competition.year, "group_code": group_code},
    )
    if current_app.config["NODE_KIND"] == "central":
        from sync import feed

        feed.publish(
            INVITATION_EVENT,
            {"tenant_code": tenant.code, "year": competition.year, "group_code": group_code},
            tenant_id=tenant.id,
        )
    return invitation
