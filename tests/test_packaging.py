"""The built wheel carries templates, recipes, examples and data as package data."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import REPO


def test_wheel_ships_templates_recipes_examples_and_profile(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path), str(REPO)],
        capture_output=True, text=True,
    )
    if proc.returncode != 0:  # hatchling not importable here: build in isolation instead
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(REPO)],
            capture_output=True, text=True,
        )
    assert proc.returncode == 0, proc.stderr
    (wheel,) = tmp_path.glob("imagesmith-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "imagesmith/data/profiles/default.toml" in names
    assert "imagesmith/templates/README.md" in names
    assert "imagesmith/recipes/README.md" in names
    assert "imagesmith/examples/guide-request/Dockerfile" in names
    assert "imagesmith/examples/guide-request/cuda8-cudnn5.tar" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "imagesmith = imagesmith.cli.main:main" in text
