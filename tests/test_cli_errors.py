"""Exit codes and error lines of the CLI, as a real process."""

from __future__ import annotations

from pathlib import Path

import pytest

from imagesmith.cli import main as cli_main
from imagesmith.cli.exitcodes import ExitCode
from tests.conftest import run_cli


def test_help_lists_commands_and_exits_0() -> None:
    res = run_cli("--help")
    assert res.exit_code == 0
    assert "profile" in res.stdout and "demo" in res.stdout


def test_no_args_shows_help_not_traceback() -> None:
    res = run_cli()
    assert "Usage" in res.stdout + res.stderr
    assert "Traceback" not in res.stderr


def test_unknown_command_is_usage_error_2() -> None:
    res = run_cli("frobnicate")
    assert res.exit_code == 2
    assert "Traceback" not in res.stderr


def test_unknown_profile_is_one_line_exit_2() -> None:
    res = run_cli("profile", "show", "--profile", "no-such-cluster")
    assert res.exit_code == 2
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, res.stderr
    assert "unknown profile 'no-such-cluster'" in lines[0] and "default" in lines[0]


def test_invalid_profile_names_key_path(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('extends = "default"\n[[node_groups]]\nname = "G131-G144"\ndriver = "not-a-version"\n')
    res = run_cli("profile", "show", "--profile", str(bad))
    assert res.exit_code == 2
    assert "node_groups[1].driver" in res.stderr and "not a version" in res.stderr
    assert "Traceback" not in res.stderr


def test_debug_shows_traceback(tmp_path: Path) -> None:
    res = run_cli("--debug", "profile", "show", "--profile", "no-such-cluster")
    assert res.exit_code == 2
    assert "Traceback" in res.stderr


def test_internal_error_exit_3_with_crash_log(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    from imagesmith.cli.commands import profile as profile_cmd

    def boom(*a: object, **k: object) -> str:
        raise RuntimeError("simulated bug")

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(profile_cmd, "render_text", boom)
    code = cli_main.run(["profile", "show"])
    err = capsys.readouterr().err
    assert code == ExitCode.INTERNAL
    assert "internal error: RuntimeError: simulated bug" in err
    logs = list((tmp_path / "imagesmith").glob("crash-*.log"))
    assert len(logs) == 1 and "simulated bug" in logs[0].read_text()
    assert "Traceback" not in err


def test_keyboard_interrupt_exit_130(monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    from imagesmith.cli.commands import profile as profile_cmd

    def interrupted(*a: object, **k: object) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr(profile_cmd, "render_text", interrupted)
    assert cli_main.run(["profile", "show"]) == 130
    assert "interrupted" in capsys.readouterr().err


def test_python_dash_m_and_console_script_agree() -> None:
    import shutil
    import subprocess

    exe = shutil.which("imagesmith")
    assert exe, "console script 'imagesmith' is not installed"
    a = subprocess.run([exe, "profile", "show", "--format", "json"], capture_output=True, text=True)
    b = run_cli("profile", "show", "--format", "json")
    assert a.returncode == b.exit_code == 0
    assert a.stdout == b.stdout
