"""The `sinovik` command: `central`, `regional`, `sync` groups and `demo`."""

from __future__ import annotations

import click


@click.group()
@click.version_option(package_name="sinovik")
def main() -> None:
    """SINOVIK: the public-service innovation competition (central, regional nodes, sync)."""


def _register() -> None:
    from central.cli import cli as central_cli
    from regional.cli import cli as regional_cli
    from shared.demo import demo
    from sync.cli import register as register_sync

    main.add_command(central_cli)
    main.add_command(regional_cli)
    register_sync(central_cli, regional_cli, main)
    main.add_command(demo)


_register()
