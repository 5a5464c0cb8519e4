"""Account requests: the public form, the secretariat's review, issuance and account upkeep."""

from __future__ import annotations

import io

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from central.accounts import letters
from central.accounts import services as accounts
from central.accounts.forms import ApproveForm, RejectForm, RequestForm
from central.accounts.models import AccountRequest
from central.tenants.services import kind_label
from shared.db import db
from shared.models.tenant import Tenant
from shared.models.user import Role, User
from shared.permissions import require_roles
from shared.tenancy import tenant_scope
from shared.web.loading import load_or_404
from shared.web.nav import add_nav
from shared.web.views import apply_service, form_status, no_store, page_arg

STAFF = (Role.SECRETARIAT, Role.MINISTRY_ADMIN)

public_bp = Blueprint("account_request", __name__, template_folder="templates")
bp = Blueprint("accounts", __name__, url_prefix="/accounts", template_folder="templates")
add_nav(bp, "accounts.requests", _l("Account requests"), STAFF, order=25)


def _form() -> RequestForm:
    form = RequestForm()
    form.agency_kind.choices = [("", "-")] + [
        (k.value, kind_label(k)) for k in accounts.UNLISTED_KINDS
    ]
    return form


def _input(form: RequestForm) -> accounts.RequestInput:
    upload = form.letter.data
    return accounts.RequestInput(
        tenant_code=form.tenant.data or "",
        agency_name=form.agency_name.data or "",
        agency_kind=form.agency_kind.data or "",
        full_name=form.full_name.data or "",
        position=form.position.data or "",
        email=form.email.data or "",
        phone=form.phone.data or "",
        letter_number=form.letter_number.data or "",
        letter_date=form.letter_date.data,
        letter_filename=getattr(upload, "filename", "") or "",
        letter_bytes=upload.read() if upload else b"",
    )


def _agencies() -> list[Tenant]:
    stmt = sa.select(Tenant).where(Tenant.active.is_(True)).order_by(Tenant.code)
    return list(db.session.execute(stmt).scalars())


def _submit(form: RequestForm, entered_by: User | None):
    """Validate and record the request; returns it, or None when the form has errors."""
    created: list[AccountRequest] = []
    data = _input(form)
    tenant = accounts.resolve_tenant(data.tenant_code)
    # The public form has no account and so no scope: it may write this tenant's audit entry only.
    with tenant_scope([tenant.id] if tenant else []):
        ok = apply_service(
            form,
            lambda: created.append(
                accounts.submit_request(
                    data, remote_addr=request.remote_addr or "-", entered_by=entered_by
                )
            ),
        )
        if ok:
            db.session.commit()
    return created[0] if ok else None


@public_bp.route("/account-request", methods=["GET", "POST"])
def public_form():
    """Public: an agency asks for its Admin Lokal account, with the signed request letter."""
    form = _form()
    if form.validate_on_submit() and (made := _submit(form, None)) is not None:
        return render_template("accounts/request_sent.html", req=made)
    return render_template(
        "accounts/request_form.html", form=form, agencies=_agencies(), public=True
    ), form_status()


@bp.route("/requests/new", methods=["GET", "POST"])
@require_roles(*STAFF)
def new_request():
    """The secretariat records a request whose letter came by post or e-mail."""
    form = _form()
    if request.method == "GET" and request.args.get("tenant"):
        tenant = accounts.resolve_tenant(request.args["tenant"])
        form.tenant.data = f"{tenant.code} - {tenant.name}" if tenant else ""
    if form.validate_on_submit() and (made := _submit(form, current_user)) is not None:
        flash(_("The request was recorded."), "success")
        return redirect(url_for("accounts.show", request_id=made.id))
    return render_template(
        "accounts/request_form.html", form=form, agencies=_agencies(), public=False
    ), form_status()


