"""Locate shipped resources: templates, recipes and examples, installed or from a checkout."""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent.parent


def _first_existing(*candidates: Path) -> Path:
    for c in candidates:
        if c.exists():
            return c
    return candidates[0]


def templates_dir() -> Path:
    # In a wheel they sit inside the package; in a checkout, beside it.
    return _first_existing(_PKG / "templates", _PKG.parent / "templates")


def recipes_dir() -> Path:
    return _first_existing(_PKG / "recipes", _PKG.parent / "recipes")


def example_dir(name: str) -> Path:
    return _first_existing(_PKG / "examples" / name, _PKG.parent / "examples" / name)
