"""Shared helpers for the lint tests: rule case files and build folders made on the fly."""

from __future__ import annotations

import io
import os
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import tomllib

CASES_DIR = Path(__file__).parent / "cases"
REPO = Path(__file__).resolve().parents[2]


def shared_dir() -> Path:
    """../shared beside the repository (or $IMAGESMITH_SHARED)."""
    env = os.environ.get("IMAGESMITH_SHARED")
    return Path(env) if env else (REPO / ".." / "shared").resolve()


def load_cases() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path in sorted(CASES_DIR.glob("IS*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for case in data["case"]:
            out.append((path.stem, case))
    return out


def make_tar(dest: Path, compress: str = "") -> None:
    payload = b"libcudnn.so.5 placeholder\n"
    with tarfile.open(dest, f"w:{compress}") as tar:
        info = tarfile.TarInfo("cuda8-cudnn5/lib64/libcudnn.so.5")
        info.size = len(payload)
        tar.addfile(info, io.BytesIO(payload))


def write_files(folder: Path, files: dict[str, str]) -> None:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if content == "@tar":
            make_tar(path)
        elif content == "@tar.gz":
            make_tar(path, "gz")
        elif content == "@zip":
            with zipfile.ZipFile(path, "w") as zf:
                zf.writestr("a.txt", "a")
        elif content.startswith("@symlink:"):
            path.symlink_to(content.split(":", 1)[1])
        else:
            path.write_text(content, encoding="utf-8")
