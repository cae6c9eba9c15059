"""`imagesmith verify IMAGE`: check an image the way the cluster runs jobs."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer

from imagesmith.cli.app import app
from imagesmith.cli.options import PROFILE_OPTION

if TYPE_CHECKING:
    from imagesmith.core.profile import Profile
    from imagesmith.verify.jobs.results import JobsReport
    from imagesmith.verify.model import VerifyReport


def write_output(text: str, output: Path | None) -> None:
    """To stdout, or atomically to a file (temp file + rename)."""
    if output is None:
        sys.stdout.write(text)
        return
    from imagesmith.core.atomic import write_text_atomic

    write_text_atomic(output, text, make_parents=False)


@app.command()
def verify(
    image: Optional[str] = typer.Argument(None, help="Image reference (in the local engine, or on the nodes' registry with --on)."),
    against: Optional[str] = typer.Option(None, "--against", help="Container or image the image should reproduce."),
    tests: Optional[Path] = typer.Option(None, "--tests", help="Build folder or imagesmith.toml with [[tests]] smoke tests."),
    on: Optional[str] = typer.Option(None, "--on", help="Node groups (comma-separated) to run the GPU probe on as batch jobs."),
    queue: Optional[str] = typer.Option(None, "--queue", help="Queue for the jobs (default: each group's queue in the profile)."),
    walltime: Optional[str] = typer.Option(None, "--walltime", help="Walltime of each probe job, hours:minutes:seconds (default 0:30:00)."),
    wait: bool = typer.Option(True, "--wait/--no-wait", help="Wait for the jobs and report, or submit and return."),
    timeout: float = typer.Option(3600.0, "--timeout", help="Seconds to wait for the jobs before reporting what is still queued or running."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the job scripts; submit nothing."),
    jobs: bool = typer.Option(False, "--jobs", help="List earlier verify runs and their jobs."),
    collect: Optional[str] = typer.Option(None, "--collect", help="Gather the results of an earlier run (its folder or id; 'latest' for the newest)."),
    cancel: Optional[str] = typer.Option(None, "--cancel", help="Cancel the jobs of an earlier run (its folder or id)."),
    results: Optional[Path] = typer.Option(None, "--results", help="Shared folder for the runs (default: the profile's [scheduler] results, /ghome/<user>/imagesmith-jobs)."),
    fmt: str = typer.Option("text", "--format", help="text, json or junit."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the report to this file."),
    profile: Optional[str] = PROFILE_OPTION,
) -> int:
    """Check an image as a cluster job: version ENV claims, imports as the job uid,
    getuser/HOME/TZ, node-group compatibility, and the request's own smoke tests.

    With --on GROUP[,GROUP], the GPU probe runs on the nodes themselves: one batch job per node
    group (through PSI/J: Torque's qsub or Slurm's sbatch, by the profile's [scheduler]), each
    running the image through startdocker; the report says what each group's device, driver and
    frameworks did, and whether compat's prediction held. Ctrl-C cancels the jobs it submitted.

    Exit 0 when every check passed, 1 when any failed (no GPU seen on a node group fails) or is
    unknown (a job not started), 2 for bad input.

    Example: imagesmith verify bit:5000/me/tools --tests ./dockertmp --format junit -o verify.xml

    Example: imagesmith verify bit:5000/me/tools --on G101-G125,G131-G144 --walltime 0:20:00
    """
    from imagesmith.core.errors import UsageError
    from imagesmith.core.profile import select_profile

    if fmt not in ("text", "json", "junit"):
        raise UsageError(f"unknown --format {fmt!r}", hint="use text, json or junit")
    prof = select_profile(profile, tests or Path("."))
    remote = [x for x in (on, collect, cancel) if x is not None] + ([True] if jobs else [])
    if len(remote) > 1:
        raise UsageError("--on, --jobs, --collect and --cancel are separate actions", hint="give one")
    if on is None and (dry_run or not wait):
        raise UsageError("--dry-run and --no-wait go with --on")
    if remote:
        if against or tests:
            raise UsageError("--against and --tests check an image locally; they do not go with "
                             "--on, --jobs, --collect or --cancel")
        return _on_cluster(image, prof, on=on, queue=queue, walltime=walltime, wait=wait,
                           timeout=timeout, dry_run=dry_run, jobs=jobs, collect=collect,
                           cancel=cancel, results=results, fmt=fmt, output=output)
    if image is None:
        raise UsageError("verify needs an IMAGE", hint="imagesmith verify IMAGE [--on GROUP]")
    from imagesmith.engine import engine_session
    from imagesmith.services.verify import verify_image

    with engine_session() as engine:
        report = verify_image(engine, image, prof, tests_from=tests, against=against)
    _emit(report, fmt, output)
    return report.exit_code()


def _emit(report: VerifyReport | JobsReport, fmt: str, output: Path | None) -> None:
    if fmt == "json":
        text = json.dumps(report.to_dict(), indent=2) + "\n"
    elif fmt == "junit":
        text = report.to_junit()
    else:
        text = report.render_text()
    write_output(text, output)
    if output is not None and fmt != "text":
        sys.stderr.write(report.render_text())


def _on_cluster(image: str | None, prof: Profile, *, on: str | None, queue: str | None,
                walltime: str | None, wait: bool, timeout: float, dry_run: bool, jobs: bool,
                collect: str | None, cancel: str | None, results: Path | None, fmt: str,
                output: Path | None) -> int:
    from imagesmith.core.errors import UsageError
    from imagesmith.progress import make_progress
    from imagesmith.services import verify_jobs as vj
    from imagesmith.verify.jobs.plan import current_user, plan_run, results_root

    from imagesmith.verify.jobs.executors import require_psij

    if not jobs:
        require_psij()
    user = current_user()
    root = results_root(prof, user, results)
    progress = make_progress("text", quiet=fmt != "text" and output is None)
    if timeout <= 0:
        raise UsageError("--timeout must be > 0 seconds")
    if jobs:
        runs = vj.list_runs(root)
        if fmt == "json":
            write_output(json.dumps({"results": str(root), "runs": runs}, indent=2) + "\n", output)
        else:
            lines = [f"verify runs in {root}:" if runs else f"no verify runs in {root}"]
            for r in runs:
                lines.append(f"  {r['run']}  {r['image']} ({r['scheduler']})")
                for g in r["groups"]:
                    got = "result in" if g["result"] else (g["submit_error"] and "not submitted") or "no result yet"
                    lines.append(f"    {g['group']}: job {g['job_id'] or '-'} {g['state'].lower()}, {got}")
            write_output("\n".join(lines) + "\n", output)
        return 0
    if collect is not None or cancel is not None:
        run_dir = vj.resolve_run(None if (collect or cancel) == "latest" else (collect or cancel), root)
        if collect is not None:
            report = vj.collect(run_dir, prof, timeout=timeout, progress=progress)
        else:
            report = vj.cancel(run_dir, prof, progress=progress)
        _emit(report, fmt, output)
        return report.exit_code()
    if image is None:
        raise UsageError("verify --on needs an IMAGE", hint="imagesmith verify IMAGE --on GROUP")
    groups = [g.strip() for g in (on or "").split(",") if g.strip()]
    if not groups:
        raise UsageError("--on needs at least one node group",
                         hint=", ".join(g.name for g in prof.node_groups))
    plan = plan_run(image, prof, groups, user=user, results=results, queue=queue,
                    walltime=walltime)
    if dry_run:
        scripts = vj.dry_run_scripts(plan)
        if fmt == "json":
            write_output(json.dumps({"run_dir": str(plan.run_dir), "scripts": scripts}, indent=2)
                         + "\n", output)
        else:
            write_output("".join(f"# ---- {g}: {plan.scheduler} job script ----\n{s}\n"
                                 for g, s in scripts.items()), output)
        return 0
    from imagesmith.core.errors import EngineUnavailable
    from imagesmith.engine import engine_session

    try:
        with engine_session() as engine:
            vj.predict(plan, prof, engine)
    except EngineUnavailable as exc:
        # gwork has no engine of its own: the jobs still run; compat's prediction is unknown
        plan.prediction_note = f"no engine on this host to read the image ({exc.one_line()})"
    report = vj.submit_and_collect(plan, prof, wait=wait, timeout=timeout, progress=progress)
    _emit(report, fmt, output)
    return report.exit_code()
