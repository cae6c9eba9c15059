"""The bash hook snippet as handed to a shell: settings, the snapshot script, the hook body."""

from __future__ import annotations

import shlex
from importlib import resources

from imagesmith.record.snapshots import snapshot_script


def hook_body() -> str:
    return resources.files("imagesmith.record").joinpath("hook.bash").read_text(encoding="utf-8")


def hook_snippet(journal: str | None = None, *, snapshots: bool = True) -> str:
    """Text to `source` in bash; journal defaults to $PWD/imagesmith-journal.jsonl at source time."""
    lines = ["# imagesmith hook: source this file in bash (`source hook.sh`); exit the shell to finish."]
    if journal:
        lines.append(f"export IMAGESMITH_JOURNAL={shlex.quote(journal)}")
    lines.append(f"export IMAGESMITH_SNAPSHOTS={1 if snapshots else 0}")
    lines.append(f"__is_snapshot_script={shlex.quote(snapshot_script())}")
    return "\n".join(lines) + "\n" + hook_body()
