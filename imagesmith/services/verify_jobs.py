"""`imagesmith verify IMAGE --on GROUP[,GROUP]`: the in-image GPU probe as one batch job per node
group, submitted, watched and cancelled through PSI/J, and collected into a report.

    plan = plan_run("bit:5000/me/tools", profile, ["G101-G125"], user="me", results=None)
    predict(plan, profile, engine)
    report = submit_and_collect(plan, profile, wait=True, timeout=3600)

Ctrl-C while jobs are queued or running cancels them (and keeps the run folder, whose run.json
says so); `collect(run_dir, ...)` attaches to the jobs of an earlier run.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from imagesmith.core.errors import UserInputError
from imagesmith.progress import NullProgress, ProgressSink
from imagesmith.verify.jobs.plan import GroupJob, RunPlan, find_runs, write_probe
from imagesmith.verify.jobs.results import JobsReport, group_result

if TYPE_CHECKING:
    from psij import Job, JobExecutor

    from imagesmith.core.profile import Profile
    from imagesmith.engine import Engine


def predict(plan: RunPlan, profile: Profile, engine: Engine | None) -> None:
    """compat's verdict per group, from the image in the local engine, kept in the run so that
    the jobs' results can be compared with it (unknown, with the reason, when it cannot be had)."""
    if engine is None:
        plan.prediction_note = "no engine on this host to read the image"
        return
    from imagesmith.compat.api import compat_for_image
    from imagesmith.core.errors import ImagesmithError

    try:
        report = compat_for_image(engine, plan.image, profile)
    except ImagesmithError as exc:
        plan.prediction_note = f"the image could not be read here: {exc.message}"
        return
    verdicts = {g.name: g for g in report.groups}
    for job in plan.jobs:
        g = verdicts.get(job.group)
        if g is not None:
            job.prediction = {"verdict": str(getattr(g.verdict, "value", g.verdict)),
                              "reasons": list(g.reasons)}


def _psij_job(job: GroupJob, plan: RunPlan) -> Job:
    from psij import Job, JobAttributes, JobSpec

    attrs = JobAttributes(queue_name=job.queue, duration=plan.duration, custom_attributes={
        "imagesmith.image": plan.image, "imagesmith.group": job.group,
        "imagesmith.resources": job.resources})
    spec = JobSpec(executable=job.argv[0], arguments=job.argv[1:], attributes=attrs,
                   directory=str(plan.run_dir), name=job.name)
    return Job(spec)


def dry_run_scripts(plan: RunPlan) -> dict[str, str]:
    """group -> the job script that would be submitted (nothing is written or submitted)."""
    from imagesmith.verify.jobs.executors import render_scripts

    return render_scripts(plan.scheduler, {job.group: _psij_job(job, plan) for job in plan.jobs},
                          plan.run_dir)


def _executor(plan: RunPlan, poll_seconds: float) -> JobExecutor:
    from imagesmith.verify.jobs.executors import executor_for

    # PSI/J's own files (its launcher scripts, unused by our templates) go to .psij; the job
    # scripts and the .out/.err/.ec files to the run folder itself
    executor = executor_for(plan.scheduler, plan.run_dir / ".psij", poll_seconds)
    executor.work_directory = plan.run_dir
    return executor


POLL_FAILURES = ("Failed to poll", "Error updating", "Failed to update job status")


def _record(job: GroupJob, pj: Job) -> None:
    status = pj.status
    job.state = status.state.name
    job.message = status.message
    job.exit_code = status.exit_code
    if job.state == "FAILED" and (status.message or "").startswith(POLL_FAILURES):
        # PSI/J gives up on jobs whose status it could not read; the job itself may be fine
        job.state = "UNKNOWN"
        job.message = " ".join(status.message.split())[:300]


def _record_all(live: list[tuple[GroupJob, Job]]) -> None:
    """What PSI/J last saw of each job, except those imagesmith itself cancelled."""
    for job, pj in live:
        if job.state != "CANCELED":
            _record(job, pj)


def _cancel(executor: JobExecutor, live: list[tuple[GroupJob, Job]], progress: ProgressSink) -> None:
    for job, pj in live:
        if pj.native_id is None or pj.status.state.final:
            continue
        try:
            executor.cancel(pj)
            job.state, job.message = "CANCELED", "cancelled by imagesmith (interrupted)"
            progress.message(f"cancelled job {pj.native_id} ({job.group})", "warning")
        except Exception as exc:  # the scheduler's refusal: say it, cancel the others
            progress.message(f"could not cancel job {pj.native_id}: {exc}", "error")


def _wait(executor: JobExecutor, plan: RunPlan, live: list[tuple[GroupJob, Job]],
          timeout: float, progress: ProgressSink, cancel_on_interrupt: bool = True) -> float:
    from datetime import timedelta

    start = time.monotonic()
    last: dict[str, str] = {}
    try:
        while True:
            pending = [(j, pj) for j, pj in live if not pj.status.state.final]
            for job, pj in live:
                state = pj.status.state.name
                if last.get(job.group) != state:
                    last[job.group] = state
                    progress.phase("job", f"{job.group}: job {pj.native_id} {state.lower()}")
            if not pending:
                break
            left = timeout - (time.monotonic() - start)
            if left <= 0:
                break
            pending[0][1].wait(timeout=timedelta(seconds=min(left, 2.0)))
    except KeyboardInterrupt:
        if cancel_on_interrupt:
            _cancel(executor, live, progress)
        _record_all(live)
        plan.save()
        raise
    _record_all(live)
    plan.save()
    return time.monotonic() - start


