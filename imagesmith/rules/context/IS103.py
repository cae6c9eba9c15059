"""IS103 copy-outside-context: a COPY/ADD source leaves the build folder (`..` or a symlink)."""

from __future__ import annotations

from typing import Iterable

from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.model import ParsedDockerfile
from imagesmith.model.context import State, clean_source, context_of, copy_sources
from imagesmith.rules.base import Hit, Rule, RuleDoc


def check(parsed: ParsedDockerfile, profile: Profile) -> Iterable[Hit]:
    context = context_of(parsed)
    for src in copy_sources(parsed):
        ins = src.instruction
        if src.unknown is not None:
            continue  # IS104 says it cannot be resolved
        inside, leaves = clean_source(src.source)
        if leaves:
            yield Hit(
                f"{ins.cmd} source `{src.source}` points outside the build folder (the classic "
                f"builder refuses it; BuildKit silently reads `{inside or '.'}` from the folder)",
                line=ins.line,
                end_line=ins.end_line,
                help="copy the file into the build folder and name it relative to it",
                subject=src.source,
                data={"source": src.source},
            )
            continue
        if context is None:
            continue
        match = context.resolve(src.source)
        for link in match.escapes:
            got = (
                f"reads the build folder's own `{link.in_context or '.'}` instead"
                if match.state is State.FOUND
                else "finds nothing"
            )
            yield Hit(
                f"{ins.cmd} source `{src.source}` goes through the symlink `{link.path}` -> "
                f"{link.target}, outside the build folder: the build never sees that target "
                f"({link.note}) and {got}",
                line=ins.line,
                end_line=ins.end_line,
                help=f"replace the link by a copy of what it points to (cp -rL {link.path} ...)",
                subject=src.source,
                data={"source": src.source, "link": link.path, "target": link.target},
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

