"""Byte counts for people."""

from __future__ import annotations


def human_bytes(n: float) -> str:
    """`801 B`, `10.0 KiB`, `1.4 GiB`."""
    for unit in ("B", "KiB", "MiB"):
        if n < 1024:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"
