"""Fixtures for the bundle tests: request folders and metadata files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from imagesmith.core.resources import example_dir

META = """\
[request]
name = "张三 Zhang San"
student_id = "SA18011000"
supervisor = "李四 Li Si"
cluster = "GPU"
changes = "cuDNN 5 libraries beside the image's cuDNN 6"
account = "userx"
"""


@pytest.fixture()
def fixed_request(tmp_path: Path) -> Path:
    """The corrected guide example (examples/guide-request-fixed) plus a file it does not use."""
    folder = Path(shutil.copytree(example_dir("guide-request-fixed"), tmp_path / "dockertmp"))
    (folder / "notes.txt").write_text("not needed by the build\n")
    return folder


@pytest.fixture()
def broken_request(tmp_path: Path) -> Path:
    return Path(shutil.copytree(example_dir("guide-request"), tmp_path / "dockertmp"))


@pytest.fixture()
def meta_file(tmp_path: Path) -> Path:
    path = tmp_path / "request.toml"
    path.write_text(META, encoding="utf-8")
    return path
