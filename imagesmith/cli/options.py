"""Options shared by several subcommands, declared once."""

from __future__ import annotations

import typer

PROFILE_OPTION = typer.Option(
    None,
    "--profile",
    "-p",
    help="Cluster profile: a bundled or user profile name, or a TOML file. "
    "Default: $IMAGESMITH_PROFILE, then `profile =` in imagesmith.toml, then the bundled default.",
    envvar=None,
)
