"""PSI/J executors for the probe jobs: PSI/J submits, polls, cancels and reads exit codes; the
job scripts come from imagesmith's own templates, which put the startdocker line last the way
the guide's sample job does (and pass the IS7xx job-script rules).

- `slurm`: PSI/J's Slurm executor (sbatch, squeue, scancel) with `templates/slurm.mustache`.
- `pbs`: PSI/J's PBS executor (qsub, qdel) with `templates/torque.mustache`. PSI/J reads PBS
  status with `qstat -f -F json`, which OpenPBS/PBS Pro have and Torque's qstat does not, so
  status comes from Torque's XML form (`qstat -f -x`) instead.
"""

from __future__ import annotations

import shlex
from datetime import timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from imagesmith.core.errors import UserInputError

if TYPE_CHECKING:
    from psij import Job, JobExecutor, JobStatus

TEMPLATES = Path(__file__).parent / "templates"

# Torque job states (qstat(1B), Torque 6 Administrator Guide "Job states").
_TORQUE_STATES = {"C": "COMPLETED", "E": "ACTIVE", "H": "QUEUED", "Q": "QUEUED", "R": "ACTIVE",
                  "T": "QUEUED", "W": "QUEUED", "S": "ACTIVE"}
# Torque's own negative exit codes (Administrator Guide, "Job exit status"); > 256: killed by
# signal (status - 256): 271 is SIGTERM, from qdel or, on some versions, the walltime kill (the
# .err file tells which).
TORQUE_EXIT = {-1: "the job could not start on the node (JOB_EXEC_FAIL1)",
               -2: "the job could not start on the node (JOB_EXEC_FAIL2)",
               -3: "the job was to be retried (JOB_EXEC_RETRY)",
               -10: "killed: memory limit exceeded (JOB_EXEC_OVERLIMIT_MEM)",
               -11: "killed at walltime (JOB_EXEC_OVERLIMIT_WT)",
               -12: "killed: CPU time limit exceeded (JOB_EXEC_OVERLIMIT_CPUT)"}


def _context_for(job: Job, context: dict[str, object]) -> dict[str, object]:
    spec = job.spec
    assert spec is not None and spec.executable is not None
    attrs = spec.attributes.custom_attributes or {}
    command = shlex.join([str(spec.executable), *[str(a) for a in spec.arguments or []]])
    if "\n" in command:
        raise UserInputError("a job's startdocker command cannot span lines", where=job.name)
    extra = {
        "name": spec.name or "imagesmith-verify",
        "command": command,
        "image": attrs.get("imagesmith.image", ""),
        "group": attrs.get("imagesmith.group", ""),
        "resources": attrs.get("imagesmith.resources") or "",  # plan_run fills it for PBS
        "sbatch_options": shlex.split(str(attrs.get("imagesmith.resources") or "")),
    }
    # imagesmith.* attributes are ours; they are no scheduler directives
    return {**context, "imagesmith": extra, "custom_attributes": {}}


def hms(d: timedelta) -> str:
    """hours:minutes:seconds, the form qsub (IS702) and sbatch both read."""
    seconds = int(d.total_seconds())
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _psij_version() -> Any:
    from packaging.version import Version
    from psij.version import VERSION

    return Version(VERSION)


def _config(work_dir: Path, poll_seconds: float) -> Any:
    from psij.executors.batch.batch_scheduler_executor import BatchSchedulerExecutorConfig

    return BatchSchedulerExecutorConfig(
        work_directory=work_dir, queue_polling_interval=max(1, round(poll_seconds)),
        initial_queue_polling_delay=1, keep_files=True)


class _OwnScripts:
    """What both executors change in PSI/J's: imagesmith's template and context, and walltimes
    as hours:minutes:seconds. Mixed in before PSI/J's class (which is imported lazily)."""

    generator: Any

    def generate_submit_script(self, job: Job, context: dict[str, object],
                               submit_file: IO[str]) -> None:
        self.generator.generate_submit_script(job, _context_for(job, context), submit_file)

    def _format_duration(self, d: timedelta) -> str:
        return hms(d)


def _generator(config: Any, template: str) -> Any:
    from psij.executors.batch.script_generator import TemplatedScriptGenerator

    return TemplatedScriptGenerator(config, TEMPLATES / template)


