"""The `sinovik` command line: contract, clear one-line errors, secrets from stdin."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from shared.cli import main
from shared.db import db
from shared.models import Tenant, TenantKind, User
from shared.tenancy import national_scope


@pytest.fixture
def cli() -> CliRunner:
    return CliRunner()


def run(cli: CliRunner, *args: str, input: str | None = None):
    result = cli.invoke(main, list(args), input=input, catch_exceptions=False)
    return result


def _central(tmp_path: Path, cli: CliRunner) -> Path:
    instance = tmp_path / "central"
    result = run(cli, "central", "init", "--instance", str(instance))
    assert result.exit_code == 0, result.output
    return instance


def _query(kind: str, instance: Path, stmt):
    from shared.cli_support import make_app

    app = make_app(kind, instance)
    with app.app_context(), national_scope():
        return db.session.execute(stmt).all()


def test_central_init_seed_and_add_tenant(tmp_path: Path, cli: CliRunner) -> None:
    instance = _central(tmp_path, cli)
    assert (instance / "config.json").stat().st_mode & 0o077 == 0  # secret key inside
    result = run(cli, "central", "seed-regions", "--instance", str(instance))
    assert result.exit_code == 0, result.output
    assert "552 tenants created" in result.output
    again = run(cli, "central", "seed-regions", "--instance", str(instance))
    assert "0 tenants created" in again.output
    result = run(
        cli,
        "central",
        "add-tenant",
        "--instance",
        str(instance),
        "--code",
        "KL-001",
        "--name",
        "Kementerian Kesehatan",
        "--kind",
        "kementerian",
    )
    assert result.exit_code == 0, result.output
    rows = _query(
        "central", instance, sa.select(Tenant.kind, sa.func.count()).group_by(Tenant.kind)
    )
    counts = dict(rows)
    assert counts[TenantKind.PROVINSI] == 38
    assert counts[TenantKind.KABUPATEN] + counts[TenantKind.KOTA] == 514
    assert counts[TenantKind.KEMENTERIAN] == 1
    jepara = _query("central", instance, sa.select(Tenant).where(Tenant.code == "33.20"))[0][0]
    assert (jepara.name, jepara.kind, jepara.province_code) == (
        "Kabupaten Jepara",
        TenantKind.KABUPATEN,
        "33",
    )


def test_create_user_reads_password_from_stdin(tmp_path: Path, cli: CliRunner) -> None:
    instance = _central(tmp_path, cli)
    result = run(
        cli,
        "central",
        "create-user",
        "--instance",
        str(instance),
        "--username",
        "sekretariat",
        "--role",
        "secretariat",
        input="KuatSekali2027\n",
    )
    assert result.exit_code == 0, result.output
    user = _query("central", instance, sa.select(User))[0][0]
    assert user.username == "sekretariat" and user.must_change_password
    assert "KuatSekali2027" not in user.password_hash


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (
            ["create-user", "--username", "x1x", "--role", "secretariat"],
            "lemah\n",
            "Kata sandi harus memuat",
        ),
        (
            ["create-user", "--username", "adm", "--role", "local-admin", "--tenant", "99.99"],
            "KuatSekali2027\n",
            "Kode instansi 99.99 tidak dikenal",
        ),
        (
            ["add-tenant", "--code", "K1", "--name", "X", "--kind", "kota"],
            None,
            "Provinsi K1 tidak dikenal",
        ),
    ],
)
def test_bad_input_gets_one_clear_line(tmp_path, cli, args, stdin, message) -> None:
    instance = _central(tmp_path, cli)
    result = run(cli, "central", *args, "--instance", str(instance), input=stdin)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_uninitialised_instance_is_refused(tmp_path: Path, cli: CliRunner) -> None:
    result = run(cli, "central", "seed-regions", "--instance", str(tmp_path / "nothing"))
    assert result.exit_code != 0
    assert "is not an initialised instance" in result.output


def test_unreachable_database_is_one_line(tmp_path: Path, cli: CliRunner) -> None:
    result = run(
        cli,
        "central",
        "init",
        "--instance",
        str(tmp_path / "c"),
        "--database-url",
        "postgresql://nobody@127.0.0.1:1/none",
    )
    assert result.exit_code != 0
    assert "database unreachable" in result.output
    assert "Traceback" not in result.output


def test_port_taken_is_one_line(tmp_path: Path, cli: CliRunner) -> None:
    import socket

    instance = _central(tmp_path, cli)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        result = run(cli, "central", "serve", "--instance", str(instance), "--port", str(port))
    assert result.exit_code != 0
    assert f"cannot listen on 127.0.0.1:{port}" in result.output


def test_regional_init_hosts_the_tenant_and_infers_its_kind(tmp_path: Path, cli: CliRunner) -> None:
    instance = tmp_path / "jepara"
    result = run(
        cli,
        "regional",
        "init",
        "--instance",
        str(instance),
        "--tenant",
        "33.20",
        "--tenant-name",
        "Kabupaten Jepara",
    )
    assert result.exit_code == 0, result.output
    result = run(
        cli,
        "regional",
        "create-user",
        "--instance",
        str(instance),
        "--username",
        "admin.jepara",
        "--role",
        "admin",
        input="KuatSekali2027\n",
    )
    assert result.exit_code == 0, result.output
    ((tenant,),) = _query("regional", instance, sa.select(Tenant))
    assert (tenant.code, tenant.kind) == ("33.20", TenantKind.KABUPATEN)
    # a central command on a regional instance is refused
    result = run(cli, "central", "seed-regions", "--instance", str(instance))
    assert result.exit_code != 0 and "regional instance" in result.output


def test_instance_may_come_from_the_environment(
    tmp_path: Path, cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance = _central(tmp_path, cli)
    monkeypatch.setenv("SINOVIK_INSTANCE", str(instance))
    result = run(
        cli, "central", "add-tenant", "--code", "BUMN-1", "--name", "PT Contoh", "--kind", "bumn"
    )
    assert result.exit_code == 0, result.output


def test_init_upgrades_an_existing_instance_in_place(tmp_path: Path, cli: CliRunner) -> None:
    instance = _central(tmp_path, cli)
    run(
        cli,
        "central",
        "add-tenant",
        "--instance",
        str(instance),
        "--code",
        "KL-9",
        "--name",
        "Lembaga",
        "--kind",
        "lembaga",
    )
    result = run(cli, "central", "init", "--instance", str(instance))
    assert result.exit_code == 0
    assert len(_query("central", instance, sa.select(Tenant))) == 1
