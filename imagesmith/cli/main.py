"""Process entry point: runs the Typer app and turns every outcome into an exit code.

This is the only place that prints an error for an exception and the only
place that chooses an exit code for one (through `exitcodes.exit_code_for`).
"""

from __future__ import annotations

import os
import signal
import sys
import traceback
from pathlib import Path
from typing import NoReturn, Sequence

from imagesmith.cli.exitcodes import ExitCode, exit_code_for
from imagesmith.core.crashlog import write_crash_log
from imagesmith.core.errors import ImagesmithError


def _debug_requested(argv: Sequence[str]) -> bool:
    return "--debug" in argv or os.environ.get("IMAGESMITH_DEBUG", "") not in ("", "0")


def _crash_log(exc: BaseException) -> Path:
    return write_crash_log(exc, _versions())


def _versions() -> dict[str, str]:
    """What a bug report needs to reproduce a crash; the engine's only if this run connected."""
    import platform

    from imagesmith import __version__
    from imagesmith.engine.versions import runtime_versions

    return {"imagesmith": __version__,
            "Python": f"{platform.python_version()} ({sys.executable})",
            **runtime_versions()}


def describe_io_error(exc: OSError | UnicodeDecodeError) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return (f"input is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start}); "
                "save the file as UTF-8")
    where = exc.filename or "a file"
    return f"{where}: {exc.strerror or exc} (check the path and its permissions)"


def _sigterm_as_interrupt(signum: int, frame: object) -> None:
    # SIGTERM unwinds like Ctrl-C so that context managers remove containers.
    raise KeyboardInterrupt


def _err(text: str) -> None:
    sys.stderr.write(f"imagesmith: {text}\n")
    sys.stderr.flush()


def _click_exceptions():  # type: ignore[no-untyped-def]
    """Typer >= 0.20 vendors click as `typer._click`; older ones use click itself."""
    try:
        from typer._click import exceptions  # type: ignore[import-not-found]
    except ImportError:  # pragma: no cover - older typer
        from click import exceptions  # type: ignore[no-redef]
    return exceptions


def _global_host_first(args: list[str]) -> list[str]:
    """`--host`/`-H` is global; accept it after the subcommand too (`imagesmith build x -H tcp://..`)."""
    for i, arg in enumerate(args[1:], start=1):
        if arg in ("--host", "-H") and i + 1 < len(args):
            return [arg, args[i + 1], *args[:i], *args[i + 2:]]
        if arg.startswith("--host="):
            return [arg, *args[:i], *args[i + 1:]]
    return args


def run(argv: Sequence[str] | None = None) -> int:
    import typer

    from imagesmith.cli.app import load_commands

    click_exc = _click_exceptions()

    args = list(sys.argv[1:] if argv is None else argv)
    debug = _debug_requested(args)
    if "--debug" in args[1:]:
        # `--debug` is global; accept it after the subcommand too (`imagesmith lint x --debug`).
        args = ["--debug", *(a for a in args if a != "--debug")]
    args = _global_host_first(args)
    try:
        app = load_commands()
        result = app(args=args, prog_name="imagesmith", standalone_mode=False)
        code = int(result) if isinstance(result, int) else ExitCode.OK
        if code == ExitCode.INTERRUPTED:  # typer returns 130 for KeyboardInterrupt itself
            _err("interrupted")
        return code
    except typer.Exit as exc:
        # Typer turns KeyboardInterrupt into Exit(130) itself.
        if exc.exit_code == ExitCode.INTERRUPTED:
            _err("interrupted")
        return exc.exit_code
    except typer.Abort:
        _err("interrupted")
        return ExitCode.INTERRUPTED
    except click_exc.ClickException as exc:
        exc.show()
        return ExitCode.INPUT
    except KeyboardInterrupt:
        _err("interrupted")
        return ExitCode.INTERRUPTED
    except ImagesmithError as exc:
        code = exit_code_for(exc)
        if debug:
            traceback.print_exc()
        if code == ExitCode.INTERNAL:
            _err(f"internal error: {exc.one_line()} (crash log: {_crash_log(exc)})")
        else:
            _err(f"error: {exc.one_line()}")
        return code
    except BrokenPipeError:
        # Output piped into `head` and the like: not an error of ours.
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115
        return ExitCode.OK
    except (OSError, UnicodeDecodeError) as exc:
        # A path that cannot be read or written (a folder, /proc, no permission) or a file
        # that is not UTF-8 text: the user's input, not a bug.
        if debug:
            traceback.print_exc()
        _err(f"error: {describe_io_error(exc)}")
        return exit_code_for(exc)
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        if debug:
            traceback.print_exc()
        log = _crash_log(exc)
        _err(f"internal error: {type(exc).__name__}: {exc} (crash log: {log}; rerun with --debug)")
        return ExitCode.INTERNAL


def _skip_rich_unless_help(argv: Sequence[str]) -> None:
    """Typer imports rich (~60 ms) only to pretty-print help; lint runs in editors and hooks."""
    if argv and not any(a in ("-h", "--help") for a in argv) and "rich" not in sys.modules:
        sys.modules["rich"] = None  # type: ignore[assignment]  # makes `import rich` fail fast


def main(argv: Sequence[str] | None = None) -> NoReturn:
    _skip_rich_unless_help(sys.argv[1:] if argv is None else argv)
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, _sigterm_as_interrupt)
    sys.exit(run(argv))
