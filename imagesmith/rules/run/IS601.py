"""IS601 apt-prompts: apt-get/apt actions that ask for confirmation, without -y."""

from __future__ import annotations

from typing import Iterable

from imagesmith.analysis.apt import PROMPTING, apt_calls
from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.model import ParsedDockerfile
from imagesmith.rules.base import Hit, Rule, RuleDoc


def check(parsed: ParsedDockerfile, profile: Profile) -> Iterable[Hit]:
    for call in apt_calls(parsed):
        if call.action in PROMPTING and call.prompts:
            yield Hit(
                f'`{call.tool} {call.action}` without -y asks "Do you want to continue? [Y/n]"; '
                "the build has no terminal, reads no answer and aborts",
                line=call.line,
                help=f"use `apt-get -y {call.action} ...`",
                data={"action": call.action},
            )


RULE = Rule(
    code="IS601",
    name="apt-prompts",
    severity=Severity.ERROR,
    group="run",
    doc=RuleDoc(
        what="apt-get or apt install/remove/purge/autoremove/upgrade/dist-upgrade without "
        "-y (--yes, --assume-yes, -qq).",
        why="The admins' build is non-interactive: a confirmation prompt reads end-of-file and "
        "apt aborts the step. The guide's own example ends with `apt autoremove` without -y "
        "(l.590).",
        example="FROM bit:5000/deepo_9\nRUN apt-get autoremove\n",
        instead="FROM bit:5000/deepo_9\nRUN apt-get -y autoremove\n",
        source="guide example (l.590)",
    ),
    check=check,
)
