"""IS709 startdocker-mount-too-broad: -P / -D (or -v) at /ghome, /gdata or higher."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable

from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.parse.jobscript import ParsedJobScript
from imagesmith.rules.base import Hit, Rule, RuleDoc
from imagesmith.rules.jobs import GROUP, INPUT_KIND, top_dirs, user_roots


def check(parsed: ParsedJobScript, profile: Profile) -> Iterable[Hit]:
    tops = top_dirs(profile)
    example = profile.paths.data.replace("{user}", "<user>")
    for sd in parsed.startdockers:
        for mount in sd.mounts:
            source = mount.source.rstrip("/") or "/"
            if not source.startswith("/") or posixpath.normpath(source) not in tops:
                continue
            yield Hit(
                f"`{mount.option} {mount.source}` mounts the whole of {source} (every user's files) "
                "into the container",
                line=sd.line,
                end_line=sd.end_line,
                help=f"mount your own folder or below, e.g. `{mount.option} {example}` "
                f"({', '.join(t.replace('{user}', '<user>') for t in user_roots(profile))})",
                data={"option": mount.option, "path": mount.source},
            )


RULE = Rule(
    code="IS709",
    name="startdocker-mount-too-broad",
    severity=Severity.WARNING,
    group=GROUP,
    input_kind=INPUT_KIND,
    doc=RuleDoc(
        what="The folders startdocker mounts (`-P`, `-D`, and `-v` sources in `-u`) are at least a "
        "user's folder (`/gdata/<user>`), never `/`, `/ghome` or `/gdata` themselves.",
        why="startdocker section (guide l.442): -D and -P should not be top-level folders such as "
        "/gdata or /ghome, but at least the user's own level such as /gdata/userx.",
        example="startdocker -D /gdata -s /ghome/<username>/run.sh bit:5000/deepo_9\n",
        instead="startdocker -D /gdata/<username> -s /ghome/<username>/run.sh bit:5000/deepo_9\n",
        source="guide §3 startdocker (l.419-442)",
    ),
    check=check,
)
