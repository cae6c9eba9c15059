"""`imagesmith dockerfile`: turn a session journal into a build folder, with no engine access."""

from __future__ import annotations

from pathlib import Path

import typer

from imagesmith.cli.app import app


@app.command()
def dockerfile(
    journal: Path = typer.Argument(..., help="Journal written by the hook (or a folder / session.json)."),
    base: str | None = typer.Option(None, "--base", help="The base image the session ran in."),
    output: Path = typer.Option(Path("dockertmp"), "--output", "-o", help="Build folder to write."),
    include_secrets: bool = typer.Option(False, "--include-secrets", help="Copy secret-looking files too."),
    force: bool = typer.Option(False, "--force", help="Overwrite an earlier build folder."),
    json_out: bool = typer.Option(False, "--json", help="Print the result as JSON on stdout."),
) -> int:
    """Build DIR/Dockerfile from a journal alone (cluster mode: no exec, diff or commit needed).

    Example: imagesmith dockerfile /ghome/me/journal.jsonl --base bit:5000/deepo_9 -o dockertmp
    """
    from imagesmith.cli.commands.record import print_result
    from imagesmith.services.record import dockerfile_from_journal

    result = dockerfile_from_journal(journal, base, output, include_secrets=include_secrets, force=force)
    print_result(result, json_out)
    return result.exit_code
