"""Text from files and bundles made safe to show: nothing a stranger wrote may repaint a terminal,
start a forged line, reorder what is read (bidi overrides) or break the output encoding."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

# Control, format (bidi overrides, zero-width), surrogate, private use, unassigned, separators.
_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def _escape(ch: str) -> str:
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def for_terminal(text: str) -> str:
    """One line: every hidden character, newline and tab included, shown as an escape."""
    return "".join(_escape(ch) if unicodedata.category(ch) in _HIDDEN else ch for ch in text)


def for_page(text: str) -> str:
    """For HTML (escaped by the template afterwards): newlines and tabs stay, the rest of
    the hidden characters are shown as escapes."""
    return "".join(ch if ch in "\n\t" or unicodedata.category(ch) not in _HIDDEN
                   else _escape(ch) for ch in text)


def without_surrogates(text: str) -> str:
    """Lone surrogates (bytes that were not UTF-8) shown as escapes, so output stays UTF-8."""
    return "".join(_escape(ch) if "\ud800" <= ch <= "\udfff" else ch for ch in text)


def map_strings(value: Any, fn: Callable[[str], str]) -> Any:
    """`value` with `fn` applied to every string in it, keys included."""
    if isinstance(value, str):
        return fn(value)
    if isinstance(value, dict):
        return {map_strings(k, fn): map_strings(v, fn) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [map_strings(v, fn) for v in value]
    return value
