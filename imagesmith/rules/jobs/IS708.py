"""IS708 startdocker-script-not-executable: the -s script lacks the execute bit."""

from __future__ import annotations

import stat
from collections.abc import Iterable

from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.parse.jobscript import ParsedJobScript
from imagesmith.rules.base import Hit, Rule, RuleDoc
from imagesmith.rules.jobs import GROUP, INPUT_KIND, resolve_script


def check(parsed: ParsedJobScript, profile: Profile) -> Iterable[Hit]:
    for sd in parsed.startdockers:
        path = resolve_script(sd, parsed, profile)
        if path is None:
            continue
        try:
            mode = path.stat().st_mode
        except OSError:
            continue
        if mode & stat.S_IXUSR:
            continue
        yield Hit(
            f"the -s script {sd.script} is not executable (mode {stat.filemode(mode)}): the job "
            'fails with "exec permission denied"',
            line=sd.line,
            end_line=sd.end_line,
            help=f"run `chmod +x {sd.script}`",
            data={"script": sd.script, "file": str(path), "mode": oct(stat.S_IMODE(mode))},
        )


RULE = Rule(
    code="IS708",
    name="startdocker-script-not-executable",
    severity=Severity.ERROR,
    group=GROUP,
    input_kind=INPUT_KIND,
    doc=RuleDoc(
        what="The script given to `startdocker -s` has its owner execute bit set. Checked on disk "
        "when the path resolves (see IS707).",
        why="startdocker section (guide l.383): the script must be executable; FAQ (l.720-723): "
        'otherwise startdocker fails with "exec permission denied"; fix it with `chmod +x`.',
        example="$ ls -l run.sh\n-rw-r--r-- 1 user user 80 run.sh\n"
        "startdocker -s /ghome/<username>/run.sh bit:5000/deepo_9\n",
        instead="$ chmod +x run.sh\n-rwxr-xr-x 1 user user 80 run.sh\n"
        "startdocker -s /ghome/<username>/run.sh bit:5000/deepo_9\n",
        source="guide §3 startdocker (l.383); FAQ (l.720-723)",
    ),
    check=check,
)
