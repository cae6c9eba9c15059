"""The request's smoke tests travel in the bundle: package carries them in the manifest,
review lists them, and `verify IMAGE --tests BUNDLE` runs them on the real engine."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli

TOML = '''[[tests]]
name = "python runs"
run = "python3 -c 'print(40 + 2)'"
expect_stdout = "42"

[[tests]]
name = "the marker file"
run = "cat /opt/marker"
expect_stdout = "made by the request"
'''


def test_package_review_build_verify_with_the_bundles_tests(tmp_path: Path, meta_file: Path,
                                                            test_env: None) -> None:
    folder = tmp_path / "dockertmp"
    folder.mkdir()
    (folder / "Dockerfile").write_text(
        "FROM bit:5000/deepo_9\nENV TZ=Asia/Shanghai\nRUN echo 'made by the request' > /opt/marker\n")
    (folder / "imagesmith.toml").write_text(TOML)
    bundle = tmp_path / "req.tar.gz"
    res = run_cli("package", str(folder), "-o", str(bundle), "--meta", str(meta_file), "--force")
    assert res.exit_code == 0, res.stderr
    review = run_cli("review", str(bundle), "--format", "json")
    listed = json.loads(review.stdout)["smoke_tests"]
    assert [t["name"] for t in listed] == ["python runs", "the marker file"]
    text = run_cli("review", str(bundle)).stdout
    assert "smoke tests carried (2;" in text and "`cat /opt/marker`" in text
    tag = "imagesmith-test/smoke-travel:1"
    built = run_cli("build", str(bundle), "-t", tag, "--no-lint")
    assert built.exit_code == 0, built.stderr[-2000:]
    verified = run_cli("verify", tag, "--tests", str(bundle), "--format", "json")
    checks = {c["name"]: c for c in json.loads(verified.stdout)["checks"]}
    assert checks["smoke: python runs"]["passed"] and checks["smoke: the marker file"]["passed"], checks
    broken = tmp_path / "broken.toml"
    broken.write_text('[[tests]]\nname = "x"\nrun = "cat /opt/marker"\nexpect_stdout = "something else"\n')
    failed = run_cli("verify", tag, "--tests", str(broken), "--format", "json")
    assert failed.exit_code == 1
