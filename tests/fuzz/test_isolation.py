"""Per-file isolation (IS003) and bounded external checkers (IS004), issue 18 minimal inputs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from imagesmith.analysis import external
from imagesmith.core import crashlog
from imagesmith.core.profile import load_profile
from imagesmith.services.lint import LintOptions, lint_paths, lint_text

PROFILE = load_profile("default")
LONG_CHAIN = "FROM bit:5000/deepo_9\nRUN " + "apt-get install -y x && " * 2000 + "true\n"
DEEP_SUBST = "FROM bit:5000/deepo_9\nRUN echo " + "$(" * 1000 + "x" + ")" * 1000 + "\n"
needs_shellcheck = pytest.mark.skipif(
    external.shellcheck_binary() is None, reason="shellcheck not installed"
)


def _broken_rule(monkeypatch: pytest.MonkeyPatch, code: str) -> None:
    """Make rule `code` raise on any file that contains "boom" (a stand-in for a rule bug)."""
    import dataclasses

    from imagesmith.rules import registry

    rules = registry.all_rules()
    real = registry.get_rule(code)

    def check(parsed: object, profile: object) -> object:
        if "boom" in getattr(parsed, "text", ""):
            raise KeyError("simulated rule bug")
        return real.check(parsed, profile)

    broken = [dataclasses.replace(r, check=check) if r.code == code else r for r in rules]
    monkeypatch.setattr(registry, "all_rules", lambda: broken)


def test_a_rule_crash_is_one_finding_and_the_other_files_are_linted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    _broken_rule(monkeypatch, "IS202")
    bad, good = tmp_path / "a" / "Dockerfile", tmp_path / "b" / "Dockerfile"
    for path, text in ((bad, "FROM x\n# boom\n"), (good, "FROM x\n")):
        path.parent.mkdir()
        path.write_text(text)
    report = lint_paths([bad.parent, good.parent], PROFILE, LintOptions(hadolint="off", use_config=False))
    by_path = {r.path: r for r in report.results}
    crashed = by_path[str(bad)]
    assert [f.code for f in crashed.findings] == ["IS003"]
    assert "KeyError" in crashed.findings[0].message and crashed.crash_log
    assert "simulated rule bug" in Path(crashed.crash_log).read_text()
    assert "IS202" in {f.code for f in by_path[str(good)].findings}  # still linted
    assert report.exit_code() == 3


def test_cli_writes_every_result_then_exits_3(tmp_path: Path) -> None:
    bad, good = tmp_path / "bad.Dockerfile", tmp_path / "good.Dockerfile"
    bad.write_text("FROM x\n# boom\n")
    good.write_text("FROM x\n")
    script = (
        "import pytest, sys\nfrom tests.fuzz.test_isolation import _broken_rule\n"
        "_broken_rule(pytest.MonkeyPatch(), 'IS202')\n"
        "from imagesmith.cli.main import main\nmain()\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script, "lint", "-f", "json", "--hadolint", "off", str(bad), str(good)],
        capture_output=True, text=True, timeout=120, cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "XDG_CACHE_HOME": str(tmp_path)},
    )
    assert proc.returncode == 3, proc.stderr
    assert "Traceback" not in proc.stderr
    results = {r["path"]: r for r in json.loads(proc.stdout)["results"]}
    assert [f["code"] for f in results[str(bad)]["findings"]] == ["IS003"]
    assert results[str(good)]["findings"]


def test_crash_logs_are_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    paths = [crashlog.write_crash_log(RuntimeError(f"n{i}"), keep=5) for i in range(8)]
    left = sorted((tmp_path / "imagesmith").glob("crash-*.log"))
    assert len(left) == 5 and paths[-1] in left
    assert "RuntimeError: n7" in paths[-1].read_text()


@needs_shellcheck
@pytest.mark.parametrize("text", [LONG_CHAIN, DEEP_SUBST], ids=["2000-and-chain", "1000-deep-subst"])
def test_shellcheck_past_its_limits_is_reported_skipped(text: str) -> None:
    report = lint_text(text, "Dockerfile", PROFILE, LintOptions(hadolint="off", use_config=False))
    skipped = [f for f in report.findings if f.code == "IS004"]
    assert [f.line for f in skipped] == [2]
    # which limit it hits first depends on the machine's load: either is a reported skip
    assert "ShellCheck skipped this RUN: ShellCheck " in skipped[0].message
    assert "memory limit" in skipped[0].message or "did not finish" in skipped[0].message
    assert report.exit_code() == 1


@needs_shellcheck
def test_a_killed_batch_still_checks_the_other_scripts() -> None:
    pending = external.PendingShellcheck(
        [("long", "sh", LONG_CHAIN.split("RUN ", 1)[1]), ("bad", "sh", "if true; then echo\n")]
    )
    found = pending.result()
    assert set(pending.skipped) == {"long"}
    assert found["bad"] and found["bad"][0].code.startswith("SC")


@needs_shellcheck
def test_a_timeout_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(external, "TIME_LIMIT", 0.01)
    monkeypatch.setattr(external, "MEMORY_LIMIT", 8 << 30)
    pending = external.PendingShellcheck([("long", "sh", LONG_CHAIN.split("RUN ", 1)[1])])
    pending.result()
    assert pending.skipped == {"long": "ShellCheck did not finish within 0.01 s"}
