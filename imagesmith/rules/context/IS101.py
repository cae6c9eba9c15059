"""IS101 dockerfile-name: the build folder has no file named exactly `Dockerfile`."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.model import ParsedDockerfile
from imagesmith.rules.base import Hit, Rule, RuleDoc


def check(parsed: ParsedDockerfile, profile: Profile) -> Iterable[Hit]:
    if not parsed.misnamed:
        return
    wanted = profile.build.dockerfile_name
    yield Hit(
        f"the build folder has no file named exactly `{wanted}` (this one is "
        f"`{Path(parsed.path).name}`); the admins' build looks for `{wanted}`",
        help=f"rename it: mv {Path(parsed.path).name} {wanted}",
    )


RULE = Rule(
    code="IS101",
    name="dockerfile-name",
    severity=Severity.ERROR,
    group="build-folder",
    doc=RuleDoc(
        what="The build folder holds a Dockerfile under another name (`dockerfile`, "
        "`Dockerfile.gpu`, `Dockerfile.txt`) and none named exactly `Dockerfile`.",
        why='The guide asks for a text file named `Dockerfile` in dockertmp, "note the capital D" '
        "(guide step 3, l.568); the admins build with the default name.",
        example="dockertmp/\n  dockerfile\n",
        instead="dockertmp/\n  Dockerfile\n",
        source="guide step 3 (l.568)",
    ),
    check=check,
    needs_context=True,
)
