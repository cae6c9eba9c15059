"""The proof of issue 7: package the corrected guide example -> review accepts -> build from
the bundle -> push to the local bit:5000 -> pull back -> verify passes. Real engine, real CLI."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.conftest import run_cli

pytestmark = pytest.mark.engine


def test_bundle_round_trip_through_the_registry(engine, fixed_request: Path, meta_file: Path,
                                                tmp_path: Path) -> None:
    bundle = tmp_path / "request.tar.gz"
    res = run_cli("package", str(fixed_request), "-o", str(bundle), "--meta", str(meta_file), "-q")
    assert res.exit_code == 0, res.stderr

    res = run_cli("review", str(bundle))
    assert res.exit_code == 0 and "verdict: ACCEPT" in res.stdout, res.stdout + res.stderr

    ref = f"bit:5000/imagesmith-test-bundle-{uuid.uuid4().hex[:8]}:latest"
    try:
        res = run_cli("build", str(bundle), "-t", ref, "--push")
        assert res.exit_code == 0, res.stdout[-2000:] + res.stderr[-2000:]
        engine.remove_image(ref)  # what comes back must come from the registry
        assert not engine.image_exists(ref)
        engine.pull(ref)
        assert engine.image_exists(ref)
        assert engine.image_env(ref)["LD_LIBRARY_PATH"].startswith("/usr/local/cuda8-cudnn5/lib64")

        res = run_cli("verify", ref)
        assert res.exit_code == 0, res.stdout[-3000:] + res.stderr[-2000:]
    finally:
        if engine.image_exists(ref):
            engine.remove_image(ref)
