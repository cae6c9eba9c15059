"""IS607 conda-activate-in-run: `conda activate` / `source activate` in a RUN."""

from __future__ import annotations

from typing import Iterable

from imagesmith.analysis.installs import run_commands
from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.model import ParsedDockerfile
from imagesmith.rules.base import Hit, Rule, RuleDoc


def check(parsed: ParsedDockerfile, profile: Profile) -> Iterable[Hit]:
    for rc in run_commands(parsed):
        argv = rc.argv
        activates = (
            rc.name in ("conda", "mamba", "micromamba") and len(argv) > 1 and argv[1] == "activate"
        ) or (
            rc.name in ("source", ".")
            and len(argv) > 1
            and argv[1].rsplit("/", 1)[-1] == "activate"
            and "conda" in " ".join(argv) + rc.instruction.original
        )
        if activates:
            env = argv[2] if len(argv) > 2 else "base"
            yield Hit(
                f"`{' '.join(argv[:3])}` in RUN: activation needs conda's shell hook, lasts only "
                "for this RUN and never reaches jobs",
                line=rc.line,
                help=f"use `conda run -n {env} CMD`, or put the env's bin on PATH with ENV "
                f"(e.g. ENV PATH=/opt/conda/envs/{env}/bin:$PATH)",
                data={"environment": env},
            )


RULE = Rule(
    code="IS607",
    name="conda-activate-in-run",
    severity=Severity.WARNING,
    group="run",
    doc=RuleDoc(
        what="A RUN calls `conda activate` or `source activate`.",
        why="RUN shells are non-interactive sh without conda's hook (\"CommandNotFoundError: "
        'Your shell has not been properly configured"); even when it works, activation ends '
        "with the RUN and jobs started by startdocker never see it (guide l.366-416).",
        example="FROM bit:5000/deepo_9\nRUN conda activate py36 && pip install tqdm==4.23.4\n",
        instead="FROM bit:5000/deepo_9\nRUN conda run -n py36 pip install tqdm==4.23.4\n"
        "ENV PATH=/opt/conda/envs/py36/bin:$PATH\n",
        source="guide l.366-416",
    ),
    check=check,
)
