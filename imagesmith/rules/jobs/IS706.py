"""IS706 startdocker-command-choice: exactly one of `-c` and `-s`."""

from __future__ import annotations

from collections.abc import Iterable

from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.parse.jobscript import ParsedJobScript
from imagesmith.rules.base import Hit, Rule, RuleDoc
from imagesmith.rules.jobs import GROUP, INPUT_KIND


def check(parsed: ParsedJobScript, profile: Profile) -> Iterable[Hit]:
    for sd in parsed.startdockers:
        given = [f"-c {c!r}" for c in sd.commands] + [f"-s {s}" for s in sd.scripts]
        if len(given) == 1:
            continue
        if not given:
            message = "startdocker has neither -c (a command line) nor -s (a script)"
            help = 'add `-c "python /ghome/<user>/main.py"` or `-s /ghome/<user>/run.sh`'
        else:
            message = f"startdocker takes one of -c and -s, here {len(given)}: {', '.join(given)}"
            help = "keep one: -c for a command line, -s for an executable script with a #! line"
        yield Hit(message, line=sd.line, end_line=sd.end_line, help=help, data={"given": given})


RULE = Rule(
    code="IS706",
    name="startdocker-command-choice",
    severity=Severity.ERROR,
    group=GROUP,
    input_kind=INPUT_KIND,
    doc=RuleDoc(
        what='Every `startdocker` call has exactly one `-c "command line"` or `-s script`.',
        why="startdocker section (guide l.415-416): `-c` is the alternative to `-s` and only one "
        "of the two may appear; without either the container has nothing to run.",
        example='startdocker -c "python /ghome/<username>/a.py" -s /ghome/<username>/run.sh bit:5000/deepo\n',
        instead="startdocker -s /ghome/<username>/run.sh bit:5000/deepo\n",
        source="guide §3 startdocker (l.415-416)",
    ),
    check=check,
)
