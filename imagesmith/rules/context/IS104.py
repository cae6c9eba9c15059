"""IS104 copy-missing-source: a COPY/ADD source matches no file of the build folder."""

from __future__ import annotations

from typing import Iterable

from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.model import ParsedDockerfile
from imagesmith.model.context import State, context_of, copy_sources, resolve_all
from imagesmith.rules.base import Hit, Rule, RuleDoc


def check(parsed: ParsedDockerfile, profile: Profile) -> Iterable[Hit]:
    context = context_of(parsed)
    if context is None:
        return
    for src, match in resolve_all(context, copy_sources(parsed)):
        ins = src.instruction
        where = {"line": ins.line, "end_line": ins.end_line}
        if match.state is State.UNKNOWN:
            yield Hit(
                f"{ins.cmd} source `{src.written}` cannot be resolved, so whether the build "
                f"folder holds it is unknown: {match.reason}",
                severity=Severity.WARNING,
                help="give the variable a value in the Dockerfile (ENV or ARG with a default), "
                "or name the file literally",
                subject=src.written,
                data={"source": src.written, "unknown": match.reason},
                **where,  # type: ignore[arg-type]
            )
        elif match.leaves_context or match.escapes:
            continue  # IS103
        elif match.state is State.MISSING:
            yield Hit(
                f"{ins.cmd} source `{src.source}` matches nothing in the build folder "
                f"{context.root}: {match.reason}",
                help=f"put `{src.source}` into the build folder (or fix the name)",
                subject=src.source,
                data={"source": src.source},
                **where,  # type: ignore[arg-type]
            )
        elif match.unreadable:
            named = ", ".join(f"{path} ({why})" for path, why in match.unreadable[:5])
            more = f" and {len(match.unreadable) - 5} more" if len(match.unreadable) > 5 else ""
            yield Hit(
                f"{ins.cmd} source `{src.source}` brings what the build cannot read: "
                f"{named}{more}; sending the build context fails there",
                help="make the files readable (chmod a+r, or a folder a+rx), or leave them out "
                "with .dockerignore",
                subject=src.source,
                data={"source": src.source, "unreadable": [p for p, _ in match.unreadable]},
                **where,  # type: ignore[arg-type]
            )
        elif match.state is State.IGNORED:
            listed = ", ".join(match.ignored[:5]) + (" ..." if len(match.ignored) > 5 else "")
            yield Hit(
                f"{ins.cmd} source `{src.source}` matches only what .dockerignore excludes "
                f"({listed}): the build does not find it",
                help="remove the pattern from .dockerignore or the COPY",
                subject=src.source,
                data={"source": src.source, "ignored": list(match.ignored)},
                **where,  # type: ignore[arg-type]
            )


RULE = Rule(
    code="IS104",
    name="copy-missing-source",
    severity=Severity.ERROR,
    group="build-folder",
    doc=RuleDoc(
        what="A COPY or ADD source matches no file in the build folder, or only files that "
        "`.dockerignore` excludes from the build context, or brings a file or folder the build "
        "cannot read (open() refused); a source whose value is unknown (a "
        "variable with no value before the build) is reported as unresolved, as a warning.",
        why="Every file the build needs must be copied into dockertmp beforehand (guide step 3, "
        "l.568-569); a missing one stops the admins' build at that step.",
        example="dockertmp/\n  Dockerfile:  COPY ./my.zip /userx/   (my.zip not in the folder)\n",
        instead="dockertmp/\n  Dockerfile:  COPY ./my.zip /userx/\n  my.zip\n",
        source="guide step 3-3.1 (l.568-569)",
    ),
    check=check,
    needs_context=True,
)
