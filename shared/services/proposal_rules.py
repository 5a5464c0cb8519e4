"""The competition's rules for a proposal, as pure checks.

Each check returns :class:`Violation`s with a code, the field it concerns and a translated
message. The same checks serve the unit's save and send, the Admin Lokal's submit, bulk
import, and central's administrative screening. Nothing here writes to the database.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from difflib import SequenceMatcher
from functools import lru_cache

from flask_babel import gettext as _

from shared.competition_config import CompetitionConfig
from shared.timeutil import subtract_years, wib_date

WORD_RE = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*", re.UNICODE)
NEAR_DUPLICATE_RATIO = 0.9


@dataclass(frozen=True)
class Violation:
    code: str
    field: str
    message: str


@dataclass(frozen=True)
class ProposalDraft:
    """What the rules look at: a proposal's fields, however they were entered."""

    group_code: str
    category_code: str
    title: str
    sdgs: tuple[int, ...]
    implementation_start: date | None
    innovator: str
    sections: dict[str, str]
    replicates_title: str = ""
    truth_declared: bool = False
    attachment_kinds: tuple[str, ...] = ()


def count_words(text: str | None) -> int:
    """Words as a reader counts them: runs of letters/digits, hyphenated words count once."""
    return len(WORD_RE.findall(text or ""))


@lru_cache(maxsize=20_000)  # pure; the duplicate scan normalises the tenant's titles per check
def normalise_title(title: str) -> str:
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    return " ".join(re.findall(r"[a-z0-9]+", text))


def titles_similar(a: str, b: str) -> bool:
    """Same title after normalising case, accents and punctuation, or nearly the same."""
    na, nb = normalise_title(a), normalise_title(b)
    if not na or not nb:
        return False
    return na == nb or SequenceMatcher(None, na, nb).ratio() >= NEAR_DUPLICATE_RATIO


# -- individual checks ------------------------------------------------------------------------


def check_header(draft: ProposalDraft, config: CompetitionConfig) -> list[Violation]:
    out: list[Violation] = []
    if not draft.title.strip():
        out.append(Violation("title_missing", "title", _("The title is required.")))
    elif count_words(draft.title) > 30:
        out.append(Violation("title_long", "title", _("The title has more than 30 words.")))
    if config.group(draft.group_code) is None:
        out.append(Violation("group_unknown", "group_code", _("Choose a group.")))
    if config.category(draft.category_code) is None:
        out.append(Violation("category_unknown", "category_code", _("Choose a category.")))
    valid_sdgs = {s.number for s in config.sdgs}
    if any(n not in valid_sdgs for n in draft.sdgs):
        out.append(Violation("sdg_unknown", "sdgs", _("Unknown SDG goal.")))
    elif config.sdg_required and not draft.sdgs:
        out.append(Violation("sdg_missing", "sdgs", _("Choose at least one SDG goal.")))
    if not draft.innovator.strip():
        out.append(
            Violation("innovator_missing", "innovator", _("Name the innovator or the team."))
        )
    if draft.implementation_start is None:
        out.append(
            Violation(
                "start_missing",
                "implementation_start",
                _("The implementation start date is required."),
            )
        )
    return out


def check_sections(draft: ProposalDraft, config: CompetitionConfig) -> list[Violation]:
    """Required sections filled, and every section within its word limit."""
    out: list[Violation] = []
    for section in config.sections_for(draft.group_code):
        text = draft.sections.get(section.key, "") or ""
        words = count_words(text)
        title = section.title.get(_locale())
        if section.required and words == 0:
            out.append(
                Violation(
                    "section_missing",
                    f"section:{section.key}",
                    _("The section %(s)s is required.", s=title),
                )
            )
        elif words > section.word_limit:
            out.append(
                Violation(
                    "word_limit",
                    f"section:{section.key}",
                    _(
                        "The section %(s)s has %(n)d words; the limit is %(limit)d.",
                        s=title,
                        n=words,
                        limit=section.word_limit,
                    ),
                )
            )
    return out


def check_implementation_age(
    draft: ProposalDraft, config: CompetitionConfig, registration_closes_at: datetime
) -> list[Violation]:
    """The innovation must have run for the minimum years, counted back from the close."""
    if draft.implementation_start is None:
        return []
    close_day = wib_date(registration_closes_at)
    latest_start = subtract_years(close_day, config.min_implementation_years)
    if draft.implementation_start > close_day:
        return [
            Violation(
                "start_future",
                "implementation_start",
                _("The implementation start date lies in the future."),
            )
        ]
    if draft.implementation_start > latest_start:
        return [
            Violation(
                "too_young",
                "implementation_start",
                _(
                    "The innovation must have been implemented for at least %(y)d year(s) by the "
                    "registration close: it must have started on or before %(d)s.",
                    y=config.min_implementation_years,
                    d=latest_start.strftime("%d-%m-%Y"),
                ),
            )
        ]
    return []


def check_group_rules(
    draft: ProposalDraft, config: CompetitionConfig, *, invited: bool
) -> list[Violation]:
    """Replikasi names its inspiration; Khusus only by the ministry's invitation."""
    group = config.group(draft.group_code)
    if group is None:
        return []
    out: list[Violation] = []
    if group.requires_source and not draft.replicates_title.strip():
        out.append(
            Violation(
                "replication_source",
                "replicates_title",
                _("A replication names the earlier innovation it replicates."),
            )
        )
    if group.by_invitation and not invited:
        out.append(
            Violation(
                "not_invited",
                "group_code",
                _(
                    "The group %(g)s is open only to agencies the ministry invited.",
                    g=group.name.get(_locale()),
                ),
            )
        )
    return out


