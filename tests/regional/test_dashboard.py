"""The dashboard: proposals by status and unit, unsent drafts, time left (WIB), quota use."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from shared.db import db, utcnow
from shared.models import Competition, ProposalStatus, Role
from shared.services.proposals import Window

S = ProposalStatus


def _set_window(factory, in_app, opens: datetime, closes: datetime) -> None:
    factory.competition()  # make sure the year exists
    with in_app(factory.app):
        db.session.execute(
            sa.update(Competition).values(
                registration_opens_at=opens, registration_closes_at=closes
            )
        )
        db.session.commit()


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


@pytest.fixture
def jepara(factory, tenant):
    """Two units of the tenant with proposals in every state, and another tenant's noise."""
    kesehatan = factory.unit(tenant, name="Dinas Kesehatan")
    pendidikan = factory.unit(tenant, name="Dinas Pendidikan")
    plan = {
        kesehatan: [S.DRAFT, S.DRAFT, S.DRAFT, S.SENT, S.RETURNED, S.SUBMITTED],
        pendidikan: [S.DRAFT, S.VERIFIED, S.SUBMITTED, S.SUBMITTED],
    }
    for unit, statuses in plan.items():
        for status in statuses:
            submitted = 1 if status == S.SUBMITTED else None
            factory.proposal(tenant, unit, status=status, submitted_revision=submitted)
    factory.proposal(tenant, pendidikan, status=S.DRAFT, group_code="replikasi")
    return kesehatan, pendidikan


def test_admin_sees_every_figure_of_the_tenant(
    app, client, factory, login_as, tenant, other_tenant, jepara, in_app
) -> None:
    for _ in range(7):  # another tenant's proposals count nowhere here
        factory.proposal(other_tenant, factory.unit(other_tenant), status=S.SUBMITTED)
    now = utcnow()
    _set_window(
        factory, in_app, now - timedelta(days=90), now + timedelta(days=3, hours=5, minutes=30)
    )
    login_as(Role.LOCAL_ADMIN, tenant=tenant)
    response = client.get("/dashboard")
    assert response.status_code == 200
    text = _text(response)
    assert "3 hari 5 jam lagi" in text
    assert "11 Proposal" in text  # total
    assert "6 Belum dikirim ke admin" in text  # 5 drafts + 1 returned
    assert "5 Draf" in text and "3 Diajukan" in text and "1 Terverifikasi" in text
    # per unit: Kesehatan has 3 drafts + 1 returned unsent, 6 in all
    assert re.search(r"Dinas Kesehatan 3 1 1 0 1 4 6", text), text
    assert re.search(r"Dinas Pendidikan 2 0 0 1 2 2 5", text), text
    # quota (submitted proposals count): Umum 3 of 10, Replikasi 0 of 5, Khusus unlimited
    assert "Umum 3 10" in text and "Replikasi 0 5" in text and "Khusus 0 tanpa batas" in text
    html = response.get_data(as_text=True)
    quota_chart = html.split('aria-label="Kuota terpakai per kelompok"')[1].split("</div>")[0]
    assert re.findall(r'<rect width="([\d.]+)"', quota_chart)[0] == "30.0"  # 3 of 10, not full
    assert html.count('class="chart') == 3
    assert 'class="full"' not in html


def test_a_used_up_quota_stands_out(client, factory, login_as, tenant) -> None:
    unit = factory.unit(tenant)
    for _ in range(5):
        factory.proposal(
            tenant, unit, group_code="replikasi", status=S.SUBMITTED, submitted_revision=1
        )
    factory.proposal(tenant, unit, group_code="replikasi", status=S.DRAFT)  # does not count
    login_as(Role.LOCAL_ADMIN, tenant=tenant)
    response = client.get("/dashboard")
    assert "Replikasi 5 5" in _text(response)
    assert response.get_data(as_text=True).count('class="full"') == 1


def test_operator_sees_only_their_unit(client, login_as, tenant, jepara) -> None:
    kesehatan, _ = jepara
    login_as(Role.OPERATOR, tenant=tenant, unit=kesehatan)
    text = _text(client.get("/dashboard"))
    assert "Dinas Kesehatan" in text
    assert "6 Proposal" in text and "4 Belum dikirim ke admin" in text
    assert "Dinas Pendidikan" not in text
    assert "Proposal menurut unit" not in text


def test_after_the_close_the_dashboard_says_so(factory, client, login_as, tenant, in_app) -> None:
    closes = datetime(2020, 2, 29, 16, 59, 59, tzinfo=UTC)  # 23.59.59 WIB
    _set_window(factory, in_app, closes - timedelta(days=120), closes)
    login_as(Role.LOCAL_ADMIN, tenant=tenant)
    text = _text(client.get("/dashboard"))
    assert "Pendaftaran ditutup pada 29-02-2020 23.59 WIB" in text
    assert "jam lagi" not in text


@pytest.mark.parametrize(
    ("left", "days", "hours", "state"),
    [
        (timedelta(days=2, hours=23, minutes=59), 2, 23, "open"),
        (timedelta(minutes=59), 0, 0, "open"),
        (timedelta(hours=1), 0, 1, "open"),
        (timedelta(seconds=0), 0, 0, "closed"),
        (-timedelta(days=1), 0, 0, "closed"),
    ],
)
def test_time_left_is_counted_in_whole_days_and_hours(left, days, hours, state) -> None:
    now = datetime(2027, 2, 20, 3, 0, tzinfo=UTC)
    deadline = Window(now - timedelta(days=100), now + left, now)
    assert (deadline.days_left, deadline.hours_left, deadline.state) == (days, hours, state)


def test_before_the_window_opens(factory, client, login_as, tenant, in_app) -> None:
    opens = datetime(2030, 10, 31, 17, 0, tzinfo=UTC)  # 1 Nov 2030 00.00 WIB
    _set_window(factory, in_app, opens, opens + timedelta(days=119))
    login_as(Role.LOCAL_ADMIN, tenant=tenant)
    assert "Pendaftaran dibuka pada 01-11-2030 00.00 WIB" in _text(client.get("/dashboard"))
