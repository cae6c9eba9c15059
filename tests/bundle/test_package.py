"""`imagesmith package` as a real process: what it carries, refuses, asks and records."""

from __future__ import annotations

import json
import sys
import tarfile
from pathlib import Path

from tests.conftest import run_cli, sigint_default


def _members(bundle: Path) -> list[str]:
    import gzip

    with gzip.open(bundle) as gz, tarfile.open(fileobj=gz, mode="r|") as tar:
        return [m.name for m in tar]


def _manifest(bundle: Path) -> dict:
    import gzip

    with gzip.open(bundle) as gz, tarfile.open(fileobj=gz, mode="r|") as tar:
        for m in tar:
            if m.name == "MANIFEST.json":
                return json.loads(tar.extractfile(m).read())  # type: ignore[union-attr]
    raise AssertionError("no manifest")


def test_package_carries_exactly_what_the_build_needs(fixed_request: Path, meta_file: Path,
                                                      tmp_path: Path) -> None:
    out = tmp_path / "req.tar.gz"
    res = run_cli("package", str(fixed_request), "-o", str(out), "--meta", str(meta_file))
    assert res.exit_code == 0, res.stderr
    assert "notes.txt" in next(ln for ln in res.stdout.splitlines() if "left out" in ln)
    assert _members(out) == ["dockertmp", "dockertmp/Dockerfile", "dockertmp/cuda8-cudnn5.tar",
                             "REQUEST.md", "MANIFEST.json"]
    m = _manifest(out)
    assert m["request"]["student_id"] == "SA18011000" and m["forced"] is False
    assert m["base_image"]["ref"] == "bit:5000/nvidia-tensorflow-17.05"
    assert m["base_image"]["env"]["CUDNN_VERSION"] == "6.0.21"
    assert m["env_changes"]["changed"]["LD_LIBRARY_PATH"]["request"].startswith("/usr/local/cuda8-cudnn5")
    assert m["lint"]["counts"]["error"] == 0
    assert "notes.txt" in m["left_out"]
    assert [(g["name"], g["verdict"]) for g in m["compat"]["groups"]] == [
        ("G101-G125", "runs"), ("G131-G144", "runs")]
    assert m["compat"]["target"] == "Dockerfile"
    assert m["tool"]["name"] == "imagesmith" and m["profile"]["name"] == "default"
    assert {f["path"] for f in m["files"] if f["type"] == "file"} == {
        "dockertmp/Dockerfile", "dockertmp/cuda8-cudnn5.tar", "REQUEST.md"}


def test_package_is_deterministic(fixed_request: Path, meta_file: Path, tmp_path: Path) -> None:
    import shutil

    elsewhere = tmp_path / "elsewhere" / "dockertmp"
    shutil.copytree(fixed_request, elsewhere)
    (elsewhere / "Dockerfile").touch()  # a new mtime must not change the bytes
    one, two = tmp_path / "one.tar.gz", tmp_path / "two.tar.gz"
    for folder, out in ((fixed_request, one), (elsewhere, two)):
        assert run_cli("package", str(folder), "-o", str(out), "--meta", str(meta_file),
                       "-q").exit_code == 0
    assert one.read_bytes() == two.read_bytes()


def test_request_md_is_bilingual_with_the_guides_fields(fixed_request: Path, meta_file: Path,
                                                        tmp_path: Path) -> None:
    out = tmp_path / "req.tar.gz"
    assert run_cli("package", str(fixed_request), "-o", str(out), "--meta", str(meta_file)).exit_code == 0
    import gzip

    with gzip.open(out) as gz, tarfile.open(fileobj=gz, mode="r|") as tar:
        text = next(tar.extractfile(m).read().decode() for m in tar  # type: ignore[union-attr]
                    if m.name == "REQUEST.md")
    for needle in ("姓名 / Name | 张三 Zhang San", "学号 / Student id | SA18011000",
                   "导师 / Supervisor | 李四 Li Si", "集群类型 / Cluster type | GPU",
                   "基础镜像 / Base image | `bit:5000/nvidia-tensorflow-17.05`",
                   "cuDNN 5 libraries", "`cuda8-cudnn5.tar`", "LD_LIBRARY_PATH"):
        assert needle in text, needle


def test_missing_metadata_is_an_error_naming_the_fields(fixed_request: Path, tmp_path: Path) -> None:
    partial = tmp_path / "partial.toml"
    partial.write_text('name = "Zhang San"\ncluster = "GPU"\n')
    out = tmp_path / "req.tar.gz"
    res = run_cli("package", str(fixed_request), "-o", str(out), "--meta", str(partial))
    assert res.exit_code == 2
    assert "request metadata missing: student_id, supervisor, changes" in res.stderr
    assert not out.exists() and list(tmp_path.glob("*.part")) == []