def _slurm(work_dir: Path, poll_seconds: float) -> JobExecutor:
    from psij.executors.batch.slurm import SlurmJobExecutor

    class ImagesmithSlurm(_OwnScripts, SlurmJobExecutor):  # type: ignore[misc]
        _NAME_ = "slurm"  # what PSI/J's registry would set on an executor it instantiates
        _VERSION_ = _psij_version()

        def __init__(self, config: Any) -> None:
            super().__init__(config=config)
            self.generator = _generator(config, "slurm.mustache")

    return ImagesmithSlurm(_config(work_dir, poll_seconds))


def parse_torque_status(exit_code: int, out: str) -> dict[str, JobStatus]:
    """`qstat -f -x ID...` (Torque's XML) -> PSI/J statuses; jobs qstat no longer knows are left
    out (PSI/J then treats them as completed and reads their exit-code file)."""
    from xml.etree import ElementTree

    from psij import JobState, JobStatus

    statuses: dict[str, JobStatus] = {}
    start = out.find("<Data>")
    if start < 0:
        if exit_code != 0 and "Unknown Job Id" not in out:
            raise RuntimeError(f"qstat exited with {exit_code}: {out.strip()[:300]}")
        return statuses
    root = ElementTree.fromstring(out[start:out.rfind("</Data>") + len("</Data>")])
    for node in root.iter("Job"):
        job_id = (node.findtext("Job_Id") or "").strip()
        state = JobState[_TORQUE_STATES.get((node.findtext("job_state") or "Q").strip(), "QUEUED")]
        message = None
        raw_exit = node.findtext("exit_status")
        if state == JobState.COMPLETED and raw_exit not in (None, ""):
            code = int(raw_exit)
            if code != 0:
                state = JobState.FAILED
                message = TORQUE_EXIT.get(code) or (
                    "killed by SIGTERM (qdel, or the walltime)" if code == 271 else
                    f"killed by signal {code - 256}" if code > 256 else f"exit status {code}")
        statuses[job_id] = JobStatus(state, message=message)
    return statuses


def _pbs(work_dir: Path, poll_seconds: float) -> JobExecutor:
    from psij.executors.batch.pbs_base import GenericPBSJobExecutor

    class ImagesmithTorque(_OwnScripts, GenericPBSJobExecutor):  # type: ignore[misc]
        _NAME_ = "pbs"
        _VERSION_ = _psij_version()

        def __init__(self, config: Any) -> None:
            super().__init__(_generator(config, "torque.mustache"), config=config)

        def get_status_command(self, native_ids: Any) -> list[str]:
            return ["qstat", "-f", "-x", *native_ids]

        def parse_status_output(self, exit_code: int, out: str) -> dict[str, JobStatus]:
            return parse_torque_status(exit_code, out)

    return ImagesmithTorque(_config(work_dir, poll_seconds))


def require_psij() -> None:
    try:
        import psij  # noqa: F401
    except ImportError:
        raise UserInputError("verify --on needs PSI/J (psij-python), which is not installed",
                             hint="pip install 'imagesmith[jobs]'") from None


def submit_command(kind: str) -> str:
    return {"slurm": "sbatch", "pbs": "qsub"}[kind]


def executor_for(kind: str, work_dir: Path, poll_seconds: float) -> JobExecutor:
    require_psij()
    return {"slurm": _slurm, "pbs": _pbs}[kind](work_dir, poll_seconds)


def render_scripts(kind: str, jobs: dict[str, Job], work_dir: Path) -> dict[str, str]:
    """name -> the job script the executor would submit (for --dry-run), without submitting."""
    import io
    import tempfile

    with tempfile.TemporaryDirectory(prefix="imagesmith-dry-run-") as scratch:
        executor = executor_for(kind, Path(scratch), 60)  # PSI/J deploys its launcher there
        executor.work_directory = work_dir
        scripts = {}
        for name, job in jobs.items():
            out = io.StringIO()
            context = executor._create_script_context(job)  # what submit() renders with
            executor.generate_submit_script(job, context, out)
            scripts[name] = out.getvalue()
        return scripts
