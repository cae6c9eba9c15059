"""IS602 apt-cli-in-script: `apt` (the interactive front end) used in a RUN."""

from __future__ import annotations

from typing import Iterable

from imagesmith.analysis.apt import AptCall, apt_calls
from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.model import ParsedDockerfile
from imagesmith.rules.base import Hit, Rule, RuleDoc


def check(parsed: ParsedDockerfile, profile: Profile) -> Iterable[Hit]:
    by_run: dict[int, list[AptCall]] = {}
    for call in apt_calls(parsed):
        if call.tool == "apt":
            by_run.setdefault(call.run.instruction.line, []).append(call)
    for calls in by_run.values():
        actions = ", ".join(dict.fromkeys(f"apt {c.action}" for c in calls))
        yield Hit(
            f"{actions}: `apt` is for terminals; its command line is not stable (it warns so in "
            "scripts) and its prompts and output differ from apt-get",
            line=calls[0].line,
            end_line=calls[-1].line,
            help="use apt-get (or apt-cache for search/show)",
            data={"actions": [c.action for c in calls]},
        )


RULE = Rule(
    code="IS602",
    name="apt-cli-in-script",
    severity=Severity.WARNING,
    group="run",
    doc=RuleDoc(
        what="A RUN calls `apt` rather than `apt-get`/`apt-cache`.",
        why='apt is meant for people at a terminal ("WARNING: apt does not have a stable CLI '
        "interface. Use with caution in scripts.\"); the guide's example uses it throughout "
        "(l.579-590), together with a prompting `apt autoremove`.",
        example="FROM bit:5000/deepo_9\nRUN apt update -y && apt install -y cmake\n",
        instead="FROM bit:5000/deepo_9\nRUN apt-get update && apt-get install -y cmake\n",
        source="guide example (l.579-590)",
    ),
    check=check,
)
