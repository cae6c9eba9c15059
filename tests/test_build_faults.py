"""Build faults leave nothing behind: Ctrl-C mid-build and a build log that cannot be written
(a full disk) remove the build's containers, step images and tag (real engine, real signals,
real ENOSPC from /dev/full and a small tmpfs)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import BUSYBOX, run_cli, sigint_default

pytestmark = pytest.mark.engine


def _leftovers(engine: Any, nonce: str, since: float) -> tuple[list[str], list[str]]:
    """Containers and images (since `since`) whose step command holds `nonce`."""
    containers = [c["Id"] for c in engine.api.containers(all=True)
                  if nonce in (c.get("Command") or "")]
    images = []
    for image in engine.api.images(all=True):
        if image.get("Created", 0) < int(since) - 1:
            continue
        info = engine.api.inspect_image(image["Id"])
        cmd = " ".join((info.get("ContainerConfig") or {}).get("Cmd") or [])
        if nonce in cmd or any(nonce in t for t in image.get("RepoTags") or []):
            images.append(image["Id"])
    return containers, images


def _folder(root: Path, nonce: str, last_step: str) -> Path:
    folder = root / "dockertmp"
    folder.mkdir(parents=True)
    (folder / "Dockerfile").write_text(
        f"FROM {BUSYBOX}\nRUN echo {nonce} > /one\nRUN echo {nonce} >> /one\n"
        f"RUN {last_step} # {nonce}\nLABEL nonce={nonce}\n", encoding="utf-8")
    return folder


def test_ctrl_c_after_finished_run_steps_leaves_no_image_or_container(
        engine: Any, tmp_path: Path) -> None:
    nonce = uuid.uuid4().hex
    folder = _folder(tmp_path, nonce, "echo started-last && sleep 120")
    tag = f"imagesmith-test/faults-{nonce[:12]}:1"
    since = time.time()
    proc = subprocess.Popen([sys.executable, "-m", "imagesmith", "build", "--no-lint", "-t", tag,
                             str(folder)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, preexec_fn=sigint_default)
    part = tmp_path / "dockertmp.build.log.part"
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        if part.exists() and "started-last" in part.read_text(errors="replace"):
            break
        time.sleep(0.1)
    running = proc.poll() is None
    # two RUN steps have committed their images; the third runs
    mid = _leftovers(engine, nonce, since)
    os.kill(proc.pid, signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=90)
    assert running, f"the build ended before the last step: {stdout} {stderr}"
    assert len(mid[1]) >= 2, mid
    assert proc.returncode == 130, f"rc={proc.returncode} {stdout} {stderr}"
    assert "Traceback" not in stderr
    assert _leftovers(engine, nonce, since) == ([], [])
    assert not engine.image_exists(tag)
    log = (tmp_path / "dockertmp.build.log").read_text()
    assert "INTERRUPTED" in log and not part.exists()


def test_log_on_a_full_device_fails_the_build_cleanly(engine: Any, tmp_path: Path) -> None:
    nonce = uuid.uuid4().hex
    folder = _folder(tmp_path, nonce, "true")
    part = tmp_path / "dockertmp.build.log.part"
    part.symlink_to("/dev/full")  # every write there fails with ENOSPC
    since = time.time()
    tag = f"imagesmith-test/faults-{nonce[:12]}:1"
    res = run_cli("build", "--no-lint", "-t", tag, str(folder), timeout=300)
    assert res.exit_code == 2, res
    assert "Traceback" not in res.stderr
    line = [x for x in res.stderr.splitlines() if "No space left on device" in x]
    assert line and str(part) in line[0], res.stderr
    assert not engine.image_exists(tag)
    assert _leftovers(engine, nonce, since) == ([], [])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dockertmp"]


@pytest.fixture()
def small_disk(tmp_path: Path) -> Any:
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(disk)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def test_disk_filling_up_mid_step_fails_the_build_cleanly(
        engine: Any, small_disk: Path) -> None:
    nonce = uuid.uuid4().hex
    # the first steps fit; the last one's output fills the 256 KiB disk the log is on
    folder = _folder(small_disk, nonce, "yes 0123456789abcdef0123456789abcdef | head -c 2000000")
    since = time.time()
    tag = f"imagesmith-test/faults-{nonce[:12]}:1"
    res = run_cli("build", "--no-lint", "-t", tag, str(folder), timeout=300)
    assert res.exit_code == 2, res
    assert "No space left on device" in res.stderr and "dockertmp.build.log.part" in res.stderr
    assert "Traceback" not in res.stderr
    assert not engine.image_exists(tag)
    assert _leftovers(engine, nonce, since) == ([], [])
    assert sorted(p.name for p in small_disk.iterdir()) == ["dockertmp"]
