"""The ministry admin's configuration of a competition year.

Window (entered and shown in WIB), form and rules (groups, categories, SDGs, sections and word
limits, minimum implementation age, attachment size) and stages with their publish times.

Once registration has opened, or any proposal exists, the form is no longer edited in place: a
change makes a new :class:`CompetitionVersion` and every proposal keeps the version it was
written against (``Proposal.competition_version_id``). Every change is audited and published to
the nodes as a ``competition.updated`` event.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from shared.competition_config import CompetitionConfig
from shared.db import db, utcnow
from shared.models.competition import Competition, CompetitionVersion, Stage
from shared.models.proposal import Proposal
from shared.models.user import User
from shared.services import ServiceError, audit
from shared.services.versions import refuse_if_stale, version_token
from shared.timeutil import format_wib
from sync import feed

EVENT_KIND = "competition.updated"


def has_proposals(competition: Competition) -> bool:
    stmt = sa.select(sa.exists().where(Proposal.competition_id == competition.id))
    return bool(db.session.execute(stmt).scalar())


def form_is_frozen(competition: Competition, now: datetime | None = None) -> bool:
    """True once registration has opened or a proposal exists: changes make a new version."""
    return (now or utcnow()) >= competition.registration_opens_at or has_proposals(competition)


def competition_payload(competition: Competition) -> dict[str, Any]:
    """What nodes need to follow the year: window, current form version and stages (UTC ISO)."""
    current = competition.current
    return {
        "year": competition.year,
        "name": competition.name,
        "registration_opens_at": competition.registration_opens_at.isoformat(),
        "registration_closes_at": competition.registration_closes_at.isoformat(),
        "version": current.number,
        "config": current.data,
        "stages": [
            {
                "code": s.code,
                "name_id": s.name_id,
                "name_en": s.name_en,
                "position": s.position,
                "starts_at": s.starts_at.isoformat() if s.starts_at else None,
                "ends_at": s.ends_at.isoformat() if s.ends_at else None,
                "publish_at": s.publish_at.isoformat() if s.publish_at else None,
            }
            for s in competition.stages
        ],
    }


def _publish(competition: Competition) -> None:
    competition.updated_at = utcnow()  # also for changes to its versions and stages
    db.session.flush()
    feed.publish(EVENT_KIND, competition_payload(competition), tenant_id=None)


def _lock(competition: Competition) -> None:
    """Serialise edits of the year's settings: its row stays locked until the commit."""
    db.session.refresh(competition, with_for_update=True)


# -- window -----------------------------------------------------------------------------------


def window_version(competition: Competition) -> str:
    """The version token of the window page: the stored opening and closing times."""
    return version_token(competition.registration_opens_at, competition.registration_closes_at)


def update_window(
    competition: Competition,
    *,
    opens_at: datetime | None,
    closes_at: datetime | None,
    reason: str,
    actor: User,
    shown_version: str | None = None,
) -> None:
    """Move the registration window; extending the deadline needs a reason (audited).

    ``shown_version`` is the token of the page the change was typed on: a page loaded before
    someone else moved the window is refused, so it cannot silently move it back.
    """
    _lock(competition)
    refuse_if_stale(
        shown_version,
        window_version(competition),
        _(
            "Not saved: someone else changed the registration window after you opened this "
            "page. It now opens %(opens)s and closes %(closes)s.",
            opens=format_wib(competition.registration_opens_at),
            closes=format_wib(competition.registration_closes_at),
        ),
    )
    if opens_at is None or closes_at is None:
        raise ServiceError(_("Give both the opening and the closing time."), field="closes_at")
    if closes_at <= opens_at:
        raise ServiceError(_("The window must close after it opens."), field="closes_at")
    reason = reason.strip()
    before = {
        "registration_opens_at": competition.registration_opens_at.isoformat(),
        "registration_closes_at": competition.registration_closes_at.isoformat(),
    }
    extended = closes_at > competition.registration_closes_at
    if (opens_at, closes_at) == (
        competition.registration_opens_at,
        competition.registration_closes_at,
    ):
        return
    if (extended or form_is_frozen(competition)) and not reason:
        raise ServiceError(
            _("Say why the deadline moves: agencies and the audit trail will see it."),
            field="reason",
        )
    competition.registration_opens_at = opens_at
    competition.registration_closes_at = closes_at
    audit.record(
        "competition.extend_deadline" if extended else "competition.window",
        competition,
        actor=actor,
        before=before,
        after={
            "registration_opens_at": opens_at.isoformat(),
            "registration_closes_at": closes_at.isoformat(),
            "closes_wib": format_wib(closes_at),
            "reason": reason,
        },
    )
    _publish(competition)


