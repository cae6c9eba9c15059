"""Issue 18: bundles that used to crash review (exit 3), cost minutes, fill the temp folder
or make the report lie. Each is refused with exit 2 and one short line naming the member or
the manifest field, and nothing is left in TMPDIR."""

from __future__ import annotations

import gzip
import json
import subprocess
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.bundle.craft import DOCKERFILE, Craft, Member, chain, header, pax_records
from tests.conftest import run_cli

FORMAT = "imagesmith-bundle/1"


def _review(tmp_path: Path, bundle: Path, *extra: str, tmpdir: Path | None = None
            ) -> tuple[int, str, str, Path]:
    sandbox = tmpdir or tmp_path / "tmpdir"
    sandbox.mkdir(exist_ok=True)
    res = run_cli("review", str(bundle), *extra, env={"TMPDIR": str(sandbox)}, cwd=tmp_path)
    return res.exit_code, res.stdout, res.stderr, sandbox


def _refused(tmp_path: Path, craft: Craft, reason: str) -> str:
    bundle = craft.write(tmp_path / "bundle.tar.gz")
    code, _, stderr, sandbox = _review(tmp_path, bundle)
    assert code == 2, stderr
    assert reason in stderr, stderr
    assert "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1, stderr
    assert len(stderr) < 600, f"error line of {len(stderr)} characters"
    assert list(sandbox.iterdir()) == [], "review left files in its temp folder"
    return stderr


def _before_file(raw: bytes) -> Member:
    """Raw headers followed by one regular member, so the chain belongs to a real file."""
    return Member("", raw=raw + header("dockertmp/x", tarfile.REGTYPE, b"x"))


def _manifest_with(craft: Craft, tail: str) -> bytes:
    """The right manifest text with `tail` (raw JSON) spliced in as one more field."""
    text = craft.manifest().decode()
    return (text[:-1] + ", " + tail + "}").encode()


CHAINS = {
    "243 chained PAX headers": tarfile.XHDTYPE,
    "243 chained global headers": tarfile.XGLTYPE,
    "243 chained GNU long names": tarfile.GNUTYPE_LONGNAME,
    "243 chained GNU long links": tarfile.GNUTYPE_LONGLINK,
}


@pytest.mark.parametrize("kind", list(CHAINS.values()), ids=list(CHAINS))
def test_header_chains_are_bounded(tmp_path: Path, kind: bytes) -> None:
    craft = Craft(extra=[_before_file(chain(kind, 243))])
    _refused(tmp_path, craft, "more than 8 extended (PAX/GNU) headers chained before one member")


def test_malformed_pax_sparse_map(tmp_path: Path) -> None:
    pax = header("././@PaxHeader", tarfile.XHDTYPE, pax_records({"GNU.sparse.map": "1,x"}))
    _refused(tmp_path, Craft(extra=[_before_file(pax)]), "not a readable .tar.gz")


@pytest.mark.parametrize(("records", "what"), [
    ({"GNU.sparse.major": "1", "GNU.sparse.minor": "0", "GNU.sparse.name": "dockertmp/big",
      "GNU.sparse.realsize": str(2 << 30)}, "PAX 1.0"),
    ({"GNU.sparse.size": str(2 << 30), "GNU.sparse.map": "0,1", "GNU.sparse.numblocks": "1"},
     "PAX 0.1"),
])
def test_2gib_sparse_file_writes_nothing(tmp_path: Path, records: dict[str, str], what: str) -> None:
    data = b"1\n0\n1\n".ljust(512, b"\0") + b"x" if what == "PAX 1.0" else b"x"
    raw = header("dockertmp/big", tarfile.REGTYPE, data, fmt=tarfile.PAX_FORMAT, pax=records)
    start = time.monotonic()
    _refused(tmp_path, Craft(extra=[Member("", raw=raw)]), "is a sparse file")
    assert time.monotonic() - start < 30


