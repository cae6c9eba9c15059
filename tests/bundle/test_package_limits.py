"""`package` and `review` keep one set of limits (bundle/limits.py): package refuses, before
writing a byte, every bundle that review would refuse, and review accepts what package writes
at the edge of each limit."""

from __future__ import annotations

from pathlib import Path

from imagesmith.bundle.limits import ReadLimits
from imagesmith.bundle.reader import check_bundle
from tests.conftest import run_cli

DOCKERFILE = "FROM bit:5000/deepo_9\nCOPY . /opt/req/\n"


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "dockertmp"
    folder.mkdir(parents=True)
    (folder / "Dockerfile").write_text(DOCKERFILE)
    return folder


def _package(folder: Path, meta_file: Path, out: Path) -> tuple[int, str]:
    res = run_cli("package", str(folder), "-o", str(out), "--meta", str(meta_file), "--force")
    return res.exit_code, res.stderr


def _review(bundle: Path) -> tuple[int, str]:
    res = run_cli("review", str(bundle), "--format", "json")
    return res.exit_code, res.stderr


def test_more_members_than_review_reads(tmp_path: Path, meta_file: Path) -> None:
    folder = _folder(tmp_path)
    limit = ReadLimits().max_members
    # dockertmp/, dockertmp/Dockerfile, dockertmp/d/, REQUEST.md and MANIFEST.json are 5
    # members: limit - 5 data files make exactly the limit, one more is over it
    data = folder / "d"
    data.mkdir()
    for i in range(limit - 5):
        (data / f"{i}").write_bytes(b"")
    out = tmp_path / "ok.tar.gz"
    code, err = _package(folder, meta_file, out)
    assert code == 0, err
    checked = check_bundle(out)
    assert len(checked.members) == limit
    (data / "one-more").write_bytes(b"")
    out2 = tmp_path / "over.tar.gz"
    code, err = _package(folder, meta_file, out2)
    assert code == 2, err
    assert f"more than {limit} members ({limit + 1})" in err
    assert "review and build would refuse the bundle" in err
    assert not out2.exists() and not list(tmp_path.glob("*.part")) and not list(tmp_path.glob(".*tmp*"))
    assert "Traceback" not in err


def test_a_name_review_refuses_is_refused_by_package(tmp_path: Path, meta_file: Path) -> None:
    folder = _folder(tmp_path)
    (folder / "TPECCA\u202e.txt").write_text("x")
    out = tmp_path / "req.tar.gz"
    code, err = _package(folder, meta_file, out)
    assert code == 2
    assert "holds the character \\u202e" in err and "review and build would refuse" in err
    assert len(err.strip().splitlines()) <= 2 and not out.exists()


def _nest(folder: Path, levels: int) -> Path:
    deep = folder.joinpath(*["d"] * levels)
    deep.mkdir(parents=True)
    (deep / "f").write_text("x")
    return deep / "f"


def test_depth_at_the_limit_round_trips_and_one_more_is_refused(tmp_path: Path,
                                                                meta_file: Path) -> None:
    limit = ReadLimits().max_depth
    ok = _folder(tmp_path / "ok")
    _nest(ok, limit - 2)  # dockertmp/ + (limit - 2) folders + f = limit components
    out = tmp_path / "ok.tar.gz"
    code, err = _package(ok, meta_file, out)
    assert code == 0, err
    code, err = _review(out)
    assert code in (0, 1), err  # a verdict, not a refusal (exit 2)
    deep = _folder(tmp_path / "deep")
    _nest(deep, limit - 1)
    out = tmp_path / "deep.tar.gz"
    code, err = _package(deep, meta_file, out)
    assert code == 2 and f"levels deep, over the limit of {limit}" in err and not out.exists()