# -- form and rules -----------------------------------------------------------------------------


def validate_config(config: CompetitionConfig) -> None:
    """Refuse a form that would break the proposal pages or the rules."""

    def unique(values: list[Any], field: str, what: str) -> None:
        seen = set()
        for value in values:
            if value in seen:
                raise ServiceError(_("%(what)s %(v)s appears twice.", what=what, v=value), field)
            seen.add(value)

    if not config.groups:
        raise ServiceError(_("Keep at least one group."), field="rows")
    if not config.categories:
        raise ServiceError(_("Keep at least one category."), field="rows")
    if not config.sections:
        raise ServiceError(_("Keep at least one form section."), field="rows")
    unique([g.code for g in config.groups], "rows", _("The group code"))
    unique([c.code for c in config.categories], "rows", _("The category code"))
    unique([s.number for s in config.sdgs], "rows", _("The SDG number"))
    unique([s.key for s in config.sections], "rows", _("The section key"))
    codes = {g.code for g in config.groups}
    for item in (*config.groups, *config.categories):
        if not item.code or not all(c.isalnum() or c in "_-" for c in item.code):
            raise ServiceError(
                _("Codes use letters, digits, dashes and underscores: %(c)s.", c=item.code),
                field="rows",
            )
        if not item.name.id.strip() or not item.name.en.strip():
            raise ServiceError(_("Give each entry its Indonesian and English name."), "rows")
    for group in config.groups:
        if group.quota is not None and group.quota < 1:
            raise ServiceError(_("A quota is at least 1 (leave it empty for none)."), "rows")
    for sdg in config.sdgs:
        if not 1 <= sdg.number <= 17:
            raise ServiceError(_("SDG numbers run from 1 to 17."), field="rows")
    for section in config.sections:
        if section.word_limit < 1:
            raise ServiceError(_("A word limit is at least 1."), field="rows")
        if not section.key or not all(c.isalnum() or c == "_" for c in section.key):
            raise ServiceError(
                _("Section keys use letters, digits and underscores: %(c)s.", c=section.key),
                field="rows",
            )
        unknown = [g for g in section.groups if g not in codes]
        if unknown:
            raise ServiceError(
                _("Unknown group in a section: %(g)s.", g=", ".join(unknown)), field="rows"
            )
    if not 0 <= config.min_implementation_years <= 10:
        raise ServiceError(
            _("The minimum implementation age is 0 to 10 years."), field="min_implementation_years"
        )
    if not 1 <= config.max_attachment_mb <= 50:
        raise ServiceError(_("The attachment size limit is 1 to 50 MB."), field="max_attachment_mb")


@dataclass(frozen=True)
class ConfigChange:
    version: CompetitionVersion
    new_version: bool


def part_version(part: Any) -> str:
    """The version token of a page editing one part of the form (its rows, its rules)."""
    return version_token(part)


