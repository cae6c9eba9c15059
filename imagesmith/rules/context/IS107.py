"""IS107 context-unused-file: files in the build folder that no COPY/ADD uses."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.model import ParsedDockerfile
from imagesmith.model.context import State, context_of, copy_sources, resolve_all
from imagesmith.rules.base import Hit, Rule, RuleDoc

_TOOL_FILES = {
    ".dockerignore",
    "imagesmith.toml",
    ".imagesmith.toml",
    "README.md",
    "request.md",
    "REQUEST.md",
}
_TOOL_FOLDERS = {".git"}  # version control, not the request
_MAX_LISTED = 20


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n} B"


def check(parsed: ParsedDockerfile, profile: Profile) -> Iterable[Hit]:
    context = context_of(parsed)
    if context is None:
        return
    used: set[str] = set()
    for src, match in resolve_all(context, copy_sources(parsed)):
        if match.state is State.UNKNOWN:
            yield Hit(
                f"which files of the build folder are unused is unknown: {src.instruction.cmd} "
                f"source `{src.written}` (line {src.instruction.line}) cannot be resolved "
                f"({match.reason})",
                data={"unknown": match.reason, "source": src.written},
            )
            return
        used |= match.used
    if context.incomplete is not None:
        yield Hit(
            f"unused files are listed only for the part of the build folder that was read: "
            f"{context.incomplete}",
            data={"incomplete": context.incomplete},
        )
    try:
        own = {Path(parsed.path).resolve().relative_to(context.root.resolve()).as_posix()}
    except ValueError:
        own = set()
    unused = [
        f
        for f in context.files
        if f not in own
        and f not in _TOOL_FILES
        and f.split("/", 1)[0] not in _TOOL_FOLDERS
        and f not in used
        and not context.excluded(f)
    ]
    for rel in unused[:_MAX_LISTED]:
        size = context.entries[rel].size
        yield Hit(
            f"`{rel}` ({_size(size)}) is in the build folder but no COPY/ADD uses it",
            help="remove it from the build folder, or add it to .dockerignore",
            data={"file": rel, "bytes": size},
        )
    if len(unused) > _MAX_LISTED:
        yield Hit(
            f"... and {len(unused) - _MAX_LISTED} more unused files",
            data={"more": len(unused) - _MAX_LISTED},
        )


RULE = Rule(
    code="IS107",
    name="context-unused-file",
    severity=Severity.INFO,
    group="build-folder",
    doc=RuleDoc(
        what="Files in the build folder that no COPY or ADD brings into the image, with their "
        "size (files excluded by .dockerignore are not counted).",
        why="The whole folder is sent to the builder and handed to the admins (guide step 3-4, "
        "l.568-570); forgotten files waste their disk and time and often hint at a COPY that "
        "was meant but never written.",
        example="dockertmp/\n  Dockerfile   (no COPY)\n  dataset.tar  (12 GiB)\n",
        instead="dockertmp/\n  Dockerfile\n",
        source="guide step 3-4 (l.568-570)",
    ),
    check=check,
    needs_context=True,
)
