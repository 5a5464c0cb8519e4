"""`sinovik central report`: counts by tenant, kind, status and stage, for people and scripts."""

from __future__ import annotations

import json

from click.testing import CliRunner

from central.reports.counts import build_report, format_table
from shared.cli import main
from shared.models import ProposalStatus, ScreeningResult


def test_report_counts(app, factory, tenant, other_tenant, in_app) -> None:
    unit = factory.unit(tenant)
    factory.proposal(
        tenant,
        unit,
        status=ProposalStatus.SUBMITTED,
        stage_code="desk_evaluation",
        screening_result=ScreeningResult.PASSED,
    )
    factory.proposal(tenant, unit, status=ProposalStatus.DRAFT)
    factory.proposal(
        other_tenant, status=ProposalStatus.SUBMITTED, screening_result=ScreeningResult.FAILED
    )
    with in_app(app):
        report = build_report()
        table = format_table(report)
    assert report["total"] == 3
    assert report["by_status"]["submitted"] == 2 and report["by_status"]["draft"] == 1
    assert report["by_kind"]["kabupaten"]["total"] == 2
    assert report["by_kind"]["kota"]["submitted"] == 1
    assert report["by_stage"] == {"desk_evaluation": 1, "none": 2}
    assert report["by_screening"] == {"failed": 1, "passed": 1}
    jepara = next(t for t in report["tenants"] if t["code"] == "33.20")
    assert jepara["total"] == 2 and jepara["by_status"]["draft"] == 1
    assert "Kabupaten Jepara" in table and "desk_evaluation" in table


def test_report_command_json_and_table(tmp_path) -> None:
    instance = str(tmp_path / "central")
    runner = CliRunner()
    assert runner.invoke(main, ["central", "init", "--instance", instance]).exit_code == 0
    result = runner.invoke(
        main,
        [
            "central",
            "add-tenant",
            "--instance",
            instance,
            "--code",
            "KL.X",
            "--name",
            "Kementerian X",
            "--kind",
            "kementerian",
        ],
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["central", "report", "--instance", instance, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["total"] == 0 and data["by_status"]["submitted"] == 0
    assert isinstance(data["competition"], int)
    result = runner.invoke(main, ["central", "report", "--instance", instance])
    assert result.exit_code == 0 and f"Competition {data['competition']}" in result.output
    result = runner.invoke(main, ["central", "screening-checks", "--instance", instance])
    assert result.exit_code == 0 and "0 checklists" in result.output
