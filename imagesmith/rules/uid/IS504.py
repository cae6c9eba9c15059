"""IS504 timezone-unset: the image sets no TZ, so job logs show UTC instead of local time."""

from __future__ import annotations

from typing import Iterable

from imagesmith.analysis.versions import base_env
from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.model import ParsedDockerfile
from imagesmith.rules.base import Hit, Rule, RuleDoc


def check(parsed: ParsedDockerfile, profile: Profile) -> Iterable[Hit]:
    if not parsed.stages:
        return
    final = parsed.stages[-1]
    env, _ = base_env(parsed, final, profile)
    if "TZ" in env or "TZ" in final.env:
        return
    if any("/etc/localtime" in ins.original for s in parsed.stages for ins in s.instructions):
        return
    tz = profile.jobs.timezone
    yield Hit(
        f"no TZ is set: times inside jobs (logs, timestamps) will be UTC, not {tz}",
        line=final.line,
        help=f"add `ENV TZ={tz}`",
        data={"timezone": tz},
    )


RULE = Rule(
    code="IS504",
    name="timezone-unset",
    severity=Severity.INFO,
    group="job-uid",
    doc=RuleDoc(
        what="The final image sets no TZ variable (and does not link /etc/localtime).",
        why="The FAQ (l.776-780) notes that times in images are wrong and tells users to "
        "`export TZ=Asia/Shanghai`; setting it in the image fixes it for every job.",
        example="FROM bit:5000/deepo_9\nRUN pip install tqdm==4.23.4\n",
        instead="FROM bit:5000/deepo_9\nENV TZ=Asia/Shanghai\nRUN pip install tqdm==4.23.4\n",
        source="FAQ l.776-780",
    ),
    check=check,
)
