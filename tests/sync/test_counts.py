"""The counts the node's and central's admins read add up."""

from __future__ import annotations

import re
from pathlib import Path

import sqlalchemy as sa

from shared.db import db
from shared.models import Role
from sync import bundle
from tests.conftest import login
from tests.sync.conftest import TENANT_CODE, Pair, sync_run


def _central_page(pair: Pair) -> str:
    client = pair.central.app.test_client()
    assert login(client, pair.central.factory.user(Role.SECRETARIAT).username).status_code == 302
    return client.get(f"/tenants/{TENANT_CODE}").get_data(as_text=True)


def test_proposals_imported_by_bundle_count_as_pushed(pair: Pair, tmp_path: Path) -> None:
    pair.connect()
    pair.submitted(2)
    out = tmp_path / "b.zip"
    pair.on_node(bundle.export_proposals, out)
    pair.on_central(bundle.import_proposals, out)
    pair.on_central(bundle.import_proposals, out)  # the same again: nothing new

    row = re.search(rf'data-node="{pair.node_id}">(.*?)</tr>', _central_page(pair), re.S)
    assert row and re.search(r'<td class="num">2</td>', row.group(1))  # proposals pushed


def test_sync_now_counts_add_up_when_central_held_some(pair: Pair) -> None:
    pair.connect()
    pair.submitted(3)
    assert sync_run(pair).ok
    pair.on_node(lambda: db.session.execute(sa.text("UPDATE outbox_item SET state = 'pending'")))
    admin = pair.node.test_client()
    assert login(admin, pair.admin.username).status_code == 302
    with admin.session_transaction() as session:
        session["locale"] = "en"
    page = admin.get(admin.post("/sync/run").headers["Location"]).get_data(as_text=True)
    assert "3 received by central (3 of them already there), 0 rejected" in page
