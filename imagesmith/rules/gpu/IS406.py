"""IS406 nvidia-require-unsatisfied: NVIDIA_REQUIRE_CUDA excludes a node group."""

from __future__ import annotations

from collections.abc import Iterable

from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.model import ParsedDockerfile
from imagesmith.rules.base import Hit, Rule, RuleDoc
from imagesmith.rules.gpu.common import hits_for

HELP = "make the requirement match the CUDA the image really needs, or use an image whose CUDA the nodes support"


def check(parsed: ParsedDockerfile, profile: Profile) -> Iterable[Hit]:
    return hits_for("IS406", parsed, profile, HELP)


RULE = Rule(
    code="IS406",
    name="nvidia-require-unsatisfied",
    severity=Severity.ERROR,
    group="gpu",
    doc=RuleDoc(
        what="NVIDIA_REQUIRE_CUDA (and any NVIDIA_REQUIRE_*), evaluated as libnvidia-container does (space = OR, comma = AND; cuda, driver, arch, brand), is not satisfied by a node group: the container does not start there.",
        why="nvidia-docker refuses the container with 'unsatisfied condition: cuda>=X.Y' before the job runs.",
        example='ENV NVIDIA_REQUIRE_CUDA="cuda>=12.0"\n',
        instead='ENV NVIDIA_REQUIRE_CUDA="cuda>=11.0"\n',
        source="shared/reference/cuda-compat.md; guide l.561",
    ),
    check=check,
)
