"""`imagesmith review BUNDLE`: the admin's safe look at a request bundle."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from imagesmith.cli.app import app
from imagesmith.cli.options import PROFILE_OPTION


@app.command()
def review(
    bundle: Path = typer.Argument(..., help="The request bundle (.tar.gz) to review."),
    fmt: str = typer.Option("text", "--format", help="text or json on stdout."),
    html: Optional[Path] = typer.Option(None, "--html", help="Also write a self-contained HTML page."),
    max_member_bytes: Optional[int] = typer.Option(
        None, "--max-member-bytes", help="Reject members larger than this (default 4 GiB)."),
    max_total_bytes: Optional[int] = typer.Option(
        None, "--max-total-bytes", help="Reject bundles holding more than this (default 16 GiB)."),
    lang: Optional[str] = typer.Option(None, "--lang", help="Language of the --html page: zh or en. "
                                       "Default: the request's (Chinese request text: zh)."),
    profile: Optional[str] = PROFILE_OPTION,
) -> int:
    """Check a bundle without trusting it, re-lint it with pragmas disabled and give a verdict.

    Exit 0: accept; 1: needs changes or reject; 2: unreadable or hostile bundle (nothing kept).

    Example: imagesmith review request.tar.gz --html review.html
    """
    import dataclasses

    from imagesmith.bundle.reader import ReadLimits
    from imagesmith.core.errors import UsageError
    from imagesmith.core.profile import select_profile
    from imagesmith.services.review import json_safe, render_html, render_text, review_bundle

    if fmt not in ("text", "json"):
        raise UsageError(f"unknown --format {fmt!r}", hint="use text or json")
    if lang not in (None, "zh", "en"):
        raise UsageError(f"unknown --lang {lang!r}", hint="use zh or en")
    limits = ReadLimits()
    if max_member_bytes is not None:
        limits = dataclasses.replace(limits, max_member_bytes=max_member_bytes)
    if max_total_bytes is not None:
        limits = dataclasses.replace(limits, max_total_bytes=max_total_bytes)
    report = review_bundle(bundle, select_profile(profile, Path.cwd()), limits, lang=lang)
    data = report.to_dict()
    if html is not None:
        render_html(data, html)
    if fmt == "json":
        json.dump(json_safe(data), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render_text(data))
    return report.exit_code