@bp.get("/requests")
@require_roles(*STAFF)
def requests():
    """Account requests waiting for a decision (or all of them)."""
    status = request.args.get("status", "pending")
    rows, total = accounts.list_requests(status, page_arg())
    return render_template("accounts/requests.html", rows=rows, total=total, status=status)


@bp.get("/requests/<int:request_id>")
@require_roles(*STAFF)
def show(request_id: int):
    """One request: the letter, the proposed person, and the approve / reject forms."""
    req = load_or_404(AccountRequest, request_id)
    approve_form = ApproveForm(username=accounts.suggest_username(req.tenant))
    return render_template(
        "accounts/request.html",
        req=req,
        approve_form=approve_form,
        reject_form=RejectForm(),
        kind_label=kind_label,
    )


@bp.get("/requests/<int:request_id>/letter")
@require_roles(*STAFF)
def letter(request_id: int):
    """The request letter as sent (PDF)."""
    req = load_or_404(AccountRequest, request_id)
    path = letters.blob_path(req.letter_sha256)
    if not path.exists():
        abort(404)
    return send_file(
        io.BytesIO(path.read_bytes()),  # a letter is small (UPLOAD_MAX_MB)
        mimetype="application/pdf",
        download_name=req.letter_filename,
        as_attachment=False,
    )


@bp.post("/requests/<int:request_id>/approve")
@require_roles(*STAFF)
def approve(request_id: int):
    """Issue the Admin Lokal account; its temporary password is shown this once."""
    req = load_or_404(AccountRequest, request_id)
    form = ApproveForm()
    issued: list[tuple[User, str]] = []
    if form.validate_on_submit() and apply_service(
        form,
        lambda: issued.append(
            accounts.approve(
                req,
                username=form.username.data or "",
                tenant=accounts.resolve_tenant(form.tenant.data or ""),
                actor=current_user,
            )
        ),
    ):
        db.session.commit()
        user, password = issued[0]
        return no_store(
            "accounts/temporary_password.html", user=user, password=password, created=True
        )
    return render_template(
        "accounts/request.html",
        req=req,
        approve_form=form,
        reject_form=RejectForm(),
        kind_label=kind_label,
    ), 400


@bp.post("/requests/<int:request_id>/reject")
@require_roles(*STAFF)
def reject(request_id: int):
    """Refuse the request with a reason."""
    req = load_or_404(AccountRequest, request_id)
    form = RejectForm()
    if form.validate_on_submit() and apply_service(
        form, lambda: accounts.reject(req, reason=form.reason.data or "", actor=current_user)
    ):
        db.session.commit()
        flash(_("The request was rejected."), "success")
        return redirect(url_for("accounts.requests"))
    return render_template(
        "accounts/request.html",
        req=req,
        approve_form=ApproveForm(username=accounts.suggest_username(req.tenant)),
        reject_form=form,
        kind_label=kind_label,
    ), 400


def _admin(user_id: int) -> User:
    user = load_or_404(User, user_id)
    if user.role != Role.LOCAL_ADMIN:
        abort(404)
    return user


@bp.post("/users/<int:user_id>/reset-password")
@require_roles(*STAFF)
def reset_password(user_id: int):
    """A new temporary password for an Admin Lokal, shown once."""
    user = _admin(user_id)
    password = accounts.reset_password(user, actor=current_user)
    db.session.commit()
    return no_store("accounts/temporary_password.html", user=user, password=password, created=False)


@bp.post("/users/<int:user_id>/active")
@require_roles(*STAFF)
def set_active(user_id: int):
    """Deactivate or reactivate an Admin Lokal account."""
    user = _admin(user_id)
    active = request.form.get("active") == "1"
    if apply_service(None, lambda: accounts.set_active(user, active, actor=current_user)):
        db.session.commit()
        if active:
            flash(_("The account %(u)s is active again.", u=user.username), "success")
        else:
            flash(_("The account %(u)s was deactivated.", u=user.username), "success")
    tenant_code = user.tenant.code if user.tenant else ""
    return redirect(url_for("tenants.show", tenant_code=tenant_code))
