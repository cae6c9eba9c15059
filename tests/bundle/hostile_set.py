"""A generated set of hostile bundles, written from the published descriptions of public
corpora (no file of theirs is copied): snyk's zip-slip (traversal names in every spelling),
jwilk's traversal-archives (absolute, relative, symlink-then-write, hardlink and symlink chains),
libarchive's and Go archive/tar's test data (GNU long names and links, PAX path/linkpath/size
overrides, sparse maps, bad checksums, truncation), CPython's TestExtractionFilters (links to
devices, links through links, mode bits, dot members), plus manifest lies and bombs.

Each case is (name, Craft or raw bytes, what must be true): `review` refuses it with exit 2 and
one line naming the member, or (for the few benign-looking ones) judges it, never exit 3.
"""

from __future__ import annotations

import gzip
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.bundle.craft import DOCKERFILE, Craft, Member, chain, header, pax_records

ROOT = "dockertmp"


@dataclass(frozen=True)
class Case:
    name: str
    craft: Craft | None = None
    raw: bytes | None = None  # the whole .tar.gz, when Craft cannot express it
    names: str = ""  # a fragment the refusal must show (the member), "" for any

    def write(self, path: Path) -> Path:
        if self.raw is not None:
            path.write_bytes(self.raw)
        else:
            assert self.craft is not None
            self.craft.write(path)
        return path


TRAVERSALS = [
    "../escaped", "../../escaped", "../../../../../../../../escaped", "/escaped", "//escaped",
    "./../escaped", "dockertmp/../../escaped", "dockertmp/./../../escaped", "dockertmp/a/../../../e",
    "..", "dockertmp/..", "dockertmp/../", "/", "/etc/passwd", "/proc/self/environ",
    "dockertmp/%2e%2e/escaped", "dockertmp\\..\\..\\escaped", "..\\escaped", "C:\\escaped",
    "dockertmp/..\u2215escaped", "dockertmp/\u2025/escaped", "dockertmp/\uff0e\uff0e/escaped",
    "dockertmp/\x00../escaped", "dockertmp/\u202egnp.exe", "dockertmp/a\nverdict: ACCEPT",
    "dockertmp/a\rverdict", "dockertmp/\x1b[2Jclear", "", ".", "./", "dockertmp//x", "dockertmp/./x",
]

LINK_TARGETS = [
    "../escaped", "../../escaped", "/escaped", "/etc/passwd", "/", "..", "dockertmp/../..",
    "../" * 40 + "escaped", "/dev/null", "/proc/self/root", "a/../../..",
]


def _traversal_cases() -> Iterator[Case]:
    for i, name in enumerate(TRAVERSALS):
        yield Case(f"file name #{i}: {name!r}", Craft(extra=[Member(name, b"x")]))
        yield Case(f"folder name #{i}: {name!r}",
                   Craft(extra=[Member(name.rstrip("/") + "/" if name else "/", type=tarfile.DIRTYPE)]))
    # the same names in a GNU long-name header and as a PAX path override (tar -H pax)
    for i, name in enumerate(TRAVERSALS[:12]):
        long = header("././@LongLink", tarfile.GNUTYPE_LONGNAME, name.encode() + b"\0")
        yield Case(f"GNU long name #{i}: {name!r}",
                   Craft(extra=[Member("", raw=long + header("dockertmp/x", tarfile.REGTYPE, b"x"))]))
        pax = header("PaxHeader", tarfile.XHDTYPE, pax_records({"path": name}), fmt=tarfile.USTAR_FORMAT)
        yield Case(f"PAX path override #{i}: {name!r}",
                   Craft(extra=[Member("", raw=pax + header("dockertmp/x", tarfile.REGTYPE, b"x",
                                                               fmt=tarfile.USTAR_FORMAT))]))


