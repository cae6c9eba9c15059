"""What one probe job found on its node group, as the same `Check`s local verify reports, and the
run's report in text, JSON and JUnit."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imagesmith.verify.jobs.plan import GroupJob, RunPlan
from imagesmith.verify.model import Check, junit_cases

FRAMEWORK_NAMES = {"torch": "PyTorch", "tensorflow": "TensorFlow", "cupy": "CuPy"}
# What the engine on the node prints when the image cannot be had (docker run's own messages).
_NO_IMAGE = re.compile(r"(Unable to find image|manifest (for \S+ )?(not found|unknown)|pull access "
                       r"denied|repository does not exist|No such image|not found: manifest)", re.I)
_TIME_LIMIT = re.compile(r"DUE TO TIME LIMIT|walltime .* exceeded|JOB_EXEC_OVERLIMIT_WT|"
                         r"exhausted its time limit|killed at walltime", re.I)
RUNS = ("runs", "runs-with-caveats")


def _read(path: Path, limit: int = 200_000) -> str | None:
    try:
        with path.open("rb") as fh:
            return fh.read(limit).decode("utf-8", "replace")
    except OSError:
        return None


def _last_lines(text: str | None, n: int = 3) -> list[str]:
    lines = [ln.strip() for ln in (text or "").splitlines() if ln.strip()]
    return lines[-n:]


@dataclass
class GroupResult:
    group: str
    job_id: str | None
    queue: str
    checks: list[Check] = field(default_factory=list)
    probe: dict[str, Any] | None = None

    @property
    def status(self) -> str:
        if any(c.fails_verify for c in self.checks):
            return "failed"
        if any(c.skipped is not None or not c.passed for c in self.checks if c.severity == "error"):
            return "unknown"
        return "passed"

    def to_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return {"group": self.group, "job_id": self.job_id, "queue": self.queue,
                "status": self.status, "probe": self.probe,
                "checks": [{**asdict(c), "status": c.status} for c in self.checks]}


def _job_check(job: GroupJob, plan: RunPlan, probe: dict[str, Any] | None,
               waited: float | None) -> Check:
    run_dir = plan.run_dir
    where = f"job {job.job_id}" if job.job_id else "job"
    if job.submit_error:
        return Check("job", False, "error", f"not submitted: {job.submit_error}")
    if probe is not None:
        return Check("job", True, "error", f"{where} ran on queue {job.queue}"
                     + (f" (exit {job.exit_code})" if job.exit_code is not None else ""))
    err = _read(run_dir / f"{job.job_id}.err") if job.job_id else None
    stderr = _read(Path(job.result + ".stderr"))
    waited_text = f" after {waited:.0f} s" if waited is not None else ""
    if job.state in ("NEW", "QUEUED"):
        return Check("job", False, "error", f"{where} has not started{waited_text}: still queued "
                     f"on {job.queue}", [f"`imagesmith verify --collect {run_dir}` gathers it later; "
                     f"`imagesmith verify --cancel {run_dir}` removes it"], skipped=(
                         f"{where} has not started{waited_text}: still queued on {job.queue}"))
    if job.state == "ACTIVE":
        return Check("job", False, "error", f"{where} is still running{waited_text}", [],
                     skipped=f"{where} is still running{waited_text}; collect it later")
    if job.state == "UNKNOWN":
        return Check("job", False, "error", f"{where}: the scheduler could not be asked about it",
                     [job.message or ""], skipped=f"{where}: its state is unknown (the scheduler "
                     f"did not answer: {job.message}); `imagesmith verify --collect` asks again")
    text = "\n".join(filter(None, [job.message, err, stderr]))
    # a walltime kill may reach PSI/J as a cancel (Torque's exit 271 is any SIGTERM)
    if job.state == "CANCELED" and not _TIME_LIMIT.search(text):
        return Check("job", False, "error", f"{where} was cancelled before it wrote a result")
    if _TIME_LIMIT.search(text):
        return Check("job", False, "error", f"{where} was killed at its walltime "
                     f"({plan.walltime}) before the probe finished",
                     _last_lines(err))
    match = _NO_IMAGE.search(text)
    if match:
        found = [ln for ln in _last_lines(text, 20) if _NO_IMAGE.search(ln)]
        daemon = [ln for ln in found if "Error response from daemon" in ln]
        return Check("job", False, "error", "the image could not be started on the node: "
                     + ((daemon or found or [match.group(0)])[-1]), _last_lines(err))
    code = f" (exit {job.exit_code})" if job.exit_code is not None else ""
    return Check("job", False, "error", f"{where} ended without a result{code}",
                 _last_lines(text) or [job.message or "no output"])


def _device_checks(group: Any, probe: dict[str, Any]) -> tuple[list[Check], dict[str, Any] | None]:
    dev = probe.get("device") or {}
    if probe.get("error"):
        return [Check("device", False, "error", f"the probe could not run: {probe['error']}")], None
    if not dev.get("found"):
        return [Check("device", False, "error", dev.get("error") or "no GPU on this node",
                      [f"NVIDIA_VISIBLE_DEVICES={dev.get('visible_devices')!r}, "
                       f"CUDA_VISIBLE_DEVICES={dev.get('cuda_visible_devices')!r}"])], None
    first = (dev.get("devices") or [{}])[0]
    driver = dev.get("kernel_module_driver")
    seen = (f"{first.get('name')} (sm {first.get('capability')}), driver {driver or 'unknown'}"
            f", driver CUDA {dev.get('driver_cuda')}, {dev.get('count')} visible")
    checks = [Check("device", True, "error", seen, data={"device": dev})]
    expected_cc = group.compute_capability if group else None
    if group and first.get("capability") != expected_cc:
        checks.append(Check("node group", False, "warning",
                            f"the job ran on a {first.get('name')} (sm {first.get('capability')}) node,"
                            f" not on {group.name}'s {group.gpu} (sm {expected_cc}): the group's "
                            "queue/resources in the profile do not pin it"))
    if group and driver and driver != group.driver:
        checks.append(Check("driver", False, "warning",
                            f"the node's driver is {driver}; the profile says {group.driver} "
                            f"({group.driver_source})",
                            ["record it: run `nvidia-smi` on a node, then `imagesmith profile "
                             "detect`"]))
    elif group and driver:
        checks.append(Check("driver", True, "warning", f"{driver}, as the profile says"))
    return checks, first


def _framework_checks(probe: dict[str, Any], device: dict[str, Any] | None) -> list[Check]:
    checks = []
    for key, view in (probe.get("frameworks") or {}).items():
        label = FRAMEWORK_NAMES.get(key, key)
        name = f"{key}"
        if "version" not in view:
            checks.append(Check(name, False, "error", f"{label}'s probe failed: {view.get('error')}"))
            continue
        facts = [f"{label} {view['version']}"] + ([f"built for CUDA {view['cuda']}"]
                                                   if view.get("cuda") else [])
        if view.get("arch_list"):
            facts.append(f"arch list {' '.join(view['arch_list'])}")
        summary = ", ".join(facts)
        if device is None:
            checks.append(Check(name, False, "error", summary, [
                f"GPU available: {view.get('available')}"], skipped=f"no GPU on this node ({summary})"))
        elif not view.get("available"):
            checks.append(Check(name, False, "error", f"{summary}: sees no GPU on a node with "
                                f"{device.get('name')}", [view.get("error") or ""]))
        elif view.get("kernel") is False:
            checks.append(Check(name, False, "error", f"{summary}: a kernel failed on "
                                f"{device.get('name')}: {view.get('kernel_error')}"))
        else:
            checks.append(Check(name, True, "error", f"{summary}: a kernel ran on {device.get('name')}"))
    return checks


def _prediction_check(job: GroupJob, note: str | None, device: dict[str, Any] | None,
                      checks: list[Check]) -> Check:
    predicted = job.prediction.get("verdict")
    if not predicted:
        return Check("prediction", False, "error", "compat made no prediction", [],
                     skipped=f"no prediction to compare: {note or 'compat did not run'}")
    reasons = job.prediction.get("reasons") or []
    if device is None:
        return Check("prediction", False, "error", f"compat predicted {predicted!r}", reasons,
                     skipped=f"compat predicted {predicted!r}; not checked: no GPU on this node")
    if predicted == "unknown":
        return Check("prediction", False, "error", "compat could not predict", reasons,
                     skipped="compat's verdict was unknown; the job's result is the answer")
    ran = all(c.passed for c in checks if c.name in FRAMEWORK_NAMES)
    frameworks = [c for c in checks if c.name in FRAMEWORK_NAMES]
    if not frameworks:
        return Check("prediction", False, "error", f"compat predicted {predicted!r}", reasons,
                     skipped="no framework in the image ran a kernel, so nothing confirms it")
    agrees = ran == (predicted in RUNS)
    observed = "kernels ran" if ran else "a framework failed on the GPU"
    return Check("prediction", agrees, "error",
                 f"compat predicted {predicted!r}; on the node {observed}"
                 + ("" if agrees else ": compat's prediction was wrong for this group"), reasons)


def group_result(job: GroupJob, plan: RunPlan, profile: Any, waited: float | None) -> GroupResult:
    raw = _read(Path(job.result))
    probe: dict[str, Any] | None = None
    if raw and raw.strip():
        try:
            probe = json.loads(raw)
        except ValueError:
            probe = {"error": f"the probe wrote no JSON: {raw.strip()[:200]}"}
    result = GroupResult(job.group, job.job_id, job.queue, probe=probe)
    result.checks.append(_job_check(job, plan, probe, waited))
    device = None
    if probe is not None:
        group = profile.group(job.group) if profile is not None else None
        checks, device = _device_checks(group, probe)
        result.checks += checks
        result.checks += _framework_checks(probe, device)
        result.checks.append(_prediction_check(job, plan.prediction_note, device, result.checks))
    return result


@dataclass
class JobsReport:
    plan: RunPlan
    groups: list[GroupResult]
    submitted_only: bool = False
    cancelled: bool = False  # a `--cancel` report: it succeeded when no job is left going

    @property
    def passed(self) -> bool:
        return bool(self.groups) and all(g.status == "passed" for g in self.groups)

    def exit_code(self) -> int:
        if self.submitted_only:
            return 0 if all(not j.submit_error for j in self.plan.jobs) else 1
        if self.cancelled:
            return 0 if all(j.state not in ("NEW", "QUEUED", "ACTIVE", "UNKNOWN") or j.job_id is None
                            for j in self.plan.jobs) else 1
        return 0 if self.passed else 1

    def to_dict(self) -> dict[str, Any]:
        p = self.plan
        return {"image": p.image, "run": p.run_id, "run_dir": str(p.run_dir), "profile": p.profile,
                "scheduler": p.scheduler, "walltime": p.walltime, "passed": self.passed,
                "submitted_only": self.submitted_only,
                "groups": [g.to_dict() for g in self.groups]}

    def render_text(self) -> str:
        marks = {"passed": "PASS", "failed": "FAIL", "warning": "WARN", "skipped": "SKIP"}
        p = self.plan
        lines = [f"verify {p.image} on the cluster ({p.scheduler}, run {p.run_id})",
                 f"  run folder {p.run_dir}"]
        for g in self.groups:
            job = f"job {g.job_id}" if g.job_id else "no job"
            lines.append(f"  {g.group} ({job}, queue {g.queue}): {g.status.upper()}")
            for c in g.checks:
                lines.append(f"    {marks[c.status]}  {c.name}: {c.skipped or c.summary}")
                if c.status != "passed":
                    lines += [f"            {d}" for d in c.details if d]
        if self.submitted_only:
            lines.append(f"submitted; `imagesmith verify --collect {p.run_dir}` gathers the results")
        elif self.cancelled:
            lines.append("cancelled" if self.exit_code() == 0 else "FAILED: some jobs are still going")
        else:
            good = sum(g.status == "passed" for g in self.groups)
            unknown = sum(g.status == "unknown" for g in self.groups)
            lines.append(("passed" if self.passed else "FAILED")
                         + f": {good} of {len(self.groups)} node groups passed"
                         + (f", {unknown} unknown" if unknown else ""))
        return "\n".join(lines) + "\n"

    def to_junit(self) -> str:
        from imagesmith.report.junit import JUnitSuite, render_junit

        suites = [JUnitSuite(f"imagesmith verify {self.plan.image} on {g.group}",
                             junit_cases(g.checks, f"imagesmith.verify.{g.group}"))
                  for g in self.groups]
        return render_junit(suites)
