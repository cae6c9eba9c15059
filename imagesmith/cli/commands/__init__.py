"""Subcommand modules. Add a new subcommand as one module here and one name below."""

from __future__ import annotations

import importlib

# Order is the order in `imagesmith --help`.
COMMAND_MODULES: tuple[str, ...] = (
    "profile",
    "demo",
)


def register_all() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(f"{__name__}.{name}")
