"""IS403 framework-cuda-mismatch: a framework built for another CUDA release than the image's."""

from __future__ import annotations

from collections.abc import Iterable

from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.model import ParsedDockerfile
from imagesmith.rules.base import Hit, Rule, RuleDoc
from imagesmith.rules.gpu.common import hits_for

HELP = "install the framework release built for the image's CUDA, or start from a base image with the CUDA it needs"


def check(parsed: ParsedDockerfile, profile: Profile) -> Iterable[Hit]:
    return hits_for("IS403", parsed, profile, HELP)


RULE = Rule(
    code="IS403",
    name="framework-cuda-mismatch",
    severity=Severity.ERROR,
    group="gpu",
    doc=RuleDoc(
        what="A framework that uses the image's CUDA libraries (tensorflow-gpu, mxnet-cuXX, cupy-cudaXX, paddlepaddle-gpu) was built for another CUDA release than the image has.",
        why="TensorFlow 1.x loads libcudart.so.X.Y by exact version: tensorflow-gpu 1.0.0 needs CUDA 8, and fails to import on a CUDA 9 image.",
        example="FROM bit:5000/deepo_9\nRUN pip install tensorflow-gpu==1.0.0\n",
        instead="FROM bit:5000/deepo_9\nRUN pip install tensorflow-gpu==1.8.0\n",
        source="shared/reference/cuda-compat.md; guide l.561",
    ),
    check=check,
)
