"""IS102 copy-absolute-source: COPY/ADD with an absolute source path."""

from __future__ import annotations

import re
from typing import Iterable

from imagesmith.model.context import copy_sources as local_sources
from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.model import ParsedDockerfile
from imagesmith.rules.base import Hit, Rule, RuleDoc

_ABSOLUTE = re.compile(r"^(/|~|[A-Za-z]:[\\/])")


def check(parsed: ParsedDockerfile, profile: Profile) -> Iterable[Hit]:
    folder = profile.build.folder_name
    for src in local_sources(parsed):
        if _ABSOLUTE.match(src.source):
            ins = src.instruction
            name = src.source.rstrip("/").rsplit("/", 1)[-1] or "file"
            yield Hit(
                f"{ins.cmd} source `{src.source}` is an absolute path; the build only sees "
                f"files inside the build folder ({folder})",
                line=ins.line,
                end_line=ins.end_line,
                help=f"copy the file into {folder}/ and use `{ins.cmd} ./{name} ...`",
                subject=src.source,
                data={"source": src.source},
            )


RULE = Rule(
    code="IS102",
    name="copy-absolute-source",
    severity=Severity.ERROR,
    group="build-folder",
    doc=RuleDoc(
        what="A COPY or ADD source is an absolute path (`/ghome/userx/my.zip`, `~/x`).",
        why="COPY and ADD take no absolute paths: every file the build needs must sit in the "
        "dockertmp folder and be named relative to it (guide step 3.1, l.569).",
        example="FROM bit:5000/deepo_9\nCOPY /ghome/userx/my.zip /userx/\n",
        instead="FROM bit:5000/deepo_9\nCOPY ./my.zip /userx/\n",
        source="guide step 3.1 (l.569)",
    ),
    check=check,
)