def test_missing_metadata_is_asked_on_a_terminal(fixed_request: Path, tmp_path: Path) -> None:
    import pexpect

    out = tmp_path / "req.tar.gz"
    child = pexpect.spawn(sys.executable, ["-m", "imagesmith", "package", str(fixed_request),
                                           "-o", str(out)], cwd=str(tmp_path), timeout=60,
                          encoding="utf-8")
    for prompt, answer in (("Your name", "Wang Wu"), ("Student id", "SA1"), ("Supervisor", "Prof"),
                           ("Cluster type", "GPU"), ("What the image adds", "cudnn 5")):
        child.expect(prompt)
        child.sendline(answer)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert _manifest(out)["request"] == {"name": "Wang Wu", "student_id": "SA1", "supervisor": "Prof",
                                         "cluster": "GPU", "changes": "cudnn 5"}


def test_lint_errors_refuse_unless_forced(broken_request: Path, meta_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "req.tar.gz"
    res = run_cli("package", str(broken_request), "-o", str(out), "--meta", str(meta_file))
    assert res.exit_code == 1 and "lint found" in res.stderr and "--force" in res.stderr
    assert not out.exists() and list(tmp_path.glob(".*.part")) == []
    res = run_cli("package", str(broken_request), "-o", str(out), "--meta", str(meta_file), "--force")
    assert res.exit_code == 0, res.stderr
    assert "packaged with --force" in res.stdout
    m = _manifest(out)
    assert m["forced"] is True and m["lint"]["counts"]["error"] > 0


def test_dockerignore_is_honoured(tmp_path: Path, meta_file: Path) -> None:
    folder = tmp_path / "dockertmp"
    (folder / "data").mkdir(parents=True)
    (folder / "Dockerfile").write_text("FROM bit:5000/deepo_9\nCOPY data/ /opt/data/\n")
    (folder / ".dockerignore").write_text("# logs stay home\ndata/*.log\n")
    (folder / "data" / "a.txt").write_text("a\n")
    (folder / "data" / "debug.log").write_text("noise\n")
    (folder / "other.bin").write_bytes(b"\0" * 10)
    out = tmp_path / "req.tar.gz"
    res = run_cli("package", str(folder), "-o", str(out), "--meta", str(meta_file))
    assert res.exit_code == 0, res.stderr
    assert [n for n in _members(out) if n.startswith("dockertmp/")] == [
        "dockertmp/data", "dockertmp/.dockerignore", "dockertmp/Dockerfile", "dockertmp/data/a.txt"]
    assert "not carried (matched by .dockerignore): data/debug.log" in res.stdout
    assert _manifest(out)["left_out"] == ["data/debug.log", "other.bin"]


def test_copy_source_outside_the_folder_is_an_error(tmp_path: Path, meta_file: Path) -> None:
    folder = tmp_path / "dockertmp"
    folder.mkdir()
    (folder / "Dockerfile").write_text("FROM bit:5000/deepo_9\nCOPY ../secret /x\n")
    res = run_cli("package", str(folder), "-o", str(tmp_path / "r.tar.gz"), "--meta", str(meta_file),
                  "--force")
    assert res.exit_code == 2 and "outside the build folder" in res.stderr


def test_interrupt_leaves_no_half_written_bundle(tmp_path: Path, meta_file: Path) -> None:
    import os
    import signal
    import subprocess
    import time

    folder = tmp_path / "dockertmp"
    folder.mkdir()
    (folder / "Dockerfile").write_text("FROM bit:5000/deepo_9\nCOPY big.tar /opt/big.tar\n")
    with open(folder / "big.tar", "wb") as fh:
        fh.write(os.urandom(1 << 20))  # a random head: stored, not deflated
        fh.truncate(4 << 30)  # the rest sparse: costs no disk, takes seconds to copy
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "imagesmith", "package", str(folder), "-o",
                             str(out_dir / "req.tar.gz"), "--meta", str(meta_file), "--force"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=sigint_default)
    deadline = time.monotonic() + 60
    while not list(out_dir.glob("*.part")) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    started = list(out_dir.glob("*.part"))
    os.kill(proc.pid, signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert started, f"packaging never started writing: rc={proc.returncode} {stdout} {stderr}"
    assert proc.returncode == 130, f"rc={proc.returncode} {stdout} {stderr}"
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert list(out_dir.iterdir()) == []
