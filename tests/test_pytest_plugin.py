"""The pytest plugin as a user runs it: a separate pytest process in a project of its own, on
the real engine; paths resolve the same from the project root and from tests/, and a lint
failure lists the findings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

TEST = '''
def test_image(imagesmith_image):
    image = imagesmith_image("dockertmp")
    result = image.run("cat /opt/marker")
    assert result.exit_code == 0 and "marked" in result.stdout
'''

BROKEN = '''
def test_broken(imagesmith_image):
    imagesmith_image("broken")
'''


def _project(tmp_path: Path) -> Path:
    proj = tmp_path / "proj"
    (proj / "tests").mkdir(parents=True)
    (proj / "pytest.ini").write_text("[pytest]\n")
    folder = proj / "dockertmp"
    folder.mkdir()
    (folder / "Dockerfile").write_text(
        "FROM bit:5000/deepo_9\nENV TZ=Asia/Shanghai\nRUN echo marked > /opt/marker\n")
    broken = proj / "broken"
    broken.mkdir()
    (broken / "Dockerfile").write_text("FROM bit:5000/deepo_9\nRUN apt-get install curl\n")
    (proj / "tests" / "test_img.py").write_text(TEST)
    (proj / "tests" / "test_broken.py").write_text(BROKEN)
    return proj


def _pytest(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
                          cwd=cwd, capture_output=True, text=True, timeout=600)


def test_paths_resolve_from_the_root_and_from_tests(tmp_path: Path, test_env: None) -> None:
    proj = _project(tmp_path)
    for cwd, target in ((proj, "tests/test_img.py"), (proj / "tests", "test_img.py")):
        res = _pytest(cwd, target)
        assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]


def test_a_lint_failure_lists_the_findings(tmp_path: Path, test_env: None) -> None:
    proj = _project(tmp_path)
    res = _pytest(proj, "tests/test_broken.py")
    assert res.returncode == 1
    assert "IS601 error line 2" in res.stdout and "lint=False" in res.stdout, res.stdout[-3000:]
    assert "--no-lint" not in res.stdout
