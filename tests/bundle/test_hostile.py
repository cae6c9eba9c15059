"""Hostile bundles: each is rejected with a clear reason (exit 2) and nothing is written,
neither outside nor inside the temp folder, which is checked on the file system."""

from __future__ import annotations

import os
import tarfile
from pathlib import Path

import pytest

from tests.bundle.craft import DOCKERFILE, Craft, Member
from tests.conftest import run_cli

ESCAPE = "escaped"  # every hostile name aims at <tmp_path>/escaped/...

CASES: dict[str, tuple[Craft, str]] = {
    "absolute path": (Craft(extra=[Member("/{root}/escaped/abs", b"x")]), "absolute name"),
    "dot-dot traversal": (Craft(extra=[Member("dockertmp/../../../escaped/dots", b"x")]),
                          "climbs out with '..'"),
    "symlink escape": (Craft(extra=[Member("dockertmp/link", type=tarfile.SYMTYPE,
                                           linkname="../../../escaped")]),
                       "symlink 'dockertmp/link' -> '../../../escaped' points outside"),
    "absolute symlink": (Craft(extra=[Member("dockertmp/passwd", type=tarfile.SYMTYPE,
                                             linkname="/etc/passwd")]), "points outside"),
    "hardlink escape": (Craft(extra=[Member("dockertmp/hard", type=tarfile.LNKTYPE,
                                            linkname="../escaped/target")]),
                        "hardlink 'dockertmp/hard' -> '../escaped/target' points outside"),
    "device node": (Craft(extra=[Member("dockertmp/null", type=tarfile.CHRTYPE, devmajor=1)]),
                    "is a device node"),
    "fifo": (Craft(extra=[Member("dockertmp/pipe", type=tarfile.FIFOTYPE)]), "is a FIFO"),
    "duplicate member": (Craft(extra=[Member("dockertmp/Dockerfile", b"FROM evil\n")]),
                         "'dockertmp/Dockerfile' appears twice"),
    "manifest hash lie": (Craft(manifest_edit={"dockertmp/Dockerfile": {"sha256": "0" * 64}}),
                          "has sha256"),
    "manifest size lie": (Craft(manifest_edit={"dockertmp/Dockerfile": {"size": 3}}),
                          f"holds {len(DOCKERFILE)} bytes, MANIFEST.json says 3"),
    "member not in manifest": (Craft(extra=[Member("dockertmp/run.sh", b"rm -rf /\n")]),
                               "'dockertmp/run.sh' is not listed in MANIFEST.json"),
    "member missing from manifest's list": (
        Craft(manifest_extra=[{"path": "dockertmp/gone", "type": "file", "size": 1,
                               "sha256": "a" * 64}]),
        "lists 'dockertmp/gone' but the bundle does not hold it"),
    "size bomb (declared size huge)": (Craft(extra=[Member("dockertmp/big", b"", size=1 << 40)]),
                                       "declares 1099511627776 bytes, over the limit"),
    "huge PAX header": (Craft(extra=[Member("PaxHeader", b"", type=tarfile.XHDTYPE, size=1 << 40,
                                            format=tarfile.GNU_FORMAT)]),
                        "extended (PAX/GNU) header declares 1099511627776 bytes"),
    "member outside dockertmp": (Craft(extra=[Member("etc/cron.d/evil", b"x")]),
                                 "is outside dockertmp/"),
    "file below a file": (Craft(files={"dockertmp/Dockerfile": DOCKERFILE, "REQUEST.md": b"",
                                       "dockertmp/a": b"1", "dockertmp/a/b": b"2"}),
                          "sits below the file"),
}


def _review_in_sandbox(tmp_path: Path, bundle: Path, *extra: str) -> tuple[int, str, Path]:
    sandbox = tmp_path / "tmpdir"
    sandbox.mkdir()
    res = run_cli("review", str(bundle), *extra, env={"TMPDIR": str(sandbox)}, cwd=tmp_path)
    return res.exit_code, res.stderr, sandbox


def _assert_nothing_written(tmp_path: Path, sandbox: Path) -> None:
    assert list(sandbox.iterdir()) == [], "review left files in its temp folder"
    assert not (tmp_path / ESCAPE).exists(), "a hostile member escaped the temp folder"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bundle.tar.gz", "tmpdir"]


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_hostile_bundle_is_rejected_and_nothing_is_written(tmp_path: Path, case: str) -> None:
    craft, reason = CASES[case]
    for m in craft.extra:
        m.name = m.name.replace("/{root}", str(tmp_path))
    bundle = craft.write(tmp_path / "bundle.tar.gz")
    code, stderr, sandbox = _review_in_sandbox(tmp_path, bundle)
    assert code == 2, stderr
    assert reason in stderr, stderr
    assert "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1
    _assert_nothing_written(tmp_path, sandbox)


def test_member_over_the_size_limit_is_rejected(tmp_path: Path) -> None:
    craft = Craft(files={"dockertmp/Dockerfile": DOCKERFILE, "REQUEST.md": b"",
                         "dockertmp/blob": os.urandom(3000)})
    bundle = craft.write(tmp_path / "bundle.tar.gz")
    code, stderr, sandbox = _review_in_sandbox(tmp_path, bundle, "--max-member-bytes", "2048")
    assert code == 2 and "'dockertmp/blob' declares 3000 bytes, over the limit of 2048" in stderr
    _assert_nothing_written(tmp_path, sandbox)


def test_total_size_limit(tmp_path: Path) -> None:
    files = {"dockertmp/Dockerfile": DOCKERFILE, "REQUEST.md": b""}
    files.update({f"dockertmp/part{i}": b"x" * 1000 for i in range(5)})
    bundle = Craft(files=files).write(tmp_path / "bundle.tar.gz")
    code, stderr, sandbox = _review_in_sandbox(tmp_path, bundle, "--max-total-bytes", "3000")
    assert code == 2 and "more than 3000 bytes in all" in stderr
    _assert_nothing_written(tmp_path, sandbox)


def test_not_a_tarball(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle.tar.gz"
    bundle.write_bytes(b"\x1f\x8b" + os.urandom(200))
    code, stderr, sandbox = _review_in_sandbox(tmp_path, bundle)
    assert code == 2 and "not a readable .tar.gz" in stderr
    _assert_nothing_written(tmp_path, sandbox)
