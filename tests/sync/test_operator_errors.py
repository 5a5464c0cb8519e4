"""What an operator reads when a sync command cannot do its job: one clear line and a non-zero
exit, never a traceback, and nothing half done."""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections import Counter
from pathlib import Path
from unittest import mock

import pytest
from click.testing import CliRunner
from flask import Flask

from shared import cli_support
from shared.blobstore import CHUNK, blob_store
from shared.cli import main
from shared.db import db
from shared.models import ProposalStatus
from shared.services import ServiceError
from sync import bundle, credentials, node
from sync.models import SyncNode
from tests.proposal_support import complete_proposal
from tests.sync.conftest import TENANT_CODE, Pair, distinct_title, sync_run

KEYS = ("SQLALCHEMY_DATABASE_URI", "BLOB_DIR", "SECRET_KEY", "ENV", "SYNC_ATTEMPTS")


def describe(app: Flask, kind: str) -> str:
    """The test app's instance folder, described so the CLI builds the same app from it."""
    config = {key: app.config[key] for key in KEYS if key in app.config}
    Path(app.instance_path, "config.json").write_text(json.dumps({"NODE_KIND": kind, **config}))
    return app.instance_path


def with_config(instance: str, **config) -> str:
    """The instance folder's config.json with more settings (the CLI builds its app from it)."""
    path = Path(instance, "config.json")
    path.write_text(json.dumps({**json.loads(path.read_text()), **config}))
    return instance


def cli(*args: str, input: str | None = None):
    """Run a `sinovik` command; the apps it made close their database connections after."""
    made: list[Flask] = []
    real = cli_support.make_app

    def _make(*a, **kw) -> Flask:
        made.append(real(*a, **kw))
        return made[-1]

    with mock.patch.object(cli_support, "make_app", _make):
        result = CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)
    for app in made:
        with app.app_context():
            db.engine.dispose()
    return result


