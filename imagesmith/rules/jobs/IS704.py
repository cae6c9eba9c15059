"""IS704 pbs-unknown-queue: `#PBS -q` names a queue the profile does not list."""

from __future__ import annotations

from collections.abc import Iterable

from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.parse.jobscript import ParsedJobScript
from imagesmith.rules.base import Hit, Rule, RuleDoc
from imagesmith.rules.jobs import GROUP, INPUT_KIND


def check(parsed: ParsedJobScript, profile: Profile) -> Iterable[Hit]:
    queues = profile.jobs.queues
    for d in parsed.directive("-q"):
        queue = (d.value or "").split("@", 1)[0]  # `queue@server`
        if queue in queues:
            continue
        shown = f"`{queue}`" if queue else "no queue name"
        yield Hit(
            f"`#PBS -q` gives {shown}; the cluster's queues are {', '.join(queues)}",
            line=d.line,
            help=f"use one of {', '.join(queues)}, or drop the line for the default "
            f"`{profile.jobs.default_queue}`",
            subject=queue,
            data={"queue": queue, "queues": list(queues)},
        )


RULE = Rule(
    code="IS704",
    name="pbs-unknown-queue",
    severity=Severity.ERROR,
    group=GROUP,
    input_kind=INPUT_KIND,
    doc=RuleDoc(
        what="`#PBS -q QUEUE` names a queue of the profile (`jobs.queues`; the default profile "
        "has `batch` and `mcc`).",
        why="The PBS section (guide l.526): jobs go to `batch` by default, the sample uses `mcc`. "
        "qsub refuses a script naming a queue the server does not have.",
        example="#PBS -q gpu\n",
        instead="#PBS -q mcc\n",
        source="guide §4 PBS (l.483, l.526)",
    ),
    check=check,
)
