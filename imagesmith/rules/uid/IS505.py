"""IS505 restrictive-permissions: modes that hide files from the job's uid (not owner, not group)."""

from __future__ import annotations

import re
from typing import Iterable

from imagesmith.analysis.installs import run_commands
from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.model import ParsedDockerfile
from imagesmith.rules.base import Hit, Rule, RuleDoc

_OCTAL = re.compile(r"^0?[0-7]?[0-7]{3}$")
_SYMBOLIC = re.compile(r"^[ugoa]*[-=][rwxXst]*$")
_SECRET_HINTS = re.compile(r"ssh|secret|key|\.pem|credential|passw|token|/etc/shadow|sudoers", re.I)


def restrictive(mode: str) -> bool:
    """True when `others` lose read access (octal o<4, or o-r / o= / a-r / go-r...)."""
    if _OCTAL.match(mode):
        return int(mode[-1]) < 4
    for clause in mode.split(","):
        if not _SYMBOLIC.match(clause):
            continue
        who, op, perms = re.match(r"^([ugoa]*)([-=])(.*)$", clause).groups()  # type: ignore[union-attr]
        hits_others = who == "" or "o" in who or "a" in who
        if hits_others and ((op == "-" and "r" in perms) or (op == "=" and "r" not in perms)):
            return True
    return False


def check(parsed: ParsedDockerfile, profile: Profile) -> Iterable[Hit]:
    for ins in parsed.of("COPY", "ADD"):
        mode = ins.flag("chmod")
        if mode and restrictive(mode):
            yield Hit(
                f"{ins.cmd} --chmod={mode} leaves nothing readable for the job's uid",
                line=ins.line,
                help="use a mode others can read, e.g. --chmod=755 or 644",
                data={"mode": mode},
            )
    for rc in run_commands(parsed):
        argv = rc.argv
        if (
            rc.name == "umask"
            and len(argv) > 1
            and argv[1]
            and _OCTAL.match(argv[1].rjust(3, "0"))
            and int(argv[1][-1]) >= 4
        ):
            yield Hit(
                f"umask {argv[1]} makes every later file unreadable for the job's uid",
                line=rc.line,
                help="use umask 022",
                data={"mode": argv[1]},
            )
        if rc.name != "chmod":
            continue
        words = [w for w in argv[1:] if not w.startswith("-") or re.match(r"^-[rwxXst]+$", w)]
        if len(words) < 2 or not restrictive(words[0]):
            continue
        targets = words[1:]
        if all(_SECRET_HINTS.search(t) for t in targets):
            continue  # keys and secrets are meant to be private
        yield Hit(
            f"chmod {words[0]} {' '.join(targets)}: jobs run as a uid that is neither owner nor "
            "group, so they cannot read this",
            line=rc.line,
            help="give others read (and execute for programs/folders) access, e.g. chmod 755",
            data={"mode": words[0], "targets": targets},
        )


RULE = Rule(
    code="IS505",
    name="restrictive-permissions",
    severity=Severity.WARNING,
    group="job-uid",
    doc=RuleDoc(
        what='chmod, `COPY --chmod` or umask takes read access away from "others" (e.g. 700, '
        "600, o-r, umask 077) on files jobs need. Paths that look like keys or secrets are exempt.",
        why="The image is built as root, but jobs run as the submitting user's uid (guide "
        "l.366-369), which is neither the owner nor in the group of anything in the image.",
        example="FROM bit:5000/deepo_9\nCOPY ./tools /opt/tools\nRUN chmod -R 700 /opt/tools\n",
        instead="FROM bit:5000/deepo_9\nCOPY ./tools /opt/tools\nRUN chmod -R 755 /opt/tools\n",
        source="guide l.366-369",
    ),
    check=check,
)
