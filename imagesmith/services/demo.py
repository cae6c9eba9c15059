"""The demo: the researcher's and the admin's jobs, end to end, on the guide's example.

Each landed capability adds one step here. Steps print to stdout as a person
would see them; the demo returns 0 when every step behaved as expected.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from imagesmith.core.errors import UserInputError
from imagesmith.core.profile import Profile, select_profile
from imagesmith.core.resources import example_dir


@dataclass
class DemoContext:
    example: Path
    workdir: Path
    profile: Profile
    engine_mode: str
    notes: list[str] = field(default_factory=list)

    def engine_wanted(self) -> bool:
        if self.engine_mode == "off":
            return False
        from imagesmith.engine import engine_reachable

        ok = engine_reachable()
        if not ok and self.engine_mode == "on":
            from imagesmith.engine import Engine

            Engine.connect()  # raises EngineUnavailable with the standard message
        return ok


@dataclass
class DemoStep:
    title: str
    run: Callable[[DemoContext], bool]


def _step_profile(ctx: DemoContext) -> bool:
    from imagesmith.cli.commands.profile import render_text

    sys.stdout.write(render_text(ctx.profile))
    return True


STEPS: list[DemoStep] = [
    DemoStep("The cluster profile in effect", _step_profile),
]


def run_demo(
    *, example: Path | None, workdir: Path | None, engine_mode: str, profile_ref: str | None
) -> int:
    if engine_mode not in ("auto", "on", "off"):
        raise UserInputError(f"unknown --engine {engine_mode!r}", hint="use auto, on or off")
    source = example or example_dir("guide-request")
    if not (source / "Dockerfile").is_file():
        raise UserInputError("no Dockerfile in the example folder", where=source)
    own_workdir = workdir is None
    work = Path(tempfile.mkdtemp(prefix="imagesmith-demo-")) if workdir is None else workdir
    work.mkdir(parents=True, exist_ok=True)
    folder = work / "dockertmp"
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(source, folder)
    ctx = DemoContext(folder, work, select_profile(profile_ref, folder), engine_mode)
    if engine_mode == "on":
        ctx.engine_wanted()
    failed = 0
    for number, step in enumerate(STEPS, 1):
        print(f"\n== {number}/{len(STEPS)} {step.title}")
        if not step.run(ctx):
            failed += 1
            print(f"   step {number} did not behave as expected")
    print(f"\n== demo finished: {len(STEPS) - failed}/{len(STEPS)} steps as expected; outputs in {work}")
    for note in ctx.notes:
        print(f"   note: {note}")
    if own_workdir and failed == 0:
        pass  # keep outputs for the user to look at; the path is printed above
    return 0 if failed == 0 else 1
