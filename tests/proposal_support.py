"""Helpers for the proposal tests of both apps: a complete proposal, the form as posted."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from shared.competition_config import default_config
from shared.db import utcnow
from shared.models import ProposalStatus
from shared.timeutil import subtract_years, wib_date

SECTION_TEXT = "Layanan ini memangkas waktu tunggu warga dari tiga hari menjadi satu jam."


def open_window(factory: Any, days_left: int = 30) -> Any:
    """An open registration window closing ``days_left`` days from now."""
    now = utcnow()
    return factory.set_window(now - timedelta(days=60), now + timedelta(days=days_left))


def sections_for(group: str = "umum", text: str = SECTION_TEXT) -> dict[str, str]:
    return {s.key: text for s in default_config().sections_for(group)}


def complete_values(competition: Any, group: str = "umum", **overrides: Any) -> dict[str, Any]:
    """Proposal fields that meet every rule (started two years before the close)."""
    close_day = wib_date(competition.registration_closes_at)
    values: dict[str, Any] = {
        "group_code": group,
        "category_code": "kesehatan",
        "sdgs": [3, 10],
        "title": "Jemput Bola Layanan Kesehatan Lansia",
        "implementation_start": subtract_years(close_day, 2),
        "innovator": "Tim Inovasi Puskesmas Bangsri",
        "contact_name": "dr. Rina Wulandari",
        "contact_phone": "0291-771234",
        "contact_email": "rina@jepara.go.id",
        "video_url": "https://video.example.go.id/jemput-bola",
        "truth_declared": True,
        "sections": sections_for(group),
        "replicates_title": "Lapak Ganteng, Kabupaten Banyuwangi" if group == "replikasi" else "",
    }
    values.update(overrides)
    return values


def complete_proposal(
    factory: Any,
    tenant: Any,
    unit: Any,
    *,
    status: ProposalStatus = ProposalStatus.DRAFT,
    group: str = "umum",
    kinds: tuple[str, ...] = ("decree", "truth_declaration"),
    **overrides: Any,
) -> Any:
    """A stored proposal meeting every rule, with its required documents attached."""
    competition = factory.competition()
    proposal = factory.proposal(
        tenant, unit, status=status, **complete_values(competition, group, **overrides)
    )
    for kind in kinds:
        factory.attachment(proposal, kind=kind)
    return proposal


def form_data(values: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """What the browser posts for these values on the proposal form."""
    data: dict[str, Any] = {
        name: values.get(name, "")
        for name in (
            "title",
            "group_code",
            "category_code",
            "innovator",
            "contact_name",
            "contact_phone",
            "contact_email",
            "video_url",
            "replicates_title",
        )
    }
    data["sdgs"] = [str(n) for n in values.get("sdgs", [])]
    start = values.get("implementation_start")
    data["implementation_start"] = start.isoformat() if isinstance(start, date) else start or ""
    if values.get("truth_declared"):
        data["truth_declared"] = "y"
    for key, text in values.get("sections", {}).items():
        data[f"section_{key}"] = text
    data.update(extra)
    return data


def values_of(proposal: Any) -> dict[str, Any]:
    """The stored proposal's values, as :func:`form_data` takes them."""
    names = (
        "group_code",
        "category_code",
        "sdgs",
        "title",
        "implementation_start",
        "innovator",
        "contact_name",
        "contact_phone",
        "contact_email",
        "video_url",
        "truth_declared",
        "replicates_title",
        "sections",
    )
    return {name: getattr(proposal, name) for name in names}


def shown_version(client: Any, path: str) -> str:
    """The version a page's first versioned form carries (the edit form), as a browser posts
    it back; "" when the page has none (or redirects)."""
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'<input[^>]*name="version"[^>]*value="([^"]*)"', page)
    return found[1] if found else ""


def edit_post(client: Any, proposal_id: int, values: dict[str, Any], **extra: Any) -> Any:
    """Open the proposal's edit page, then post ``values`` with the version it showed."""
    version = shown_version(client, f"/proposals/{proposal_id}/edit")
    return client.post(
        f"/proposals/{proposal_id}/edit", data=form_data(values, version=version, **extra)
    )


def verify_post(client: Any, proposal_id: int, **kwargs: Any) -> Any:
    """Open the proposal's page, then click Verify (with the version the page showed)."""
    version = step_version(client, proposal_id, "verify")
    return client.post(f"/proposals/{proposal_id}/verify", data={"version": version}, **kwargs)


def step_version(client: Any, proposal_id: int, step: str) -> str:
    """The version the proposal page's form for ``step`` ("verify", "submit", "return")
    carries, as a browser posts it back; "" when the page shows no such form (or it carries
    none)."""
    page = client.get(f"/proposals/{proposal_id}").get_data(as_text=True)
    return form_version(page, f"/proposals/{proposal_id}/{step}")


def form_version(page: str, action: str) -> str:
    """The version carried by the form of ``page`` that posts to ``action`` ("" if none)."""
    start = page.find(f'action="{action}"')
    if start < 0:
        return ""
    form = page[start : page.find("</form>", start)]
    found = re.search(r'<input[^>]*name="version"[^>]*value="([^"]*)"', form)
    return found[1] if found else ""


def submit_post(client: Any, proposal_id: int, **kwargs: Any) -> Any:
    """Open the proposal's page, then click Submit (with the version the page showed)."""
    version = step_version(client, proposal_id, "submit")
    return client.post(f"/proposals/{proposal_id}/submit", data={"version": version}, **kwargs)


def return_post(client: Any, proposal_id: int, comment: str, **kwargs: Any) -> Any:
    """Open the proposal's page, then return it with ``comment`` (and the page's version)."""
    version = step_version(client, proposal_id, "return")
    data = {"comment": comment, "version": version}
    return client.post(f"/proposals/{proposal_id}/return", data=data, **kwargs)
