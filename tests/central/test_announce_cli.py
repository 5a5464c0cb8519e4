"""`sinovik central prepare-announcement`: idempotent, scriptable with --json."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from shared.cli import main
from shared.cli_support import make_app
from tests import announce_factories as af
from tests.factories import Factory


def test_prepare_announcement_builds_catalogue_and_certificates(tmp_path: Path) -> None:
    cli = CliRunner()
    instance = tmp_path / "central"
    assert cli.invoke(main, ["central", "init", "--instance", str(instance)]).exit_code == 0
    factory = Factory(make_app("central", instance))
    tenant = factory.tenant(code="33.20", name="Kabupaten Jepara")
    af.proposal(factory, tenant, title="Finalis Satu")
    af.proposal(factory, tenant, title="Juara Dua", stage_code="final", award="top")
    args = ["central", "prepare-announcement", "--instance", str(instance), "--json"]

    first = cli.invoke(main, args)
    assert first.exit_code == 0, first.output
    summary = json.loads(first.output)
    assert summary["catalogue"]["created"] == 2
    assert summary["certificates"]["issued"] == 3
    assert summary["finalists_published"] is False  # prepared ahead of the publish time

    again = json.loads(cli.invoke(main, args).output)
    assert (again["catalogue"]["created"], again["certificates"]["issued"]) == (0, 0)
    human = cli.invoke(main, args[:-1])
    assert "catalogue 0 added" in human.output and "certificates 0 issued" in human.output

    missing = cli.invoke(main, [*args[:-1], "--year", "1990"])
    assert missing.exit_code != 0 and "no competition for year 1990" in missing.output
