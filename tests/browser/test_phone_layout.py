"""On a phone, the node's pages fit the screen: nothing makes the whole page scroll sideways,
and chart labels stay readable.

Long unbroken text (a video link, the central URL), wide tables and labelled facts are what
used to push pages past the screen's width; each must wrap or scroll inside its own box.
"""

from __future__ import annotations

from shared.cli_support import make_app
from shared.db import db
from shared.models import ProposalStatus, Role
from tests.factories import Factory
from tests.proposal_support import complete_proposal

PHONE = {"width": 360, "height": 740}
PASSWORD = "Rahasia12345"  # the factory's


def _seed(instance) -> int:
    """An Admin Lokal and a submitted proposal with a long video link; the proposal's id."""
    app = make_app("regional", instance)
    factory = Factory(app)

    tenant = factory.tenant_by_code("33.20")
    unit = factory.unit(tenant, name="Dinas Kependudukan dan Pencatatan Sipil Kabupaten Jepara")
    factory.user(Role.LOCAL_ADMIN, tenant, username="admin.jepara")
    proposal = complete_proposal(
        factory,
        tenant,
        unit,
        status=ProposalStatus.SUBMITTED,
        video_url="https://video.jepara.go.id/inovasi/dukcapil/layanan-akta-kelahiran-keliling-2027",
    )
    with app.app_context():
        db.engine.dispose()
    return proposal.id


def test_node_pages_fit_a_phone_screen(start_server, browser) -> None:
    node = start_server("regional", "--tenant", "33.20", "--tenant-name", "Kabupaten Jepara")
    proposal_id = _seed(node.instance)
    page = browser.new_context(locale="id-ID", viewport=PHONE).new_page()
    page.goto(node.url + "login")
    page.get_by_label("Nama pengguna").fill("admin.jepara")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url("**/dashboard")

    too_wide = {}
    for path in ("dashboard", "proposals/", f"proposals/{proposal_id}", "units/", "sync/"):
        page.goto(node.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide[path] = width
    assert too_wide == {}, f"pages wider than a {PHONE['width']} px phone: {too_wide}"

    # the dashboard's charts keep their labels at the page's text size on a phone
    page.goto(node.url + "dashboard")
    sizes = page.eval_on_selector_all(
        ".bars .bar-label", "els => els.map(e => parseFloat(getComputedStyle(e).fontSize))"
    )
    assert sizes and min(sizes) >= 12
