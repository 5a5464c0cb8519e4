"""Factories for test data: each call commits and returns a detached, fully loaded object."""

from __future__ import annotations

import itertools
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask

from shared.blobstore import BlobStore
from shared.db import db, utcnow
from shared.models import (
    Attachment,
    Competition,
    Proposal,
    Role,
    Tenant,
    TenantKind,
    Unit,
    User,
)
from shared.services import competitions
from shared.services.passwords import hash_password
from shared.tenancy import national_scope

_seq = itertools.count(1)
PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG_BYTES = b"\xff\xd8\xff\xe0" + b"\x00" * 64


class Factory:
    """``factory.tenant(...)``, ``factory.user(...)``, ... with keyword overrides."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def _save(self, obj: Any) -> Any:
        with self.app.app_context(), national_scope():
            db.session.add(obj)
            db.session.commit()
            db.session.refresh(obj)
            db.session.expunge(obj)
        return obj

    def run(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Run ``fn`` in an app context with national scope and commit."""
        with self.app.app_context(), national_scope():
            result = fn(*args, **kwargs)
            db.session.commit()
            return result

    def tenant(self, **kw: Any) -> Tenant:
        n = next(_seq)
        values = {
            "code": f"T{n:04d}",
            "name": f"Kabupaten Uji {n}",
            "kind": TenantKind.KABUPATEN,
            "province_code": "33",
        }
        return self._save(Tenant(**{**values, **kw}))

    def tenant_by_code(self, code: str) -> Tenant:
        """An existing tenant (e.g. the one ``init`` made), detached."""
        with self.app.app_context(), national_scope():
            found = db.session.execute(sa.select(Tenant).where(Tenant.code == code)).scalar_one()
            db.session.expunge(found)
            return found

    def unit(self, tenant: Tenant, **kw: Any) -> Unit:
        n = next(_seq)
        values = {
            "name": f"Dinas Uji {n}",
            "head_name": "Kepala Dinas",
            "official_name": "Pejabat",
            "it_name": "Admin TI",
        }
        return self._save(Unit(tenant_id=tenant.id, **{**values, **kw}))

    def user(
        self,
        role: Role,
        tenant: Tenant | None = None,
        unit: Unit | None = None,
        password: str = "Rahasia12345",
        onboarded: bool = True,
        **kw: Any,
    ) -> User:
        n = next(_seq)
        with self.app.app_context():
            password_hash = hash_password(password)
        values = {
            "username": f"user{n}",
            "full_name": f"Pengguna {n}",
            "email": f"user{n}@example.go.id",
            "phone": "08123",
            "role": role,
            "tenant_id": tenant.id if tenant else None,
            "unit_id": unit.id if unit else None,
            "password_hash": password_hash,
            "must_change_password": not onboarded,
            "profile_completed_at": utcnow() if onboarded else None,
        }
        return self._save(User(**{**values, **kw}))

    def competition(self) -> Competition:
        """The current competition (created with defaults if missing), detached."""
        with self.app.app_context(), national_scope():
            comp = competitions.ensure_default_competition()
            db.session.commit()
            comp = competitions.current_competition()
            assert comp is not None
            _ = comp.current.config, [s.code for s in comp.stages]
            db.session.expunge_all()
            return comp

    def set_window(self, opens_at: datetime, closes_at: datetime) -> Competition:
        """Move the current competition's registration window (tests must not hang on today)."""
        comp = self.competition()
        with self.app.app_context(), national_scope():
            row = db.session.get(Competition, comp.id)
            row.registration_opens_at, row.registration_closes_at = opens_at, closes_at
            db.session.commit()
        return self.competition()

    def proposal(self, tenant: Tenant, unit: Unit | None = None, **kw: Any) -> Proposal:
        comp = self.competition()
        n = next(_seq)
        values = {
            "tenant_id": tenant.id,
            "unit_id": unit.id if unit else None,
            "competition_id": comp.id,
            "competition_version_id": comp.current.id,
            "group_code": "umum",
            "category_code": "kesehatan",
            "sdgs": [3],
            "title": f"Inovasi Layanan Nomor {n}",
            "implementation_start": date(2023, 1, 1),
            "innovator": "Tim Inovasi",
            "sections": {},
        }
        return self._save(Proposal(**{**values, **kw}))

    def account_request(self, tenant: Tenant | None, **kw: Any) -> Any:
        """A pending Admin Lokal account request (central); the letter bytes are not stored."""
        from central.accounts.models import AccountRequest

        n = next(_seq)
        values = {
            "tenant_id": tenant.id if tenant else None,
            "full_name": f"Pemohon {n}",
            "email": f"pemohon{n}@example.go.id",
            "phone": "0291-1",
            "letter_number": f"800/{n}/2027",
            "letter_date": date(2026, 11, 3),
            "letter_sha256": "0" * 64,
            "letter_filename": "surat.pdf",
            "letter_size": 1,
        }
        return self._save(AccountRequest(**{**values, **kw}))

    def attachment(
        self, proposal: Proposal, *, kind: str = "decree", data: bytes | None = None, **kw: Any
    ) -> Attachment:
        """An attachment whose bytes really are in the app's blob store (a small PDF)."""
        data = data if data is not None else PDF_BYTES + str(next(_seq)).encode()
        blob = BlobStore(self.app.config["BLOB_DIR"]).put(data)
        values = {
            "tenant_id": proposal.tenant_id,
            "proposal_id": proposal.id,
            "sha256": blob.sha256,
            "kind": kind,
            "filename": f"{kind}.pdf",
            "size": blob.size,
            "media_type": "application/pdf",
        }
        return self._save(Attachment(**{**values, **kw}))

    def count(self, model: type, *where: Any) -> int:
        with self.app.app_context(), national_scope():
            stmt = sa.select(sa.func.count()).select_from(model)
            for clause in where:
                stmt = stmt.where(clause)
            return db.session.execute(stmt).scalar_one()

    def get(self, model: type, ident: Any) -> Any:
        with self.app.app_context(), national_scope():
            obj = db.session.get(model, ident)
            if obj is not None:
                db.session.expunge(obj)
            return obj
