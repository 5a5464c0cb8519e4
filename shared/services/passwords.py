"""Password policy and hashing."""

from __future__ import annotations

import re
import secrets

from flask import current_app
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from shared.services import ServiceError

MIN_LENGTH = 10


def policy_problems(password: str) -> list[str]:
    """Every rule the password breaks, as translated messages (empty when it is acceptable)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(_("at least %(n)d characters", n=MIN_LENGTH))
    if not re.search(r"[a-z]", password):
        problems.append(_("a lower-case letter"))
    if not re.search(r"[A-Z]", password):
        problems.append(_("an upper-case letter"))
    if not re.search(r"[0-9]", password):
        problems.append(_("a digit"))
    return problems


def check_policy(password: str) -> None:
    problems = policy_problems(password)
    if problems:
        raise ServiceError(
            _("The password needs %(rules)s.", rules=", ".join(problems)), field="password"
        )


def hash_password(password: str) -> str:
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if current_app else "scrypt"
    return generate_password_hash(password, method=method)


def generate_temporary_password() -> str:
    """A random password that satisfies the policy, shown once to whoever issues it."""
    while True:
        candidate = secrets.token_urlsafe(12)
        if not policy_problems(candidate):
            return candidate


def verify_password(password_hash: str, password: str) -> bool:
    return check_password_hash(password_hash, password)
