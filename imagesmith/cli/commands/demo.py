"""`imagesmith demo`: run every landed capability on the bundled example request."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from imagesmith.cli.app import app
from imagesmith.cli.options import PROFILE_OPTION


@app.command()
def demo(
    example: Optional[Path] = typer.Option(
        None, "--example", help="Build folder to use instead of the bundled guide example."
    ),
    workdir: Optional[Path] = typer.Option(
        None, "--workdir", help="Where to write the demo's outputs (default: a new temp folder)."
    ),
    engine: str = typer.Option(
        "auto", "--engine", help="auto: use the Docker engine when reachable; on; off."
    ),
    profile: Optional[str] = PROFILE_OPTION,
) -> int:
    """Walk through the researcher's and the admin's jobs on the guide's own example request.

    Example: imagesmith demo
    """
    from imagesmith.cli.demo_steps import run_demo

    return run_demo(example=example, workdir=workdir, engine_mode=engine, profile_ref=profile)