def test_a_tenant_named_twice_gets_one_node(pair: Pair) -> None:
    instance = describe(pair.central.app, "central")
    result = cli(
        "central", "issue-node-credentials", "--instance", instance,
        "--tenant", TENANT_CODE, "--tenant", TENANT_CODE,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    node_id = result.output.split("node id:")[1].split()[0]
    assert list(pair.on_central(credentials.tenants_of, node_id)) == [TENANT_CODE]


def _bundle_without(
    src: Path, dst: Path, *, drop: str = "", damage: str = "", corrupt: str = "", garble: str = ""
) -> None:
    """A copy of a bundle with a file left out, changed (the zip itself intact), or with
    bytes of its compressed data changed as a failing USB stick would: flipped in the middle
    (the zip's checksum fails) or at the start (it no longer decompresses)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for name in zin.namelist():
            if name == drop:
                continue
            data = zin.read(name)
            zout.writestr(name, data + b"x" if name == damage else data)
    if corrupt or garble:
        with zipfile.ZipFile(dst) as zf:
            info = zf.getinfo(corrupt or garble)
        raw = bytearray(dst.read_bytes())
        # the local header: 30 bytes, then the name and the extra field (lengths at 26, 28)
        name_len = int.from_bytes(raw[info.header_offset + 26 : info.header_offset + 28], "little")
        extra_len = int.from_bytes(raw[info.header_offset + 28 : info.header_offset + 30], "little")
        start = info.header_offset + 30 + name_len + extra_len
        if corrupt:
            for at in range(start + info.compress_size // 3, start + info.compress_size // 2):
                raw[at] ^= 0x5A
        else:
            raw[start] = 0xFF  # a deflate block of a type that does not exist
        dst.write_bytes(bytes(raw))


def _blob_names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as zf:
        return sorted(n for n in zf.namelist() if n.startswith("blobs/"))


def _central_blobs(pair: Pair, names: list[str]) -> list[str]:
    return pair.on_central(
        lambda: [n for n in names if blob_store().exists(n.removeprefix("blobs/"))]
    )


@pytest.mark.parametrize("fault", ["drop", "damage", "corrupt", "garble"])
def test_a_bundle_with_a_missing_or_damaged_file_is_refused_whole(
    pair: Pair, tmp_path: Path, fault: str
) -> None:
    pair.connect()
    pair.submitted(2)
    out = tmp_path / "b.zip"
    pair.on_node(bundle.export_proposals, out)
    names = _blob_names(out)
    broken = tmp_path / "broken.zip"
    _bundle_without(out, broken, **{fault: names[-1]})

    result = cli("central", "import-bundle", "--instance", describe(pair.central.app, "central"),
                 str(broken))  # fmt: skip
    assert result.exit_code == 1
    assert "damaged" in result.output and "Traceback" not in result.output
    assert pair.central_revisions() == []
    assert _central_blobs(pair, names) == []  # not one of its files was kept
    assert _blob_leftovers(pair) == []  # nor a temporary copy


def test_a_bundle_whose_manifest_does_not_decompress_is_not_a_bundle(
    pair: Pair, tmp_path: Path
) -> None:
    pair.connect()
    pair.submitted(1)
    out = tmp_path / "b.zip"
    pair.on_node(bundle.export_proposals, out)
    broken = tmp_path / "broken.zip"
    _bundle_without(out, broken, garble="manifest.json")

    result = cli("central", "import-bundle", "--instance", describe(pair.central.app, "central"),
                 str(broken))  # fmt: skip
    assert result.exit_code == 1
    assert "is not a SINOVIK sync bundle" in result.output and "Traceback" not in result.output
    assert pair.central_revisions() == []


def _blob_leftovers(pair: Pair) -> list[str]:
    """Temporary files in central's blob store."""
    folder = Path(pair.central.app.config["BLOB_DIR"], "tmp")
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _count_zip_opens(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How often each zip member is opened from now on."""
    opened: Counter[str] = Counter()
    real_open = zipfile.ZipFile.open

    def _counting_open(self, name, *args, **kwargs):
        opened[getattr(name, "filename", name)] += 1
        return real_open(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", _counting_open)
    return opened


def test_a_bundle_is_read_once_and_its_files_kept(
    pair: Pair, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each attachment of a bundle is read once: hashed while it is copied into central's
    blob store, and kept only once every file of the bundle has been checked."""
    pair.connect()
    pair.submitted(2)
    out = tmp_path / "b.zip"
    pair.on_node(bundle.export_proposals, out)
    names = _blob_names(out)
    opened = _count_zip_opens(monkeypatch)
    result = cli("central", "import-bundle", "--instance", describe(pair.central.app, "central"),
                 str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "accepted 2" in result.output
    assert {name: opened[name] for name in names} == {name: 1 for name in names}
    assert _central_blobs(pair, names) == names
    assert _blob_leftovers(pair) == []


LIMIT = 4096  # central's SYNC_BLOB_MAX_BYTES in the tests below


def _submitted_with_a_large_file(pair: Pair, size: int) -> tuple[str, str, str]:
    """Two proposals submitted on the connected node, the second with a ``size``-byte file
    "pernyataan-besar.pdf": (the small one's uuid, the large one's, the file's digest)."""
    pair.connect()
    (small,) = pair.submitted(1)
    proposal = complete_proposal(
        pair.node_factory, pair.tenant, pair.unit, status=ProposalStatus.VERIFIED,
        kinds=("decree",), title=distinct_title(500),
    )  # fmt: skip
    large = pair.node_factory.attachment(
        proposal,
        kind="truth_declaration",
        data=b"%PDF-1.4\n" + b"x" * (size - 9),
        filename="pernyataan-besar.pdf",
    )
    pair.submit(proposal.uuid)
    return small, proposal.uuid, large.sha256


def _bundle_with_a_large_file(pair: Pair, tmp_path: Path) -> tuple[Path, str, str, str]:
    """A bundle of two proposals, one with a file larger than ``LIMIT``: (the bundle, the
    small proposal's uuid, the large one's, the large file's digest)."""
    small, large, sha = _submitted_with_a_large_file(pair, 2 * LIMIT + 9)
    out = tmp_path / "b.zip"
    pair.on_node(bundle.export_proposals, out)
    return out, small, large, sha


def test_a_bundle_file_larger_than_central_accepts_is_refused_as_online(
    pair: Pair, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As an online push: central keeps no file larger than it accepts, rejects the proposal
    naming it as one whose attachment has not arrived, and takes the others; the operator
    reads which file and the limit. Its declared size is enough: it is never read."""
    out, small, large, sha = _bundle_with_a_large_file(pair, tmp_path)
    central = with_config(describe(pair.central.app, "central"), SYNC_BLOB_MAX_BYTES=LIMIT)
    opened = _count_zip_opens(monkeypatch)
    result = cli("central", "import-bundle", "--instance", central, str(out))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert (
        f"attachment pernyataan-besar.pdf ({sha[:12]}…) is larger than central accepts "
        f"({LIMIT} bytes)"
    ) in result.output
    assert "accepted 1, rejected 1" in result.output
    assert f"rejected {large} r1: attachment {sha[:12]}… has not reached central" in result.output
    assert opened[f"blobs/{sha}"] == 0
    assert [uuid for uuid, _, _ in pair.central_revisions()] == [small]
    assert _central_blobs(pair, [f"blobs/{sha}"]) == []
    assert _blob_leftovers(pair) == []

    # the node online, central's limit the same, delivers just as much, and says why
    pair.central.app.config["SYNC_BLOB_MAX_BYTES"] = LIMIT
    report = sync_run(pair)
    assert report.push.duplicates == 1
    assert report.push.failed == [
        (large, 1, "file pernyataan-besar.pdf is larger than central accepts (limit 4 KB)")
    ]

    # central takes larger files now: the same bundle brings the rest
    again = cli("central", "import-bundle", "--instance", with_config(central,
                SYNC_BLOB_MAX_BYTES=4 * LIMIT), str(out))  # fmt: skip
    assert again.exit_code == 0, again.output
    assert "accepted 1, duplicate 1" in again.output
    assert sorted(uuid for uuid, _, _ in pair.central_revisions()) == sorted([small, large])


MB = 1024 * 1024


def test_sync_status_names_a_file_central_refuses_as_too_large_and_its_limit(pair: Pair) -> None:
    """Online, central refuses the upload of a file larger than it accepts and names its
    limit: `sync run` and `sync status` say which file and the limit (in MB); the revision
    waits on the node and the other one goes through."""
    pair.central.app.config["SYNC_BLOB_MAX_BYTES"] = MB
    small, large, _ = _submitted_with_a_large_file(pair, 3 * MB // 2 + 9)
    instance = describe(pair.node, "regional")
    why = "file pernyataan-besar.pdf is larger than central accepts (limit 1.0 MB)"

    ran = cli("sync", "run", "--instance", instance)
    assert ran.exit_code == 1
    assert f"failed {large} r1: {why}" in ran.output
    assert [uuid for uuid, _, _ in pair.central_revisions()] == [small]

    status = cli("sync", "status", "--instance", instance)
    assert status.exit_code == 0, status.output
    assert f"not sent {large} r1: {why}" in status.output
    data = json.loads(cli("sync", "status", "--instance", instance, "--json").output)
    assert data["not_sent"] == [{"proposal_uuid": large, "revision": 1, "reason": why}]
    assert data["outbox"]["acked"] == 1 and data["outbox"]["pending"] == 1


class _Flood(io.BytesIO):
    """A member that hands out far more bytes than it declares (a zip bomb's lie)."""

    handed = 0

    def read(self, size: int | None = -1, /) -> bytes:
        chunk = super().read(size)
        _Flood.handed += len(chunk)
        return chunk


def _flood(monkeypatch: pytest.MonkeyPatch, member_name: str, data: bytes) -> None:
    """Make the bundle's ``member_name`` hand out ``data``, whatever size it declares."""
    real_open = zipfile.ZipFile.open

    def _lying_open(self, member, *args, **kwargs):
        if getattr(member, "filename", member) == member_name:
            return _Flood(data)
        return real_open(self, member, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", _lying_open)
    monkeypatch.setattr(_Flood, "handed", 0)


def test_a_bundle_file_holding_more_than_it_declares_is_cut_off_at_the_limit(
    pair: Pair, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A declared size can lie: central stops reading a file at its limit, whatever the zip
    hands out, keeps nothing of it and says so (a bundle cannot fill central's disk)."""
    pair.connect()
    pair.submitted(1)
    out = tmp_path / "b.zip"
    pair.on_node(bundle.export_proposals, out)
    name = _blob_names(out)[0]
    central = with_config(describe(pair.central.app, "central"), SYNC_BLOB_MAX_BYTES=LIMIT)
    _flood(monkeypatch, name, b"x" * 100 * LIMIT)
    result = cli("central", "import-bundle", "--instance", central, str(out))
    assert result.exit_code == 1
    sha = name.removeprefix("blobs/")
    assert f"({sha[:12]}…) is larger than central accepts ({LIMIT} bytes)" in result.output
    assert _Flood.handed <= LIMIT + CHUNK  # not the 400 KB it would hand out
    assert pair.central_revisions() == []  # its proposal is rejected
    assert _central_blobs(pair, [name]) == []
    assert _blob_leftovers(pair) == []


def _declared(path: Path) -> dict[str, int]:
    """What a bundle's zip directory declares, by the setting that bounds it."""
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        return {
            "SYNC_BUNDLE_MAX_FILES": len(infos),
            "SYNC_BUNDLE_MAX_BYTES": sum(i.file_size for i in infos),
            "SYNC_BUNDLE_MAX_MANIFEST_BYTES": zf.getinfo("manifest.json").file_size,
        }


@pytest.mark.parametrize(
    ("setting", "words"),
    [
        ("SYNC_BUNDLE_MAX_MANIFEST_BYTES", "The bundle's manifest.json unpacks to {n:,} bytes"),
        ("SYNC_BUNDLE_MAX_BYTES", "The bundle unpacks to {n:,} bytes"),
        ("SYNC_BUNDLE_MAX_FILES", "The bundle holds {n:,} files"),
    ],
)
def test_a_bundle_over_a_bound_is_refused_whole_before_anything_is_read(
    pair: Pair, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, setting: str, words: str
) -> None:
    """The zip's directory is checked before any member is read: a bundle over a bound is
    refused whole, naming its figure, the limit and the setting to raise, and leaves nothing
    behind; at the bound it is imported."""
    pair.connect()
    pair.submitted(2)
    out = tmp_path / "b.zip"
    pair.on_node(bundle.export_proposals, out)
    names = _blob_names(out)
    actual = _declared(out)[setting]
    central = describe(pair.central.app, "central")
    opened = _count_zip_opens(monkeypatch)

    result = cli("central", "import-bundle", "--instance",
                 with_config(central, **{setting: actual - 1}), str(out))  # fmt: skip
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert words.format(n=actual) in result.output
    assert f"more than {setting} allows ({actual - 1:,}" in result.output
    assert f"Nothing was imported; raise {setting} to import it." in result.output
    assert sum(opened.values()) == 0  # not one member read, the manifest neither
    assert pair.central_revisions() == []
    assert _central_blobs(pair, names) == []
    assert _blob_leftovers(pair) == []
    assert pair.on_central(lambda: db.session.get(SyncNode, pair.node_id).last_push_at) is None

    at_bound = cli("central", "import-bundle", "--instance",
                   with_config(central, **{setting: actual}), str(out))  # fmt: skip
    assert at_bound.exit_code == 0, at_bound.output
    assert "accepted 2" in at_bound.output


def test_a_manifest_holding_more_than_it_declares_is_cut_off_at_the_limit(
    pair: Pair, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A declared size can lie: central reads a manifest up to its limit, never more."""
    pair.connect()
    pair.submitted(1)
    out = tmp_path / "b.zip"
    pair.on_node(bundle.export_proposals, out)
    limit = _declared(out)["SYNC_BUNDLE_MAX_MANIFEST_BYTES"]
    central = with_config(
        describe(pair.central.app, "central"), SYNC_BUNDLE_MAX_MANIFEST_BYTES=limit
    )
    _flood(monkeypatch, "manifest.json", b" " * 100 * limit)
    result = cli("central", "import-bundle", "--instance", central, str(out))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert (
        "The bundle's manifest.json unpacks past its declared size, more than "
        f"SYNC_BUNDLE_MAX_MANIFEST_BYTES allows ({limit:,} bytes)"
    ) in result.output
    assert _Flood.handed <= limit + 1
    assert pair.central_revisions() == []


def test_bundle_bounds_follow_central_limits_unless_set() -> None:
    """By default a manifest may be as large as a push body central reads, a bundle may
    hold ten files for each item a push may carry, and unpack to its manifest and a hundred
    files of the largest size central keeps."""
    config = {"MAX_CONTENT_LENGTH": 64 * MB, "SYNC_MAX_ITEMS": 2000}
    assert bundle.bundle_limits(config) == bundle.BundleLimits(
        manifest_bytes=64 * MB, total_bytes=64 * MB + 100 * 64 * MB, files=20000
    )
    smaller = {**config, "SYNC_BLOB_MAX_BYTES": 2 * MB, "SYNC_MAX_ITEMS": 500}
    assert bundle.bundle_limits(smaller) == bundle.BundleLimits(
        manifest_bytes=64 * MB, total_bytes=64 * MB + 200 * MB, files=5000
    )
    chosen = {
        **config,
        "SYNC_BUNDLE_MAX_MANIFEST_BYTES": 1000,
        "SYNC_BUNDLE_MAX_BYTES": 5000,
        "SYNC_BUNDLE_MAX_FILES": 7,
    }
    assert bundle.bundle_limits(chosen) == bundle.BundleLimits(1000, 5000, 7)


def test_connect_to_something_that_is_not_a_url_says_so_at_once(pair: Pair) -> None:
    pair.issue()
    instance = describe(pair.node, "regional")
    started = time.monotonic()
    result = cli(
        "regional", "connect", "--instance", instance, "--central-url", "notaurl",
        "--node-id", pair.node_id, input=pair.secret + "\n",
    )  # fmt: skip
    assert result.exit_code == 1
    assert "notaurl is not a URL" in result.output
    assert time.monotonic() - started < 1  # not retried as if central were down
    assert pair.on_node(node.link) is None


def test_a_bundle_written_where_it_cannot_be_says_so_and_leaves_nothing(
    pair: Pair, tmp_path: Path
) -> None:
    pair.connect()
    pair.submitted(1)
    instance = describe(pair.node, "regional")
    result = cli("sync", "export", "--instance", instance, "--out", "/proc/nope.zip")
    assert result.exit_code == 1
    assert "cannot write /proc/nope.zip" in result.output

    central = describe(pair.central.app, "central")
    result = cli("central", "export-results", "--instance", central, "--tenant", TENANT_CODE,
                 "--out", "/proc/x.zip")  # fmt: skip
    assert result.exit_code == 1
    assert "cannot write /proc/x.zip" in result.output

    # written, then it cannot take the bundle's name (a folder is there): no .tmp stays
    taken = tmp_path / "usb" / "b.zip"
    taken.mkdir(parents=True)
    with pytest.raises(ServiceError, match="cannot write"):
        pair.on_node(bundle.export_proposals, taken)
    assert [p.name for p in taken.parent.iterdir()] == ["b.zip"]


def test_bundle_commands_without_the_node_secret_say_so(pair: Pair, tmp_path: Path) -> None:
    pair.connect()
    pair.submitted(1)
    instance = describe(pair.node, "regional")
    Path(instance, "sync", "node.secret").unlink()
    result = cli("sync", "export", "--instance", instance, "--out", str(tmp_path / "b.zip"))
    assert result.exit_code == 1 and "node secret is missing" in result.output
    (tmp_path / "r.zip").write_bytes(b"")
    result = cli("sync", "import-results", "--instance", instance, str(tmp_path / "r.zip"))
    assert result.exit_code == 1 and "node secret is missing" in result.output


@pytest.mark.parametrize("every", ["99999999999d", "31d"])
def test_sync_every_refuses_an_interval_longer_than_30_days(
    pair: Pair, every: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def _sleep(seconds: float) -> None:
        raise AssertionError(f"would sleep {seconds} s")

    monkeypatch.setattr(time, "sleep", _sleep)
    result = cli("sync", "run", "--instance", describe(pair.node, "regional"), "--every", every)
    assert result.exit_code == 2
    assert "at most 30 days" in result.output


def test_sync_every_on_a_central_instance_stops_at_once(
    pair: Pair, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A central instance never becomes a node: the scheduler says so and ends, instead of
    trying again every interval for ever."""

    def _sleep(seconds: float) -> None:
        raise AssertionError(f"would sleep {seconds} s")

    monkeypatch.setattr(time, "sleep", _sleep)
    central = describe(pair.central.app, "central")
    result = cli("sync", "run", "--instance", central, "--every", "15m")
    assert result.exit_code == 1
    assert "is a central instance, not a regional one" in result.output
