"""Bad input of every kind gets one clear line and exit 2, never a traceback or a hang."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import REPO, run_cli

GUIDE = REPO / "examples" / "guide-request"


def _one_error_line(stderr: str) -> str:
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr and "internal error" not in stderr
    return lines[0]


@pytest.mark.parametrize(
    "argv",
    [
        ("lint", str(GUIDE), "--hadolint", "off", "-f", "json", "-o", "{out}"),
        ("profile", "detect", "--from", str(REPO / "tests/compat/data/nvidia-smi/r470-k80-no-compute-cap.csv"), "-o", "{out}"),
    ],
    ids=["lint", "profile-detect"],
)
def test_output_path_that_is_a_folder(tmp_path: Path, argv: tuple[str, ...]) -> None:
    res = run_cli(*(a.format(out=tmp_path) for a in argv))
    assert res.exit_code == 2
    assert _one_error_line(res.stderr) == (
        f"imagesmith: error: {tmp_path}: is a folder, not a file to write (give a file name)")
    assert list(tmp_path.iterdir()) == []  # no temp file left behind


def test_profile_that_is_not_utf8(tmp_path: Path) -> None:
    bad = tmp_path / "latin1.toml"
    bad.write_bytes(b'extends = "default"\nname = "caf\xe9"\n')
    res = run_cli("profile", "show", "--profile", str(bad))
    assert res.exit_code == 2
    assert _one_error_line(res.stderr).endswith(f"{bad}: profile is not UTF-8 text; save it as UTF-8")


def test_symlink_loop_in_build_folder(tmp_path: Path) -> None:
    folder = tmp_path / "dockertmp"
    folder.mkdir()
    (folder / "Dockerfile").write_text("FROM bit:5000/deepo_9\nCOPY . /a\n")
    os.symlink("loop", folder / "loop")
    res = run_cli("lint", str(folder), "--hadolint", "off", "-f", "json")
    # COPY copies a symlink as a link without following it (both builders), so a loop inside
    # the folder does not stop the build: lint must not crash or hang on it, and says nothing.
    assert res.exit_code == 0, res.stderr
    codes = [f["code"] for f in json.loads(res.stdout)["results"][0]["findings"]]
    assert "IS103" not in codes and "IS104" not in codes
    meta = tmp_path / "meta.toml"
    meta.write_text('name="a"\nstudent_id="1"\nsupervisor="b"\ncluster="GPU"\nchanges="c"\n')
    res = run_cli("package", str(folder), "--force", "--meta", str(meta), "-o", str(tmp_path / "b.tar.gz"))
    assert res.exit_code == 2
    assert "loop is a symlink loop" in _one_error_line(res.stderr)
    assert not (tmp_path / "b.tar.gz").exists()


def test_fifo_is_refused_not_read(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    os.mkfifo(tmp_path / "sub" / "Dockerfile")
    res = run_cli("lint", str(tmp_path), timeout=30)
    assert res.exit_code == 2
    res = run_cli("lint", "/dev/null", timeout=30)
    assert res.exit_code == 2 and "not a regular file" in _one_error_line(res.stderr)


def test_umask_without_value_is_no_crash(tmp_path: Path) -> None:
    df = tmp_path / "Dockerfile"
    df.write_text("FROM bit:5000/deepo_9\nRUN umask ''\n")
    res = run_cli("lint", str(df), "--hadolint", "off")
    assert res.exit_code in (0, 1) and "internal error" not in res.stderr


def test_select_typo_is_a_usage_error() -> None:
    res = run_cli("lint", str(GUIDE), "--select", "IS1O5", "--hadolint", "off")
    assert res.exit_code == 2
    assert "--select IS1O5: no rule has this code or prefix" in _one_error_line(res.stderr)


def test_unbalanced_run_arg_is_input_error() -> None:
    res = run_cli("record", "imagesmith/busybox:latest", "--run-arg", "-e 'x")
    assert res.exit_code == 2
    assert "bad --run-arg: No closing quotation" in _one_error_line(res.stderr)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("session.json", '{"base": "x", "journal": []}'),
        ("journal.jsonl", '{"type": "start", "env": "x"}\n{"type": "cmd", "cmd": "true"}\n'),
    ],
)
def test_malformed_journal(tmp_path: Path, name: str, content: str) -> None:
    journal = tmp_path / name
    journal.write_text(content)
    res = run_cli("dockerfile", str(journal), "--base", "bit:5000/deepo_9", "-o", str(tmp_path / "out"))
    assert res.exit_code in (0, 2), res.stderr
    assert "Traceback" not in res.stderr and "internal error" not in res.stderr


def test_debug_after_the_subcommand(tmp_path: Path) -> None:
    res = run_cli("lint", str(tmp_path / "missing"), "--debug")
    assert res.exit_code == 2
    assert "Traceback" in res.stderr and "no such file or folder" in res.stderr
