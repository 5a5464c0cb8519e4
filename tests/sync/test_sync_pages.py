"""The sync pages from the outside, with central served over HTTP and a connected node:
"Sync now" on the node, the sync state on proposal pages, rejected items with their reasons,
and node credentials rotated or revoked on central's tenant page."""

from __future__ import annotations

import re
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread

import sqlalchemy as sa
from filelock import FileLock
from markupsafe import escape

from shared.db import db, utcnow
from shared.models import Competition, Proposal, Role, ScreeningResult
from sync import node
from tests.conftest import login
from tests.proposal_support import submit_post, verify_post
from tests.sync.conftest import TENANT_CODE, Pair

SYNCED_ONE = "Sinkronisasi selesai: 1 diterima pusat (0 di antaranya sudah ada)"


def _node_admin(pair: Pair, admin=None):
    client = pair.node.test_client()
    assert login(client, (admin or pair.admin).username).status_code == 302
    return client


def _central_staff(pair: Pair):
    client = pair.central.app.test_client()
    staff = pair.central.factory.user(Role.SECRETARIAT)
    assert login(client, staff.username).status_code == 302
    return client


def _proposal_id(pair: Pair, uuid: str) -> int:
    return pair.on_node(
        lambda: db.session.execute(sa.select(Proposal.id).where(Proposal.uuid == uuid)).scalar_one()
    )


def _sync_now(client) -> str:
    response = client.post("/sync/run")
    assert response.status_code == 302
    return client.get(response.headers["Location"]).get_data(as_text=True)


def _count(page: str, state: str) -> int:
    found = re.search(rf'id="outbox-{state}"><b>(\d+)</b>', page)
    assert found, page[:3000]
    return int(found.group(1))


def test_sync_now_delivers_and_every_page_tells_the_state(pair: Pair) -> None:
    pair.connect()
    (uuid,) = pair.submitted(1)
    admin = _node_admin(pair)
    proposal_url = f"/proposals/{_proposal_id(pair, uuid)}"
    assert "Menunggu dikirim" in admin.get("/proposals/").get_data(as_text=True)
    assert "Menunggu dikirim" in admin.get(proposal_url).get_data(as_text=True)
    before = admin.get("/sync/").get_data(as_text=True)
    assert _count(before, "pending") == 1 and pair.central.url in before

    page = _sync_now(admin)
    assert SYNCED_ONE in page
    assert _count(page, "pending") == 0 and _count(page, "acked") == 1
    assert "Diterima server pusat" in admin.get(proposal_url).get_data(as_text=True)
    assert "Diterima server pusat" in admin.get("/proposals/").get_data(as_text=True)

    central = _central_staff(pair).get(f"/tenants/{TENANT_CODE}").get_data(as_text=True)
    row = re.search(rf'data-node="{pair.node_id}">(.*?)</tr>', central, re.S)
    assert row and re.search(r'class="last-push">\d\d-\d\d-\d{4}', row.group(1))
    assert re.search(r'<td class="num">1</td>', row.group(1))  # proposals pushed


def test_rejected_revisions_show_their_reason_to_their_tenant_only(pair: Pair) -> None:
    pair.connect()
    (uuid,) = pair.submitted(1)

    def _close_central_earlier():
        db.session.execute(
            sa.update(Competition).values(registration_closes_at=utcnow() - timedelta(days=1))
        )

    pair.on_central(_close_central_earlier)
    admin = _node_admin(pair)
    page = _sync_now(admin)
    assert "Sinkronisasi selesai dengan masalah" in page
    assert _count(page, "rejected") == 1
    reason = "diajukan di node setelah pendaftaran ditutup"  # central's reason, translated
    rejected = page.split('id="rejected"')[1]
    assert reason in rejected
    proposal_url = f"/proposals/{_proposal_id(pair, uuid)}"
    assert f'href="{proposal_url}"' in rejected
    shown = admin.get(proposal_url).get_data(as_text=True)
    assert "Ditolak server pusat" in shown and reason in shown

    # a new revision, once central accepts it, is shown next to the old rejection
    pair.on_central(
        lambda: db.session.execute(
            sa.update(Competition).values(registration_closes_at=utcnow() + timedelta(days=10))
        )
    )
    assert admin.post(f"{proposal_url}/revise").status_code == 302
    assert verify_post(admin, _proposal_id(pair, uuid)).status_code == 302
    assert submit_post(admin, _proposal_id(pair, uuid)).status_code == 302
    page = _sync_now(admin)
    assert _count(page, "acked") == 1 and _count(page, "rejected") == 1
    assert "Sejak itu revisi 2: Diterima server pusat" in page.split('id="rejected"')[1]

    # the same reason in English, for an admin who reads English
    admin.post("/language", data={"lang": "en", "next": "/sync/"})
    in_english = admin.get("/sync/").get_data(as_text=True).split('id="rejected"')[1]
    assert "submitted on the node after the registration closed" in in_english
    assert reason not in in_english

    # an Admin Lokal of another tenant hosted on the same node sees none of it
    other = pair.node_factory.tenant(code="33.21", name="Kabupaten Kudus")
    other_admin = pair.node_factory.user(Role.LOCAL_ADMIN, other)
    page = _node_admin(pair, other_admin).get("/sync/").get_data(as_text=True)
    assert _count(page, "rejected") == 0 and reason not in page
    assert _node_admin(pair, other_admin).get(proposal_url).status_code == 404