def update_config(
    competition: Competition,
    build: Callable[[CompetitionConfig], CompetitionConfig],
    *,
    actor: User,
    note: str = "",
    part: Callable[[CompetitionConfig], Any] | None = None,
    shown_version: str | None = None,
    what: str = "",
) -> ConfigChange:
    """Save the form and rules: in place before the year starts, else as a new version.

    ``build`` makes the new config from the stored one. ``part`` reads what the page edits
    (its rows, its rules): when it no longer gives the page's ``shown_version``, someone else
    saved that part meanwhile and the change is refused, nothing written.
    """
    _lock(competition)
    if part is not None:
        refuse_if_stale(
            shown_version,
            part_version(part(competition.config)),
            _(
                "Not saved (%(what)s): someone else saved a change after you opened this page.",
                what=what,
            ),
        )
    config = build(competition.config)
    validate_config(config)
    current = competition.current
    data = config.to_json()
    if data == current.data:
        return ConfigChange(current, False)
    before_number = current.number
    if form_is_frozen(competition):
        number = max(v.number for v in competition.versions) + 1
        version = CompetitionVersion(number=number, data=data, note=note.strip()[:500])
        competition.versions.append(version)
        competition.current_version = number
        new_version = True
    else:
        version = current
        version.data = data  # a new dict: the JSON column sees the change
        version.__dict__.pop("_config_cache", None)
        if note.strip():
            version.note = note.strip()[:500]
        new_version = False
    audit.record(
        "competition.new_version" if new_version else "competition.config",
        competition,
        actor=actor,
        before={"version": before_number},
        after={"version": version.number, "note": note.strip()},
    )
    _publish(competition)
    return ConfigChange(version, new_version)


def rules_of(config: CompetitionConfig) -> dict[str, Any]:
    """What the rules page edits (its version token is made from these)."""
    return {
        "min_implementation_years": config.min_implementation_years,
        "max_attachment_mb": config.max_attachment_mb,
        "sdg_required": config.sdg_required,
    }


def replace_rules(
    config: CompetitionConfig,
    *,
    min_implementation_years: int,
    max_attachment_mb: int,
    sdg_required: bool,
) -> CompetitionConfig:
    return replace(
        config,
        min_implementation_years=min_implementation_years,
        max_attachment_mb=max_attachment_mb,
        sdg_required=sdg_required,
    )


# -- stages -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StageDates:
    code: str
    starts_at: datetime | None
    ends_at: datetime | None
    publish_at: datetime | None


def stages_version(competition: Competition) -> str:
    """The version token of the stages page: every stage's stored dates."""
    return version_token(
        [(s.code, s.starts_at, s.ends_at, s.publish_at) for s in competition.stages]
    )


def update_stages(
    competition: Competition,
    dates: list[StageDates],
    *,
    actor: User,
    shown_version: str | None = None,
) -> None:
    """Set the dates and announcement (publish) times of the stages."""
    _lock(competition)
    refuse_if_stale(
        shown_version,
        stages_version(competition),
        _("Not saved: someone else changed the stage dates after you opened this page."),
    )
    by_code: dict[str, Stage] = {s.code: s for s in competition.stages}
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for item in dates:
        stage = by_code.get(item.code)
        if stage is None:
            raise ServiceError(_("Unknown stage %(c)s.", c=item.code))
        if item.starts_at and item.ends_at and item.ends_at < item.starts_at:
            raise ServiceError(
                _("The stage %(s)s ends before it starts.", s=stage.name_id), field="rows"
            )
        if item.starts_at and item.publish_at and item.publish_at < item.starts_at:
            raise ServiceError(
                _("The results of %(s)s cannot be published before it starts.", s=stage.name_id),
                field="rows",
            )
        old = (stage.starts_at, stage.ends_at, stage.publish_at)
        new = (item.starts_at, item.ends_at, item.publish_at)
        if old != new:
            before[stage.code] = [v.isoformat() if v else None for v in old]
            after[stage.code] = [v.isoformat() if v else None for v in new]
            stage.starts_at, stage.ends_at, stage.publish_at = new
    if not after:
        return
    audit.record("competition.stages", competition, actor=actor, before=before, after=after)
    _publish(competition)


def versions(competition: Competition) -> list[tuple[CompetitionVersion, int]]:
    """Every version of the form with the number of proposals written against it."""
    counts = dict(
        db.session.execute(
            sa.select(Proposal.competition_version_id, sa.func.count())
            .where(Proposal.competition_id == competition.id)
            .group_by(Proposal.competition_version_id)
        ).all()
    )
    return [(v, counts.get(v.id, 0)) for v in competition.versions]
