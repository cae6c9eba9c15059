"""`imagesmith record`: record an interactive session in a base image into a build folder."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from imagesmith.cli.app import app


@app.command()
def record(
    base_image: str = typer.Argument(..., help="The exact base image to start the session from."),
    output: Path = typer.Option(Path("dockertmp"), "--output", "-o", help="Build folder to write."),
    run_arg: list[str] = typer.Option([], "--run-arg", help="Extra `docker run` option(s) for the session "
                                      "container, e.g. --run-arg=--gpus=all (network defaults to host)."),
    verify: bool = typer.Option(False, "--verify", help="Build the folder and check it reproduces the session."),
    include_secrets: bool = typer.Option(False, "--include-secrets", help="Copy secret-looking files too."),
    keep: bool = typer.Option(False, "--keep", help="Keep the session container at the end."),
    force: bool = typer.Option(False, "--force", help="Overwrite an earlier build folder."),
    json_out: bool = typer.Option(False, "--json", help="Print the result as JSON on stdout."),
) -> int:
    """Open a shell in BASE_IMAGE, journal every command, and turn the session into a Dockerfile.

    Example: imagesmith record bit:5000/deepo_9 -o dockertmp --verify
    """
    from imagesmith.services.record import record_session

    result = record_session(base_image, output, run_args=list(run_arg), verify=verify,
                            include_secrets=include_secrets, keep=keep, force=force)
    print_result(result, json_out)
    return result.exit_code


def print_result(result: object, json_out: bool) -> None:
    from imagesmith.services.record import RecordResult, lint_output

    assert isinstance(result, RecordResult)
    plan = result.plan
    lint_errors = lint_output(result.out_dir)
    if json_out:
        doc = {"folder": str(result.out_dir), **plan.summary(), "lint_errors": lint_errors,
               "verify": result.comparison.to_dict() if result.comparison else None,
               "container": result.container}
        typer.echo(json.dumps(doc, indent=2))
        return
    typer.echo(f"wrote {result.out_dir / 'Dockerfile'}: {len(plan.kept)} command(s) kept, "
               f"{len(plan.dropped)} dropped, {len(plan.copied)} file(s) copied")
    for item in plan.dropped:
        typer.echo(f"  dropped #{item['n']}: {str(item['cmd']).splitlines()[0]}  ({item['reason']})")
    for path in plan.copied:
        typer.echo(f"  changed outside recorded commands, copied: {path}")
    for secret in plan.secrets_left_out:
        source = f", from {secret['source']}" if secret.get("source") else ""
        supply = f"; supply it {secret['supply']}" if secret.get("supply") else ""
        typer.echo(f"  secret-looking, LEFT OUT (use --include-secrets): {secret['path']} "
                   f"({secret['reason']}{source}){supply}")
    for line in plan.unseen + plan.warnings:
        typer.echo(f"  note: {line}")
    for line in lint_errors:
        typer.echo(f"  lint error: {line}")
    if result.comparison is not None:
        typer.echo(result.comparison.render_text().rstrip())
    if result.container:
        typer.echo(f"  session container kept: {result.container}")
