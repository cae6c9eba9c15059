"""The Typer application object. Command modules attach themselves to it.

Keep this module and the command modules cheap to import: heavy libraries
(docker SDK, jinja2, rich renderables) are imported inside command bodies.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="imagesmith",
    help=(
        "Turn 'I installed some things in a container' into a correct, reviewable, "
        "buildable image request for the GPU cluster.\n\n"
        "Example: imagesmith lint ./dockertmp"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        import platform

        from imagesmith import __version__

        typer.echo(f"imagesmith {__version__} (Python {platform.python_version()})")
        raise typer.Exit(0)


@app.callback()
def _root(
    debug: bool = typer.Option(
        False, "--debug", help="Show tracebacks for errors (also IMAGESMITH_DEBUG=1).", is_eager=True
    ),
    version: bool = typer.Option(
        False, "--version", "-V", help="Print the version and exit.", is_eager=True,
        callback=_version,
    ),
    host: str = typer.Option(
        "", "--host", "-H", help="The engine to use: unix:///path, tcp://HOST:PORT or "
        "ssh://USER@HOST (also DOCKER_HOST). Default: the local engine's socket."),
) -> None:
    """Global options; the real work is in the subcommands."""
    if host:
        import os

        from imagesmith.core.errors import UsageError

        if not host.startswith(("unix://", "tcp://", "ssh://", "http://", "https://")):
            raise UsageError(f"--host {host!r} is not an engine address",
                             hint="use unix:///var/run/docker.sock, tcp://HOST:PORT or ssh://USER@HOST")
        # every engine call reads it: docker-py's client and the docker CLI (record, BuildKit)
        os.environ["DOCKER_HOST"] = host


def load_commands() -> typer.Typer:
    from imagesmith.cli import commands

    commands.register_all()
    return app
