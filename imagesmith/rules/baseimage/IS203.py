"""IS203 from-arg-unresolved: FROM uses a build argument that has no default."""

from __future__ import annotations

from typing import Iterable

from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.model import ParsedDockerfile
from imagesmith.rules.base import Hit, Rule, RuleDoc


def check(parsed: ParsedDockerfile, profile: Profile) -> Iterable[Hit]:
    for stage in parsed.stages:
        if stage.base_error and not stage.unresolved:
            yield Hit(
                f"FROM `{stage.base_raw}`: BuildKit stops here ({stage.base_error})",
                line=stage.line,
                help="give the ARG a default before the first FROM, or write the image name",
                data={"error": stage.base_error},
            )
        elif stage.unresolved or not stage.base.strip():
            names = ", ".join(f"${n}" for n in stage.unresolved) or stage.base_raw or "(empty)"
            yield Hit(
                f"FROM `{stage.base_raw}` uses {names} with no default in an ARG before the first FROM",
                line=stage.line,
                help="give it a default (`ARG BASE=bit:5000/deepo_9` before FROM) or write the image name",
                data={"unresolved": stage.unresolved},
            )


RULE = Rule(
    code="IS203",
    name="from-arg-unresolved",
    severity=Severity.ERROR,
    group="base-image",
    doc=RuleDoc(
        what="A FROM refers to a variable that no ARG before the first FROM gives a default, so "
        "the base image is only known with `--build-arg`.",
        why="The admins build the folder as handed over, with no build arguments (guide step 4, "
        "l.570); the base must also be checked against the catalog (IS201), which needs its name.",
        example="ARG BASE\nFROM $BASE\n",
        instead="ARG BASE=bit:5000/deepo_9\nFROM $BASE\n",
        source="guide step 4 (l.570)",
    ),
    check=check,
)
