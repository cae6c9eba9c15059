"""IS702 pbs-walltime-format: `walltime=HHH:MM:SS` as the guide writes it."""

from __future__ import annotations

import re
from collections.abc import Iterable

from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.parse.jobscript import ParsedJobScript, walltime_seconds
from imagesmith.rules.base import Hit, Rule, RuleDoc
from imagesmith.rules.jobs import GROUP, INPUT_KIND

# hours/days/seconds of at most 9 digits: more is no walltime (and int() of a 4,301-digit
# string raises)
_HMS = re.compile(r"^(\d{1,9}):(\d{1,2}):(\d{1,2})$")
_DHMS = re.compile(r"^(\d{1,9}):(\d{1,2}):(\d{1,2}):(\d{1,2})$")
_MS = re.compile(r"^(\d{1,9}):(\d{1,2})$")


def _check_one(value: str, line: int) -> Iterable[Hit]:
    m = _HMS.match(value)
    if m:
        if int(m.group(2)) >= 60 or int(m.group(3)) >= 60:
            yield Hit(
                f"`walltime={value}`: minutes and seconds must be below 60",
                line=line,
                help="write hours:minutes:seconds, e.g. `walltime=300:00:00`",
            )
        elif int(m.group(1)) == int(m.group(2)) == int(m.group(3)) == 0:
            yield Hit(
                "`walltime=0:00:00` leaves the job no time",
                line=line,
                help="give the expected run time, e.g. `walltime=24:00:00`",
            )
        return
    if _DHMS.match(value):
        return  # Torque's days form; unusual but unambiguous
    seconds = walltime_seconds(value)
    if seconds is None:
        yield Hit(
            f"`walltime={value}` is not a time qsub understands",
            line=line,
            help="write hours:minutes:seconds, e.g. `walltime=48:00:00` (guide l.518-521)",
        )
    elif _MS.match(value):
        yield Hit(
            f"`walltime={value}` means {value} minutes:seconds ({seconds} s), not hours:minutes",
            line=line,
            severity=Severity.WARNING,
            help=f"for hours write `walltime={value}:00`",
            data={"seconds": seconds},
        )
    else:
        yield Hit(
            f"`walltime={value}` is read as {seconds} seconds",
            line=line,
            severity=Severity.WARNING,
            help=f"write hours:minutes:seconds, e.g. `walltime={value}:00:00` for {value} hours",
            data={"seconds": seconds},
        )


def check(parsed: ParsedJobScript, profile: Profile) -> Iterable[Hit]:
    for request in parsed.resources:
        for name, value in request.items:
            if name == "walltime":
                yield from _check_one(value, request.line)


RULE = Rule(
    code="IS702",
    name="pbs-walltime-format",
    severity=Severity.ERROR,
    group=GROUP,
    input_kind=INPUT_KIND,
    doc=RuleDoc(
        what="A `walltime=` request is hours:minutes:seconds (`300:00:00`) with minutes and "
        "seconds below 60. Forms qsub rejects (`48h`, `2days`) are errors; forms it reads "
        "differently from what was probably meant (`walltime=1:30` is 90 seconds, `walltime=48` "
        "48 seconds) are warnings.",
        why="The PBS section (guide l.518-521): the default is one week; a longer job asks with "
        "`#PBS -l nodes=1:gpus=1:S,walltime=300:00:00`. A too-short walltime kills the job when "
        "it runs out; an invalid one makes qsub refuse the script.",
        example="#PBS -l nodes=1:gpus=1:S,walltime=48h\n",
        instead="#PBS -l nodes=1:gpus=1:S,walltime=48:00:00\n",
        source="guide §4 PBS (l.518-521)",
    ),
    check=check,
)
