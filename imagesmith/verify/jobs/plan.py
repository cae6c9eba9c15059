"""A verify run on the cluster: one probe job per node group, and the run folder they share.

The run folder lives under the profile's `[scheduler] results` (`/ghome/<user>/imagesmith-jobs`
by default: the submit host, every node and every container see it). It holds `run.json` (what
was submitted, and compat's prediction per group), the probe (`gpu_probe.py`, `probe.sh`), the
job scripts, and what the jobs wrote: `<group>.json` from the probe, and the scheduler's
`<job id>.out/.err/.ec`.
"""

from __future__ import annotations

import getpass
import json
import os
import re
import secrets
import shlex
import time
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from imagesmith.core.errors import UsageError, UserInputError
from imagesmith.parse.jobscript import walltime_seconds

if TYPE_CHECKING:
    from imagesmith.core.profile import NodeGroup, Profile

RUN_FILE = "run.json"
DEFAULT_WALLTIME = "0:30:00"
PROBE_SH = """#!/bin/sh
# imagesmith verify: run the GPU probe with the image's own Python; its JSON goes to "$1"
out="$1"
py=$(command -v python || command -v python3 || command -v python2 || command -v python2.7)
if [ -z "$py" ]; then
  printf '{"probe": "gpu", "error": "no python on PATH in the image"}\\n' > "$out.tmp"
  mv "$out.tmp" "$out"
  exit 0
fi
"$py" "{run}/gpu_probe.py" {timeout} > "$out.tmp" 2> "$out.stderr"
rc=$?
mv "$out.tmp" "$out"
exit $rc
"""


def current_user() -> str:
    return os.environ.get("USER") or getpass.getuser()


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:40] or "image"


@dataclass
class GroupJob:
    group: str
    queue: str
    resources: str
    name: str
    argv: list[str]
    result: str  # the probe's JSON, written by the job
    job_id: str | None = None  # the scheduler's id, once submitted
    psij_id: str | None = None
    submit_error: str | None = None
    state: str = "NEW"  # PSI/J's state names, as last seen
    message: str | None = None
    exit_code: int | None = None
    prediction: dict[str, Any] = field(default_factory=dict)  # compat's verdict for the group


@dataclass
class RunPlan:
    run_id: str
    image: str
    profile: str
    scheduler: str
    run_dir: Path
    walltime: str
    submitted: float = 0.0
    jobs: list[GroupJob] = field(default_factory=list)
    prediction_note: str | None = None  # why compat's prediction is missing, if it is

    @property
    def duration(self) -> timedelta:
        return timedelta(seconds=walltime_seconds(self.walltime) or 0)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["run_dir"] = str(self.run_dir)
        return data

    def save(self) -> None:
        from imagesmith.core.atomic import write_text_atomic

        write_text_atomic(self.run_dir / RUN_FILE, json.dumps(self.to_dict(), indent=2) + "\n")

    @classmethod
    def load(cls, run_dir: Path) -> RunPlan:
        path = run_dir / RUN_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            jobs = [GroupJob(**j) for j in data.pop("jobs")]
            data["run_dir"] = Path(data["run_dir"])
            return cls(**data, jobs=jobs)
        except FileNotFoundError:
            raise UserInputError("no verify run there (no run.json)", where=str(run_dir)) from None
        except (ValueError, TypeError, KeyError) as exc:
            raise UserInputError(f"run.json cannot be read: {exc}", where=str(path)) from None


def results_root(profile: Profile, user: str, override: Path | None) -> Path:
    return override if override is not None else Path(profile.scheduler.results.format(user=user))


def _groups(profile: Profile, names: list[str]) -> list[NodeGroup]:
    chosen = []
    for name in names:
        group = profile.group(name)
        if group is None:
            known = ", ".join(g.name for g in profile.node_groups)
            raise UsageError(f"no node group {name!r} in profile {profile.name}",
                             hint=f"use one of {known}")
        chosen.append(group)
    return chosen


def _queue(profile: Profile, group: NodeGroup, queue: str | None) -> str:
    chosen = queue or group.queue or (group.queues[0] if group.queues else profile.jobs.default_queue)
    if profile.scheduler.kind == "pbs" and chosen not in profile.jobs.queues:
        raise UsageError(f"queue {chosen!r} is not a queue of profile {profile.name}",
                         hint=f"use one of {', '.join(profile.jobs.queues)}")
    return chosen


