"""The `sinovik` command: `central`, `regional`, `sync` groups and `demo`."""

from __future__ import annotations

import click


def _central() -> click.Command:
    from central.cli import cli as central_cli
    from sync.cli import CENTRAL_COMMANDS

    for command in CENTRAL_COMMANDS:
        central_cli.add_command(command)
    return central_cli


def _regional() -> click.Command:
    from regional.cli import cli as regional_cli
    from sync.cli import REGIONAL_COMMANDS

    for command in REGIONAL_COMMANDS:
        regional_cli.add_command(command)
    return regional_cli


def _sync() -> click.Command:
    from sync.cli import cli as sync_cli

    return sync_cli


def _demo() -> click.Command:
    from shared.demo import demo

    return demo


class _Sinovik(click.Group):
    """Imports a group's commands when it is used: `sinovik regional serve` must not load the
    central app and the HTTP client into every process of a regional node (memory)."""

    loaders = {"central": _central, "demo": _demo, "regional": _regional, "sync": _sync}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.loaders})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.loaders:
            self.add_command(self.loaders[cmd_name](), cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(cls=_Sinovik)
@click.version_option(package_name="sinovik")
def main() -> None:
    """SINOVIK: the public-service innovation competition (central, regional nodes, sync)."""
