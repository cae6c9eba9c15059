"""IS705 no-startdocker: the job's work runs on the node instead of inside Docker."""

from __future__ import annotations

from collections.abc import Iterable

from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.parse.jobscript import ParsedJobScript
from imagesmith.rules.base import Hit, Rule, RuleDoc
from imagesmith.rules.jobs import GROUP, INPUT_KIND

# Bookkeeping a job may do on the node itself: printing, moving around, small file chores.
HOUSEKEEPING = frozenset(
    """
    startdocker echo printf cat cd pushd popd pwd date hostname whoami id uname sleep true false
    : export unset set source . exit wait test [ env printenv mkdir ls touch cp mv rm ln chmod
    tee head tail wc basename dirname readlink realpath sort uniq seq read shift trap umask
    ulimit declare local return let eval
    """.split()  # noqa: SIM905 - a word list reads better as text
)


def check(parsed: ParsedJobScript, profile: Profile) -> Iterable[Hit]:
    if not parsed.startdockers:
        line = next((c.line for c in parsed.commands), parsed.directives[-1].line if parsed.directives else 1)
        yield Hit(
            "the job never calls `startdocker`: on the compute nodes work runs only inside Docker",
            line=line,
            help='run the program with `startdocker -c "python /ghome/<user>/main.py" '
            "bit:5000/deepo_9` (guide l.493, l.533)",
        )
    for jc in parsed.commands:
        name = jc.name
        if not name or name in HOUSEKEEPING or "$" in name or "`" in name:
            continue
        yield Hit(
            f"`{name}` runs on the compute node outside Docker",
            line=jc.line,
            end_line=jc.end_line,
            severity=Severity.WARNING,
            help='run it inside the container: `startdocker -c "..." IMAGE` or in the -s script',
            data={"command": name},
        )


RULE = Rule(
    code="IS705",
    name="no-startdocker",
    severity=Severity.ERROR,
    group=GROUP,
    input_kind=INPUT_KIND,
    doc=RuleDoc(
        what="A job script calls `startdocker` (an error otherwise), and runs nothing but "
        "bookkeeping outside it (a warning per command): `echo`, `cat`, `cd`, `date`, `mkdir`, "
        "`cp` and the like are fine, `python train.py` on the node is not.",
        why="The compute nodes G101-G144 run jobs only inside Docker, started by `startdocker` "
        "(guide l.237, l.369; the sample job's last line, l.493, and l.531-533). Programs run "
        "on the node itself find no framework and compete with the containers.",
        example="#PBS -l nodes=1:gpus=1:S\ncd $PBS_O_WORKDIR\npython train.py\n",
        instead="#PBS -l nodes=1:gpus=1:S\ncd $PBS_O_WORKDIR\n"
        'startdocker -c "python /ghome/<username>/train.py" bit:5000/deepo_9\n',
        source="guide §4 PBS (l.493, l.531-533); nodes (l.237)",
    ),
    check=check,
)
