"""`imagesmith verify IMAGE`: check an image the way the cluster runs jobs."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from imagesmith.cli.app import app
from imagesmith.cli.options import PROFILE_OPTION


def write_output(text: str, output: Path | None) -> None:
    """To stdout, or atomically to a file (temp file + rename)."""
    if output is None:
        sys.stdout.write(text)
        return
    from imagesmith.core.atomic import write_text_atomic

    write_text_atomic(output, text, make_parents=False)


@app.command()
def verify(
    image: str = typer.Argument(..., help="Image reference in the local engine."),
    against: Optional[str] = typer.Option(None, "--against", help="Container or image the image should reproduce."),
    tests: Optional[Path] = typer.Option(None, "--tests", help="Build folder or imagesmith.toml with [[tests]] smoke tests."),
    fmt: str = typer.Option("text", "--format", help="text, json or junit."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the report to this file."),
    profile: Optional[str] = PROFILE_OPTION,
) -> int:
    """Check an image as a cluster job: version ENV claims, imports as the job uid,
    getuser/HOME/TZ, node-group compatibility, and the request's own smoke tests.

    Exit 0 when every check passed, 1 when any failed (warnings do not fail).

    Example: imagesmith verify bit:5000/me/tools --tests ./dockertmp --format junit -o verify.xml
    """
    from imagesmith.core.errors import UsageError
    from imagesmith.core.profile import select_profile
    from imagesmith.engine import engine_session
    from imagesmith.services.verify import verify_image

    if fmt not in ("text", "json", "junit"):
        raise UsageError(f"unknown --format {fmt!r}", hint="use text, json or junit")
    prof = select_profile(profile, tests or Path("."))
    with engine_session() as engine:
        report = verify_image(engine, image, prof, tests_from=tests, against=against)
    if fmt == "json":
        text = json.dumps(report.to_dict(), indent=2) + "\n"
    elif fmt == "junit":
        text = report.to_junit()
    else:
        text = report.render_text()
    write_output(text, output)
    if output is not None and fmt != "text":
        sys.stderr.write(report.render_text())
    return report.exit_code()
