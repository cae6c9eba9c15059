"""Helpers for driving `imagesmith record` through a real pseudo-terminal."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest

PROMPT = r"[#$] (?:\x1b\[[0-9;]*[A-Za-z])*$"
# Debian's root .bashrc puts $debian_chroot in the prompt: a marker no command output contains.
MARK_ARGS = ["--run-arg=-e debian_chroot=REC"]
MARKED_PROMPT = r"\(REC\)[^\r\n]*[#$] "


def dockerfile_lines(text: str) -> list[str]:
    """The Dockerfile's lines with each merged RUN (` \\\n && `) split back into one `RUN cmd` per
    command, so tests can name the commands a recording kept."""
    out: list[str] = []
    for line in text.replace(" \\\n && ", "\0").splitlines():
        if line.startswith("RUN ") and "\0" in line:
            out += ["RUN " + part for part in line[len("RUN "):].split("\0")]
        else:
            out.append(line)
    return out


class Session:
    """`imagesmith record ...` on a pseudo-terminal, typed into like a person would."""

    def __init__(self, args: list[str], cwd: Path, ready: str = "recording commands to", prompt: str = PROMPT):
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "TERM": "xterm"}
        env.pop("IMAGESMITH_DEBUG", None)
        self.child = pexpect.spawn(sys.executable, ["-m", "imagesmith", "record", *args], cwd=str(cwd),
                                   env=env, encoding="utf-8", codec_errors="replace", timeout=120,
                                   dimensions=(40, 200))
        self.log: list[str] = []
        out = args[args.index("-o") + 1] if "-o" in args else None
        hooked = ready == "recording commands to"
        self.journal = Path(cwd, out, ".imagesmith", "journal.jsonl") if out and hooked else None
        self.prompt = prompt
        self.child.expect(ready, timeout=120)
        self.child.expect(prompt)

    def run(self, line: str, timeout: float = 120) -> str:
        """Type one command and wait until the journal has it, then for the prompt (never type
        ahead: a running apt or dpkg would read the next line from the terminal)."""
        journaled = self.journaled()
        self.child.sendline(line)
        if self.journal is None:
            self.child.expect(self.prompt, timeout=timeout)
        else:
            deadline = time.monotonic() + timeout
            while True:
                matched = self.child.expect([self.prompt, pexpect.TIMEOUT], timeout=0.5) == 0
                if self.journaled() > journaled:
                    if not matched:
                        self.child.expect(self.prompt, timeout=timeout)
                    break
                assert time.monotonic() < deadline, f"{line!r} never reached the journal"
        self.log.append(self.child.before)
        return self.child.before

    def journaled(self) -> int:
        if self.journal is None or not self.journal.exists():
            return 0
        return self.journal.read_text(errors="replace").count('"type":"cmd"')

    def finish(self, timeout: float = 300) -> tuple[int, str]:
        self.child.sendline("exit")
        self.child.expect(pexpect.EOF, timeout=timeout)
        out = self.child.before
        self.child.close()
        return self.child.exitstatus if self.child.exitstatus is not None else -1, out


@pytest.fixture()
def record_session(tmp_path: Path, test_env: None) -> Iterator[type[Session]]:
    sessions: list[Session] = []

    class Tracked(Session):
        def __init__(self, args: list[str], cwd: Path = tmp_path, ready: str = "recording commands to",
                     prompt: str = MARKED_PROMPT):
            super().__init__(args + (MARK_ARGS if prompt == MARKED_PROMPT else []), cwd, ready, prompt)
            sessions.append(self)

    yield Tracked
    for s in sessions:
        if s.child.isalive():
            s.child.kill(15)
            s.child.expect(pexpect.EOF, timeout=60)
