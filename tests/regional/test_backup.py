"""`sinovik regional backup` / `restore`: consistent online copies, refusals that change nothing."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import sqlite3
import tarfile
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from regional.backup import MANIFEST, read_manifest
from shared.cli import main

TEMPLATE_UNITS = ("Dinas Kesehatan", "Dinas Pendidikan")


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def _init(folder: Path, code: str, name: str) -> Path:
    result = run(
        "regional", "init", "--instance", str(folder), "--tenant", code, "--tenant-name", name
    )
    assert result.exit_code == 0, result.output
    return folder


def _sql(instance: Path, query: str, *params) -> list[tuple]:
    conn = sqlite3.connect(instance / "sinovik.db", isolation_level=None)
    try:
        return conn.execute(query, params).fetchall()
    finally:
        conn.close()


def _add_unit(instance: Path, name: str) -> None:
    _sql(
        instance,
        "INSERT INTO unit (uuid, tenant_id, name, head_name, official_name, official_position, "
        "official_phone, official_email, it_name, it_phone, it_email, active, created_at, "
        "updated_at) SELECT ?, id, ?, '', '', '', '', '', '', '', '', 1, '2027-01-01', "
        "'2027-01-01' FROM tenant LIMIT 1",
        hashlib.md5(name.encode()).hexdigest(),
        name,
    )


def _units(instance: Path) -> list[str]:
    return [name for (name,) in _sql(instance, "SELECT name FROM unit ORDER BY name")]


def _add_blob(instance: Path, content: bytes) -> Path:
    sha = hashlib.sha256(content).hexdigest()
    path = instance / "blobs" / sha[:2] / sha[2:4] / sha  # the blob store's layout
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    folder = _init(tmp_path_factory.mktemp("tpl") / "jepara", "33.20", "Kabupaten Jepara")
    for name in TEMPLATE_UNITS:
        _add_unit(folder, name)
    _add_blob(folder, b"%PDF-1.4 surat keputusan inovasi")
    _add_blob(folder, b"\x89PNG foto layanan" * 1000)
    return folder


@pytest.fixture
def node(template, tmp_path) -> Path:
    return Path(shutil.copytree(template, tmp_path / "jepara"))


def _backup(instance: Path, out: Path) -> Path:
    result = run("regional", "backup", "--instance", str(instance), "--out", str(out))
    assert result.exit_code == 0, result.output
    return out


def _rewrite(archive: Path, target: Path, *, manifest=None, replace=None) -> Path:
    """A copy of ``archive`` with its manifest edited or one member's bytes replaced."""
    with tarfile.open(archive) as src, tarfile.open(target, "w") as dst:
        for member in src:
            data = src.extractfile(member).read()
            if member.name == MANIFEST and manifest:
                meta = json.loads(data)
                manifest(meta)
                data = json.dumps(meta).encode()
            elif replace and member.name.startswith(replace[0]):
                data = replace[1] + data[len(replace[1]) :]
            member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    return target


def test_backup_then_restore_brings_the_node_back(node, tmp_path) -> None:
    result = run(
        "regional", "backup", "--instance", str(node), "--out", str(tmp_path / "b.tar"), "--json"
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["tenant_codes"] == ["33.20"]
    assert summary["attachments"] == 2
    assert "Backing up" in result.stderr
    manifest = read_manifest(tmp_path / "b.tar")
    (head,) = _sql(node, "SELECT version_num FROM alembic_version")[0]
    assert manifest.alembic_revision == head
    assert manifest.counts["unit"] == 2

    # the node goes on: a new unit, a new attachment
    _add_unit(node, "Dinas Sosial")
    late_blob = _add_blob(node, b"%PDF-1.4 dokumen baru")
    lost_blob = next(p for p in (node / "blobs").rglob("*") if p.is_file() and p != late_blob)
    lost_blob.unlink()  # an attachment file lost on disk

    result = run(
        "regional", "restore", "--instance", str(node), str(tmp_path / "b.tar"), input="y\n"
    )
    assert result.exit_code == 0, result.output
    assert "Verifying the backup" in result.stderr
    assert "2 units" in result.stdout and "will be replaced" in result.stdout
    assert _units(node) == sorted(TEMPLATE_UNITS)
    files = [p for p in (node / "blobs").rglob("*") if p.is_file()]
    assert len(files) == 3 and lost_blob.exists()  # the lost one is back, the later one kept
    assert late_blob.exists()
    # what was replaced is kept
    (kept,) = (node / "replaced").glob("*/sinovik.db")
    conn = sqlite3.connect(kept)
    assert "Dinas Sosial" in {n for (n,) in conn.execute("SELECT name FROM unit")}
    conn.close()
    assert _sql(node, "PRAGMA journal_mode")[0][0] == "wal"


def test_backup_is_consistent_while_a_write_is_in_progress(node, tmp_path) -> None:
    writer = sqlite3.connect(node / "sinovik.db", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE unit SET name = 'Setengah Jalan' WHERE name = 'Dinas Kesehatan'")
    try:
        started = time.monotonic()
        _backup(node, tmp_path / "b.tar")
        assert time.monotonic() - started < 20  # the open write did not block the copy
    finally:
        writer.execute("COMMIT")
        writer.close()
    restored = _init(tmp_path / "check", "33.20", "Kabupaten Jepara")
    result = run(
        "regional", "restore", "--instance", str(restored), str(tmp_path / "b.tar"), "--yes"
    )
    assert result.exit_code == 0, result.output
    assert _units(restored) == sorted(TEMPLATE_UNITS)  # the uncommitted change is not in it


def _not_a_tar(archive: Path, tmp: Path) -> Path:
    path = tmp / "random.tar"
    path.write_bytes(b"PK\x03\x04 this is a zip file, not ours" * 50)
    return path


def _no_manifest(archive: Path, tmp: Path) -> Path:
    path = tmp / "plain.tar"
    with tarfile.open(path, "w") as tar:
        tar.add(archive, arcname="sinovik.db")
    return path


def _other_format(archive: Path, tmp: Path) -> Path:
    return _rewrite(archive, tmp / "f.tar", manifest=lambda m: m.update(format="ctfd-export"))


def _other_schema(archive: Path, tmp: Path) -> Path:
    return _rewrite(
        archive, tmp / "s.tar", manifest=lambda m: m.update(alembic_revision="ffff0000")
    )


def _central_backup(archive: Path, tmp: Path) -> Path:
    return _rewrite(archive, tmp / "c.tar", manifest=lambda m: m.update(node_kind="central"))


def _damaged_blob(archive: Path, tmp: Path) -> Path:
    return _rewrite(archive, tmp / "d.tar", replace=("blobs/", b"XXXX"))


def _damaged_db(archive: Path, tmp: Path) -> Path:
    return _rewrite(archive, tmp / "db.tar", replace=("sinovik.db", b"garbage!"))


def _cut_short(archive: Path, tmp: Path) -> Path:
    """An interrupted copy: the first half of the file."""
    path = tmp / "half.tar"
    data = archive.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (_not_a_tar, "is not a SINOVIK backup (not a backup archive)"),
        (_no_manifest, "is not a SINOVIK backup (no manifest)"),
        (_other_format, "is not a SINOVIK regional backup"),
        (_other_schema, "schema revision ffff0000 is unknown to this version"),
        (_central_backup, "backup of a central node"),
        (_damaged_blob, "does not match its checksum"),
        (_damaged_db, "sinovik.db does not match its checksum"),
        (_cut_short, "is damaged or incomplete"),
    ],
)
def test_restore_refuses_what_is_not_a_sound_backup_of_this_node(
    node, tmp_path, make, message
) -> None:
    archive = make(_backup(node, tmp_path / "b.tar"), tmp_path)
    _add_unit(node, "Dinas Sosial")
    result = run("regional", "restore", "--instance", str(node), str(archive), "--yes")
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert "Dinas Sosial" in _units(node)  # nothing changed
    assert not (node / "replaced").exists()
    assert not list(node.glob(".restore-*"))


