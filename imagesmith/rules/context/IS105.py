"""IS105 add-archive-extracted: ADD of a local tar archive unpacks it."""

from __future__ import annotations

import posixpath
from typing import Iterable

from imagesmith.analysis.installs import ArchiveAdd, archives, run_commands
from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.model import ParsedDockerfile
from imagesmith.rules.base import Hit, Rule, RuleDoc


def archive_path(add: ArchiveAdd, parsed: ParsedDockerfile) -> str:
    """Where the archive would sit in the image had it been copied, not unpacked."""
    name = posixpath.basename(add.source.rstrip("/"))
    if add.dest.endswith("/") or add.dest in (".", "/"):
        return posixpath.join(add.dest, name)
    return add.dest


def later_uses(parsed: ParsedDockerfile, add: ArchiveAdd, path: str) -> list[int]:
    """Lines of later RUN commands in the same stage that use `path` as a file."""
    lines = []
    for rc in run_commands(parsed):
        if (
            rc.instruction.stage == add.stage
            and rc.line > add.line
            and any(path in w for w in rc.command.argv)
        ):
            lines.append(rc.line)
    return sorted(set(lines))


def check(parsed: ParsedDockerfile, profile: Profile) -> Iterable[Hit]:
    for add in archives(parsed):
        if not add.extracted:
            continue
        stage = parsed.stages[add.stage] if 0 <= add.stage < len(parsed.stages) else None
        if stage is not None and stage.base.lower() == "scratch" and add.dest.rstrip("/") == "":
            continue  # a root file system unpacked into an empty image: extraction is the point
        path = archive_path(add, parsed)
        uses = later_uses(parsed, add, path)
        how = "by its content" if add.by_content else "by its name"
        base = (
            f"ADD unpacks the local archive `{add.source}` (a {add.format} archive, recognised "
            f"{how}) into {add.dest}"
        )
        instead = f"COPY {add.source} {add.dest}"
        if uses:
            yield Hit(
                f"{base}; line {uses[0]} then uses {path} as a file, which does not exist",
                line=add.line,
                severity=Severity.ERROR,
                help=f"use `{instead}` to keep the archive as a file, or drop the later tar step",
                subject=add.source,
                data={"source": add.source, "path": path, "used_on": uses},
            )
        else:
            yield Hit(
                f"{base}; if you meant to copy the file, this is not what happens",
                line=add.line,
                severity=Severity.INFO,
                help=f"to keep the archive as a file use `{instead}`; to unpack, say so with "
                f"`ADD --unpack=true` or COPY + tar",
                subject=add.source,
                data={"source": add.source, "path": path},
            )


RULE = Rule(
    code="IS105",
    name="add-archive-extracted",
    severity=Severity.WARNING,
    group="build-folder",
    doc=RuleDoc(
        what="ADD of a local tar archive (plain, gzip, bzip2 or xz, recognised by the file's "
        "content when the build folder is known, else by its name) unpacks it into the "
        "destination. An error when a later RUN uses the archive's path as a file, since that "
        "file never exists; otherwise an info note. A root file system unpacked into "
        "`FROM scratch` at / is not reported.",
        why="The guide's own request (l.578-588) does `ADD cuda8-cudnn5.tar /tmp/` and then "
        "`tar zxvf /tmp/cuda8-cudnn5.tar`: Docker has already unpacked it, so the build fails. "
        "hadolint and Trivy skip archive sources, and hadolint even recommends ADD for them.",
        example="FROM bit:5000/nvidia-tensorflow-17.05\nADD cuda8-cudnn5.tar /tmp/\n"
        "RUN tar xvf /tmp/cuda8-cudnn5.tar -C /usr/local/\n",
        instead="FROM bit:5000/nvidia-tensorflow-17.05\nCOPY cuda8-cudnn5.tar /tmp/\n"
        "RUN tar xvf /tmp/cuda8-cudnn5.tar -C /usr/local/ && rm /tmp/cuda8-cudnn5.tar\n",
        source="guide example (l.574-591)",
    ),
    check=check,
)