def _resources(profile: Profile, group: NodeGroup) -> str:
    if profile.scheduler.kind == "pbs":
        return group.resources or "nodes=1:gpus=1:S"
    try:
        words = shlex.split(group.resources or "")
    except ValueError as exc:
        raise UsageError(f"node group {group.name}: resources {group.resources!r}: {exc}") from None
    if words and not words[0].startswith("-"):
        raise UsageError(f"node group {group.name}: resources {group.resources!r} is a PBS request, "
                         "and the profile's scheduler is Slurm",
                         hint="give sbatch options, e.g. resources = \"--gres=gpu:1\"")
    return " ".join(words)


def startdocker_argv(profile: Profile, image: str, run_dir: Path, result: str) -> list[str]:
    """The guide's form: `startdocker -u "<docker args>" -c "<command line>" IMAGE`. The run
    folder is mounted explicitly (it is under the user's folder, which startdocker mounts too),
    and `--ipc=host` is what the guide asks of PyTorch jobs (FAQ l.739)."""
    sched = profile.scheduler
    docker_args = f"--ipc=host -v {run_dir}:{run_dir}" + (
        f" {sched.startdocker_args}" if sched.startdocker_args else "")
    return [sched.startdocker, "-u", docker_args, "-c", f"/bin/sh {run_dir}/probe.sh {result}", image]


# The run folder goes unquoted into the startdocker -u words (startdocker splits them on blanks)
# and into probe.sh: keep it to characters that need no quoting anywhere.
_SAFE_PATH = re.compile(r"^/[A-Za-z0-9_./+@-]*$")
_SAFE_IMAGE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_./:@+-]*$")


def plan_run(image: str, profile: Profile, groups: list[str], *, user: str, results: Path | None,
             queue: str | None = None, walltime: str | None = None) -> RunPlan:
    walltime = walltime or DEFAULT_WALLTIME
    seconds = walltime_seconds(walltime)
    if not seconds:
        raise UsageError(f"--walltime {walltime!r} is not hours:minutes:seconds",
                         hint="e.g. --walltime 0:30:00")
    if not _SAFE_IMAGE.match(image):
        raise UsageError(f"{image!r} is no image reference")
    chosen = _groups(profile, list(dict.fromkeys(groups)))
    stamp = time.strftime("%Y%m%d-%H%M%S")
    run_id = f"{stamp}-{_slug(image.rsplit('/', 1)[-1])}-{secrets.token_hex(2)}"
    run_dir = results_root(profile, user, results).absolute() / run_id
    if not _SAFE_PATH.match(str(run_dir)):
        raise UsageError(f"the results folder {str(run_dir.parent)!r} has characters a job's "
                         "startdocker line cannot carry (blanks, quotes, ;$`...)",
                         hint="use a folder of letters, digits and . _ - / (--results)")
    plan = RunPlan(run_id, image, profile.name, profile.scheduler.kind, run_dir, walltime)
    for group in chosen:
        result = str(run_dir / f"{_slug(group.name)}.json")
        plan.jobs.append(GroupJob(
            group=group.name, queue=_queue(profile, group, queue),
            resources=_resources(profile, group), name=_slug(f"is-{group.name}")[:15],
            argv=startdocker_argv(profile, image, run_dir, result), result=result))
    return plan


def write_probe(plan: RunPlan, probe_timeout: int) -> None:
    """The run folder with the probe in it; readable by the job's uid in the container."""
    try:
        plan.run_dir.mkdir(parents=True, exist_ok=False)
    except FileExistsError:
        raise UserInputError("the run folder exists already", where=str(plan.run_dir)) from None
    except OSError as exc:
        raise UserInputError(f"cannot make the run folder: {exc.strerror}",
                             where=str(plan.run_dir),
                             hint="give a shared folder the nodes see with --results") from None
    probe = (resources.files("imagesmith.verify") / "gpu_probe.py").read_text(encoding="utf-8")
    (plan.run_dir / "gpu_probe.py").write_text(probe, encoding="utf-8")
    sh = plan.run_dir / "probe.sh"
    sh.write_text(PROBE_SH.replace("{run}", str(plan.run_dir)).replace(
        "{timeout}", str(probe_timeout)), encoding="utf-8")
    sh.chmod(0o755)
    plan.save()


def find_runs(root: Path) -> list[RunPlan]:
    """The runs under a results folder, oldest first."""
    if not root.is_dir():
        return []
    runs = []
    for path in sorted(root.iterdir()):
        if (path / RUN_FILE).is_file():
            try:
                runs.append(RunPlan.load(path))
            except UserInputError:
                continue
    return runs