def test_restore_refuses_another_nodes_backup(node, tmp_path) -> None:
    semarang = _init(tmp_path / "semarang", "33.74", "Kota Semarang")
    archive = _backup(semarang, tmp_path / "semarang.tar")
    result = run("regional", "restore", "--instance", str(node), str(archive), "--yes")
    assert result.exit_code == 1
    assert "the backup is of another node: it holds tenants 33.74, this node hosts 33.20" in (
        result.output
    )
    assert _units(node) == sorted(TEMPLATE_UNITS)


def test_restore_asks_first_and_no_changes_nothing(node, tmp_path) -> None:
    archive = _backup(node, tmp_path / "b.tar")
    _add_unit(node, "Dinas Sosial")
    result = run("regional", "restore", "--instance", str(node), str(archive), input="n\n")
    assert result.exit_code == 1
    assert "Replace this node's data with the backup?" in result.output
    assert "Dinas Sosial" in _units(node)
    assert not (node / "replaced").exists()


def test_backup_needs_an_initialised_regional_instance(tmp_path) -> None:
    result = run(
        "regional", "backup", "--instance", str(tmp_path / "none"), "--out", str(tmp_path / "x.tar")
    )
    assert result.exit_code == 1
    assert "is not an initialised instance" in result.output
    assert not (tmp_path / "x.tar").exists()


def test_backup_warns_of_attachments_whose_file_is_gone(node, tmp_path) -> None:
    present = next(p for p in (node / "blobs").rglob("*") if p.is_file())
    (node / "blobs" / "tmp").mkdir()
    (node / "blobs" / "tmp" / "upload-half").write_bytes(b"half an upload")
    _sql(
        node,
        "INSERT INTO proposal (uuid, tenant_id, competition_id, competition_version_id, "
        "group_code, category_code, sdgs, title, innovator, contact_name, contact_phone, "
        "contact_email, sections, video_url, truth_declared, replicates_title, status, revision, "
        "content_hash, screening_result, screening_reason, created_at, updated_at) "
        "SELECT 'p-1', t.id, c.id, v.id, 'umum', '', '[]', 'Uji', '', '', '', '', '{}', '', 0, "
        "'', 'draft', 1, '', 'pending', '', '2027-01-01', '2027-01-01' "
        "FROM tenant t, competition c JOIN competition_version v ON v.competition_id = c.id",
    )
    for sha in (present.name, "f" * 64):
        _sql(
            node,
            "INSERT INTO attachment (tenant_id, proposal_id, sha256, kind, filename, size, "
            "media_type, created_at) SELECT tenant_id, id, ?, 'decree', 'sk.pdf', 10, "
            "'application/pdf', '2027-01-01' FROM proposal",
            sha,
        )
    result = run("regional", "backup", "--instance", str(node), "--out", str(tmp_path / "b.tar"))
    assert result.exit_code == 0, result.output
    assert "warning: 1 attached file(s)" in result.stderr and "f" * 64 in result.stderr
    manifest = read_manifest(tmp_path / "b.tar")
    assert manifest.missing_files == ["f" * 64]
    assert not any("tmp" in name for name in manifest.blobs)  # uploads in progress stay out
