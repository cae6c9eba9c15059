"""`imagesmith package DIR`: the request bundle for the admins."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Optional

import typer

from imagesmith.cli.app import app
from imagesmith.cli.options import PROFILE_OPTION


def _ask_on_terminal() -> Optional[Callable[[str, str], str]]:
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        return None

    def ask(field: str, prompt: str) -> str:
        return str(typer.prompt(prompt, err=True))

    return ask


@app.command()
def package(
    folder: Path = typer.Argument(..., help="The build folder (dockertmp) holding the Dockerfile."),
    out: Optional[Path] = typer.Option(
        None, "--output", "-o", help="Bundle file to write (default: <folder>-request.tar.gz beside it)."),
    meta: Optional[Path] = typer.Option(
        None, "--meta", help="TOML with the request metadata (default: the [request] table of imagesmith.toml)."),
    force: bool = typer.Option(
        False, "--force", help="Package despite lint errors; the bundle records that it was forced."),
    level: Optional[int] = typer.Option(
        None, "--level", help="gzip level 0-9 for every file (default: chosen per file)."),
    fmt: str = typer.Option("text", "--format", help="text or json (the manifest) on stdout."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress display."),
    profile: Optional[str] = PROFILE_OPTION,
) -> int:
    """Lint the folder and write a bundle: dockertmp/ with exactly the files the build
    needs, MANIFEST.json (sizes, hashes, base image, ENV, lint, compat) and REQUEST.md.

    Example: imagesmith package ./dockertmp --meta request.toml -o request.tar.gz
    """
    from imagesmith.bundle.sizes import human_bytes
    from imagesmith.core.errors import UsageError, UserInputError
    from imagesmith.core.profile import select_profile
    from imagesmith.progress import make_progress
    from imagesmith.services.package import package_folder

    if fmt not in ("text", "json"):
        raise UsageError(f"unknown --format {fmt!r}", hint="use text or json")
    if not folder.is_dir():
        raise UserInputError("not a folder", where=folder, hint="give the build folder (dockertmp)")
    prof = select_profile(profile, folder)
    result = package_folder(folder, prof, out=out, meta_file=meta, force=force,
                            ask=_ask_on_terminal(), level=level,
                            progress=make_progress("text", quiet=quiet or fmt == "json"))
    if fmt == "json":
        json.dump({"bundle": str(result.path), "size": result.size, "manifest": result.manifest},
                  sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    c = result.collected
    print(f"wrote {result.path} ({human_bytes(result.size)})")
    print(f"  carries {len(c.files)} file(s), {human_bytes(c.total_bytes)}: "
          + ", ".join(f.rel for f in c.files[:8]) + (" ..." if len(c.files) > 8 else ""))
    if c.left_out:
        shown = ", ".join(c.left_out[:8]) + (f" and {len(c.left_out) - 8} more" if len(c.left_out) > 8 else "")
        print(f"  left out {len(c.left_out)} file(s) the build does not use: {shown}")
    for rel in c.ignored:
        print(f"  not carried (matched by .dockerignore): {rel}")
    for note in c.notes:
        print(f"  note: {note}")
    if result.forced:
        print("  packaged with --force despite lint errors (recorded in MANIFEST.json)")
    return 0
