"""The writer: deterministic bytes, normalised metadata, atomic output, streaming hashes;
and the reader's happy path (what it extracts, where, and that it cleans up)."""

from __future__ import annotations

import gzip
import hashlib
import os
import tarfile
from pathlib import Path

import pytest

from imagesmith.bundle.manifest import FIXED_MTIME
from imagesmith.bundle.reader import check_bundle, extracted_bundle
from imagesmith.bundle.writer import ContextFile, choose_level, write_bundle
from imagesmith.core.errors import UserInputError


def _context(folder: Path, *, mtime: int, exec_mode: int) -> list[ContextFile]:
    (folder / "sub").mkdir(parents=True)
    (folder / "Dockerfile").write_text("FROM bit:5000/deepo_9\nCOPY . /opt/x\n")
    (folder / "sub" / "run.sh").write_text("#!/bin/sh\necho hi\n")
    (folder / "big.bin").write_bytes(hashlib.sha256(b"seed").digest() * (1 << 15))
    os.chmod(folder / "sub" / "run.sh", exec_mode)
    files = []
    for rel in ("Dockerfile", "sub/run.sh", "big.bin"):
        p = folder / rel
        os.utime(p, (mtime, mtime))
        st = p.stat()
        files.append(ContextFile(rel, p, st.st_size, bool(st.st_mode & 0o111)))
    return files


def test_same_input_gives_same_bytes_whatever_the_mtimes_and_modes(tmp_path: Path) -> None:
    a = _context(tmp_path / "a", mtime=1, exec_mode=0o700)
    b = _context(tmp_path / "b", mtime=1_700_000_000, exec_mode=0o775)
    one = write_bundle(tmp_path / "one.tar.gz", a, lambda: ("r\n", {"k": 1}))
    two = write_bundle(tmp_path / "two.tar.gz", list(reversed(b)), lambda: ("r\n", {"k": 1}))
    assert one.path.read_bytes() == two.path.read_bytes()
    raw = one.path.read_bytes()
    assert raw[:4] == b"\x1f\x8b\x08\x00"  # gzip, deflate, no FNAME flag
    assert raw[4:8] == b"\0\0\0\0"  # header mtime 0
    with tarfile.open(one.path, "r:gz") as tar:
        members = tar.getmembers()
    assert [m.name for m in members] == [
        "dockertmp", "dockertmp/sub", "dockertmp/Dockerfile", "dockertmp/big.bin",
        "dockertmp/sub/run.sh", "REQUEST.md", "MANIFEST.json"]
    assert {(m.mtime, m.uid, m.gid, m.uname, m.gname) for m in members} == {(FIXED_MTIME, 0, 0, "", "")}
    modes = {m.name: m.mode for m in members}
    assert modes["dockertmp/sub/run.sh"] == 0o755 and modes["dockertmp/Dockerfile"] == 0o644


def test_thread_count_never_changes_the_bytes(tmp_path: Path) -> None:
    files = _context(tmp_path / "a", mtime=1, exec_mode=0o755)
    (tmp_path / "a" / "big.bin").write_bytes(os.urandom(3 << 20) + b"text " * 600_000)
    files = [f if f.rel != "big.bin" else ContextFile(f.rel, f.source, f.source.stat().st_size)
             for f in files]
    one = write_bundle(tmp_path / "one.tar.gz", files, lambda: ("r\n", {}), workers=1)
    four = write_bundle(tmp_path / "four.tar.gz", files, lambda: ("r\n", {}), workers=4)
    assert one.path.read_bytes() == four.path.read_bytes()
    assert check_bundle(four.path).members[3].size == (3 << 20) + 3_000_000


def test_manifest_hashes_match_the_files_and_the_reader_extracts_privately(tmp_path: Path) -> None:
    files = _context(tmp_path / "a", mtime=1, exec_mode=0o755)
    result = write_bundle(tmp_path / "b.tar.gz", files, lambda: ("hello\n", {}))
    by_path = {e["path"]: e for e in result.manifest["files"]}
    for f in files:
        entry = by_path[f"dockertmp/{f.rel}"]
        assert entry["sha256"] == hashlib.sha256(f.source.read_bytes()).hexdigest()
        assert entry["size"] == f.size
    checked = check_bundle(result.path)
    assert checked.request_text == "hello\n"
    with extracted_bundle(result.path) as ex:
        root = ex.root
        assert (root.stat().st_mode & 0o777) == 0o700
        assert (ex.context_dir / "big.bin").read_bytes() == (tmp_path / "a" / "big.bin").read_bytes()
        assert os.access(ex.context_dir / "sub" / "run.sh", os.X_OK)
        assert ex.manifest["format"] == "imagesmith-bundle/1"
    assert not root.exists()


def test_gzip_is_multi_member_and_readable_by_gnu_tar(tmp_path: Path) -> None:
    import subprocess

    files = _context(tmp_path / "a", mtime=1, exec_mode=0o755)
    out = write_bundle(tmp_path / "b.tar.gz", files, lambda: ("r\n", {})).path
    listing = subprocess.run(["tar", "tzf", str(out)], capture_output=True, text=True, check=True)
    assert "dockertmp/big.bin" in listing.stdout
    assert gzip.decompress(out.read_bytes())  # the stdlib reads every member


def test_level_choice_stores_incompressible_large_files(tmp_path: Path) -> None:
    noise, text, small = tmp_path / "n", tmp_path / "t", tmp_path / "s"
    noise.write_bytes(os.urandom(2 << 20))
    text.write_bytes(b"libcudnn.so.5 " * 200_000)
    small.write_bytes(b"x" * 100)
    assert choose_level(noise, 2 << 20) == 0
    assert choose_level(text, text.stat().st_size) == 1
    assert choose_level(small, 100) == 6


def test_error_midway_leaves_no_file(tmp_path: Path) -> None:
    src = tmp_path / "Dockerfile"
    src.write_text("FROM x\n")
    lying = ContextFile("Dockerfile", src, 10_000)  # the file is shorter than declared
    with pytest.raises(UserInputError, match="cannot read while packaging"):
        write_bundle(tmp_path / "out" / "b.tar.gz", [lying], lambda: ("", {}))
    assert list((tmp_path / "out").iterdir()) == []


def test_extracted_bundle_removes_its_folder_even_on_error(tmp_path: Path) -> None:
    from imagesmith.bundle.reader import is_bundle

    files = _context(tmp_path / "a", mtime=1, exec_mode=0o755)
    bundle = write_bundle(tmp_path / "b.tgz", files, lambda: ("r\n", {})).path
    assert is_bundle(bundle) and not is_bundle(tmp_path / "a") and not is_bundle(files[0].source)
    with pytest.raises(RuntimeError), extracted_bundle(bundle) as ex:
        root = ex.root
        raise RuntimeError("the build failed")
    assert not root.exists()
