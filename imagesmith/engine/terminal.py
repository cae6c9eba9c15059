"""A command on this process's own terminal inside a running container (imagesmith record)."""

from __future__ import annotations

import os
from typing import Sequence

from imagesmith.core.errors import EngineError
from imagesmith.engine.session import EngineSession


class TerminalOps(EngineSession):
    def interactive_exec(
        self,
        container: str,
        argv: Sequence[str],
        *,
        environment: dict[str, str] | None = None,
        user: str | None = None,
        workdir: str | None = None,
    ) -> int:
        """Run `argv` in a running container on this process's own terminal and return its exit
        status. Uses the docker CLI (`docker exec -it`) because it gives a real TTY: line editing,
        Ctrl-C to the foreground command, window size. Without a terminal, stdin is passed as is."""
        import shutil
        import subprocess
        import sys

        cli = shutil.which("docker")
        if cli is None:
            raise EngineError("an interactive shell needs the docker command-line client on PATH",
                              hint="install docker-ce-cli, or record in cluster mode with `imagesmith hook`")
        cmd = [cli, "exec", "-i"]
        if sys.stdin.isatty() and sys.stdout.isatty():
            cmd.append("-t")
        for key, value in (environment or {}).items():
            cmd += ["-e", f"{key}={value}"]
        if user:
            cmd += ["-u", user]
        if workdir:
            cmd += ["-w", workdir]
        cmd += [container, *argv]
        return subprocess.call(cmd, env={**os.environ, "DOCKER_HOST": self.url})
