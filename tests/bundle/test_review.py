"""`imagesmith review` as a real process on bundles made by `imagesmith package`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import IN_CI, run_cli


def _package(folder: Path, meta: Path, out: Path, *extra: str) -> Path:
    res = run_cli("package", str(folder), "-o", str(out), "--meta", str(meta), "-q", *extra)
    assert res.exit_code == 0, res.stderr
    return out


def test_corrected_guide_example_is_accepted(fixed_request: Path, meta_file: Path,
                                             tmp_path: Path) -> None:
    bundle = _package(fixed_request, meta_file, tmp_path / "req.tar.gz")
    res = run_cli("review", str(bundle))
    assert res.exit_code == 0, res.stdout + res.stderr
    assert "verdict: ACCEPT" in res.stdout
    assert "~ LD_LIBRARY_PATH:" in res.stdout
    assert "compat per node group:\n  G101-G125 (GeForce GTX 1080 Ti): runs" in res.stdout
    data = json.loads(run_cli("review", str(bundle), "--format", "json").stdout)
    assert data["verdict"] == "accept" and data["reasons"] == []
    assert data["request"]["name"] == "张三 Zhang San"
    assert data["base_image"]["in_catalog"] is True


def test_broken_guide_example_needs_changes(broken_request: Path, meta_file: Path,
                                            tmp_path: Path) -> None:
    bundle = _package(broken_request, meta_file, tmp_path / "req.tar.gz", "--force")
    res = run_cli("review", str(bundle), "--format", "json")
    assert res.exit_code == 1
    data = json.loads(res.stdout)
    assert data["verdict"] in ("needs changes", "reject")
    assert any("lint error" in r for r in data["reasons"])
    assert "the requester packaged it with --force despite lint errors" in data["notes"]
    pip = {p["name"]: p["version"] for p in data["installs"]["packages"] if p["manager"] == "pip"}
    assert pip.get("tensorflow-gpu") == "1.0.0"
    assert data["env_changes"]["changed"]["CUDNN_VERSION"] == {"base": "6.0.21", "request": "5.0"}


def test_base_image_outside_the_catalog_is_rejected(tmp_path: Path, meta_file: Path) -> None:
    folder = tmp_path / "dockertmp"
    folder.mkdir()
    (folder / "Dockerfile").write_text("FROM imagesmith/debian:bookworm\nENV TZ=Asia/Shanghai\n")
    bundle = _package(folder, meta_file, tmp_path / "req.tar.gz", "--force")
    res = run_cli("review", str(bundle))
    assert res.exit_code == 1
    assert "verdict: REJECT" in res.stdout
    assert "base image imagesmith/debian:bookworm is not a cluster image" in res.stdout


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [v or "" for k, v in attrs if k in ("src", "href", "srcset", "action")]


@pytest.fixture()
def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if IN_CI:
            pytest.fail("chromium missing: scripts/test-env.sh installs it", pytrace=False)
        pytest.skip("chromium not installed (scripts/test-env.sh installs it)")
    return found


def test_html_page_is_self_contained_and_shows_the_verdict(chromium: str, broken_request: Path,
                                                            meta_file: Path, tmp_path: Path) -> None:
    bundle = _package(broken_request, meta_file, tmp_path / "req.tar.gz", "--force")
    page = tmp_path / "review.html"
    res = run_cli("review", str(bundle), "--html", str(page), "--lang", "en")
    assert res.exit_code == 1
    html = page.read_text(encoding="utf-8")
    links = _Links()
    links.feed(html)
    assert not [u for u in links.urls if u.startswith(("http:", "https:", "//"))]
    assert "url(" not in html and "<script" not in html and "@import" not in html
    shot = tmp_path / "review.png"
    base = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}", "--host-resolver-rules=MAP * ~NOTFOUND"]
    env = {**os.environ, "HOME": str(tmp_path)}
    dom = subprocess.run([*base, "--dump-dom", page.as_uri()], capture_output=True, text=True,
                         timeout=60, env=env, check=False)
    assert 'data-verdict="needs changes"' in dom.stdout or 'data-verdict="reject"' in dom.stdout
    assert "Image request review" in dom.stdout and "tensorflow-gpu" in dom.stdout
    subprocess.run([*base, f"--screenshot={shot}", "--window-size=1100,1400", page.as_uri()],
                   capture_output=True, timeout=60, env=env, check=True)
    assert shot.stat().st_size > 10_000
    keep = os.environ.get("IMAGESMITH_KEEP_SCREENSHOT")
    if keep:
        shutil.copy(shot, keep)


def test_a_request_cannot_hide_its_findings_with_pragmas(broken_request: Path, meta_file: Path,
                                                         tmp_path: Path) -> None:
    dockerfile = broken_request / "Dockerfile"
    dockerfile.write_text("# imagesmith: ignore-file=IS -- trust me\n" + dockerfile.read_text())
    bundle = _package(broken_request, meta_file, tmp_path / "req.tar.gz")  # no --force needed
    res = run_cli("review", str(bundle), "--format", "json")
    assert res.exit_code == 1
    data = json.loads(res.stdout)
    assert data["claimed"]["lint"]["counts"]["error"] == 0 and data["claimed"]["forced"] is False
    errors = [f for f in data["lint"]["findings"] if f["severity"] == "error"]
    assert errors and data["verdict"] != "accept"
    assert f"the bundle claimed 0 lint error(s); re-lint finds {len(errors)}" in data["notes"]


def test_terminal_escapes_from_a_bundle_are_neutralised(tmp_path: Path) -> None:
    from tests.bundle.craft import Craft

    bundle = Craft(request={"name": "evil\x1b[2J\x1b[Hverdict: ACCEPT"}).write(tmp_path / "b.tar.gz")
    res = run_cli("review", str(bundle))
    assert "\x1b" not in res.stdout
    assert "evil\\x1b[2J\\x1b[Hverdict: ACCEPT" in res.stdout


def _screenshot(chromium: str, tmp_path: Path, html: str, name: str) -> bytes:
    page = tmp_path / f"{name}.html"
    page.write_text(html, encoding="utf-8")
    shot = tmp_path / f"{name}.png"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    f"--user-data-dir={tmp_path / 'profile'}", "--host-resolver-rules=MAP * ~NOTFOUND",
                    f"--screenshot={shot}", "--window-size=400,120", page.as_uri()],
                   capture_output=True, timeout=60, env={**os.environ, "HOME": str(tmp_path)}, check=True)
    return shot.read_bytes()


def test_the_review_page_shows_the_dockerfile_pragmas_tests_and_speaks_chinese(
        chromium: str, broken_request: Path, meta_file: Path, tmp_path: Path) -> None:
    dockerfile = broken_request / "Dockerfile"
    dockerfile.write_text("# imagesmith: ignore-file=IS105 -- the tar is fine\n" + dockerfile.read_text())
    (broken_request / "imagesmith.toml").write_text(
        '[[tests]]\nname = "python"\nrun = "python -c pass"\n')
    bundle = _package(broken_request, meta_file, tmp_path / "req.tar.gz", "--force")
    text = run_cli("review", str(bundle)).stdout
    assert "Dockerfile (findings inline, pragmas disabled):" in text
    assert "     1 | # imagesmith: ignore-file=IS105 -- the tar is fine" in text
    assert "pragmas in the request (disabled for this review):" in text and "(by " in text
    assert any(line.strip().startswith("^ error IS105") for line in text.splitlines())
    page = tmp_path / "zh.html"
    res = run_cli("review", str(bundle), "--html", str(page), "--lang", "zh")
    assert res.exit_code == 1
    html = page.read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in html and "镜像申请审核" in html
    assert 'id="dockerfile"' in html and 'data-code="IS105"' in html
    assert 'id="pragmas"' in html and "the tar is fine" in html
    assert 'id="smoke-tests"' in html and "python -c pass" in html
    en = tmp_path / "en.html"
    run_cli("review", str(bundle), "--html", str(en), "--lang", "en")
    assert '<html lang="en">' in en.read_text(encoding="utf-8")
    assert run_cli("review", str(bundle), "--lang", "fr").exit_code == 2
    # the page's font stack renders Chinese: its glyphs differ from the boxes a missing font
    # draws (private-use code points), which they would equal without a CJK font
    style = "<body style='font: 40px system-ui, \"WenQuanYi Zen Hei\", sans-serif; margin: 0'>"
    cjk = _screenshot(chromium, tmp_path, f"<meta charset=utf-8>{style}申请人审核</body>", "cjk")
    tofu = _screenshot(chromium, tmp_path, f"<meta charset=utf-8>{style}\ue000\ue001\ue002"
                                           "\ue003\ue004</body>", "tofu")
    assert cjk != tofu
