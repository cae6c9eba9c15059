"""Probe the image for verify: its facts come from the one in-image probe that compat uses too
(compat/probe, as root); `probe_script.py` runs as the job uid (no passwd entry, no network,
read-only root filesystem) for everything a job would do."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

from imagesmith.core.errors import CheckFailed

if TYPE_CHECKING:
    from imagesmith.compat.probe import ImageFacts
    from imagesmith.engine import Engine, RunResult

FIND_PYTHON = "command -v python || command -v python3"
IMPORT_TIMEOUT = 60


def probe_text() -> str:
    return (resources.files("imagesmith.verify") / "probe_script.py").read_text(encoding="utf-8")


@dataclass
class Prober:
    engine: Engine
    image: str
    uid: int
    timeout: float = 120.0

    def run_as_job(self, argv: Sequence[str], *, shell: bool = False,
                   timeout: float | None = None) -> RunResult:
        """A command as the cluster runs it: `-u <uid>`, no network, read-only, /tmp tmpfs."""
        entry = ["sh", "-c", argv[0]] if shell else list(argv[:1])
        return self.engine.run(self.image, [] if shell else list(argv[1:]), entrypoint=entry,
                               user=str(self.uid), network_mode="none", read_only=True,
                               timeout=timeout or self.timeout, role="verify")

    def python(self) -> str | None:
        res = self.run_as_job([FIND_PYTHON], shell=True, timeout=30)
        path = res.stdout.strip().splitlines()
        return path[0] if res.exit_code == 0 and path else None

    def facts(self) -> ImageFacts:
        """What is really installed, as compat sees it; a probe that failed raises CheckFailed."""
        from imagesmith.compat.probe import probe_image

        facts = probe_image(self.engine, self.image, timeout=self.timeout)
        if facts.errors:
            raise CheckFailed(f"probe in {self.image} failed: {'; '.join(facts.errors)[-500:]}")
        return facts

    def job_script(self, python: str, args: Sequence[str]) -> dict[str, Any]:
        """`probe_script.py` as the job uid; its one JSON object."""
        res = self.run_as_job([python, "-c", probe_text(), *args])
        if res.timed_out:
            raise CheckFailed(f"probe in {self.image} did not finish within {self.timeout:.0f}s")
        try:
            return json.loads(res.stdout)
        except ValueError:
            raise CheckFailed(f"probe in {self.image} failed (exit {res.exit_code}): "
                              f"{(res.stderr or res.stdout).strip()[-500:]}") from None
