"""IS103 copy-outside-context: a COPY/ADD source leaves the build folder (`..` or a symlink)."""

from __future__ import annotations

import os
from pathlib import Path

from typing import Iterable

from imagesmith.analysis.context import (
    context_files,
    local_sources,
    resolves_outside,
    source_matches,
)
from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.parse.dockerfile import ParsedDockerfile
from imagesmith.rules.base import Hit, Rule, RuleDoc


def check(parsed: ParsedDockerfile, profile: Profile) -> Iterable[Hit]:
    context = parsed.context_dir
    files = context_files(context) if context is not None else []
    for src in local_sources(parsed):
        ins = src.instruction
        if src.outside:
            yield Hit(
                f"{ins.cmd} source `{src.source}` points outside the build folder",
                line=ins.line,
                end_line=ins.end_line,
                help="copy the file into the build folder and name it relative to it",
                data={"source": src.source},
            )
            continue
        if context is None:
            continue
        for rel in (f for f in files if source_matches(src.normalized, f)):
            if resolves_outside(context, rel):
                yield Hit(
                    f"{ins.cmd} source `{rel}` is a symlink to {_target(context, rel)}, "
                    "outside the build folder: the build sees a dangling link or nothing",
                    line=ins.line,
                    end_line=ins.end_line,
                    help="replace the link by a copy of the file (cp -L)",
                    data={"source": rel},
                )


RULE = Rule(
    code="IS103",
    name="copy-outside-context",
    severity=Severity.ERROR,
    group="build-folder",
    doc=RuleDoc(
        what="A COPY or ADD source uses `..` to leave the build folder, or is a symlink that "
        "resolves outside it.",
        why="The build sees only the dockertmp folder and cannot mount anything else "
        "(guide step 3, l.568); Docker refuses `..` and does not follow links out of the context.",
        example="FROM bit:5000/deepo_9\nCOPY ../data/model.bin /opt/\n",
        instead="FROM bit:5000/deepo_9\nCOPY ./model.bin /opt/\n",
        source="guide step 3 (l.568)",
    ),
    check=check,
)


def _target(context: "Path", rel: str) -> str:
    link = context / rel
    try:
        return str(link.resolve())
    except (RuntimeError, OSError):
        return f"{os.readlink(link)} (a symlink loop)" if link.is_symlink() else "nowhere (a symlink loop)"
