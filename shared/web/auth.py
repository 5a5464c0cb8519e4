"""Login, logout, first-login onboarding and password change."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from shared.db import db
from shared.services import users
from shared.services.passwords import MIN_LENGTH
from shared.web import safe_next
from shared.web.forms import LoginForm, OnboardingForm, PasswordForm
from shared.web.views import apply_service, form_status

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in; repeated failures are throttled per username and per address."""
    if current_user.is_authenticated:
        return redirect(url_for("index"))
    form = LoginForm()
    if form.validate_on_submit():
        result = users.authenticate(
            form.username.data or "", form.password.data or "", request.remote_addr or "-"
        )
        db.session.commit()  # failed attempts must be kept too
        if result.user is None:
            flash(result.error or "", "error")
        else:
            login_user(result.user)
            return redirect(safe_next(request.args.get("next"), url_for("index")))
    return render_template("auth/login.html", form=form), 200 if request.method == "GET" else 400


@bp.post("/logout")
@login_required
def logout():
    """Log out."""
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/onboarding", methods=["GET", "POST"])
@login_required
def onboarding():
    """First login: the profile and a new password are required before anything else."""
    if not current_user.needs_onboarding:
        return redirect(url_for("index"))
    form = OnboardingForm(obj=current_user if request.method == "GET" else None)
    if form.validate_on_submit():
        user = current_user._get_current_object()

        def action() -> None:
            users.complete_profile(
                user,
                full_name=form.full_name.data,
                email=form.email.data,
                phone=form.phone.data,
                position=form.position.data or "",
            )
            users.change_password(
                user, form.current_password.data, form.password.data, form.confirm_password.data
            )

        if apply_service(form, action):
            db.session.commit()
            login_user(user)  # the session id changed with the password
            flash(_("Welcome! Your profile is complete."), "success")
            return redirect(url_for("index"))
    return render_template("auth/onboarding.html", form=form, min_length=MIN_LENGTH), form_status()


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's own password."""
    form = PasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if apply_service(
            form,
            lambda: users.change_password(
                user, form.current_password.data, form.password.data, form.confirm_password.data
            ),
        ):
            db.session.commit()
            login_user(user)
            flash(_("Your password was changed."), "success")
            return redirect(url_for("index"))
    return render_template("auth/password.html", form=form, min_length=MIN_LENGTH), form_status()
