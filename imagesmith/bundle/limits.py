"""The one set of limits a bundle must keep: `package` refuses to write what `review` and
`build` would refuse to read, so both import these defaults and checks."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

GiB = 1 << 30

# Categories never allowed in a member name: control, format (bidi overrides), surrogate
# (a name that was not UTF-8), private use, unassigned, line and paragraph separators.
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


@dataclass(frozen=True)
class ReadLimits:
    """What a bundle may hold. A CUDA tarball is ~1.5 GB, hence the member default."""

    max_member_bytes: int = 4 * GiB
    max_total_bytes: int = 16 * GiB
    max_members: int = 20000
    max_text_bytes: int = 4 << 20  # MANIFEST.json and REQUEST.md are read into memory
    max_depth: int = 64  # path components below the bundle root
    max_path_bytes: int = 1024  # a whole member name, UTF-8
    max_component_bytes: int = 255  # NAME_MAX
    max_header_chain: int = 8  # PAX/GNU extended headers before one member
    max_json_depth: int = 32  # nesting of MANIFEST.json


BundleLimits = ReadLimits


def shown(name: str, keep: int = 80) -> str:
    """A name quoted for a one-line message, shortened when it is long."""
    if len(name) <= keep:
        return repr(name)
    return f"{name[:keep]!r}... ({len(name)} characters)"


def unsafe_char(text: str) -> str | None:
    """The first character that must not appear in a name, escaped, or None."""
    for ch in text:
        if unicodedata.category(ch) in _UNSAFE_CATEGORIES:
            return ascii(ch)[1:-1]
    return None


def name_problem(name: str, limits: ReadLimits) -> str | None:
    """Why `name` (an archive member name, '/'-separated) breaks the limits, or None."""
    bad = unsafe_char(name)
    if bad is not None:
        return f"holds the character {bad} (control, bidi, non-UTF-8 or unassigned)"
    size = len(name.encode("utf-8"))
    if size > limits.max_path_bytes:
        return f"is {size} bytes long, over the limit of {limits.max_path_bytes}"
    parts = name.split("/")
    if len(parts) > limits.max_depth:
        return f"is {len(parts)} levels deep, over the limit of {limits.max_depth}"
    for part in parts:
        if len(part.encode("utf-8")) > limits.max_component_bytes:
            return f"has a component over {limits.max_component_bytes} bytes"
    return None


def size_problem(count: int, total: int, largest: tuple[str, int] | None,
                 limits: ReadLimits) -> str | None:
    """Why a bundle of `count` members and `total` bytes breaks the limits, or None."""
    if count > limits.max_members:
        return f"more than {limits.max_members} members ({count})"
    if largest is not None and largest[1] > limits.max_member_bytes:
        return (f"member {shown(largest[0])} declares {largest[1]} bytes, over the limit of "
                f"{limits.max_member_bytes} (--max-member-bytes)")
    if total > limits.max_total_bytes:
        return f"members declare more than {limits.max_total_bytes} bytes in all"
    return None