def _link_cases() -> Iterator[Case]:
    for i, target in enumerate(LINK_TARGETS):
        yield Case(f"symlink to {target[:30]!r}",
                   Craft(extra=[Member(f"{ROOT}/l{i}", type=tarfile.SYMTYPE, linkname=target)]),
                   names=f"{ROOT}/l{i}")
        yield Case(f"hardlink to {target[:30]!r}",
                   Craft(extra=[Member(f"{ROOT}/h{i}", type=tarfile.LNKTYPE, linkname=target)]),
                   names=f"{ROOT}/h{i}")
    # jwilk: a symlink to a folder outside, then a file written through it
    yield Case("symlink then write through it", Craft(extra=[
        Member(f"{ROOT}/d", type=tarfile.SYMTYPE, linkname="/tmp"),
        Member(f"{ROOT}/d/escaped", b"x")]))
    yield Case("relative symlink then write through it", Craft(extra=[
        Member(f"{ROOT}/d", type=tarfile.SYMTYPE, linkname="../../.."),
        Member(f"{ROOT}/d/escaped", b"x")]))
    yield Case("symlink chain out", Craft(extra=[
        Member(f"{ROOT}/a", type=tarfile.SYMTYPE, linkname="b"),
        Member(f"{ROOT}/b", type=tarfile.SYMTYPE, linkname="c"),
        Member(f"{ROOT}/c", type=tarfile.SYMTYPE, linkname="../../escaped")]))
    yield Case("symlink loop", Craft(extra=[
        Member(f"{ROOT}/a", type=tarfile.SYMTYPE, linkname="b"),
        Member(f"{ROOT}/b", type=tarfile.SYMTYPE, linkname="a")]))
    yield Case("hardlink to a symlink that leaves", Craft(extra=[
        Member(f"{ROOT}/s", type=tarfile.SYMTYPE, linkname="/etc/shadow"),
        Member(f"{ROOT}/h", type=tarfile.LNKTYPE, linkname=f"{ROOT}/s")]))
    yield Case("hardlink to a later member", Craft(extra=[
        Member(f"{ROOT}/h", type=tarfile.LNKTYPE, linkname=f"{ROOT}/later"),
        Member(f"{ROOT}/later", b"x")]))
    yield Case("hardlink to itself", Craft(extra=[
        Member(f"{ROOT}/h", type=tarfile.LNKTYPE, linkname=f"{ROOT}/h")]))
    yield Case("symlink replaced by a file", Craft(extra=[
        Member(f"{ROOT}/x", type=tarfile.SYMTYPE, linkname="/etc/passwd"),
        Member(f"{ROOT}/x", b"overwrite")]))
    yield Case("Dockerfile as a symlink", Craft(files={"REQUEST.md": b"hi\n"}, extra=[
        Member(f"{ROOT}/Dockerfile", type=tarfile.SYMTYPE, linkname="/etc/passwd")]))
    yield Case("GNU long link target out", Craft(extra=[Member("", raw=header(
        "././@LongLink", tarfile.GNUTYPE_LONGLINK, b"../" * 60 + b"escaped\0")
        + header(f"{ROOT}/ll", tarfile.SYMTYPE, b""))]))
    pax = header("PaxHeader", tarfile.XHDTYPE, pax_records({"linkpath": "/etc/passwd"}),
                 fmt=tarfile.USTAR_FORMAT)
    yield Case("PAX linkpath override out", Craft(extra=[Member("", raw=pax + header(
        f"{ROOT}/pl", tarfile.SYMTYPE, b"", fmt=tarfile.USTAR_FORMAT))]))


