"""IS503 user-instruction-overridden: USER in the final stage is replaced by startdocker's uid."""

from __future__ import annotations

from typing import Iterable

from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.model import ParsedDockerfile
from imagesmith.rules.base import Hit, Rule, RuleDoc


def check(parsed: ParsedDockerfile, profile: Profile) -> Iterable[Hit]:
    if not parsed.stages:
        return
    final = parsed.stages[-1]
    users = [i for i in final.instructions if i.cmd == "USER" and (i.expanded or i.value)]
    if not users and final.base_stage is not None and not _root(final.user):
        # inherited: a stage built FROM another keeps its USER (the image config's User)
        yield _hit(final.user, final.line, f" (inherited from stage {final.base_stage})")
    for ins in users:
        user = (ins.expanded or ins.value)[0]
        if not _root(user):
            yield _hit(user, ins.line, "")


def _root(user: str) -> bool:
    return user.partition(":")[0] in ("", "root", "0")


def _hit(user: str, line: int, how: str) -> Hit:
    return Hit(
        f"USER {user}{how} has no effect on the cluster: startdocker runs every job as "
        "the submitting user's uid, which has no passwd entry",
        line=line,
        help="do not rely on this user's HOME, files or permissions; make what jobs need "
        "world-readable (and world-writable where they write)",
        data={"user": user},
    )


RULE = Rule(
    code="IS503",
    name="user-instruction-overridden",
    severity=Severity.WARNING,
    group="job-uid",
    doc=RuleDoc(
        what="The final stage sets USER to a non-root user.",
        why="startdocker forces `-u <uid>` (guide l.366-369, sudo rules l.344-351): jobs never "
        "run as the image's USER, so files owned by it, its HOME and its shell setup are not "
        'what the job sees ("I have no name!", FAQ l.708).',
        example="FROM bit:5000/deepo_9\nRUN useradd -m app\nUSER app\n",
        instead="FROM bit:5000/deepo_9\nRUN mkdir -p /opt/app && chmod 755 /opt/app\n",
        source="guide l.344-369, FAQ l.708",
    ),
    check=check,
)
