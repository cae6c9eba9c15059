"""`imagesmith compat TARGET`: will this image run on each node group of the cluster?"""

from __future__ import annotations

import json
import sys

import typer

from imagesmith.cli.app import app
from imagesmith.cli.options import PROFILE_OPTION


@app.command()
def compat(
    target: str = typer.Argument(..., help="A Dockerfile, a build folder, or an image reference."),
    profile: str | None = PROFILE_OPTION,
    fmt: str = typer.Option("text", "--format", help="text or json."),
    gpu: str | None = typer.Option(
        None,
        "--gpu",
        help="Node groups to check: GPU names or group names, "
        "comma-separated (e.g. 1080ti,k80), or 'all' (default).",
    ),
    caveats_ok: bool = typer.Option(
        False, "--caveats-ok", help="Exit 0 also when some group only runs with caveats."
    ),
    unknown_ok: bool = typer.Option(
        False,
        "--unknown-ok",
        help="Exit 0 also when a group's verdict is unknown (a GPU fact could not be resolved).",
    ),
) -> int:
    """One verdict per node group (runs / runs-with-caveats / unknown / fails), with the
    reasons, what was assumed and a compatible alternative. `unknown` means a GPU-relevant fact
    could not be resolved; it is never counted as running. Exit 0 when every group runs, 1
    otherwise, 2 on bad input.

    Example: imagesmith compat ./dockertmp --gpu k80
    """
    from imagesmith.core.errors import UsageError
    from imagesmith.services.compat import compat_for_target

    if fmt not in ("text", "json"):
        raise UsageError(f"unknown --format {fmt!r}", hint="use text or json")
    report = compat_for_target(target, profile, gpu)
    if fmt == "json":
        json.dump(report.to_dict(), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(report.render_text())
    return report.exit_code(caveats_ok, unknown_ok)
