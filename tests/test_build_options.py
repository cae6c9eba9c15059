"""`build`'s docker-style options on the real engine: --target, -f, --no-cache, -q, and the
cached steps named in the result."""

from __future__ import annotations

import json
import subprocess
import uuid
from pathlib import Path

from tests.conftest import BUSYBOX, run_cli


def _folder(tmp_path: Path, nonce: str) -> Path:
    folder = tmp_path / "dockertmp"
    folder.mkdir()
    (folder / "Dockerfile").write_text(
        f"FROM {BUSYBOX} AS one\nRUN echo one-{nonce} > /one\nFROM one AS two\nRUN echo two > /two\n")
    (folder / "Alt.Dockerfile").write_text(f"FROM {BUSYBOX}\nRUN echo alt-{nonce} > /alt\n")
    return folder


def _files(tag: str) -> set[str]:
    out = subprocess.run(["docker", "run", "--rm", tag, "ls", "/"], capture_output=True,
                         text=True, check=True).stdout
    return set(out.split())


def test_build_options(tmp_path: Path, test_env: None) -> None:
    nonce = uuid.uuid4().hex[:12]
    folder = _folder(tmp_path, nonce)
    tag = f"imagesmith-test/options-{nonce}"
    first = run_cli("build", "--no-lint", "-t", f"{tag}:all", str(folder), "--format", "json")
    assert first.exit_code == 0, first.stderr
    result = json.loads(first.stdout.splitlines()[-1])
    assert result["cached_steps"] == [] and result["from_steps"] == 2
    again = run_cli("build", "--no-lint", "-t", f"{tag}:all", str(folder))
    assert "every step from cache: nothing was rebuilt" in again.stdout, again.stdout
    fresh = run_cli("build", "--no-lint", "--no-cache", "-t", f"{tag}:all", str(folder), "--format", "json")
    assert json.loads(fresh.stdout.splitlines()[-1])["cached_steps"] == []
    quiet = run_cli("build", "--no-lint", "-q", "--target", "one", "-t", f"{tag}:one", str(folder))
    assert quiet.exit_code == 0 and quiet.stderr == ""
    assert quiet.stdout.strip().startswith("sha256:") and len(quiet.stdout.strip().splitlines()) == 1
    assert "one" in _files(f"{tag}:one") and "two" not in _files(f"{tag}:one")
    alt = run_cli("build", "--no-lint", "-f", "Alt.Dockerfile", "-t", f"{tag}:alt", str(folder))
    assert alt.exit_code == 0, alt.stderr
    assert "alt" in _files(f"{tag}:alt")
    outside = run_cli("build", "--no-lint", "-f", "../x", str(folder))
    assert outside.exit_code == 2 and "must be inside the build folder" in outside.stderr
    subprocess.run(["docker", "rmi", f"{tag}:all", f"{tag}:one", f"{tag}:alt"], capture_output=True)
