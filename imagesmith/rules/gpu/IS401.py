"""IS401 cuda-needs-newer-driver: a CUDA runtime that needs a newer driver than a node group has."""

from __future__ import annotations

from collections.abc import Iterable

from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.model import ParsedDockerfile
from imagesmith.rules.base import Hit, Rule, RuleDoc
from imagesmith.rules.gpu.common import hits_for

HELP = "choose a CUDA release whose minimum driver the node groups have (imagesmith compat shows an alternative), or record the real drivers with imagesmith profile detect"


def check(parsed: ParsedDockerfile, profile: Profile) -> Iterable[Hit]:
    return hits_for("IS401", parsed, profile, HELP)


RULE = Rule(
    code="IS401",
    name="cuda-needs-newer-driver",
    severity=Severity.ERROR,
    group="gpu",
    doc=RuleDoc(
        what="A CUDA runtime in the image (the base image's toolkit, or one bundled in a framework wheel such as torch+cu118) needs a newer driver than a node group has. Within CUDA 11+ an older driver above the family floor runs it only through minor-version compatibility (no PTX JIT): a warning.",
        why="The guide warns that an image made elsewhere fails when the cluster's driver is too old for its CUDA (l.561); the K80 nodes cannot have a driver newer than R470 (CUDA 11.4).",
        example="FROM nvidia/cuda:12.2.0-runtime-ubuntu22.04\n",
        instead="FROM nvidia/cuda:11.4.3-runtime-ubuntu20.04\n",
        source="shared/reference/cuda-compat.md; guide l.561",
    ),
    check=check,
)