def test_a_revision_the_node_cannot_send_says_why_in_the_admins_language(pair: Pair) -> None:
    """The node lost one of a submitted revision's files (a disk restored without them): the
    revision waits, and its page says which file, in Indonesian."""
    from shared.blobstore import blob_store
    from shared.models.proposal import Attachment

    pair.connect()
    (uuid,) = pair.submitted(1)

    def _lose_a_file() -> str:
        sha = db.session.execute(sa.select(Attachment.sha256)).scalars().first()
        blob_store().path(sha).unlink()
        return sha

    sha = pair.on_node(_lose_a_file)
    admin = _node_admin(pair)
    _sync_now(admin)
    shown = admin.get(f"/proposals/{_proposal_id(pair, uuid)}").get_data(as_text=True)
    state = shown.split('id="sync-state"')[1].split("</dd>")[0]
    assert "Menunggu dikirim" in state or "Terkirim, menunggu server pusat" in state
    assert f"lampiran {sha[:12]}… tidak dapat diunggah" in state
    assert pair.central_revisions() == []


def test_operators_may_not_open_the_sync_page_or_sync(pair: Pair) -> None:
    pair.connect()
    operator = pair.node_factory.user(Role.OPERATOR, pair.tenant, pair.unit)
    client = pair.node.test_client()
    login(client, operator.username)
    refused = client.get("/sync/")
    assert refused.status_code == 403
    assert refused.mimetype == "text/html"  # the error page, in words, not an API's JSON
    assert "Akun Anda tidak boleh membuka halaman ini." in refused.get_data(as_text=True)
    assert client.post("/sync/run").status_code == 403
    assert "/sync/" not in client.get("/dashboard").get_data(as_text=True)
    assert 'href="/sync/"' in _node_admin(pair).get("/dashboard").get_data(as_text=True)


def test_a_revoked_node_can_no_longer_sync(pair: Pair) -> None:
    pair.connect()
    staff = _central_staff(pair)
    response = staff.post(
        f"/tenants/{TENANT_CODE}/nodes/{pair.node_id}/revoke", data={"confirm": "yes"}
    )
    assert response.status_code == 302
    pair.submitted(1)
    admin = _node_admin(pair)
    page = _sync_now(admin)
    assert "Sinkronisasi selesai dengan masalah" in page or "Sinkronisasi gagal" in page
    assert _count(page, "pending") + _count(page, "in_flight") == 1
    # the admin reads why, in their language, as the cause of the whole run's failure
    last_error = page.split('id="last-error"')[1].split("</dd>")[0]
    assert "Mengirim ke server pusat: kredensial node ini telah dicabut" in last_error
    assert pair.central_revisions() == []
    admin.post("/language", data={"lang": "en", "next": "/sync/"})
    page = admin.get("/sync/").get_data(as_text=True)
    last_error = page.split('id="last-error"')[1].split("</dd>")[0]
    assert "Sending to central: this node&#39;s credentials were revoked" in last_error


