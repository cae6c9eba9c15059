"""`imagesmith hook`: print the bash snippet that journals a session (cluster mode)."""

from __future__ import annotations

import typer

from imagesmith.cli.app import app


@app.command()
def hook(
    journal: str | None = typer.Option(
        None, "--journal", help="Journal file as seen inside the container, in a mounted folder "
        "(e.g. /ghome/USER/journal.jsonl). Default: ./imagesmith-journal.jsonl where it is sourced."),
    no_snapshots: bool = typer.Option(False, "--no-snapshots", help="Skip the dpkg/pip/conda lists."),
) -> int:
    """Print a snippet to `source` in any bash; it journals every command for `imagesmith dockerfile`.

    Example: imagesmith hook --journal /ghome/me/journal.jsonl > /ghome/me/hook.sh
    """
    from imagesmith.record.hooktext import hook_snippet

    typer.echo(hook_snippet(journal, snapshots=not no_snapshots), nl=False)
    return 0
