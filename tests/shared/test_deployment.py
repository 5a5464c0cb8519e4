"""docker-compose.yml cannot run here (no Docker engine): check what can be checked."""

import shlex
from pathlib import Path

import yaml
from click.testing import CliRunner

from shared.cli import main

ROOT = Path(__file__).resolve().parents[2]


def _sinovik_commands(command: str) -> list[list[str]]:
    return [
        shlex.split(part.strip())
        for part in command.replace("sh -c", "").strip().strip('"').split("&&")
        if part.strip()
    ]


def test_compose_services_run_real_sinovik_commands_and_keep_data_on_volumes() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "central", "regional-jepara", "regional-semarang"} <= set(services)
    named_volumes = set(compose["volumes"])
    for name, service in services.items():
        mounts = [v.split(":")[0] for v in service.get("volumes", [])]
        assert mounts and set(mounts) <= named_volumes, f"{name} keeps data outside volumes"
        if name == "postgres":
            continue
        for argv in _sinovik_commands(service["command"]):
            assert argv[0] == "sinovik", argv
            # every command exists with these options: --help parses the same path
            result = CliRunner().invoke(main, [*argv[1:3], "--help"])
            assert result.exit_code == 0, (name, argv, result.output)
            command = main
            for word in argv[1:3]:
                command = command.commands[word]  # type: ignore[attr-defined]
            known = {opt for p in command.params for opt in p.opts}
            used = {word for word in argv[3:] if word.startswith("--")}
            assert used <= known, (name, used - known)


def test_dockerfile_installs_the_package() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert "pip install" in text and "COPY shared" in text
