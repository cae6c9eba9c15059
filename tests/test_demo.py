"""The README's main job: `imagesmith demo` on the bundled example, with the real engine."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

from tests.conftest import run_cli


def test_demo_runs_every_step_as_expected(test_env: None, tmp_path: Path) -> None:
    res = run_cli("demo", "--workdir", str(tmp_path), "--engine", "on")
    assert res.exit_code == 0, res.stdout[-3000:] + res.stderr[-2000:]
    assert "demo finished: 10/10 steps as expected" in res.stdout
    # What the steps left behind is real: a bundle, an HTML review, a build log.
    with tarfile.open(tmp_path / "request.tar.gz") as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("MANIFEST.json"))  # type: ignore[arg-type]
    assert "dockertmp/Dockerfile" in names and "REQUEST.md" in names
    assert manifest["base_image"]["ref"] == "bit:5000/nvidia-tensorflow-17.05"
    html = (tmp_path / "review.html").read_text()
    assert "ACCEPT" in html.upper() and "http://" not in html and "https://" not in html
    assert "IS105" in res.stdout and "IS605" in res.stdout  # the broken original's findings
    assert "verify bit:5000/userx-tf-cudnn5:demo" in res.stdout and "\npassed" in res.stdout


def test_demo_without_engine_skips_only_engine_steps(tmp_path: Path) -> None:
    res = run_cli("demo", "--workdir", str(tmp_path), "--engine", "off")
    assert res.exit_code == 0, res.stdout[-3000:]
    assert "8/10 steps as expected, 2 skipped without an engine" in res.stdout
