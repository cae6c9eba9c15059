"""IS404 cudnn-mismatch: cuDNN of the image does not match what a framework needs."""

from __future__ import annotations

import re
from collections.abc import Iterable

from imagesmith.analysis.installs import package_installs
from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.model import ParsedDockerfile
from imagesmith.rules.base import Hit, Rule, RuleDoc
from imagesmith.rules.gpu.common import hits_for

HELP = "install the framework release built for the image's cuDNN, and keep ENV CUDNN_VERSION true"


_CUDNN_PACKAGE = re.compile(r"^(libcudnn\d*(-dev)?|cudnn|nvidia-cudnn-cu\d+)$", re.I)


def _cudnn_pinned_by_install(parsed: ParsedDockerfile) -> bool:
    return any(_CUDNN_PACKAGE.match(p.name) and p.version for p in package_installs(parsed))


def check(parsed: ParsedDockerfile, profile: Profile) -> Iterable[Hit]:
    # An ENV that contradicts a pinned cuDNN package install is IS302's finding (one problem,
    # one finding); IS404 keeps the framework mismatches and ENV claims about archives/bases.
    skip_env_claim = _cudnn_pinned_by_install(parsed)
    for hit in hits_for("IS404", parsed, profile, HELP):
        if skip_env_claim and hit.data.get("cause") == "stated-cudnn":
            continue
        yield hit


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
