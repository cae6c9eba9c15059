"""`imagesmith verify IMAGE --on GROUP` against a real scheduler: the test environment's Slurm
(slurmctld, slurmd, munge on localhost) through PSI/J, the startdocker test double over the real
engine. There is no GPU here, so every probe must say exactly that: "no GPU on this node"."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import IN_CI, SETUP_SCRIPT, run_cli, sigint_default

PROFILE = Path(__file__).parent / "data" / "slurm-profile.toml"
PLAIN = "imagesmith/debian:bookworm"  # Python 3.11, no frameworks
PY27 = "imagesmith/debian:bullseye-py27"
SLOW = "imagesmith/test-slow-probe"  # its python sleeps when asked to run the GPU probe
SLOW_DOCKERFILE = (
    "FROM imagesmith/debian:bookworm\n"
    "RUN printf '#!/bin/sh\\ncase \"$1\" in */gpu_probe.py) sleep 600;; esac\\n"
    "exec /usr/bin/python3 \"$@\"\\n' > /usr/local/bin/python && chmod +x /usr/local/bin/python\n"
)


def _slurm_up() -> bool:
    try:
        out = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.returncode == 0 and any(s in out.stdout for s in ("idle", "mixed", "allocated"))


@pytest.fixture(scope="module")
def slurm(test_env: None) -> None:
    if not _slurm_up() and os.geteuid() == 0:
        subprocess.run(["bash", str(SETUP_SCRIPT)], capture_output=True, text=True)
    if not _slurm_up():
        if IN_CI:
            pytest.fail("Slurm of the test environment is not up (scripts/test-env.sh)", pytrace=False)
        pytest.skip("no Slurm here; run scripts/test-env.sh as root")


def _verify(results: Path, *args: str, timeout: float = 300) -> tuple[int, dict, str]:
    res = run_cli("verify", *args, "-p", str(PROFILE), "--results", str(results), "--format",
                  "json", timeout=timeout)
    try:
        data = json.loads(res.stdout)
    except ValueError:
        pytest.fail(f"no JSON (exit {res.exit_code}): {res.stdout[-500:]} {res.stderr[-1500:]}")
    return res.exit_code, data, res.stderr


def _checks(group: dict) -> dict[str, dict]:
    return {c["name"]: c for c in group["checks"]}


def _slurm_state(job_id: str) -> str:
    out = subprocess.run(["squeue", "-h", "-t", "all", "-j", job_id, "-o", "%T"],
                         capture_output=True, text=True)
    return out.stdout.strip()


def test_submit_wait_and_collect_say_no_gpu_on_this_node(slurm: None, tmp_path: Path) -> None:
    code, report, _ = _verify(tmp_path, PLAIN, "--on", "G101-G125,G131-G144", "--timeout", "120")
    assert code == 1  # no GPU seen is no pass
    assert [g["group"] for g in report["groups"]] == ["G101-G125", "G131-G144"]
    for group in report["groups"]:
        checks = _checks(group)
        assert checks["job"]["status"] == "passed", checks["job"]
        assert checks["device"]["status"] == "failed"
        assert checks["device"]["summary"].startswith("no GPU on this node: libcuda.so.1 cannot be loaded")
        # compat predicted the group from the image here; without a GPU nothing confirms it
        assert checks["prediction"]["status"] == "skipped"
        assert "not checked: no GPU on this node" in checks["prediction"]["skipped"]
        assert group["probe"]["python"].startswith("3.11") and group["probe"]["frameworks"] == {}
        assert group["status"] == "failed" and group["job_id"]
        assert _slurm_state(group["job_id"]) == "COMPLETED"
    # the job ran the image as the submitting uid, through startdocker
    assert report["groups"][0]["probe"]["uid"] == os.getuid()

    run_dir = Path(report["run_dir"])
    assert run_dir.parent == tmp_path and (run_dir / "run.json").is_file()
    code2, again, _ = _verify(tmp_path, "--collect", str(run_dir), "--timeout", "30")
    assert code2 == 1
    assert [(g["group"], g["status"], _checks(g)["device"]["summary"]) for g in again["groups"]] == [
        (g["group"], g["status"], _checks(g)["device"]["summary"]) for g in report["groups"]]

    listed = run_cli("verify", "--jobs", "-p", str(PROFILE), "--results", str(tmp_path),
                     "--format", "json")
    runs = json.loads(listed.stdout)["runs"]
    assert [r["run_dir"] for r in runs] == [str(run_dir)]
    assert all(g["result"] and g["state"] == "COMPLETED" for g in runs[0]["groups"])


def test_junit_report_and_python27_image(slurm: None, tmp_path: Path) -> None:
    from junitparser import Failure, JUnitXml, Skipped

    out = tmp_path / "verify.xml"
    res = run_cli("verify", PY27, "--on", "G131-G144", "-p", str(PROFILE), "--results",
                  str(tmp_path / "runs"), "--format", "junit", "-o", str(out), "--timeout", "120")
    assert res.exit_code == 1, res.stderr
    assert "no GPU on this node" in res.stderr  # the text report goes to stderr with -o
    xml = JUnitXml.fromfile(str(out))
    suites = list(xml)
    assert [s.name for s in suites] == [f"imagesmith verify {PY27} on G131-G144"]
    cases = {c.name: c for c in suites[0]}
    assert not cases["job"].result
    assert isinstance(cases["device"].result[0], Failure)
    assert cases["device"].result[0].message.startswith("no GPU on this node")
    assert isinstance(cases["prediction"].result[0], Skipped)
    run = next((tmp_path / "runs").iterdir())
    probe = json.loads((run / "G131-G144.json").read_text())
    assert probe["python"].startswith("2.7")  # the probe runs on the image's own old Python


def test_no_wait_then_collect(slurm: None, tmp_path: Path) -> None:
    code, report, _ = _verify(tmp_path, PLAIN, "--on", "G101-G125", "--no-wait")
    assert code == 0 and report["submitted_only"]
    job_id = report["groups"][0]["job_id"]
    assert job_id
    code, collected, _ = _verify(tmp_path, "--collect", "latest", "--timeout", "120")
    assert code == 1
    group = collected["groups"][0]
    assert group["job_id"] == job_id
    assert _checks(group)["device"]["summary"].startswith("no GPU on this node")
    # a run folder seen under another path (moved, another mount) is read where it is now
    moved = tmp_path / "elsewhere"
    Path(collected["run_dir"]).rename(moved)
    code, again, _ = _verify(tmp_path, "--collect", str(moved), "--timeout", "10")
    assert _checks(again["groups"][0])["device"]["summary"].startswith("no GPU on this node")


def test_missing_image_is_a_per_group_result(slurm: None, tmp_path: Path) -> None:
    code, report, _ = _verify(tmp_path, "bit:5000/imagesmith-no-such-image:1", "--on", "G131-G144",
                              "--timeout", "120")
    assert code == 1
    job = _checks(report["groups"][0])["job"]
    assert job["status"] == "failed"
    assert job["summary"].startswith("the image could not be started on the node: ")
    assert "manifest" in job["summary"]


def test_queue_full_never_hangs_and_cancel_removes_the_job(slurm: None, tmp_path: Path) -> None:
    start = time.monotonic()
    code, report, _ = _verify(tmp_path, PLAIN, "--on", "G131-G144", "--queue", "full",
                              "--timeout", "4")
    assert time.monotonic() - start < 60
    assert code == 1
    group = report["groups"][0]
    assert group["status"] == "unknown"
    job = _checks(group)["job"]
    assert job["status"] == "skipped" and "has not started after" in job["skipped"]
    assert _slurm_state(group["job_id"]) == "PENDING"
    code, cancelled, _ = _verify(tmp_path, "--cancel", report["run_dir"])
    assert code == 0  # nothing of the run is left going
    assert _slurm_state(group["job_id"]) == "CANCELLED"
    assert _checks(cancelled["groups"][0])["job"]["summary"].endswith("was cancelled before it wrote a result")


def test_ctrl_c_cancels_the_jobs_it_submitted(slurm: None, tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "imagesmith", "verify", PLAIN, "--on", "G101-G125,G131-G144",
         "--queue", "full", "-p", str(PROFILE), "--results", str(tmp_path), "--timeout", "300"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=sigint_default)
    deadline = time.monotonic() + 60
    ids: list[str] = []
    while time.monotonic() < deadline and len(ids) < 2:
        time.sleep(0.5)
        for run in tmp_path.glob("*/run.json"):
            try:
                ids = [j["job_id"] for j in json.loads(run.read_text())["jobs"] if j["job_id"]]
            except ValueError:
                pass
    assert len(ids) == 2, "the jobs were not submitted"
    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert [_slurm_state(i) for i in ids] == ["CANCELLED", "CANCELLED"]
    run = json.loads(next(tmp_path.glob("*/run.json")).read_text())
    assert [j["state"] for j in run["jobs"]] == ["CANCELED", "CANCELED"]


def test_walltime_kill(slurm: None, tmp_path: Path) -> None:
    build = tmp_path / "slow"
    build.mkdir()
    (build / "Dockerfile").write_text(SLOW_DOCKERFILE)
    subprocess.run(["docker", "build", "-q", "-t", SLOW, str(build)], check=True,
                   capture_output=True)
    left: list[str] = []
    try:
        code, report, _ = _verify(tmp_path / "runs", SLOW, "--on", "G101-G125", "--walltime",
                                  "0:01:00", "--timeout", "240", timeout=400)
        # the double runs the image with --init, so the scheduler's kill ends the probe too
        for _ in range(30):
            left = subprocess.run(["docker", "ps", "-q", "--filter", f"ancestor={SLOW}"],
                                  capture_output=True, text=True).stdout.split()
            if not left:
                break
            time.sleep(1)
    finally:
        subprocess.run(f"docker ps -q --filter ancestor={SLOW} | xargs -r docker rm -f",
                       shell=True, capture_output=True)
    assert left == [], "the probe's container outlived the job"
    assert code == 1
    job = _checks(report["groups"][0])["job"]
    assert job["status"] == "failed"
    assert "was killed at its walltime (0:01:00)" in job["summary"]
    assert _slurm_state(report["groups"][0]["job_id"]) == "TIMEOUT"


def test_bad_group_and_walltime_are_input_errors(tmp_path: Path) -> None:
    res = run_cli("verify", PLAIN, "--on", "G999", "-p", str(PROFILE), "--results", str(tmp_path))
    assert res.exit_code == 2 and "no node group 'G999'" in res.stderr and "G101-G125" in res.stderr
    res = run_cli("verify", PLAIN, "--on", "G101-G125", "--walltime", "2days", "-p", str(PROFILE),
                  "--results", str(tmp_path))
    assert res.exit_code == 2 and "--walltime '2days'" in res.stderr
    assert "Traceback" not in res.stderr and not list(tmp_path.iterdir())
    res = run_cli("verify", PLAIN, "--on", "G101-G125", "-p", str(PROFILE), "--results",
                  str(tmp_path / "a b;rm -rf x"))
    assert res.exit_code == 2 and "cannot carry" in res.stderr and not list(tmp_path.iterdir())
    res = run_cli("verify", PLAIN, "--dry-run")
    assert res.exit_code == 2 and "--dry-run and --no-wait go with --on" in res.stderr


def test_without_psij_one_clear_line(tmp_path: Path) -> None:
    fake = tmp_path / "psij"
    fake.mkdir()
    (fake / "__init__.py").write_text("raise ImportError('No module named psij')\n")
    res = run_cli("verify", PLAIN, "--on", "G101-G125", "-p", str(PROFILE), "--results",
                  str(tmp_path / "runs"), env={"PYTHONPATH": str(tmp_path)})
    assert res.exit_code == 2, res.stderr
    assert "needs PSI/J (psij-python)" in res.stderr and "imagesmith[jobs]" in res.stderr
    assert "Traceback" not in res.stderr and not (tmp_path / "runs").exists()
