"""IS106 build-time-mount: RUN --mount of host files, ssh agents or secrets."""

from __future__ import annotations

import csv
from typing import Iterable

from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.model import ParsedDockerfile
from imagesmith.model.context import BuildContext, clean_source, context_of
from imagesmith.rules.base import Hit, Rule, RuleDoc


def mount_options(spec: str) -> dict[str, str]:
    """`--mount` options, split as BuildKit splits them (a CSV record of key=value fields)."""
    out: dict[str, str] = {}
    for part in next(csv.reader([spec]), []):
        key, _, value = part.partition("=")
        out[key.strip().lower()] = value.strip()
    return out


def _context_problem(context: BuildContext | None, source: str) -> str | None:
    """Why a bind mount of the build context at `source` reads from outside it, if it does."""
    _, leaves = clean_source(source or ".")
    if source.startswith("/") or leaves:
        return f"a bind mount of `{source}` from outside the build folder"
    if context is None:
        return None
    for link in context.resolve(source or ".").escapes:
        return (f"a bind mount of `{source}` through the symlink `{link.path}` -> {link.target}, "
                "outside the build folder")
    return None


def check(parsed: ParsedDockerfile, profile: Profile) -> Iterable[Hit]:
    if profile.build.volumes_allowed:
        return
    context = context_of(parsed)
    stage_names = {s.name for s in parsed.stages if s.name} | {str(s.index) for s in parsed.stages}
    for ins in parsed.of("RUN"):
        for spec in ins.flag_values("mount"):
            opts = mount_options(spec)
            kind = opts.get("type", "bind")
            source = opts.get("source", opts.get("src", ""))
            origin = opts.get("from", "")
            problem = None
            if kind in ("ssh", "secret"):
                problem = f"a {kind} mount needs --{kind} on the builder's command line"
            elif kind == "bind" and origin and origin.lower() not in stage_names:
                problem = f"a bind mount from image `{origin}`"
            elif kind == "bind" and not origin:
                problem = _context_problem(context, source)
            if problem:
                yield Hit(
                    f"RUN --mount={spec}: {problem}; the admins' build mounts nothing",
                    line=ins.line,
                    end_line=ins.end_line,
                    help="COPY the files into the image from the build folder instead",
                    data={"mount": spec},
                )


RULE = Rule(
    code="IS106",
    name="build-time-mount",
    severity=Severity.ERROR,
    group="build-folder",
    doc=RuleDoc(
        what="A RUN uses `--mount` to reach files outside the build folder: a bind mount of an "
        "absolute or `..` path or of another image, an ssh agent, or a secret. Cache mounts and "
        "bind mounts of earlier stages are fine.",
        why='"The build cannot mount volumes or file systems" (guide step 3, l.568): the '
        "admins build with no extra mounts, secrets or ssh agents.",
        example="FROM bit:5000/deepo_9\nRUN --mount=type=bind,source=/ghome/userx/data,target=/data "
        "cp /data/x /opt/\n",
        instead="FROM bit:5000/deepo_9\nCOPY ./x /opt/\n",
        source="guide step 3 (l.568)",
    ),
    check=check,
)
