"""File changes of a session container: what changed (engine diff) and when (birth/change times).

The times let the generator tell which command made each change: a path whose birth or
change time falls inside a command's run belongs to that command; one that falls between
commands, or inside an editor session, is "changed outside recorded commands".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from imagesmith.record.noise import RECORD_MOUNT, is_noise

if TYPE_CHECKING:  # pragma: no cover
    from imagesmith.engine import Engine

# Human-readable birth/change times (%w %z) carry nanoseconds on every GNU stat version.
STAT_FORMAT = r"%n\t%F\t%a\t%s\t%u\t%g\t%w\t%z\0"
FILE_TYPES = {"regular file": "f", "regular empty file": "f", "directory": "d", "symbolic link": "l"}


@dataclass
class PathChange:
    kind: str  # "A" added, "C" changed, "D" deleted
    path: str
    ftype: str | None = None  # f, d, l, o (other); None when unknown (deleted, no stat)
    mode: int | None = None
    size: int | None = None
    uid: int | None = None
    gid: int | None = None
    btime_us: int | None = None
    ctime_us: int | None = None

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def _micro(text: str) -> int | None:
    """`2026-11-29 03:05:53.490398739 +0000` -> microseconds since the epoch ('-' -> None)."""
    from datetime import datetime

    m = re.fullmatch(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)(?:\.(\d+))? ([+-]\d{4})", text.strip())
    if not m:
        return None
    stamp = datetime.strptime(f"{m.group(1)} {m.group(3)}", "%Y-%m-%d %H:%M:%S %z")
    micros = int((m.group(2) or "0")[:6].ljust(6, "0"))
    return int(stamp.timestamp()) * 1_000_000 + micros


def parse_stat_output(text: str) -> dict[str, PathChange]:
    out: dict[str, PathChange] = {}
    for record in text.split("\0"):
        cols = record.rsplit("\t", 7)
        if len(cols) != 8:
            continue
        path, ftype, mode, size, uid, gid, btime, ctime = cols
        try:
            out[path] = PathChange("?", path, FILE_TYPES.get(ftype, "o"), int(mode, 8), int(size),
                                   int(uid), int(gid), _micro(btime), _micro(ctime))
        except ValueError:
            continue
    return out


def collect_changes(engine: Engine, container: str, scratch: Path) -> list[PathChange]:
    """Non-noise changes of a running container, with times when the container's `stat` can say.

    `scratch` is the host side of the record mount (the path list goes through it, so the
    container's own filesystem is left untouched). Times are None where `stat` cannot say.
    """
    diff = [(kind, path) for kind, path in engine.diff(container) if not is_noise(path)]
    present = [path for kind, path in diff if kind != "D"]
    list_file = scratch / "changed-paths.list"
    list_file.write_bytes(b"".join(p.encode("utf-8", "surrogateescape") + b"\0" for p in present))
    script = f"xargs -0 stat --printf '{STAT_FORMAT}' < {RECORD_MOUNT}/changed-paths.list"
    result = engine.exec(container, ["sh", "-c", script])
    list_file.unlink(missing_ok=True)
    stats = parse_stat_output(result.stdout)
    changes = []
    for kind, path in diff:
        info = stats.get(path)
        if info is not None:
            info.kind = kind
            changes.append(info)
        else:
            changes.append(PathChange(kind, path))
    return changes
