"""IS606 bashism-in-sh: `source`, `[[` and friends in RUN, which runs /bin/sh (dash)."""

from __future__ import annotations

import re
from typing import Iterable

from imagesmith.analysis.installs import run_commands
from imagesmith.analysis.shellcheck import shell_sources
from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.model import ParsedDockerfile
from imagesmith.parse.shell import parse_shell
from imagesmith.rules.base import Hit, Rule, RuleDoc

_BASH_ONLY = {"source", "shopt", "pushd", "popd", "declare", "typeset"}
_DOUBLE_BRACKET = re.compile(r"(^|[\s;&|(])\[\[\s")


def check(parsed: ParsedDockerfile, profile: Profile) -> Iterable[Hit]:
    sh_runs = {
        src.instruction.line for src in shell_sources(parsed) if src.dialect in ("sh", "dash")
    }
    seen: set[tuple[int, str]] = set()
    for rc in run_commands(parsed):
        ins = rc.instruction
        if rc.command.in_substitution or rc.shell not in ("sh", "dash"):
            continue
        if not rc.nested and ins.line not in sh_runs:
            continue
        word = rc.name
        if word in _BASH_ONLY and (ins.line, word) not in seen:
            seen.add((ins.line, word))
            fix = "`. FILE`" if word == "source" else 'bash: SHELL ["/bin/bash", "-c"]'
            yield Hit(
                f"`{word}` is a bash builtin; RUN uses /bin/sh, which is dash on Ubuntu images: "
                f'"{word}: not found"',
                line=rc.line,
                help=f"use {fix}",
                data={"bashism": word},
            )
    for ins in parsed.of("RUN"):
        script = ins.shell_script
        if (
            ins.line in sh_runs
            and script
            and _DOUBLE_BRACKET.search(script)
            and not parse_shell(script).exact
        ):
            yield Hit(
                '`[[ ... ]]` is bash syntax; /bin/sh (dash) fails with "[[: not found"',
                line=ins.line_of("[["),
                help='use `[ ... ]`, or SHELL ["/bin/bash", "-c"]',
                data={"bashism": "[["},
            )


RULE = Rule(
    code="IS606",
    name="bashism-in-sh",
    severity=Severity.ERROR,
    group="run",
    doc=RuleDoc(
        what="A RUN under the default /bin/sh uses bash-only syntax: `source`, `[[ ]]`, shopt, "
        "pushd/popd, declare. Skipped when SHELL selects bash or a heredoc starts with a bash "
        "shebang.",
        why="The cluster's images are Ubuntu, where /bin/sh is dash; records taken in an "
        "interactive bash (guide step 2, l.567) often carry bash habits such as `source "
        "~/.bashrc` (FAQ l.792-796) that fail in the admins' build.",
        example="FROM bit:5000/deepo_9\nRUN source /opt/env.sh && make\n",
        instead="FROM bit:5000/deepo_9\nRUN . /opt/env.sh && make\n",
        source="guide step 2 (l.567), FAQ l.792-796",
    ),
    check=check,
)