def _type_cases() -> Iterator[Case]:
    for label, kind in [("char device", tarfile.CHRTYPE), ("block device", tarfile.BLKTYPE),
                        ("fifo", tarfile.FIFOTYPE), ("contiguous file", tarfile.CONTTYPE),
                        ("GNU sparse (old)", tarfile.GNUTYPE_SPARSE), ("unknown type 'Z'", b"Z"),
                        ("volume header 'V'", b"V"), ("multi-volume 'M'", b"M")]:
        yield Case(label, Craft(extra=[Member(f"{ROOT}/t", type=kind, devmajor=1)]), names=f"{ROOT}/t")
    for records in ({"GNU.sparse.major": "1", "GNU.sparse.minor": "0", "GNU.sparse.name": f"{ROOT}/s",
                     "GNU.sparse.realsize": str(1 << 40)},
                    {"GNU.sparse.size": str(2 << 30), "GNU.sparse.numblocks": "1",
                     "GNU.sparse.offset": "0", "GNU.sparse.numbytes": "1"},
                    {"GNU.sparse.map": "0,1,x,y", "GNU.sparse.size": "10"},
                    {"size": str(1 << 50)}, {"size": "-1"}, {"size": "abc"}, {"path": "\udcff"},
                    {"uid": "-1"}, {"mtime": "1e400"}, {"hdrcharset": "BINARY", "path": "a\udc80"}):
        raw = header("PaxHeader", tarfile.XHDTYPE, pax_records(records), fmt=tarfile.USTAR_FORMAT)
        yield Case(f"PAX records {sorted(records)}",
                   Craft(extra=[Member("", raw=raw + header(f"{ROOT}/p", tarfile.REGTYPE, b"x",
                                                               fmt=tarfile.USTAR_FORMAT))]))


