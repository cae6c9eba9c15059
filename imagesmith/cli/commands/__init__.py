"""Subcommand modules. Add a new subcommand as one module here and its name below.

A name whose module does not exist yet is simply not registered: no command is
shown before it works.
"""

from __future__ import annotations

import importlib
import importlib.util

# Order is the order in `imagesmith --help`.
COMMAND_MODULES: tuple[str, ...] = (
    "lint",
    "rules",
    "explain",
    "compat",
    "profile",
    "record",
    "hook",
    "dockerfile",
    "build",
    "verify",
    "package",
    "review",
    "new",
    "demo",
    "lsp",
)


def register_all() -> None:
    for name in COMMAND_MODULES:
        module = f"{__name__}.{name}"
        if importlib.util.find_spec(module) is not None:
            importlib.import_module(module)
