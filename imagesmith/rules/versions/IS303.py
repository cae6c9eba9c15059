"""IS303 tracked-package-unpinned: software with a version ENV is installed without a version."""

from __future__ import annotations

from typing import Iterable

from imagesmith.analysis.versions import declared_before, env_sets, tracked_installs
from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.model import ParsedDockerfile
from imagesmith.rules.base import Hit, Rule, RuleDoc


def check(parsed: ParsedDockerfile, profile: Profile) -> Iterable[Hit]:
    for inst in tracked_installs(parsed):
        if inst.version is not None or not (0 <= inst.stage < len(parsed.stages)):
            continue
        stage = parsed.stages[inst.stage]
        declared = declared_before(parsed, stage, profile, inst.line)
        for var in inst.tracker.env:
            known = declared.get(var)
            later = env_sets(stage, var)
            if known is None and not later:
                continue
            stated = known.value if known is not None else later[-1][1]
            yield Hit(
                f"installs {inst.tracker.software} (`{inst.what}`) with no version while "
                f"{var}={stated} claims one: the ENV cannot be known to be true",
                line=inst.line,
                help=f"pin it (e.g. `{inst.what}=={stated}` for pip, `=` for apt/conda) and set {var} to match",
                subject=var,
                data={"variable": var, "declared": stated, "software": inst.tracker.software},
            )
            break


RULE = Rule(
    code="IS303",
    name="tracked-package-unpinned",
    severity=Severity.WARNING,
    group="versions",
    doc=RuleDoc(
        what="Software whose version an ENV states (base image or this Dockerfile) is installed "
        "with no exact version, so whatever gets installed, the ENV cannot be kept true.",
        why="Guide step 5 (l.571) requires the version ENVs to match the installed software; "
        "that is only possible when the install names the version.",
        example="FROM bit:5000/nvidia-tensorflow-17.05\nRUN pip install tensorflow-gpu\n",
        instead="FROM bit:5000/nvidia-tensorflow-17.05\nRUN pip install tensorflow-gpu==1.0.1\n",
        source="guide step 5 (l.571)",
    ),
    check=check,
)
