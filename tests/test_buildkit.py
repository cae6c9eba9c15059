"""`build --builder buildkit` (the docker client with BuildKit) beside the legacy builder, on
the real engine: the same step progress, failed-step report by Dockerfile line, refusals as
exit 2, labels, Ctrl-C; and lint (IS610) judging syntax for the builder chosen."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import BUSYBOX, run_cli, sigint_default

LABEL = "org.imagesmith.built-by"


def _folder(tmp_path: Path, dockerfile: str) -> Path:
    folder = tmp_path / "dockertmp"
    folder.mkdir(exist_ok=True)
    (folder / "run.sh").write_text("#!/bin/sh\necho ran\n")
    (folder / "Dockerfile").write_text(dockerfile)
    return folder


def _inspect(tag: str, fmt: str) -> str:
    return subprocess.run(["docker", "image", "inspect", tag, "--format", fmt],
                          capture_output=True, text=True).stdout.strip()


def test_buildkit_builds_what_only_buildkit_has(tmp_path: Path, test_env: None) -> None:
    tag = f"imagesmith-test/bk-{uuid.uuid4().hex[:10]}:1"
    folder = _folder(tmp_path, f"FROM {BUSYBOX}\nCOPY --chmod=755 run.sh /opt/run.sh\n"
                               "RUN /opt/run.sh > /opt/out\n")
    legacy = run_cli("build", "--no-lint", "--builder", "legacy", "-t", tag, str(folder))
    assert legacy.exit_code == 1 and "requires BuildKit" in legacy.stderr
    res = run_cli("build", "--no-lint", "--builder", "buildkit", "-t", tag, str(folder))
    assert res.exit_code == 0, res.stderr
    assert "step 2/3 (line 2): COPY --chmod=755 run.sh /opt/run.sh" in res.stderr
    assert "step 3/3 (line 3): RUN /opt/run.sh > /opt/out" in res.stderr
    out = subprocess.run(["docker", "run", "--rm", tag, "sh", "-c", "stat -c %a /opt/run.sh; cat /opt/out"],
                         capture_output=True, text=True).stdout.split()
    assert out == ["755", "ran"]
    assert _inspect(tag, "{{index .Config.Labels \"%s\"}}" % LABEL).startswith("imagesmith ")
    again = run_cli("build", "--no-lint", "--builder", "buildkit", "-t", tag, str(folder))
    assert "every step from cache: nothing was rebuilt" in again.stdout, again.stdout
    subprocess.run(["docker", "rmi", tag], capture_output=True)


@pytest.mark.parametrize("builder", ["legacy", "buildkit"])
def test_a_failing_step_is_reported_by_line(builder: str, tmp_path: Path, test_env: None) -> None:
    tag = f"imagesmith-test/bkfail-{uuid.uuid4().hex[:10]}:1"
    folder = _folder(tmp_path, f"FROM {BUSYBOX}\nRUN echo before\nRUN echo failing-now && exit 3\n"
                               "RUN echo after\n")
    res = run_cli("build", "--no-lint", "--builder", builder, "-t", tag, str(folder))
    assert res.exit_code == 1
    assert "build failed at Dockerfile line 3" in res.stderr and "exit code: 3" in res.stderr
    assert "| failing-now" in res.stderr
    assert _inspect(tag, "{{.Id}}") == "", "a failed build must not be tagged"


@pytest.mark.parametrize("builder", ["legacy", "buildkit"])
def test_syntax_the_builder_refuses_is_exit_2(builder: str, tmp_path: Path, test_env: None) -> None:
    folder = _folder(tmp_path, f"FROM {BUSYBOX}\nCOPY --link run.sh /opt/\n")
    res = run_cli("build", "--no-lint", "--builder", builder, str(folder))
    assert res.exit_code == 2 and "Unknown flag: link" in res.stderr
    assert len(res.stderr.strip().splitlines()[-1:]) == 1 and "Traceback" not in res.stderr


def test_lint_judges_the_chosen_builder(tmp_path: Path, test_env: None) -> None:
    folder = _folder(tmp_path, "FROM bit:5000/deepo_9\nENV TZ=Asia/Shanghai\n"
                               "COPY --chmod=755 run.sh /opt/run.sh\n")
    legacy = run_cli("build", "--builder", "legacy", str(folder), "--format", "json")
    assert legacy.exit_code == 1 and '"IS610"' in legacy.stdout
    buildkit = run_cli("build", "--builder", "buildkit", "-t", "imagesmith-test/bk-lint:1",
                       str(folder), "--format", "json")
    assert buildkit.exit_code == 0, buildkit.stdout[-2000:]
    subprocess.run(["docker", "rmi", "imagesmith-test/bk-lint:1"], capture_output=True)


def test_ctrl_c_cancels_a_buildkit_build(tmp_path: Path, test_env: None) -> None:
    nonce = uuid.uuid4().hex[:10]
    tag = f"imagesmith-test/bkint-{nonce}:1"
    folder = _folder(tmp_path, f"FROM {BUSYBOX}\nRUN echo started-{nonce} && sleep 120\n")
    proc = subprocess.Popen([sys.executable, "-m", "imagesmith", "build", "--no-lint", "--builder",
                             "buildkit", "-t", tag, str(folder)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, preexec_fn=sigint_default)
    log = tmp_path / "dockertmp.build.log.part"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if log.exists() and f"started-{nonce}" in log.read_text(errors="replace"):
            break
        time.sleep(0.2)
    os.kill(proc.pid, signal.SIGINT)
    _, stderr = proc.communicate(timeout=90)
    assert proc.returncode == 130, stderr
    assert _inspect(tag, "{{.Id}}") == ""
    left = subprocess.run(["pgrep", "-f", f"-t {tag}"], capture_output=True, text=True).stdout
    assert left.strip() == "", "the docker client was left running"
    ps = subprocess.run(["docker", "ps", "-q", "--filter", f"ancestor={BUSYBOX}"],
                        capture_output=True, text=True).stdout
    assert not [c for c in ps.split() if nonce in subprocess.run(
        ["docker", "inspect", c, "--format", "{{.Config.Cmd}}"], capture_output=True, text=True).stdout]
