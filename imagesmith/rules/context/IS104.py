"""IS104 copy-missing-source: a COPY/ADD source matches no file of the build folder."""

from __future__ import annotations

from typing import Iterable

from imagesmith.analysis.context import context_files, dockerignore, local_sources, source_matches
from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.parse.dockerfile import ParsedDockerfile
from imagesmith.rules.base import Hit, Rule, RuleDoc


def check(parsed: ParsedDockerfile, profile: Profile) -> Iterable[Hit]:
    context = parsed.context_dir
    if context is None:
        return
    files = context_files(context)
    ignored = dockerignore(context)
    for src in local_sources(parsed):
        if src.outside:
            continue  # IS103
        matched = [f for f in files if source_matches(src.normalized, f)]
        ins = src.instruction
        if not matched:
            yield Hit(
                f"{ins.cmd} source `{src.source}` matches nothing in the build folder {context}",
                line=ins.line,
                end_line=ins.end_line,
                help=f"put `{src.source}` into the build folder (or fix the name)",
                data={"source": src.source},
            )
        elif matched and ignored is not None and all(ignored(f) for f in matched):
            yield Hit(
                f"{ins.cmd} source `{src.source}` matches only files that .dockerignore excludes",
                line=ins.line,
                end_line=ins.end_line,
                help="remove the pattern from .dockerignore or the COPY",
                data={"source": src.source},
            )


RULE = Rule(
    code="IS104",
    name="copy-missing-source",
    severity=Severity.ERROR,
    group="build-folder",
    doc=RuleDoc(
        what="A COPY or ADD source matches no file in the build folder, or only files that "
        "`.dockerignore` excludes from the build context.",
        why="Every file the build needs must be copied into dockertmp beforehand (guide step 3, "
        "l.568-569); a missing one stops the admins' build at that step.",
        example="dockertmp/\n  Dockerfile:  COPY ./my.zip /userx/   (my.zip not in the folder)\n",
        instead="dockertmp/\n  Dockerfile:  COPY ./my.zip /userx/\n  my.zip\n",
        source="guide step 3-3.1 (l.568-569)",
    ),
    check=check,
    needs_context=True,
)
