"""One admin policy for a stranger's bundle: review and `build BUNDLE` lint it the same way
(pragmas off, no imagesmith.toml from the bundle), so the build refuses what review reports."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli


def test_build_of_a_bundle_ignores_the_requesters_pragmas(tmp_path: Path, meta_file: Path) -> None:
    folder = tmp_path / "dockertmp"
    folder.mkdir()
    (folder / "Dockerfile").write_text(
        "FROM bit:5000/deepo_9\n"
        "# imagesmith: ignore=IS601 -- the requester silenced it\n"
        "RUN apt-get install curl\n")
    (folder / "imagesmith.toml").write_text('[lint]\nignore = ["IS601"]\n')
    assert run_cli("lint", "--fail-on", "error", str(folder / "Dockerfile")).exit_code == 0  # silenced
    bundle = tmp_path / "req.tar.gz"
    res = run_cli("package", str(folder), "-o", str(bundle), "--meta", str(meta_file))
    assert res.exit_code == 0, res.stderr
    review = run_cli("review", str(bundle), "--format", "json")
    reviewed = {f["code"] for f in json.loads(review.stdout)["lint"]["findings"]
                if f["severity"] == "error"}
    assert "IS601" in reviewed
    build = run_cli("build", str(bundle), "--format", "json")
    assert build.exit_code == 1, build.stderr
    events = [json.loads(line) for line in build.stdout.splitlines() if line.startswith("{")]
    result = events[-1]
    built = {f["code"] for f in result["lint_findings"]}
    assert built == reviewed
    assert "pragmas off" in build.stdout + build.stderr


def test_build_refuses_what_review_rejects_unless_overridden(tmp_path: Path, meta_file: Path,
                                                             test_env: None) -> None:
    from tests.conftest import BUSYBOX

    folder = tmp_path / "dockertmp"
    folder.mkdir()
    (folder / "Dockerfile").write_text(f"FROM {BUSYBOX}\nRUN echo hi\n")  # not a catalog base
    bundle = tmp_path / "req.tar.gz"
    assert run_cli("package", str(folder), "-o", str(bundle), "--meta", str(meta_file),
                   "--force").exit_code == 0
    assert json.loads(run_cli("review", str(bundle), "--format", "json").stdout)["verdict"] == "reject"
    refused = run_cli("build", str(bundle), "--no-lint", "-t", "imagesmith-test/rejected:1")
    assert refused.exit_code == 1 and "review rejects this bundle" in refused.stderr
    assert "--override-review" in refused.stderr
    built = run_cli("build", str(bundle), "--no-lint", "--override-review", "-t",
                    "imagesmith-test/rejected:1")
    assert built.exit_code == 0, built.stderr
    log = (tmp_path / "req.tar.gz.build.log")
    logs = [p for p in tmp_path.glob("*.build.log")]
    text = (log if log.exists() else logs[0]).read_text()
    assert "REVIEW VERDICT REJECT OVERRIDDEN by --override-review" in text
