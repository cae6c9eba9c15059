"""`imagesmith build DIR|BUNDLE`: lint, build through the engine, optionally push."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

from imagesmith.cli.app import app
from imagesmith.cli.options import PROFILE_OPTION


def parse_build_args(items: list[str]) -> dict[str, str]:
    from imagesmith.core.errors import UsageError

    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--build-arg {item!r} is not KEY=VALUE")
        out[key] = value
    return out


@app.command()
def build(
    source: Path = typer.Argument(..., help="The build folder (holding Dockerfile) or a request bundle (.tar.gz)."),
    tag: Optional[str] = typer.Option(None, "--tag", "-t", help="Image name. Default: <registry>/<folder name>:latest."),
    network: Optional[str] = typer.Option(None, "--network", help="host or default. Default: the profile's build.network."),
    no_lint: bool = typer.Option(False, "--no-lint", help="Build even when lint finds errors."),
    push: bool = typer.Option(False, "--push", help="Push the image to the profile's registry afterwards."),
    build_arg: List[str] = typer.Option([], "--build-arg", help="KEY=VALUE, repeatable."),
    fmt: str = typer.Option("text", "--format", help="text or json (JSON lines of progress events, then a result)."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Build every step anew (no cached layers)."),
    pull: bool = typer.Option(False, "--pull", help="Pull a newer version of each base image first."),
    file: Optional[str] = typer.Option(None, "--file", "-f", help="The Dockerfile inside the folder "
                                       "(the cluster's admins build the one named Dockerfile)."),
    target: Optional[str] = typer.Option(None, "--target", help="Build only up to this stage (AS name)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress; print only the image id."),
    progress_mode: str = typer.Option("auto", "--progress", help="auto (a live block on a terminal, "
                                      "lines otherwise), plain (lines) or json (JSON events on stdout)."),
    override_review: bool = typer.Option(False, "--override-review", help="Build a bundle that "
                                         "review rejects; the build log records the override."),
    verify: bool = typer.Option(False, "--verify", help="Verify the built image (imagesmith verify), "
                                "with the smoke tests of the folder or bundle; before --push."),
    builder: Optional[str] = typer.Option(None, "--builder", help="legacy (docker-py, the classic "
                                          "builder) or buildkit (the docker client with BuildKit). "
                                          "Default: the profile's [build] builder."),
    profile: Optional[str] = PROFILE_OPTION,
) -> int:
    """Lint and build an image request locally, the way the admins will.

    The full log is saved beside the folder as <folder>.build.log.

    Example: imagesmith build ./dockertmp -t bit:5000/me/tools:1 --push
    """
    from imagesmith.core.errors import UsageError
    from imagesmith.core.profile import select_profile
    from imagesmith.progress import make_progress
    from imagesmith.services.build import BuildFailed, BuildOptions, build_folder

    if fmt not in ("text", "json"):
        raise UsageError(f"unknown --format {fmt!r}", hint="use text or json")
    if network not in (None, "host", "default"):
        raise UsageError(f"unknown --network {network!r}", hint="use host or default")
    args = parse_build_args(build_arg)
    prof = select_profile(profile, source)
    if progress_mode not in ("auto", "plain", "json"):
        raise UsageError(f"unknown --progress {progress_mode!r}", hint="use auto, plain or json")
    if progress_mode == "json":
        fmt = "json"
    progress = make_progress("plain" if progress_mode == "plain" and fmt == "text" else fmt,
                             quiet=quiet)
    if builder not in (None, "legacy", "buildkit"):
        raise UsageError(f"unknown --builder {builder!r}", hint="use legacy or buildkit")
    if builder is not None and builder != prof.build.builder:
        # lint (IS610) judges the syntax for the builder that will build it
        import dataclasses

        prof = dataclasses.replace(prof, build=dataclasses.replace(prof.build, builder=builder))
    options = BuildOptions(no_cache=no_cache, pull=pull, dockerfile=file, target=target,
                           builder=builder, override_review=override_review)
    try:
        result = build_folder(source, tag=tag, profile=prof, network=network, build_args=args,
                              lint=not no_lint, push=push and not verify, progress=progress,
                              options=options)
    except BuildFailed as exc:
        res = exc.result
        progress.finish(False, res.to_dict())
        if fmt == "text":
            for f in res.lint_findings:
                sys.stderr.write(f"{f['code']} {f['severity']} line {f['line']}: {f['message']}\n")
            sys.stderr.write(f"imagesmith: {exc.message}\n")
            if res.failure is not None:
                sys.stderr.write(f"full log: {res.log_path}\n")
        return 1
    if verify:
        code = _verify_then_push(result, source, prof, push, fmt, progress)
        if code:
            return code
    progress.finish(True, result.to_dict())
    if fmt == "text" and quiet:
        sys.stdout.write(f"{result.image_id}\n")
    elif fmt == "text":
        cached = len(set(result.cached_steps))
        note = ""
        if cached:
            cacheable = result.steps - result.from_steps
            note = (", every step from cache: nothing was rebuilt" if cached >= cacheable
                    else f", {cached} of {cacheable} steps from cache")
        sys.stdout.write(f"built {result.tag} ({(result.image_id or '')[:19]}) in "
                         f"{result.duration:.1f}s{note}; log: {result.log_path}\n")
        if result.pushed:
            sys.stdout.write(f"pushed {result.pushed} ({result.digest})\n")
    return 0


def _verify_then_push(result: object, source: Path, prof: object, push: bool, fmt: str,
                      progress: object) -> int:
    """`build --verify`: verify the image as the cluster runs it, with the smoke tests of the
    folder or bundle; push only what passed. 1 when a check failed (nothing pushed)."""
    from imagesmith.engine import engine_session
    from imagesmith.services.build import push_image
    from imagesmith.services.verify import verify_image

    with engine_session() as engine:
        report = verify_image(engine, result.tag, prof, tests_from=_tests_source(source))  # type: ignore[attr-defined]
        if fmt == "text":
            sys.stderr.write(report.render_text())
        if not report.passed:
            sys.stderr.write(f"imagesmith: {result.tag} failed verify; not pushed\n")  # type: ignore[attr-defined]
            return 1
        if push:
            push_image(engine, result, prof, progress)  # type: ignore[arg-type]
    return 0


def _tests_source(source: Path) -> Path | None:
    """The smoke tests `--verify` runs: those the bundle carries, or the folder's [[tests]]."""
    from imagesmith.core.config import find_project_config

    if source.is_file():
        return source
    found = find_project_config(source)
    return found.path if found is not None and found.data.get("tests") else None

