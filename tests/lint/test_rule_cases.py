"""Every rule against its failing and passing cases in tests/lint/cases/IS###.toml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from imagesmith.core.profile import load_profile
from imagesmith.rules.registry import all_rules
from imagesmith.services.lint import LintOptions, lint_paths, lint_text
from tests.lint.helpers import CASES_DIR, load_cases, write_files

PROFILE = load_profile("default")
CASES = load_cases()


@pytest.mark.parametrize(("code", "case"), CASES, ids=[f"{c}-{k['name']}" for c, k in CASES])
def test_rule_case(code: str, case: dict[str, Any], tmp_path: Path) -> None:
    options = LintOptions(select=[code], hadolint="off", use_config=False)
    text = case["dockerfile"]
    if case.get("context") or case.get("files"):
        folder = tmp_path / "dockertmp"
        folder.mkdir()
        (folder / case.get("dockerfile_name", "Dockerfile")).write_text(text, encoding="utf-8")
        write_files(folder, case.get("files", {}))
        report = (
            lint_paths([folder], PROFILE, options)
            if case.get("context")
            else lint_text(text, "Dockerfile", PROFILE, options)
        )
    else:
        report = lint_text(text, "Dockerfile", PROFILE, options)
    found = [f for f in report.findings if f.code == code]
    assert sorted({f.line for f in found}) == case["expect"], [f.message for f in found]
    if "severity" in case:
        assert {f.severity.value for f in found} == {case["severity"]}
    for f in found:
        assert f.message and f.name and f.line >= 1


def test_every_rule_has_failing_and_passing_cases() -> None:
    cluster_groups = {"input", "build-folder", "base-image", "versions", "job-uid", "run"}
    for rule in all_rules():
        if rule.group not in cluster_groups:
            continue  # IS4xx / IS7xx carry their own cases
        cases = [c for code, c in CASES if code == rule.code]
        assert (CASES_DIR / f"{rule.code}.toml").is_file(), rule.code
        assert any(c["expect"] for c in cases), f"{rule.code} has no failing case"
        assert any(not c["expect"] for c in cases), f"{rule.code} has no passing case"