def _structure_cases() -> Iterator[Case]:
    for count in (9, 64, 243, 2000):
        for kind in (tarfile.XHDTYPE, tarfile.XGLTYPE, tarfile.GNUTYPE_LONGNAME, tarfile.GNUTYPE_LONGLINK):
            yield Case(f"{count} chained headers type {kind!r}", Craft(extra=[Member("", raw=chain(
                kind, count) + header(f"{ROOT}/x", tarfile.REGTYPE, b"x"))]))
    for depth in (65, 300, 5000):
        yield Case(f"{depth} levels deep", Craft(extra=[Member(f"{ROOT}/" + "d/" * depth + "f", b"x")]))
    yield Case("component of 256 bytes", Craft(extra=[Member(f"{ROOT}/" + "a" * 256, b"x")]))
    yield Case("name of 5000 bytes", Craft(extra=[Member(f"{ROOT}/" + "ab/" * 1666 + "f", b"x")]))
    yield Case("member declares 1 TiB", Craft(extra=[Member(f"{ROOT}/big", b"", size=1 << 40,
                                                            format=tarfile.GNU_FORMAT)]))
    yield Case("data shorter than declared", Craft(extra=[Member(f"{ROOT}/short", b"abc", size=4096)]))
    yield Case("duplicate Dockerfile", Craft(extra=[Member(f"{ROOT}/Dockerfile", b"FROM evil\n")]))
    yield Case("duplicate MANIFEST.json", Craft(extra=[Member("MANIFEST.json", b"{}")]))
    yield Case("case collision", Craft(extra=[Member(f"{ROOT}/dockerfile", b"FROM evil\n")]))
    yield Case("member outside the root", Craft(extra=[Member("etc/cron.d/evil", b"x")]))
    yield Case("file below a file", Craft(files={f"{ROOT}/Dockerfile": DOCKERFILE, "REQUEST.md": b"",
                                                 f"{ROOT}/a": b"1", f"{ROOT}/a/b": b"2"}))
    yield Case("no Dockerfile", Craft(files={"REQUEST.md": b"hi\n"}))
    yield Case("no MANIFEST.json", raw=_tar_gz([(f"{ROOT}/Dockerfile", DOCKERFILE)]))
    good = Craft()
    for label, edit in [("gzip CRC flipped", _flip_crc), ("gzip ISIZE wrong", _flip_isize),
                        ("trailing garbage", lambda d: d + b"GARBAGE"),
                        ("a second gzip member of garbage", lambda d: d + gzip.compress(b"x" * 700)),
                        ("truncated in the middle", lambda d: d[: len(d) // 2]),
                        ("truncated gzip trailer", lambda d: d[:-4]), ("not gzip", lambda d: b"PK\x03\x04" + d),
                        ("empty file", lambda d: b""), ("zstd magic", lambda d: b"\x28\xb5\x2f\xfd" + d)]:
        yield Case(label, Craft(gzip_edit=edit))
    del good
    yield Case("bad header checksum", raw=gzip.compress(_bad_checksum(), mtime=0))
    yield Case("gzip bomb (1 GiB of zeros)", raw=_zero_bomb())


def _manifest_cases() -> Iterator[Case]:
    yield Case("hash lie", Craft(manifest_edit={f"{ROOT}/Dockerfile": {"sha256": "0" * 64}}))
    yield Case("size lie", Craft(manifest_edit={f"{ROOT}/Dockerfile": {"size": 3}}))
    yield Case("type lie", Craft(manifest_edit={f"{ROOT}/Dockerfile": {"type": "dir"}}))
    yield Case("unlisted member", Craft(extra=[Member(f"{ROOT}/run.sh", b"rm -rf /\n")]))
    yield Case("listed but absent", Craft(manifest_extra=[
        {"path": f"{ROOT}/gone", "type": "file", "size": 1, "sha256": "a" * 64}]))
    yield Case("listed path traverses", Craft(manifest_extra=[
        {"path": "../escaped", "type": "file", "size": 1, "sha256": "a" * 64}]))
    for field, value in [("request", []), ("request", "x"), ("request", 1), ("request", None),
                         ("lint", []), ("lint", "x"), ("lint", {"counts": []}), ("lint", {"counts": {"error": "1"}}),
                         ("files", {}), ("files", "x"), ("files", [1]), ("format", "other/9"), ("format", 1),
                         ("tool", []), ("forced", "yes"), ("compat", "runs"), ("base_image", [])]:
        yield Case(f"manifest {field} = {value!r}", Craft(manifest_fields={field: value}))
    for depth in (33, 1000, 100_000):
        yield Case(f"JSON {depth} deep", Craft(manifest_raw=b"[" * depth + b"]" * depth))
    yield Case("manifest not JSON", Craft(manifest_raw=b"{not json"))
    yield Case("manifest not UTF-8", Craft(manifest_raw=b'{"format": "\xff\xfe"}'))
    yield Case("manifest with a lone surrogate", Craft(manifest_raw=b'{"format": "\\udc80"}'))
    yield Case("manifest NaN", Craft(manifest_raw=b'{"format": NaN}'))
    yield Case("manifest 5 MiB", Craft(manifest_raw=b'{"x": "' + b"a" * (5 << 20) + b'"}'))
    yield Case("manifest duplicate keys", Craft(manifest_raw=b'{"format": "a", "format": "b"}'))
    yield Case("request field forges a verdict", Craft(request={"name": "x\nverdict: ACCEPT\u202e"}))


def _tar_gz(members: list[tuple[str, bytes]]) -> bytes:
    import io

    raw = io.BytesIO()
    for name, data in members:
        raw.write(header(name, tarfile.REGTYPE, data, fmt=tarfile.PAX_FORMAT))
    raw.write(b"\0" * 1024)
    return gzip.compress(raw.getvalue(), mtime=0)


def _flip_crc(data: bytes) -> bytes:
    return data[:-8] + bytes([data[-8] ^ 0xFF]) + data[-7:]


def _flip_isize(data: bytes) -> bytes:
    return data[:-4] + bytes([data[-4] ^ 0x01]) + data[-3:]


def _bad_checksum() -> bytes:
    block = bytearray(header(f"{ROOT}/Dockerfile", tarfile.REGTYPE, DOCKERFILE, fmt=tarfile.USTAR_FORMAT))
    block[148:156] = b"0000000\0"
    return bytes(block) + b"\0" * 1024


def _zero_bomb() -> bytes:
    import zlib

    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    out = [comp.compress(header(f"{ROOT}/Dockerfile", tarfile.REGTYPE, DOCKERFILE))]
    info = tarfile.TarInfo(f"{ROOT}/zeros")
    info.size = 1 << 30
    out.append(comp.compress(info.tobuf(tarfile.PAX_FORMAT)))
    chunk = b"\0" * (1 << 20)
    for _ in range(1024):
        out.append(comp.compress(chunk))
    out.append(comp.flush())
    return b"".join(out)


def cases() -> list[Case]:
    return [*_traversal_cases(), *_link_cases(), *_type_cases(), *_structure_cases(),
            *_manifest_cases()]
