"""`record` without a terminal: one line, exit 2, nothing written."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_cli


def test_record_without_a_terminal_exits_2(tmp_path: Path) -> None:
    out = tmp_path / "dockertmp"
    res = run_cli("record", "imagesmith/debian:bookworm", "-o", str(out), input="ls\n")
    assert res.exit_code == 2
    assert res.stderr.strip().splitlines() == [
        "imagesmith: error: record needs a terminal on standard input (it opens an interactive "
        "shell) (run it in a terminal; `imagesmith dockerfile JOURNAL` turns an existing journal "
        "into a Dockerfile without one)"]
    assert not out.exists()