def submit(plan: RunPlan, profile: Profile, progress: ProgressSink) -> tuple[Any, list[Any]]:
    """Write the run folder and submit one job per group; a group the scheduler refuses gets
    its reason and the others go on."""
    from imagesmith.verify.jobs.executors import submit_command

    write_probe(plan, profile.scheduler.probe_timeout)
    executor = _executor(plan, profile.scheduler.poll_seconds)
    live: list[tuple[GroupJob, Job]] = []
    plan.submitted = time.time()
    try:
        for job in plan.jobs:
            pj = _psij_job(job, plan)
            try:
                executor.submit(pj)
            except FileNotFoundError:
                job.submit_error = (f"{submit_command(plan.scheduler)} is not on PATH: submit from "
                                    "the cluster's submit host (gwork)")
            except Exception as exc:  # PSI/J's SubmitException, or the scheduler's own failure
                job.submit_error = " ".join(str(exc).split())[:500] or "the scheduler refused it"
            if job.submit_error:
                progress.message(f"{job.group}: not submitted: {job.submit_error}", "error")
                continue
            job.job_id, job.psij_id, job.state = pj.native_id, pj.id, "QUEUED"
            progress.phase("submit", f"{job.group}: job {pj.native_id} on queue {job.queue}")
            live.append((job, pj))
    except KeyboardInterrupt:
        _cancel(executor, live, progress)
        plan.save()
        raise
    plan.save()
    return executor, live


def collect_report(plan: RunPlan, profile: Profile | None, waited: float | None,
                   submitted_only: bool = False, cancelled: bool = False) -> JobsReport:
    return JobsReport(plan, [group_result(j, plan, profile, waited) for j in plan.jobs],
                      submitted_only=submitted_only, cancelled=cancelled)


def submit_and_collect(plan: RunPlan, profile: Profile, *, wait: bool, timeout: float,
                       progress: ProgressSink | None = None) -> JobsReport:
    """Submit (after `predict`, if compat's verdicts are wanted) and, with `wait`, collect."""
    progress = progress or NullProgress()
    executor, live = submit(plan, profile, progress)
    if not wait:
        return collect_report(plan, profile, None, submitted_only=True)
    waited = _wait(executor, plan, live, timeout, progress)
    return collect_report(plan, profile, waited)


def _attach(plan: RunPlan, profile: Profile) -> tuple[Any, list[Any]]:
    from psij import Job

    executor = _executor(plan, profile.scheduler.poll_seconds)
    live = []
    for job in plan.jobs:
        if job.job_id is None or job.state in ("COMPLETED", "FAILED", "CANCELED"):  # not UNKNOWN
            continue
        pj = Job()
        executor.attach(pj, job.job_id)
        live.append((job, pj))
    return executor, live


def collect(run_dir: Path, profile: Profile, *, timeout: float,
            progress: ProgressSink | None = None) -> JobsReport:
    """Gather the results of an earlier run, waiting up to `timeout` for jobs still going."""
    progress = progress or NullProgress()
    plan = _load(run_dir)
    executor, live = _attach(plan, profile)
    # Ctrl-C here only stops waiting: these jobs belong to the run that submitted them
    waited = (_wait(executor, plan, live, timeout, progress, cancel_on_interrupt=False)
              if live else None)
    return collect_report(plan, profile, waited)


def cancel(run_dir: Path, profile: Profile, progress: ProgressSink | None = None) -> JobsReport:
    progress = progress or NullProgress()
    plan = _load(run_dir)
    executor, live = _attach(plan, profile)
    time.sleep(min(2.0, profile.scheduler.poll_seconds))  # PSI/J learns the jobs' states first
    _cancel(executor, live, progress)
    _record_all(live)
    plan.save()
    return collect_report(plan, profile, None, cancelled=True)


def _load(run_dir: Path) -> RunPlan:
    plan = RunPlan.load(run_dir)
    if plan.run_dir.resolve() != run_dir.resolve():
        # the folder was moved or is seen under another mount: trust where it is now
        plan.run_dir = run_dir
        for job in plan.jobs:
            job.result = str(run_dir / Path(job.result).name)
    return plan


def list_runs(root: Path) -> list[dict[str, Any]]:
    """Runs under the results folder, oldest first, with each group's last known state and
    whether its result is in."""
    out = []
    for plan in find_runs(root):
        out.append({
            "run": plan.run_id, "run_dir": str(plan.run_dir), "image": plan.image,
            "scheduler": plan.scheduler, "submitted": plan.submitted,
            "groups": [{"group": j.group, "job_id": j.job_id, "state": j.state,
                        "result": Path(j.result).is_file(), "submit_error": j.submit_error}
                       for j in plan.jobs]})
    return out


def resolve_run(ref: str | None, root: Path) -> Path:
    """A run folder from `--collect RUN`: a path, a run id under the results folder, or the
    newest run when none is given."""
    if ref:
        path = Path(ref)
        if (path / "run.json").is_file():
            return path
        if (root / ref / "run.json").is_file():
            return root / ref
        raise UserInputError(f"no verify run {ref!r}", where=str(root),
                             hint="`imagesmith verify --jobs` lists the runs")
    runs = find_runs(root)
    if not runs:
        raise UserInputError("no verify runs yet", where=str(root))
    return runs[-1].run_dir
