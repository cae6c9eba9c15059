"""IS402 gpu-arch-unsupported: no device code for a node group's GPU."""

from __future__ import annotations

from collections.abc import Iterable

from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.model import ParsedDockerfile
from imagesmith.rules.base import Hit, Rule, RuleDoc
from imagesmith.rules.gpu.common import hits_for

HELP = "pick a toolkit or wheel variant whose architecture list includes the node group's GPU (imagesmith compat suggests one)"


def check(parsed: ParsedDockerfile, profile: Profile) -> Iterable[Hit]:
    return hits_for("IS402", parsed, profile, HELP)


RULE = Rule(
    code="IS402",
    name="gpu-arch-unsupported",
    severity=Severity.ERROR,
    group="gpu",
    doc=RuleDoc(
        what="The image's CUDA toolkit, or a framework wheel, carries no code for a node group's GPU architecture: CUDA 12 has no Kepler (sm_37, K80), CUDA 13 no Pascal (sm_61, GTX 1080 Ti), torch cu128 wheels no sm_6x.",
        why="The job starts and then fails with 'no kernel image is available for execution on the device' on those nodes.",
        example="RUN pip install torch==2.8.0\n",
        instead="RUN pip install torch==2.8.0+cu126 -f https://download.pytorch.org/whl/torch_stable.html\n",
        source="shared/reference/cuda-compat.md; guide l.561",
    ),
    check=check,
)
