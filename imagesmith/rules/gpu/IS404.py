"""IS404 cudnn-mismatch: cuDNN of the image does not match what a framework needs."""

from __future__ import annotations

from collections.abc import Iterable

from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.parse.dockerfile import ParsedDockerfile
from imagesmith.rules.base import Hit, Rule, RuleDoc
from imagesmith.rules.gpu.common import hits_for

HELP = "install the framework release built for the image's cuDNN, and keep ENV CUDNN_VERSION true"


def check(parsed: ParsedDockerfile, profile: Profile) -> Iterable[Hit]:
    return hits_for("IS404", parsed, profile, HELP)


RULE = Rule(
    code="IS404",
    name="cudnn-mismatch",
    severity=Severity.ERROR,
    group="gpu",
    doc=RuleDoc(
        what="A framework was built against another cuDNN major release than the image has, or ENV CUDNN_VERSION states a cuDNN the image does not have.",
        why="cuDNN is loaded by major version; an image whose ENV lies misleads everyone who reads docker inspect (guide step 5).",
        example="FROM bit:5000/deepo_9\nRUN pip install tensorflow-gpu==1.2.0\n",
        instead="FROM bit:5000/deepo_9\nRUN pip install tensorflow-gpu==1.8.0\n",
        source="shared/reference/cuda-compat.md; guide l.561",
    ),
    check=check,
)
