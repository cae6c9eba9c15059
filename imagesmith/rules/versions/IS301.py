"""IS301 env-version-stale: software is installed over a version an ENV states, and the ENV stays."""

from __future__ import annotations

from typing import Iterable

from imagesmith.analysis.versions import consistent, declared_before, env_sets, tracked_installs
from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.model import ParsedDockerfile
from imagesmith.rules.base import Hit, Rule, RuleDoc


def check(parsed: ParsedDockerfile, profile: Profile) -> Iterable[Hit]:
    reported: set[tuple[int, str]] = set()
    for inst in tracked_installs(parsed):
        if inst.version is None or not (0 <= inst.stage < len(parsed.stages)):
            continue
        stage = parsed.stages[inst.stage]
        declared = declared_before(parsed, stage, profile, inst.line)
        for var in inst.tracker.env:
            before = declared.get(var)
            if (
                before is None
                or consistent(inst.version, before.value)
                or (inst.stage, var) in reported
            ):
                continue
            if any(line > inst.line for line, _ in env_sets(stage, var)):
                continue  # updated later: IS302 judges whether the new value is right
            reported.add((inst.stage, var))
            yield Hit(
                f"installs {inst.tracker.software} {inst.version} (`{inst.what}`) but {var}="
                f"{before.value} ({before.origin}) is never updated, so `docker inspect` lies",
                line=inst.line,
                help=f"add `ENV {var}={inst.version}` after this RUN",
                data={
                    "variable": var,
                    "declared": before.value,
                    "installed": inst.version,
                    "software": inst.tracker.software,
                },
            )


RULE = Rule(
    code="IS301",
    name="env-version-stale",
    severity=Severity.ERROR,
    group="versions",
    doc=RuleDoc(
        what="The Dockerfile installs or replaces software (CUDA, cuDNN, NCCL, TensorFlow, PyTorch, "
        "Python, ...) whose version an ENV of the base image or an earlier ENV declares "
        "(CUDA_VERSION, CUDNN_VERSION, TENSORFLOW_VERSION, ...), and no later ENV updates it.",
        why="Base images state installed versions in ENV variables; a request that changes such "
        "software must update them so that `docker inspect` tells the truth (guide step 5, l.571).",
        example="FROM bit:5000/nvidia-tensorflow-17.05\nRUN pip install tensorflow-gpu==1.0.0\n",
        instead="FROM bit:5000/nvidia-tensorflow-17.05\nRUN pip install tensorflow-gpu==1.0.0\n"
        "ENV TENSORFLOW_VERSION=1.0.0\n",
        source="guide step 5 (l.571)",
    ),
    check=check,
)