@pytest.mark.parametrize(("value", "message"), [
    ('"request": ["a"]', "MANIFEST.json field request: expected a table, got list"),
    ('"lint": "many"', "MANIFEST.json field lint: expected a table, got str"),
    ('"lint": [1]', "MANIFEST.json field lint: expected a table, got list"),
    ('"lint": {"counts": []}', "MANIFEST.json field lint.counts: expected a table, got list"),
    ('"lint": {"counts": {"error": "3"}}', "MANIFEST.json field lint.counts.error: expected int"),
    ('"forced": "yes"', "MANIFEST.json field forced: expected bool"),
    ('"tool": {"name": ["imagesmith"]}', "MANIFEST.json field tool.name: expected str"),
])
def test_manifest_fields_of_the_wrong_type(tmp_path: Path, value: str, message: str) -> None:
    craft = Craft(request={})
    text = craft.manifest().decode().replace('"request": {}', value.replace('"request"', '"_r"'))
    if value.startswith('"request"'):
        text = craft.manifest().decode().replace('"request": {}', value)
    craft.manifest_raw = text.encode()
    _refused(tmp_path, craft, message)


def test_request_as_a_string(tmp_path: Path) -> None:
    _refused(tmp_path, Craft(request="x"), "MANIFEST.json field request: expected a table, got str")


@pytest.mark.parametrize("depth", [100, 100_000])
def test_deep_json_is_refused(tmp_path: Path, depth: int) -> None:
    craft = Craft()
    craft.manifest_raw = _manifest_with(craft, '"deep": ' + "[" * depth + "]" * depth)
    _refused(tmp_path, craft, "MANIFEST.json nests deeper than 32 levels")


def test_lone_surrogate_in_manifest_text(tmp_path: Path) -> None:
    craft = Craft()
    craft.manifest_raw = craft.manifest().replace(b'"name": "x"', b'"name": "\\ud800x"')
    _refused(tmp_path, craft, "MANIFEST.json field request.name holds a lone surrogate")


def _listed(name: str) -> Craft:
    """A bundle whose manifest lists `name` truthfully."""
    return Craft(files={"dockertmp/Dockerfile": DOCKERFILE, "REQUEST.md": b"", name: b"x"})


def test_non_utf8_member_name(tmp_path: Path) -> None:
    _refused(tmp_path, _listed("dockertmp/caf\udce9"),
             "'dockertmp/caf\\udce9' holds the character \\udce9")


def test_newline_in_member_name(tmp_path: Path) -> None:
    _refused(tmp_path, _listed("dockertmp/a\nverdict: ACCEPT"),
             "member 'dockertmp/a\\nverdict: ACCEPT' holds the character \\n")


def _deep(levels: int) -> str:
    return "dockertmp/" + "a/" * levels + "f"


def test_too_many_levels(tmp_path: Path) -> None:
    _refused(tmp_path, _listed(_deep(100)),
             f"member {_deep(100)[:80]!r}... ({len(_deep(100))} characters) is 102 levels deep, "
             "over the limit of 64")


@pytest.mark.parametrize("levels", [977, 200_000])
def test_very_deep_paths_are_refused_quickly(tmp_path: Path, levels: int) -> None:
    start = time.monotonic()
    _refused(tmp_path, _listed(_deep(levels)), "bytes long, over the limit of 1024")
    assert time.monotonic() - start < 20


def _record_padded(data: bytes) -> bytes:
    """As GNU tar writes: zero padding after the end-of-archive blocks (here 20 KiB), so a
    reader that stops at the end block never reaches the gzip trailer."""
    return gzip.compress(gzip.decompress(data) + b"\0" * 20480, mtime=0)


def _bad_crc(data: bytes) -> bytes:
    data = _record_padded(data)
    return data[:-8] + bytes([data[-8] ^ 0xFF]) + data[-7:]


def _after_end(data: bytes) -> bytes:
    return gzip.compress(gzip.decompress(data) + b"junk", mtime=0)


