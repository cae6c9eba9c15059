"""IS302 env-version-contradicts-install: an ENV states a version other than the one installed."""

from __future__ import annotations

from typing import Iterable

from imagesmith.analysis.versions import consistent, env_sets, tracked_installs
from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.model import ParsedDockerfile
from imagesmith.rules.base import Hit, Rule, RuleDoc


def check(parsed: ParsedDockerfile, profile: Profile) -> Iterable[Hit]:
    for stage in parsed.stages:
        installs = [t for t in tracked_installs(parsed) if t.stage == stage.index and t.version]
        for var in sorted({v for t in installs for v in t.tracker.env}):
            sets = env_sets(stage, var)
            mine = [t for t in installs if var in t.tracker.env]
            if not sets or not mine:
                continue
            line, value = sets[-1]
            last = max((t for t in mine if t.line < line), key=lambda t: t.line, default=None)
            if last is None or consistent(last.version or "", value):
                continue
            yield Hit(
                f"ENV {var}={value} contradicts line {last.line}, which installs "
                f"{last.tracker.software} {last.version} (`{last.what}`)",
                line=line,
                help=f"set `ENV {var}={last.version}`, or install the version the ENV states",
                data={
                    "variable": var,
                    "declared": value,
                    "installed": last.version,
                    "install_line": last.line,
                },
            )


RULE = Rule(
    code="IS302",
    name="env-version-contradicts-install",
    severity=Severity.ERROR,
    group="versions",
    doc=RuleDoc(
        what="A version ENV set after an install states a version other than the one the same "
        "Dockerfile installs (e.g. CUDNN_VERSION=7.0 after installing libcudnn6).",
        why="The ENV must match the software actually in the image (guide step 5, l.571); a "
        "wrong one misleads every later user and every compatibility check.",
        example="FROM bit:5000/deepo_9\nRUN pip install torch==0.4.1\nENV PYTORCH_VERSION=1.0\n",
        instead="FROM bit:5000/deepo_9\nRUN pip install torch==0.4.1\nENV PYTORCH_VERSION=0.4.1\n",
        source="guide step 5 (l.571)",
    ),
    check=check,
)
