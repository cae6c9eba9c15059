"""Lint's JUnit XML as a real client (junitparser) reads it: a finding below the fail-on
threshold is no failure, so a lint that exits 0 reports no failed case."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

from junitparser import Failure, JUnitXml

from tests.conftest import run_cli


def _cases(path: Path) -> list[tuple[str, bool]]:
    xml = JUnitXml.fromfile(str(path))
    return [(case.name, any(isinstance(r, Failure) for r in case.result))
            for suite in xml for case in suite]


def test_infos_are_not_failures_when_lint_passes(tmp_path: Path) -> None:
    folder = tmp_path / "dockertmp"
    folder.mkdir()
    (folder / "Dockerfile").write_text("FROM bit:5000/deepo_9\n")  # only info: IS504 (no TZ)
    out = tmp_path / "lint.xml"
    res = run_cli("lint", "--format", "junit", "-o", str(out), str(folder / "Dockerfile"))
    assert res.exit_code == 0, res.stdout + res.stderr
    cases = _cases(out)
    assert cases and not any(failed for _, failed in cases), cases
    assert any(name.startswith("IS504") for name, _ in cases)
    root = ET.parse(out).getroot()
    assert root.tag == "testsuites" and "skipped" not in root.attrib and root.get("failures") == "0"


def test_failures_match_the_exit_code(tmp_path: Path) -> None:
    folder = tmp_path / "dockertmp"
    folder.mkdir()
    (folder / "Dockerfile").write_text("FROM bit:5000/deepo_9\nRUN apt-get install curl\n")
    out = tmp_path / "lint.xml"
    res = run_cli("lint", "--format", "junit", "-o", str(out), "--fail-on", "error",
                  str(folder / "Dockerfile"))
    assert res.exit_code == 1
    failed = {name.split()[0] for name, f in _cases(out) if f}
    assert "IS601" in failed and "IS504" not in failed
