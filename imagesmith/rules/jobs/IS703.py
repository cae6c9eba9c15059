"""IS703 pbs-output-path: `-o` / `-e` files belong in /ghome/<user> or /gdata/<user>."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable

from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.parse.jobscript import ParsedJobScript
from imagesmith.rules.base import Hit, Rule, RuleDoc
from imagesmith.rules.jobs import GROUP, INPUT_KIND, expand_home, in_user_folder, user_roots

_STREAMS = {"-o": "standard output", "-e": "standard error"}


def check(parsed: ParsedJobScript, profile: Profile) -> Iterable[Hit]:
    allowed = " or ".join(t.replace("{user}", "<user>") for t in user_roots(profile))
    for d in parsed.directives:
        if d.option not in _STREAMS or not d.value:
            continue
        path = d.value.split(":", 1)[1] if ":" in d.value.split("/", 1)[0] else d.value  # host:/path
        path = expand_home(path, profile)
        if not path.startswith("/"):
            continue  # relative or $PBS_O_WORKDIR: the submission folder, in the user's home
        # A file inside a user folder, or a user folder given as a directory (`/ghome/u/`).
        if in_user_folder(posixpath.dirname(posixpath.normpath(path)), profile) or (
            path.endswith("/") and in_user_folder(path, profile)
        ):
            continue
        name = _STREAMS[d.option]
        yield Hit(
            f"`{d.option} {d.value}`: the job's {name} goes outside your folders ({allowed})",
            line=d.line,
            help=f"write it under {allowed}, e.g. `#PBS {d.option} "
            f"{profile.paths.home.replace('{user}', '<user>')}/$PBS_JOBID.{'out' if d.option == '-o' else 'err'}`",
            subject=d.value,
            data={"path": d.value},
        )


RULE = Rule(
    code="IS703",
    name="pbs-output-path",
    severity=Severity.WARNING,
    group=GROUP,
    input_kind=INPUT_KIND,
    doc=RuleDoc(
        what="`#PBS -o` and `#PBS -e` name files inside the user's folders of the profile "
        "(`/ghome/<user>/...` or `/gdata/<user>/...`). Any single name stands for the user, so "
        "the guide's `<username>` placeholder passes; relative paths (the submission folder) pass.",
        why="The PBS section (guide l.479-480, l.502-504) writes the job's output to "
        "`/ghome/<username>/$PBS_JOBID.out`. Only the user folders are shared by all nodes and "
        "writable (guide l.252, l.271-278): a file under /tmp stays on the compute node, /gpub is "
        "read-only, and /ghome itself is not yours.",
        example="#PBS -o /tmp/$PBS_JOBID.out\n#PBS -e /ghome/$PBS_JOBID.err\n",
        instead="#PBS -o /ghome/<username>/$PBS_JOBID.out\n#PBS -e /ghome/<username>/$PBS_JOBID.err\n",
        source="guide §4 PBS (l.479-480, l.502-504); storage (l.252, l.271-278)",
    ),
    check=check,
)
