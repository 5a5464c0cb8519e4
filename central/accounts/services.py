"""Admin Lokal accounts as the ministry issues them.

An agency asks for its account with the official request letter (surat permohonan), signed by
its secretary (Sekda / Sekjen / Direksi). The request is entered on the public form (the agency
has no account yet) or, for a letter that came by post or e-mail, by the secretariat. The
secretariat checks the letter, then approves (the account is issued with a temporary password
shown once) or rejects with a reason. Resets and deactivations follow. Everything is audited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _

from central.accounts import letters
from central.accounts.models import AccountRequest, RequestStatus
from shared.db import db, utcnow
from shared.models.tenant import Tenant, TenantKind
from shared.models.user import Role, User
from shared.services import ServiceError, audit, users
from shared.services.passwords import generate_temporary_password
from shared.services.tenants import get_by_code

# Agencies that may ask although not yet in the list (regions are all seeded).
UNLISTED_KINDS = (TenantKind.KEMENTERIAN, TenantKind.LEMBAGA, TenantKind.BUMN, TenantKind.BUMD)
PER_PAGE = 50


@dataclass(frozen=True)
class RequestInput:
    """What the agency writes on the request form."""

    tenant_code: str
    agency_name: str
    agency_kind: str
    full_name: str
    position: str
    email: str
    phone: str
    letter_number: str
    letter_date: date | None
    letter_filename: str
    letter_bytes: bytes


def resolve_tenant(value: str) -> Tenant | None:
    """The tenant typed on the form: its code, "code - name" from the list, or its exact name."""
    value = value.strip()
    if not value:
        return None
    code = re.split(r"\s+[-–—]\s+", value, maxsplit=1)[0].strip()
    tenant = get_by_code(code)
    if tenant is None:
        tenant = db.session.execute(
            sa.select(Tenant).where(sa.func.lower(Tenant.name) == value.lower())
        ).scalar_one_or_none()
    return tenant


def _check_rate(remote_addr: str) -> None:
    cfg = current_app.config
    since = utcnow() - timedelta(seconds=cfg["ACCOUNT_REQUEST_WINDOW_SECONDS"])
    recent = db.session.execute(
        sa.select(sa.func.count())
        .select_from(AccountRequest)
        .where(
            AccountRequest.remote_addr == remote_addr,
            AccountRequest.created_at > since,
            AccountRequest.entered_by_id.is_(None),
        )
    ).scalar_one()
    if recent >= cfg["ACCOUNT_REQUEST_MAX_PER_ADDR"]:
        raise ServiceError(
            _(
                "Too many requests from your network. Try again in %(m)d minutes.",
                m=cfg["ACCOUNT_REQUEST_WINDOW_SECONDS"] // 60,
            )
        )


def _required(value: str, field: str, label: str) -> str:
    value = value.strip()
    if not value:
        raise ServiceError(_("Please fill in: %(fields)s.", fields=label), field=field)
    return value


def submit_request(
    data: RequestInput, *, remote_addr: str, entered_by: User | None = None
) -> AccountRequest:
    """Record a request with its letter; the public form is limited per address."""
    if entered_by is None:
        _check_rate(remote_addr)
    tenant = resolve_tenant(data.tenant_code)
    agency_name, agency_kind = data.agency_name.strip(), None
    if tenant is None:
        if data.tenant_code.strip():
            raise ServiceError(
                _("The agency %(a)s is not in the list.", a=data.tenant_code), field="tenant"
            )
        if not agency_name:
            raise ServiceError(
                _("Choose your agency from the list, or name it if it is not listed."),
                field="tenant",
            )
        if data.agency_kind not in [k.value for k in UNLISTED_KINDS]:
            raise ServiceError(_("Choose the type of agency."), field="agency_kind")
        agency_kind = TenantKind(data.agency_kind)
    elif not tenant.active:
        raise ServiceError(
            _("The agency %(a)s is deactivated; contact the secretariat.", a=tenant.name),
            field="tenant",
        )
    full_name = _required(data.full_name, "full_name", _("full name"))
    phone = _required(data.phone, "phone", _("phone"))
    try:
        email = validate_email(data.email.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        raise ServiceError(_("Enter a valid e-mail address."), field="email") from None
    letter_number = _required(data.letter_number, "letter_number", _("letter number"))
    if data.letter_date is None:
        raise ServiceError(
            _("Please fill in: %(fields)s.", fields=_("letter date")), field="letter_date"
        )
    if data.letter_date > utcnow().date() + timedelta(days=1):
        raise ServiceError(_("The letter date lies in the future."), field="letter_date")
    letters.check_pdf(data.letter_bytes, max_mb=current_app.config["UPLOAD_MAX_MB"])
    if tenant is not None and _pending_for(tenant) is not None:
        raise ServiceError(
            _("A request for %(a)s is already waiting for the secretariat.", a=tenant.name),
            field="tenant",
        )
    request = AccountRequest(
        tenant_id=tenant.id if tenant else None,
        agency_name=agency_name if tenant is None else "",
        agency_kind=agency_kind,
        full_name=full_name,
        position=data.position.strip(),
        email=email,
        phone=phone,
        letter_number=letter_number,
        letter_date=data.letter_date,
        letter_sha256=letters.store(data.letter_bytes),
        letter_filename=_safe_filename(data.letter_filename),
        letter_size=len(data.letter_bytes),
        remote_addr=remote_addr,
        entered_by_id=entered_by.id if entered_by else None,
    )
    db.session.add(request)
    db.session.flush()
    audit.record(
        "account_request.create",
        request,
        actor=entered_by,
        actor_name=None if entered_by else f"public form ({email})",
        tenant_id=request.tenant_id,
        after={"agency": tenant.code if tenant else agency_name, "email": email},
    )
    return request


def _safe_filename(name: str) -> str:
    name = re.sub(r"[^\w.\- ]+", "_", name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]).strip()
    return (name or "surat.pdf")[-120:]


def _pending_for(tenant: Tenant) -> AccountRequest | None:
    return db.session.execute(
        sa.select(AccountRequest)
        .where(
            AccountRequest.tenant_id == tenant.id, AccountRequest.status == RequestStatus.PENDING
        )
        .limit(1)
    ).scalar_one_or_none()


def list_requests(status: str = "pending", page: int = 1) -> tuple[list[AccountRequest], int]:
    """Requests with the given status (``""`` for all), newest first, and their count."""
    stmt = sa.select(AccountRequest)
    if status in RequestStatus.__members__.values():
        stmt = stmt.where(AccountRequest.status == RequestStatus(status))
    total = db.session.execute(sa.select(sa.func.count()).select_from(stmt.subquery())).scalar_one()
    rows = db.session.execute(
        stmt.order_by(AccountRequest.created_at.desc(), AccountRequest.id.desc())
        .limit(PER_PAGE)
        .offset((max(1, page) - 1) * PER_PAGE)
    ).scalars()
    return list(rows), total


def pending_count() -> int:
    return db.session.execute(
        sa.select(sa.func.count())
        .select_from(AccountRequest)
        .where(AccountRequest.status == RequestStatus.PENDING)
    ).scalar_one()


def suggest_username(tenant: Tenant | None) -> str:
    """``admin.<code>`` (dots kept, other signs dropped), numbered when already taken."""
    if tenant is None:
        return ""
    base = "admin." + re.sub(r"[^a-z0-9._-]+", "", tenant.code.lower()).strip(".")
    candidate, n = base, 1
    while users.find_by_username(candidate) is not None:
        n += 1
        candidate = f"{base}.{n}"
    return candidate[:64]


def _check_pending(request: AccountRequest) -> None:
    if request.status != RequestStatus.PENDING:
        raise ServiceError(_("This request was already decided."))


def approve(
    request: AccountRequest, *, username: str, actor: User, tenant: Tenant | None = None
) -> tuple[User, str]:
    """Issue the Admin Lokal account; returns it with its temporary password (show it once)."""
    _check_pending(request)
    tenant = request.tenant or tenant
    if tenant is None:
        raise ServiceError(
            _("This agency is not a tenant yet: add it first, then choose it here."),
            field="tenant",
        )
    if not tenant.active:
        raise ServiceError(_("The tenant %(a)s is deactivated.", a=tenant.name), field="tenant")
    password = generate_temporary_password()
    user = users.create_user(
        username=username,
        password=password,
        role=Role.LOCAL_ADMIN,
        actor=actor,
        tenant=tenant,
        full_name=request.full_name,
        email=request.email,
        must_change_password=True,
    )
    user.phone, user.position = request.phone, request.position
    request.tenant_id = tenant.id
    request.status = RequestStatus.APPROVED
    request.issued_user_id = user.id
    request.decided_by_id, request.decided_at = actor.id, utcnow()
    audit.record(
        "account_request.approve",
        request,
        actor=actor,
        tenant_id=tenant.id,
        after={"username": user.username, "tenant": tenant.code},
    )
    return user, password


def reject(request: AccountRequest, *, reason: str, actor: User) -> None:
    """Refuse the request; the reason is kept and shown to whoever follows it up."""
    _check_pending(request)
    reason = reason.strip()
    if not reason:
        raise ServiceError(_("Give the reason for the rejection."), field="reason")
    request.status = RequestStatus.REJECTED
    request.decision_reason = reason
    request.decided_by_id, request.decided_at = actor.id, utcnow()
    audit.record(
        "account_request.reject",
        request,
        actor=actor,
        tenant_id=request.tenant_id,
        after={"reason": reason},
    )


def _check_local_admin(user: User) -> None:
    if user.role != Role.LOCAL_ADMIN:
        raise ServiceError(_("Only Admin Lokal accounts are managed here."))


def reset_password(user: User, *, actor: User) -> str:
    """A new temporary password for an Admin Lokal (shown once; the next login must change it)."""
    _check_local_admin(user)
    return users.reset_password(user, actor=actor)


def set_active(user: User, active: bool, *, actor: User) -> None:
    """Deactivate an Admin Lokal account (it can no longer log in) or reactivate it."""
    _check_local_admin(user)
    users.set_active(user, active, actor=actor)
