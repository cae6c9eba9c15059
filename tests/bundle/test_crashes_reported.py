"""When imagesmith itself fails on a file inside package or review, the failure is reported
as such (exit 3, the crash log named), never as the requester's lint error or as a pass."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from imagesmith.cli.main import run
from tests.conftest import run_cli


def _break_the_parser(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import imagesmith.lint.runner as runner

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))

    def broken(job: object, profile: object) -> None:
        raise RuntimeError("simulated parser bug")

    monkeypatch.setattr(runner, "prepare_dockerfile", broken)


def test_review_reports_the_crash_and_exits_3_after_its_report(
        fixed_request: Path, meta_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    bundle = tmp_path / "req.tar.gz"
    assert run_cli("package", str(fixed_request), "-o", str(bundle), "--meta",
                   str(meta_file)).exit_code == 0
    _break_the_parser(monkeypatch, tmp_path)
    code = run(["review", str(bundle), "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 3
    assert out["verdict"] == "needs changes"
    crash = out["lint"]["crashed"][0]
    assert crash["path"] == "Dockerfile" and Path(crash["crash_log"]).is_file()
    assert any("imagesmith failed while linting Dockerfile" in r for r in out["reasons"])
    assert not any("lint error(s)" in r for r in out["reasons"])  # not the requester's error


def test_package_refuses_with_exit_3_naming_the_crash_log(
        fixed_request: Path, meta_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    _break_the_parser(monkeypatch, tmp_path)
    bundle = tmp_path / "req.tar.gz"
    code = run(["package", str(fixed_request), "-o", str(bundle), "--meta", str(meta_file)])
    err = capsys.readouterr().err
    assert code == 3 and not bundle.exists()
    assert "imagesmith failed while linting Dockerfile (crash log: " in err
    assert "Traceback" not in err
    code = run(["package", str(fixed_request), "-o", str(bundle), "--meta", str(meta_file),
                "--force"])
    assert code == 0 and bundle.exists()
