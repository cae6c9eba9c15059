"""A remote engine (--host / DOCKER_HOST): the second dockerd that scripts/test-env.sh runs on
tcp://127.0.0.1:23750 (own data root, busybox loaded). build, push, verify, compat and record
talk to it, and not to the local engine."""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from pathlib import Path

import pytest

from tests.conftest import BUSYBOX, run_cli

REMOTE = "tcp://127.0.0.1:23750"


def _on(host: str | None, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ}
    if host:
        env["DOCKER_HOST"] = host
    else:
        env.pop("DOCKER_HOST", None)
    return subprocess.run(["docker", *args], capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture()
def remote(test_env: None) -> str:
    assert _on(REMOTE, "info").returncode == 0, "scripts/test-env.sh starts the second dockerd"
    return REMOTE


def test_build_push_verify_on_a_remote_engine(remote: str, tmp_path: Path) -> None:
    nonce = uuid.uuid4().hex[:10]
    folder = tmp_path / "dockertmp"
    folder.mkdir()
    (folder / "Dockerfile").write_text(f"FROM {BUSYBOX}\nRUN echo remote-{nonce} > /opt-marker\n")
    tag = f"bit:5000/imagesmith-test/remote-{nonce}:1"
    built = run_cli("build", "--no-lint", "-t", tag, str(folder), "--host", remote)
    assert built.exit_code == 0, built.stderr
    assert _on(remote, "image", "inspect", tag).returncode == 0
    assert _on(None, "image", "inspect", tag).returncode != 0, "built on the local engine"
    pushed = run_cli("build", "--no-lint", "-t", tag, str(folder), "--push", "-H", remote)
    assert pushed.exit_code == 0 and "pushed" in pushed.stdout, pushed.stderr
    # the registry holds it: the local engine can pull it from there
    assert _on(None, "pull", tag).returncode == 0
    _on(None, "rmi", tag)
    verified = run_cli("--host", remote, "verify", tag, "--format", "json")
    assert verified.exit_code in (0, 1), verified.stderr
    assert json.loads(verified.stdout)["image"] == tag
    gone = run_cli("verify", tag, "--format", "json")  # the local engine never had it
    assert gone.exit_code == 2 and ("no such image" in gone.stderr.lower()
                                    or "not found" in gone.stderr.lower()), gone.stderr
    buildkit = run_cli("build", "--no-lint", "--builder", "buildkit", "-t", f"{tag}-bk", str(folder),
                       "-H", remote)
    assert buildkit.exit_code == 0, buildkit.stderr
    assert _on(remote, "image", "inspect", f"{tag}-bk").returncode == 0
    _on(remote, "rmi", tag, f"{tag}-bk")


def test_a_remote_engine_that_is_not_there(tmp_path: Path) -> None:
    res = run_cli("compat", BUSYBOX, "--host", "tcp://127.0.0.1:1")
    assert res.exit_code == 2 and "not reachable at tcp://127.0.0.1:1" in res.stderr
    bad = run_cli("compat", BUSYBOX, "--host", "ftp://x")
    assert bad.exit_code == 2 and "is not an engine address" in bad.stderr
