"""imagesmith beside the newest releases of what it depends on (typer, click, docker, jinja2,
packaging, bashlex), installed from PyPI into a fresh venv: the CLI starts, lints, explains and
reports errors as it does with the suite's own versions. A neighbour's upgrade must not break it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NEWEST = ["typer", "click", "docker", "jinja2", "packaging", "bashlex"]


def _pip(venv: Path, *args: str) -> None:
    proc = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "-q", *args],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]


def test_cli_with_the_newest_dependencies(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    _pip(venv, "install", str(REPO))
    _pip(venv, "install", "--upgrade", *NEWEST)
    cli = str(venv / "bin" / "imagesmith")
    versions = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "list", "--format", "json"],
                              capture_output=True, text=True, check=True).stdout
    installed = {p["name"].lower(): p["version"] for p in json.loads(versions)}
    print("newest:", {n: installed.get(n) for n in NEWEST})
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM bit:5000/deepo_9\nRUN apt-get install curl\n")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([cli, *args], capture_output=True, text=True, timeout=120)

    assert run("--help").returncode == 0
    assert run("--version").stdout.startswith("imagesmith ")
    lint = run("lint", "--hadolint", "off", "--format", "json", str(dockerfile))
    assert lint.returncode == 1, lint.stderr
    assert "IS601" in {f["code"] for r in json.loads(lint.stdout)["results"] for f in r["findings"]}
    assert run("explain", "IS601").returncode == 0
    bad = run("lint", "--bogus-option", str(dockerfile))
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    missing = run("lint", str(tmp_path / "nope"))
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