def test_a_new_secret_locks_out_the_old_one_until_the_node_reconnects(pair: Pair) -> None:
    pair.connect()
    staff = _central_staff(pair)
    url = f"/tenants/{TENANT_CODE}/nodes/{pair.node_id}/rotate"
    html = staff.post(url, data={"confirm": "yes"}).get_data(as_text=True)
    secret = re.search(r'id="node-secret">([^<]+)<', html).group(1)
    assert secret != pair.secret
    (uuid,) = pair.submitted(1)
    admin = _node_admin(pair)
    page = _sync_now(admin)
    assert "Sinkronisasi selesai:" not in page and 'id="last-error"' in page
    assert pair.central_revisions() == []

    pair.on_node(node.connect, pair.central.url, pair.node_id, secret)
    page = _sync_now(admin)
    assert SYNCED_ONE in page and 'id="last-error"' not in page
    assert [u for u, _, _ in pair.central_revisions()] == [uuid]


def test_sync_now_while_another_sync_runs_says_so(pair: Pair) -> None:
    from sync.runner import lock_path

    pair.connect()
    admin = _node_admin(pair)
    with pair.node.app_context():
        path = lock_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path)):
        page = _sync_now(admin)
    assert "Sinkronisasi lain sedang berjalan" in page


def test_sync_now_gives_up_sooner_than_the_scheduled_run(pair: Pair) -> None:
    """A person waits on "Sync now": two tries, not the scheduled run's five."""
    from sync.models import NodeLink
    from sync.runner import run

    pair.connect()
    pair.submitted(1)
    calls: list[str] = []

    class Unavailable(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            calls.append(self.path)
            self.send_response(503)
            self.end_headers()

        do_POST = do_GET

        def log_message(self, *args) -> None:
            pass

    down = ThreadingHTTPServer(("127.0.0.1", 0), Unavailable)
    Thread(target=down.serve_forever, daemon=True).start()
    try:

        def _point_at_down():
            db.session.get(NodeLink, 1).central_url = f"http://127.0.0.1:{down.server_port}"
            db.session.commit()

        pair.on_node(_point_at_down)
        pair.node.config.update(SYNC_ATTEMPTS=4, SYNC_BACKOFF_MAX=0.05)
        page = _sync_now(_node_admin(pair))
        assert "Sinkronisasi gagal" in page or "Sinkronisasi selesai dengan masalah" in page
        assert len(calls) == 2
        calls.clear()
        report = pair.on_node(run)  # the scheduled run keeps trying
        assert not report.ok and len(calls) == 4
    finally:
        down.shutdown()
        down.server_close()


def _batch_limit(page: str) -> str | None:
    found = re.search(r'id="central-max-items">([^<]*)<', page)
    return found.group(1).strip() if found else None


def test_the_sync_page_shows_the_batch_limit_central_told_or_taught(pair: Pair) -> None:
    """The limit the node keeps on its link (from central's hello, or a 413) is shown with the
    other facts of the connection, in the admin's language; nothing while it is unknown."""
    pair.central.app.config["SYNC_MAX_ITEMS"] = 1000
    pair.connect()  # central's hello tells its limit
    admin = _node_admin(pair)
    shown = _batch_limit(admin.get("/sync/").get_data(as_text=True))
    assert shown and "1000" in shown  # (in Bahasa Indonesia, the default)

    admin.post("/language", data={"lang": "en", "next": "/sync/"})
    page = admin.get("/sync/").get_data(as_text=True)
    assert _batch_limit(page) == "Central takes at most 1000 proposals per batch."

    pair.central.app.config["SYNC_MAX_ITEMS"] = 2  # central now takes fewer: a 413 teaches it
    pair.submitted(3)
    page = _sync_now(admin)
    assert _count(page, "acked") == 3
    assert _batch_limit(page) == "Central takes at most 2 proposals per batch."
    pair.on_node(lambda: setattr(node.link(), "central_max_items", 1))
    page = admin.get("/sync/").get_data(as_text=True)
    assert _batch_limit(page) == "Central takes at most 1 proposal per batch."

    # a link made before centrals told their limit does not know it yet
    pair.on_node(lambda: setattr(node.link(), "central_max_items", None))
    assert _batch_limit(admin.get("/sync/").get_data(as_text=True)) is None


def test_an_unconnected_node_explains_how_to_connect(pair: Pair) -> None:
    admin = _node_admin(pair)
    page = admin.get("/sync/").get_data(as_text=True)
    assert 'id="not-connected"' in page and "sinovik regional connect" in page
    assert "Sinkronisasi gagal" in _sync_now(admin)


def test_results_from_central_reach_the_admins_pages(pair: Pair) -> None:
    """Screening with its reason, stage reached and award travel back with "Sync now"."""
    from central.screening import services as screening
    from shared.models import Stage
    from sync import feed

    pair.connect()
    failed, finalist = pair.submitted(2)
    admin = _node_admin(pair)
    _sync_now(admin)
    secretariat = pair.central.factory.user(Role.SECRETARIAT)

    def _decide():
        by_uuid = {p.uuid: p for p in db.session.execute(sa.select(Proposal)).scalars()}
        staff = db.session.get(type(pair.admin), secretariat.id)
        db.session.execute(sa.update(Stage).values(publish_at=utcnow() - timedelta(hours=1)))
        screening.decide(
            by_uuid[failed],
            result="failed",
            reason_code="other",
            note="Usia implementasi kurang dari satu tahun.",
            actor=staff,
        )
        screening.decide(by_uuid[finalist], result="passed", reason_code="", note="", actor=staff)
        won = by_uuid[finalist]
        won.stage_code, won.award = "final", "top"
        feed.publish(
            "stage.reached",
            {"uuid": won.uuid, "stage_code": "final", "award": "top"},
            tenant_id=won.tenant_id,
        )

    pair.on_central(_decide)
    page = _sync_now(admin)
    assert re.search(r"Sinkronisasi selesai: .*; [1-9]\d* (pembaruan diterima|updates received)",
                     page)  # fmt: skip
    results = admin.get("/results").get_data(as_text=True)
    failed_title, finalist_title = (
        pair.on_node(
            lambda u=u: db.session.execute(
                sa.select(Proposal.title).where(Proposal.uuid == u)
            ).scalar_one()
        )
        for u in (failed, finalist)
    )
    row = results.split(failed_title, 1)[1].split("</tr>", 1)[0]
    assert "Tidak lolos seleksi" in row and "Usia implementasi kurang dari satu tahun." in row
    row = results.split(finalist_title, 1)[1].split("</tr>", 1)[0]
    assert "Lolos seleksi" in row and "Top Inovasi Pelayanan Publik" in row
    shown = admin.get(f"/proposals/{_proposal_id(pair, finalist)}").get_data(as_text=True)
    assert "Top Inovasi Pelayanan Publik" in shown


def test_central_pages_show_a_pushed_proposals_sections(pair: Pair) -> None:
    """Central keeps a pushed proposal's text once, in its revision; the screening and
    judging staff still read every section the node's admin wrote."""
    pair.connect()
    (uuid,) = pair.submitted(1)
    admin = _node_admin(pair)
    assert "Sinkronisasi selesai:" in _sync_now(admin)

    def _node_sections():
        proposal = db.session.execute(sa.select(Proposal)).scalar_one()
        return proposal.sections

    sections = {k: v for k, v in pair.on_node(_node_sections).items() if v}
    assert sections
    page = _central_staff(pair).get(f"/screening/{uuid}").get_data(as_text=True)
    texts = re.findall(r'<p class="section-text">(.*?)</p>', page, re.S)
    assert sorted(texts) == sorted(str(escape(v)) for v in sections.values())


def test_a_revision_after_the_ministry_screened_is_refused_and_says_why(pair: Pair) -> None:
    """The node does not know yet (screening results are embargoed), so its admin may start
    a new revision; central keeps the one it screened and the node shows why."""
    pair.connect()
    (uuid,) = pair.submitted(1)
    admin = _node_admin(pair)
    assert _count(_sync_now(admin), "acked") == 1

    def _screen():
        proposal = db.session.execute(sa.select(Proposal).where(Proposal.uuid == uuid)).scalar_one()
        proposal.screening_result = ScreeningResult.PASSED

    pair.on_central(_screen)
    proposal_url = f"/proposals/{_proposal_id(pair, uuid)}"
    assert admin.post(f"{proposal_url}/revise").status_code == 302
    assert verify_post(admin, _proposal_id(pair, uuid)).status_code == 302
    assert submit_post(admin, _proposal_id(pair, uuid)).status_code == 302
    page = _sync_now(admin)
    assert _count(page, "rejected") == 1
    why = page.split('id="rejected"')[1]
    assert "sudah mulai mengevaluasi proposal ini" in why
    assert "menyeleksi" not in why  # the screening stays under embargo
    assert [r[1] for r in pair.central_revisions()] == [1]  # the screened one, alone
    held = pair.on_central(
        lambda: db.session.execute(
            sa.select(Proposal.revision).where(Proposal.uuid == uuid)
        ).scalar_one()
    )
    assert held == 1
    # Told by that refusal, the node offers no further revision (before: the same loop again)
    assert "Ubah (revisi baru)" not in admin.get(proposal_url).get_data(as_text=True)
    refused = admin.post(f"{proposal_url}/revise", follow_redirects=True)
    assert "sudah mulai mengevaluasi proposal ini dan menolak revisi" in refused.get_data(
        as_text=True
    )
    assert _count(_sync_now(admin), "rejected") == 1  # nothing new was queued


MB = 1024 * 1024


def _large_file_submitted(pair: Pair, filename: str = "foto-besar.pdf") -> str:
    """A proposal submitted on the node with a file of 1.5 MB; its uuid."""
    from shared.models import ProposalStatus
    from tests.proposal_support import complete_proposal
    from tests.sync.conftest import distinct_title

    proposal = complete_proposal(
        pair.node_factory, pair.tenant, pair.unit, status=ProposalStatus.VERIFIED,
        title=distinct_title(900),
    )  # fmt: skip
    data = b"%PDF-1.4\n" + b"x" * (3 * MB // 2)
    pair.node_factory.attachment(proposal, kind="photo", data=data, filename=filename)
    pair.submit(proposal.uuid)
    return proposal.uuid


def _not_sent(page: str) -> str:
    assert 'id="not-sent"' in page, page[:3000]
    return page.split('id="not-sent"')[1].split("</section>")[0]


def test_a_file_larger_than_central_accepts_is_named_with_the_limit(pair: Pair) -> None:
    """Central refuses the upload of a file larger than it accepts and names its limit: the
    revision waits on the node, and the sync page and the proposal's page say which file and
    the limit, in the admin's language; the others go through."""
    pair.central.app.config["SYNC_BLOB_MAX_BYTES"] = MB
    pair.connect()
    (small,) = pair.submitted(1)
    large = _large_file_submitted(pair)
    admin = _node_admin(pair)
    page = _sync_now(admin)
    assert _count(page, "acked") == 1 and _count(page, "pending") == 1
    assert [u for u, _, _ in pair.central_revisions()] == [small]
    listed = _not_sent(page)
    assert "foto-besar.pdf" in listed and "1.0 MB" in listed  # (in Bahasa Indonesia)
    proposal_url = f"/proposals/{_proposal_id(pair, large)}"
    assert f'href="{proposal_url}"' in listed
    state = admin.get(proposal_url).get_data(as_text=True).split('id="sync-state"')[1]
    assert "foto-besar.pdf" in state.split("</dd>")[0]

    english = "file foto-besar.pdf is larger than central accepts (limit 1.0 MB)"
    admin.post("/language", data={"lang": "en", "next": "/sync/"})
    assert english in _not_sent(admin.get("/sync/").get_data(as_text=True))
    assert english in admin.get(proposal_url).get_data(as_text=True)

    # an Admin Lokal of another tenant hosted on the same node sees none of it
    other = pair.node_factory.tenant(code="33.21", name="Kabupaten Kudus")
    other_admin = pair.node_factory.user(Role.LOCAL_ADMIN, other)
    page = _node_admin(pair, other_admin).get("/sync/").get_data(as_text=True)
    assert "foto-besar.pdf" not in page and 'id="not-sent"' not in page

    # central takes larger files now: the next sync delivers it, and the list is empty
    pair.central.app.config["SYNC_BLOB_MAX_BYTES"] = 2 * MB
    page = _sync_now(admin)
    assert _count(page, "acked") == 2 and 'id="not-sent"' not in page
    assert sorted(u for u, _, _ in pair.central_revisions()) == sorted([small, large])
