"""Progress display: the clock runs on during a step that prints nothing; --progress plain on a
terminal gives lines, json gives events."""

from __future__ import annotations

import io
import json
import os
import sys
import time
from pathlib import Path

import pexpect

from imagesmith.progress import TerminalProgress
from tests.conftest import BUSYBOX, run_cli


def test_the_clock_ticks_during_a_silent_step() -> None:
    out = io.StringIO()
    progress = TerminalProgress(out)
    progress.step(1, 2, "RUN sleep 2")
    time.sleep(2.3)
    progress.finish(True)
    text = out.getvalue()
    assert "[00:00] step 1/2: RUN sleep 2" in text and "[00:02] step 1/2: RUN sleep 2" in text


def test_progress_modes(tmp_path: Path, test_env: None) -> None:
    folder = tmp_path / "dockertmp"
    folder.mkdir()
    (folder / "Dockerfile").write_text(f"FROM {BUSYBOX}\nRUN echo hi\n")
    child = pexpect.spawn(sys.executable, ["-m", "imagesmith", "build", "--no-lint", "--progress",
                                           "plain", "-t", "imagesmith-test/progress:1", str(folder)],
                          encoding="utf-8", env={**os.environ, "TERM": "xterm"}, timeout=120)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0 and "\x1b[J" not in child.before and "step 2/" in child.before
    res = run_cli("build", "--no-lint", "--progress", "json", "-t", "imagesmith-test/progress:1",
                  str(folder))
    events = [json.loads(line)["event"] for line in res.stdout.splitlines()]
    assert "step" in events and events[-1] == "result"
    assert run_cli("build", "--progress", "fancy", str(folder)).exit_code == 2