def check_quota(
    group_code: str, config: CompetitionConfig, *, already_used: int
) -> list[Violation]:
    """At most ``quota`` proposals per group per tenant (``already_used`` excludes this one)."""
    group = config.group(group_code)
    if group is None or group.quota is None or already_used < group.quota:
        return []
    return [
        Violation(
            "quota",
            "group_code",
            _(
                "Your agency has used its quota of %(q)d proposals in the group %(g)s.",
                q=group.quota,
                g=group.name.get(_locale()),
            ),
        )
    ]


_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789 "


@lru_cache(maxsize=8192)
def _title_shape(title: str) -> tuple[str, tuple[int, ...]]:
    """A title normalised, with how often each character of the normalised alphabet occurs."""
    norm = normalise_title(title)
    return norm, tuple(norm.count(ch) for ch in _ALPHABET)


def first_similar_title(title: str, others: Iterable[str]) -> str | None:
    """The first of ``others`` that :func:`titles_similar` matches.

    Same verdicts, far less work: SequenceMatcher's cheap upper bounds (lengths, then the
    characters in common) rule most pairs out before the real ratio is computed, which keeps
    a check against thousands of titles (a bulk import, central's screening) quick.
    """
    na, counts = _title_shape(title)
    if not na:
        return None
    for other in others:
        nb, other_counts = _title_shape(other)
        if not nb:
            continue
        if na == nb:
            return other
        total = len(na) + len(nb)
        if 2 * min(len(na), len(nb)) < NEAR_DUPLICATE_RATIO * total:
            continue
        if 2 * sum(map(min, counts, other_counts)) < NEAR_DUPLICATE_RATIO * total:
            continue
        if SequenceMatcher(None, na, nb).ratio() >= NEAR_DUPLICATE_RATIO:
            return other
    return None


def check_duplicate_title(title: str, others: Iterable[str]) -> list[Violation]:
    """A title equal or nearly equal to another proposal's of the same tenant."""
    other = first_similar_title(title, others)
    if other is None:
        return []
    return [
        Violation(
            "duplicate_title",
            "title",
            _("The title is the same as or very close to another proposal's: %(t)s.", t=other),
        )
    ]


def check_evidence(draft: ProposalDraft, config: CompetitionConfig) -> list[Violation]:
    """Required attachments present and the truth declaration ticked."""
    out: list[Violation] = []
    for rule in config.attachment_rules_for(draft.group_code):
        if rule.required and rule.kind not in draft.attachment_kinds:
            out.append(
                Violation(
                    "attachment_missing",
                    f"attachment:{rule.kind}",
                    _("A required document is missing: %(k)s.", k=attachment_kind_label(rule.kind)),
                )
            )
    if not draft.truth_declared:
        out.append(
            Violation(
                "truth_declaration",
                "truth_declared",
                _("Tick the declaration that the information is true."),
            )
        )
    return out


URL_RE = re.compile(r"^https?://[^\s/?#]+\.[^\s/?#]+(?:[/?#]\S*)?$", re.IGNORECASE)
PHONE_RE = re.compile(r"^\+?[0-9][0-9 ()./-]{4,38}$")


def check_contact(video_url: str, contact_email: str, contact_phone: str = "") -> list[Violation]:
    """The video link is a web address; the contact e-mail and phone are valid (when given)."""
    from email_validator import EmailNotValidError, validate_email

    out: list[Violation] = []
    if video_url.strip() and not URL_RE.match(video_url.strip()):
        out.append(
            Violation(
                "video_url",
                "video_url",
                _("The video link must be a web address starting with http:// or https://."),
            )
        )
    if contact_email.strip():
        try:
            validate_email(contact_email.strip(), check_deliverability=False)
        except EmailNotValidError:
            out.append(
                Violation(
                    "contact_email", "contact_email", _("The contact e-mail address is not valid.")
                )
            )
    if contact_phone.strip() and not PHONE_RE.match(contact_phone.strip()):
        out.append(
            Violation(
                "contact_phone",
                "contact_phone",
                _("Enter a phone number: digits, spaces, +, -, brackets."),
            )
        )
    return out


def check_window(now: datetime, opens_at: datetime, closes_at: datetime) -> list[Violation]:
    """Submissions only inside the registration window (server clock, shown in WIB)."""
    from shared.timeutil import format_wib

    if now < opens_at:
        return [
            Violation("not_open", "", _("Registration opens on %(d)s.", d=format_wib(opens_at)))
        ]
    if now >= closes_at:
        return [
            Violation(
                "closed",
                "",
                _(
                    "Registration closed on %(d)s; nothing more can be submitted.",
                    d=format_wib(closes_at),
                ),
            )
        ]
    return []


def attachment_kind_label(kind: str) -> str:
    labels = {
        "decree": _("Decree naming the innovator or team"),
        "truth_declaration": _("Signed truth declaration"),
        "replication_statement": _("Replication statement"),
        "photo": _("Photo"),
        "document": _("Supporting document"),
    }
    return labels.get(kind, kind)


def _locale() -> str:
    from flask_babel import get_locale

    return str(get_locale() or "id")