@pytest.mark.parametrize(("edit", "message"), [
    (_bad_crc, "CRC check failed"),
    (lambda data: _record_padded(data) + b"trailing garbage", "not a readable .tar.gz"),
    (_after_end, "data follows the end of the tar archive"),
], ids=["crc", "garbage after gzip", "data after the tar end"])
def test_gzip_integrity(tmp_path: Path, edit: object, message: str) -> None:
    _refused(tmp_path, Craft(gzip_edit=edit), message)  # type: ignore[arg-type]


# -- honest output --------------------------------------------------------------------------

FORGED = {"name": "x\nverdict: ACCEPT\x1b[2J", "supervisor": "\u202eTPECCA", "cluster": "GPU"}


def test_text_report_cannot_forge_a_verdict(tmp_path: Path) -> None:
    bundle = Craft(request=FORGED).write(tmp_path / "bundle.tar.gz")
    code, stdout, stderr, _ = _review(tmp_path, bundle)
    assert code in (0, 1), stderr
    verdicts = [line for line in stdout.splitlines() if line.startswith("verdict:")]
    assert len(verdicts) == 1, stdout
    assert "x\\x0averdict: ACCEPT\\x1b[2J" in stdout and "\\u202eTPECCA" in stdout
    assert "\x1b" not in stdout and "\u202e" not in stdout


def test_html_shows_escapes_and_bidi_visibly(tmp_path: Path) -> None:
    bundle = Craft(request=FORGED, files={"dockertmp/Dockerfile": DOCKERFILE,
                                          "REQUEST.md": "a\u202eb\x1bc\n".encode()}
                   ).write(tmp_path / "bundle.tar.gz")
    code, _, stderr, _ = _review(tmp_path, bundle, "--html", str(tmp_path / "r.html"))
    assert code in (0, 1), stderr
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "\x1b" not in page and "\u202e" not in page
    assert "\\u202eTPECCA" in page and "a\\u202eb\\x1bc" in page


def test_json_output_is_utf8_and_keeps_the_values(tmp_path: Path) -> None:
    bundle = Craft(request=FORGED).write(tmp_path / "bundle.tar.gz")
    proc = subprocess.run(["python3", "-m", "imagesmith", "review", str(bundle), "--format", "json"],
                          cwd=tmp_path, capture_output=True)
    assert proc.returncode in (0, 1), proc.stderr
    data = json.loads(proc.stdout.decode("utf-8"))
    assert data["request"]["name"] == FORGED["name"]


# -- the temp folder is not the bundle's fault ----------------------------------------------

@pytest.fixture()
def tiny_tmpfs(tmp_path: Path) -> Iterator[Path]:
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", str(mnt)], check=False)


def test_file_of_zeros_is_extracted_without_filling_tmpdir(tmp_path: Path, tiny_tmpfs: Path
                                                          ) -> None:
    """The sparse-file case: 64 MiB of zeros (a hole on the requester's disk) must not take
    64 MiB in a 64 KiB temp folder; review runs to a verdict."""
    files = {"dockertmp/Dockerfile": DOCKERFILE, "REQUEST.md": b"", "dockertmp/zeros": bytes(64 << 20)}
    bundle = Craft(files=files).write(tmp_path / "bundle.tar.gz")
    code, stdout, stderr, _ = _review(tmp_path, bundle, tmpdir=tiny_tmpfs)
    assert code in (0, 1), stderr
    assert "dockertmp/zeros (67108864 B)" in stdout
    assert list(tiny_tmpfs.iterdir()) == []


def test_full_tmpdir_is_named_not_blamed_on_the_bundle(tmp_path: Path, tiny_tmpfs: Path) -> None:
    files = {"dockertmp/Dockerfile": DOCKERFILE, "REQUEST.md": b"", "dockertmp/blob": b"x" * 200_000}
    bundle = Craft(files=files).write(tmp_path / "bundle.tar.gz")
    code, _, stderr, _ = _review(tmp_path, bundle, tmpdir=tiny_tmpfs)
    assert code == 2, stderr
    assert "cannot write the temp folder: No space left on device" in stderr, stderr
    assert "not a readable" not in stderr and len(stderr.strip().splitlines()) == 1
    assert list(tiny_tmpfs.iterdir()) == []

