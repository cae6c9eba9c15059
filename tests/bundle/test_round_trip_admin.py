"""The whole way from researcher to admin to node, on the real engine and registry: package ->
review -> build BUNDLE --verify (the smoke test carried in the bundle) -> push -> pull -> verify."""

from __future__ import annotations

import json
import subprocess
import uuid
from pathlib import Path

from tests.conftest import run_cli


def test_package_review_build_verify_push_pull_verify(tmp_path: Path, meta_file: Path,
                                                     test_env: None) -> None:
    nonce = uuid.uuid4().hex[:10]
    folder = tmp_path / "dockertmp"
    folder.mkdir()
    (folder / "Dockerfile").write_text(
        f"FROM bit:5000/deepo_9\nENV TZ=Asia/Shanghai\nRUN echo round-{nonce} > /opt/round\n")
    (folder / "imagesmith.toml").write_text(
        f'[[tests]]\nname = "marker"\nrun = "cat /opt/round"\nexpect_stdout = "round-{nonce}"\n')
    bundle = tmp_path / "req.tar.gz"
    assert run_cli("package", str(folder), "-o", str(bundle), "--meta", str(meta_file)).exit_code == 0
    review = json.loads(run_cli("review", str(bundle), "--format", "json").stdout)
    assert [t["name"] for t in review["smoke_tests"]] == ["marker"]
    tag = f"bit:5000/imagesmith-test/round-{nonce}:1"
    built = run_cli("build", str(bundle), "-t", tag, "--verify", "--push")
    assert built.exit_code == 0, built.stderr[-3000:]
    assert "smoke: marker" in built.stderr and "pushed" in built.stdout
    subprocess.run(["docker", "rmi", tag], capture_output=True)
    assert subprocess.run(["docker", "pull", tag], capture_output=True).returncode == 0
    verified = run_cli("verify", tag, "--tests", str(bundle), "--format", "json")
    checks = {c["name"]: c["passed"] for c in json.loads(verified.stdout)["checks"]}
    assert checks["smoke: marker"] is True
    # a smoke test that fails stops the push
    (folder / "imagesmith.toml").write_text('[[tests]]\nname = "fails"\nrun = "exit 7"\n')
    bad = tmp_path / "bad.tar.gz"
    assert run_cli("package", str(folder), "-o", str(bad), "--meta", str(meta_file)).exit_code == 0
    failed = run_cli("build", str(bad), "-t", f"{tag}-bad", "--verify", "--push")
    assert failed.exit_code == 1 and "failed verify; not pushed" in failed.stderr
    subprocess.run(["docker", "rmi", tag, f"{tag}-bad"], capture_output=True)
