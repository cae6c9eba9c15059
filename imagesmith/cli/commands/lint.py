"""`imagesmith lint PATH...`: check Dockerfiles and build folders against the cluster rules."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer
from typer.core import TyperCommand

from imagesmith.cli.app import app
from imagesmith.cli.options import PROFILE_OPTION

FORMATS = ("text", "json", "sarif", "junit", "github")
_RAW_ARGS = "imagesmith.raw_args"


class _OrderedOptionsCommand(TyperCommand):
    """Keeps the raw argument list so `-f A -o FILE -f B` pairs FILE with A, as hadolint does."""

    def parse_args(self, ctx, args):  # type: ignore[no-untyped-def]
        ctx.meta[_RAW_ARGS] = list(args)
        return super().parse_args(ctx, args)


@app.command(cls=_OrderedOptionsCommand)
def lint(
    ctx: typer.Context,
    paths: List[str] = typer.Argument(
        None, help="Dockerfiles, job scripts (*.pbs, #PBS), build folders or trees; `-` reads stdin."
    ),
    startdocker: Optional[str] = typer.Option(
        None, "--startdocker", help='Lint one command line: --startdocker "startdocker -c ... IMAGE".'
    ),
    formats: List[str] = typer.Option(
        [],
        "--format",
        "-f",
        help="text, json, sarif, junit or github; repeatable. FMT=FILE writes that format to FILE.",
    ),
    outputs: List[Path] = typer.Option(
        [], "--output", "-o", help="Write the --format just before it to this file (repeatable)."
    ),
    select: List[str] = typer.Option(
        [], "--select", help="Only these codes or prefixes (comma-separated, repeatable)."
    ),
    ignore: List[str] = typer.Option(
        [], "--ignore", help="Drop these codes or prefixes (comma-separated, repeatable)."
    ),
    severity: List[str] = typer.Option(
        [], "--severity", help="Override a severity: CODE=LEVEL (repeatable)."
    ),
    fail_on: Optional[str] = typer.Option(
        None,
        "--fail-on",
        help="Exit 1 on findings at or above: error, warning (default), info, style; "
        "none: never (exit 0 whatever is found; 2 and 3 still mean bad input / a bug).",
    ),
    no_fail: bool = typer.Option(False, "--no-fail", help="The same as --fail-on none."),
    color: str = typer.Option(
        "auto", "--color", help="auto (a terminal, unless NO_COLOR or TERM=dumb; FORCE_COLOR "
        "forces it), always or never."),
    no_color: bool = typer.Option(False, "--no-color", help="The same as --color never."),
    no_pragmas: bool = typer.Option(
        False, "--no-pragmas", help="Ignore `# imagesmith: ignore=` comments."
    ),
    hadolint: Optional[str] = typer.Option(
        None, "--hadolint", help="Merge hadolint's DL/SC findings: auto (default), on, off."
    ),
    no_context: bool = typer.Option(
        False, "--no-context", help="Skip build-folder checks (IS1xx)."
    ),
    no_config: bool = typer.Option(
        False, "--no-config", help="Do not read [lint] from imagesmith.toml."
    ),
    profile: Optional[str] = PROFILE_OPTION,
) -> int:
    """Catch every way a request fails on the cluster before the admins build it.

    Exit 0: clean; 1: findings at or above --fail-on; 2: bad input or options.

    Example: imagesmith lint ./dockertmp job.pbs --format sarif --output lint.sarif --format text
    """
    from imagesmith.core.errors import UsageError
    from imagesmith.core.findings import Severity
    from imagesmith.core.profile import select_profile
    from imagesmith.services.lint import LintOptions, lint_paths, lint_text

    targets = _pairs(ctx.meta.get(_RAW_ARGS, []), formats, outputs)
    colour_mode = "never" if no_color else _choice(color, ("auto", "always", "never"), "--color")
    never_fail = no_fail or (fail_on or "").lower() == "none"
    _check_known_codes(_codes(select), "--select")
    _check_known_codes(_codes(ignore), "--ignore")
    try:
        options = LintOptions(
            select=_codes(select),
            ignore=_codes(ignore),
            severity={k: Severity.parse(v) for k, v in _assignments(severity).items()},
            fail_on=Severity.parse(fail_on) if fail_on and fail_on.lower() != "none" else None,
            pragmas=not no_pragmas,
            hadolint=_choice(hadolint, ("auto", "on", "off"), "--hadolint"),
            context=not no_context,
            use_config=not no_config,
            default_hadolint="auto",
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    paths = paths or []
    stdin = [p for p in paths if p == "-"]
    files = [Path(p) for p in paths if p != "-"]
    if stdin and files:
        raise UsageError("`-` (stdin) cannot be combined with paths")
    if startdocker is not None and paths:
        raise UsageError("--startdocker lints one command line; give no paths with it")
    if startdocker is None and not paths:
        raise UsageError("nothing to lint", hint="give a Dockerfile, a build folder, a job script or `-`")
    prof = select_profile(profile, files[0] if files else None)
    texts: dict[str, str] = {}
    if startdocker is not None:
        from imagesmith.services.lint import lint_startdocker_line

        texts["<startdocker>"] = startdocker
        report = lint_startdocker_line(startdocker, prof, options, Path.cwd())
    elif stdin:
        import sys

        text = sys.stdin.read()
        texts["-"] = text
        report = lint_text(text, "-", prof, options)
    else:
        report = lint_paths(files, prof, options)
    for fmt, dest in targets:
        _emit(report, fmt, dest, texts, colour_mode)
    if never_fail:
        return 3 if report.crashed else 0
    return report.exit_code()


def _check_known_codes(codes: list[str], flag: str) -> None:
    """A typo in --select would silently switch every rule off: refuse unknown codes."""
    from imagesmith.core.errors import UsageError
    from imagesmith.rules.registry import all_rules

    known = [r.code for r in all_rules()]
    for code in codes:
        if code.startswith(("DL", "SC")) or any(k.startswith(code) for k in known):
            continue
        raise UsageError(f"{flag} {code}: no rule has this code or prefix",
                         hint="`imagesmith rules` lists them; hadolint's are DL/SC codes")


def _codes(values: list[str]) -> list[str]:
    return [c.strip().upper() for v in values for c in v.split(",") if c.strip()]


def _assignments(values: list[str]) -> dict[str, str]:
    from imagesmith.core.errors import UsageError

    out = {}
    for item in values:
        code, eq, level = item.partition("=")
        if not eq or not code.strip():
            raise UsageError(f"--severity {item!r}: expected CODE=LEVEL, e.g. IS504=warning")
        out[code.strip().upper()] = level.strip()
    return out


def _choice(value: str | None, allowed: tuple[str, ...], flag: str) -> str | None:
    if value is not None and value not in allowed:
        raise ValueError(f"{flag} {value!r}: use {', '.join(allowed)}")
    return value


def _option_events(raw: list[str]) -> list[tuple[str, str]]:
    """("f"|"o", value) for every --format/--output occurrence, in command-line order."""
    names = {"-f": "f", "--format": "f", "-o": "o", "--output": "o"}
    events = []
    it = iter(raw)
    for word in it:
        if word == "--":
            break
        name, eq, value = word.partition("=")
        if name in names and name.startswith("--") and eq:
            events.append((names[name], value))
        elif word in names:
            events.append((names[word], next(it, "")))
        elif word[:2] in ("-f", "-o") and len(word) > 2 and not word.startswith("--"):
            events.append((names[word[:2]], word[2:]))
    return events


def _pairs(
    raw: list[str], formats: list[str], outputs: list[Path]
) -> list[tuple[str, Path | None]]:
    """Pair formats with outputs: `FMT=FILE` inline, else each --output with the --format
    given just before it (falling back to positions when the raw order is unknown)."""
    from imagesmith.core.errors import UsageError

    events = _option_events(raw)
    if [v for k, v in events if k == "f"] != list(formats) or len(
        [e for e in events if e[0] == "o"]
    ) != len(outputs):
        events = [("f", f) for f in formats] + [("o", str(o)) for o in outputs]
    pairs: list[list] = []
    for kind, value in events:
        if kind == "f":
            fmt, eq, file = value.partition("=")
            fmt = fmt.strip().lower()
            if fmt not in FORMATS:
                raise UsageError(f"unknown --format {fmt!r}", hint=f"use {', '.join(FORMATS)}")
            pairs.append([fmt, Path(file) if eq else None])
        else:
            if not pairs:
                pairs.append(["text", None])  # `-o FILE` alone: text into FILE
            open_pair = next((p for p in pairs if p[1] is None), None)
            if open_pair is None:
                raise UsageError(
                    "more --output than --format values", hint="give one --format per --output"
                )
            target = pairs[-1] if pairs[-1][1] is None else open_pair
            target[1] = Path(value)
    if not pairs:
        pairs.append(["text", None])
    if sum(1 for _, d in pairs if d is None) > 1:
        raise UsageError(
            "several formats would share stdout", hint="give all but one an --output FILE"
        )
    return [(fmt, dest) for fmt, dest in pairs]


def _emit(report: "LintReport", fmt: str, dest: Path | None, texts: dict[str, str],  # noqa: F821
          colour_mode: str = "auto") -> None:
    import json
    import sys

    if fmt == "text":
        from imagesmith.lint.formats.text import render_text

        colour = _colour(colour_mode, dest is None and sys.stdout.isatty())
        body = render_text(report, colour=colour, texts=texts)
    elif fmt == "json":
        body = json.dumps(report.to_json(), indent=2) + "\n"
    elif fmt == "sarif":
        from imagesmith.lint.formats.sarif import render_sarif

        body = json.dumps(render_sarif(report), indent=2) + "\n"
    elif fmt == "junit":
        from imagesmith.lint.formats.junit import render_lint_junit

        body = render_lint_junit(report)
    else:
        from imagesmith.lint.formats.github import render_github

        body = render_github(report)
    if dest is None:
        sys.stdout.write(body)
        sys.stdout.flush()
    else:
        from imagesmith.core.atomic import write_text_atomic

        write_text_atomic(dest, body, make_parents=False)


def _colour(mode: str, terminal: bool) -> bool:
    """--color, then the conventions: NO_COLOR (no-color.org) and TERM=dumb switch colour off,
    FORCE_COLOR (force-color.org) on, else a terminal gets colour."""
    import os

    if mode != "auto":
        return mode == "always"
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return terminal


