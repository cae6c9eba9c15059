"""imagesmith's SARIF as its real consumers read it: Microsoft's sarif-multitool `validate`
with the SARIF and GitHub (Advanced Security) rule kinds, and the official SARIF 2.1.0 schema
it ships (scripts/test-env.sh installs both)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import run_cli

TOOL = Path("/var/cache/imagesmith/sarif-multitool/node_modules/@microsoft/sarif-multitool-linux")
BINARY = TOOL / "Sarif.Multitool"
SCHEMA = TOOL / "sarif-2.1.0.json"


@pytest.fixture(scope="module")
def multitool(test_env: None) -> Path:
    assert BINARY.is_file() and SCHEMA.is_file(), "scripts/test-env.sh installs sarif-multitool"
    return BINARY


def _validate(tool: Path, sarif: Path, kind: str) -> list[str]:
    out = sarif.with_suffix(f".{kind}.log.sarif")
    proc = subprocess.run([str(tool), "validate", str(sarif), "--rule-kind", kind, "-o", str(out),
                           "--log", "ForceOverwrite"], capture_output=True, text=True, timeout=180,
                          env={**os.environ, "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT": "1"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    log = json.loads(out.read_text())
    return [f"{r['ruleId']}: {r['message'].get('text', r['message'])}" for run in log["runs"]
            for r in run.get("results", [])]


def _case(tmp_path: Path) -> Path:
    folder = tmp_path / "dockertmp"
    folder.mkdir()
    (folder / "Dockerfile").write_text(
        "FROM bit:5000/deepo_9\nRUN apt-get install curl\nRUN cd /opt && pip install tqdm\n")
    return folder / "Dockerfile"


@pytest.mark.parametrize("how", ["relative", "absolute", "stdin"])
def test_multitool_and_the_official_schema_accept_it(how: str, tmp_path: Path, multitool: Path) -> None:
    dockerfile = _case(tmp_path)
    if how == "stdin":
        res = run_cli("lint", "--format", "sarif", "--hadolint", "on", "-", cwd=tmp_path,
                      input=dockerfile.read_text())
    else:
        target = "dockertmp/Dockerfile" if how == "relative" else str(dockerfile)
        res = run_cli("lint", "--format", "sarif", "--hadolint", "on", target, cwd=tmp_path)
    assert res.exit_code == 1, res.stderr
    doc = json.loads(res.stdout)
    jsonschema.validate(doc, json.loads(SCHEMA.read_text()))
    sarif = tmp_path / "lint.sarif"
    sarif.write_text(res.stdout)
    for kind in ("Sarif", "Gh"):
        assert _validate(multitool, sarif, kind) == [], kind
    run = doc["runs"][0]
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"] for loc in r["locations"]}
    assert uris == ({"stdin"} if how == "stdin" else {"dockertmp/Dockerfile"})
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert rules["DL3008"]["name"] == "hadolint-DL3008" and "Pin versions" in rules["DL3008"]["fullDescription"]["text"]
    assert run["automationDetails"]["id"] == "imagesmith/lint/"
