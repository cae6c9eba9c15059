"""IS405 forward-compat-on-geforce: the image relies on forward compatibility on GeForce GPUs."""

from __future__ import annotations

from collections.abc import Iterable

from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.model import ParsedDockerfile
from imagesmith.rules.base import Hit, Rule, RuleDoc
from imagesmith.rules.gpu.common import hits_for

HELP = "use a CUDA release the GeForce nodes' driver runs natively or through minor-version compatibility"


def check(parsed: ParsedDockerfile, profile: Profile) -> Iterable[Hit]:
    return hits_for("IS405", parsed, profile, HELP)


RULE = Rule(
    code="IS405",
    name="forward-compat-on-geforce",
    severity=Severity.ERROR,
    group="gpu",
    doc=RuleDoc(
        what="The image needs a newer driver than a GeForce node group has, and only CUDA forward compatibility (the cuda-compat package) could bridge the gap: that works on data-center GPUs only.",
        why="NVIDIA's forward compatibility is limited to data-center GPUs and select RTX SKUs; the GTX 1080 Ti nodes cannot use it.",
        example="FROM nvidia/cuda:12.2.0-base-ubuntu22.04\n",
        instead="FROM nvidia/cuda:11.8.0-base-ubuntu22.04\n",
        source="shared/reference/cuda-compat.md; guide l.561",
    ),
    check=check,
)
