"""Read a request bundle without trusting it.

Pass 1 streams the archive member by member and checks every name, type, size and
hash against MANIFEST.json; nothing is written. Only then pass 2 extracts into a
private folder (mkdtemp, mode 0700), re-hashing as it writes so that a file swapped
between the passes is caught too. Nothing from a bundle is ever run here.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from imagesmith.bundle.manifest import (
    BUNDLE_SUFFIXES,
    CONTEXT_DIR,
    DIR_MODE,
    EXEC_MODE,
    FILE_MODE,
    MANIFEST_NAME,
    REQUEST_NAME,
    ManifestEntry,
    parse_manifest,
)
from imagesmith.core.errors import BundleRejected

CHUNK = 1 << 20
GiB = 1 << 30


@dataclass(frozen=True)
class ReadLimits:
    """What a bundle may declare. A CUDA tarball is ~1.5 GB, hence the member default."""

    max_member_bytes: int = 4 * GiB
    max_total_bytes: int = 16 * GiB
    max_members: int = 20000
    max_text_bytes: int = 4 << 20  # MANIFEST.json and REQUEST.md are read into memory


@dataclass
class CheckedBundle:
    """The outcome of pass 1: every member checked, nothing written."""

    path: Path
    manifest: dict[str, Any]
    request_text: str
    members: list[ManifestEntry] = field(default_factory=list)  # as found in the archive

    @property
    def total_bytes(self) -> int:
        return sum(m.size for m in self.members)


@dataclass
class ExtractedBundle:
    root: Path  # the private temp dir
    context_dir: Path  # root / "dockertmp"
    manifest: dict[str, Any]
    request_text: str


class _GuardedTarInfo(tarfile.TarInfo):
    """tarfile reads PAX and GNU long-name headers into memory whole; refuse big ones first
    (a gzip bomb could otherwise declare a header of many GiB)."""

    MAX_EXTENDED_HEADER = 1 << 20
    _EXTENDED = (tarfile.GNUTYPE_LONGNAME, tarfile.GNUTYPE_LONGLINK, tarfile.XHDTYPE,
                 tarfile.XGLTYPE, tarfile.SOLARIS_XHDTYPE)

    def _proc_member(self, tar: tarfile.TarFile) -> tarfile.TarInfo:
        if self.type in self._EXTENDED and self.size > self.MAX_EXTENDED_HEADER:
            raise tarfile.ReadError(f"an extended (PAX/GNU) header declares {self.size} bytes, "
                                    f"over {self.MAX_EXTENDED_HEADER}")
        return super()._proc_member(tar)  # type: ignore[misc]


def is_bundle(path: Path) -> bool:
    """A file whose name ends .tar.gz or .tgz (what `imagesmith build` treats as a bundle)."""
    return path.name.endswith(BUNDLE_SUFFIXES) and path.is_file()


def _reject(path: Path, message: str) -> BundleRejected:
    return BundleRejected(message, where=path, hint="the bundle was not extracted")


def _check_name(path: Path, name: str) -> str:
    """The member's canonical name, or BundleRejected for anything that could escape."""
    if not name or "\x00" in name or "\\" in name:
        raise _reject(path, f"member {name!r} has an unusable name")
    if name.startswith("/"):
        raise _reject(path, f"member {name!r} has an absolute name")
    parts = name.rstrip("/").split("/")
    if ".." in parts:
        raise _reject(path, f"member {name!r} climbs out with '..'")
    if any(p in ("", ".") for p in parts):
        raise _reject(path, f"member {name!r} has an empty or '.' path component")
    canonical = "/".join(parts)
    if canonical not in (MANIFEST_NAME, REQUEST_NAME, CONTEXT_DIR) \
            and not canonical.startswith(CONTEXT_DIR + "/"):
        raise _reject(path, f"member {name!r} is outside {CONTEXT_DIR}/ and not a bundle file")
    return canonical


def _link_escapes(name: str, target: str, hard: bool) -> bool:
    if target.startswith("/"):
        return True
    base = PurePosixPath() if hard else PurePosixPath(name).parent
    depth = 0
    for part in (base / target).parts:
        depth = depth - 1 if part == ".." else depth + (part != ".")
        if depth < 0:
            return True
    return not (base / target).as_posix().startswith(CONTEXT_DIR + "/")


def _check_type(path: Path, info: tarfile.TarInfo, name: str) -> str:
    if info.issym() or info.islnk():
        kind = "symlink" if info.issym() else "hardlink"
        if _link_escapes(name, info.linkname, hard=info.islnk()):
            raise _reject(path, f"{kind} {name!r} -> {info.linkname!r} points outside the bundle")
        raise _reject(path, f"{kind} {name!r} -> {info.linkname!r}: bundles hold no links")
    if info.ischr() or info.isblk():
        raise _reject(path, f"member {name!r} is a device node")
    if info.isfifo():
        raise _reject(path, f"member {name!r} is a FIFO")
    if info.issparse():
        raise _reject(path, f"member {name!r} is a sparse file")
    if info.isdir():
        return "dir"
    if info.isreg():
        return "file"
    raise _reject(path, f"member {name!r} has unsupported type {info.type!r}")


def _hash_member(stream: IO[bytes], size: int, sink: IO[bytes] | None = None) -> str:
    digest = hashlib.sha256()
    left = size
    while left:
        chunk = stream.read(min(CHUNK, left))
        if not chunk:
            raise tarfile.ReadError("unexpected end of data")
        digest.update(chunk)
        if sink is not None:
            sink.write(chunk)
        left -= len(chunk)
    return digest.hexdigest()


@contextmanager
def _open_archive(path: Path) -> Iterator[tarfile.TarFile]:
    try:
        # GzipFile, not tarfile's "r|gz": bundles are multi-member gzip (see writer.py).
        with open(path, "rb") as raw, gzip.GzipFile(fileobj=raw, mode="rb") as gz, \
                tarfile.open(fileobj=gz, mode="r|", tarinfo=_GuardedTarInfo) as tar:
            yield tar
    except BundleRejected:
        raise
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise _reject(path, f"not a readable .tar.gz: {exc}") from None


def _members(path: Path, tar: tarfile.TarFile, limits: ReadLimits) -> Iterator[
        tuple[tarfile.TarInfo, str, str]]:
    """(info, canonical name, kind) for each member, checked before its data is read."""
    seen: set[str] = set()
    total = 0
    for count, info in enumerate(tar, 1):
        if count > limits.max_members:
            raise _reject(path, f"more than {limits.max_members} members")
        name = _check_name(path, info.name)
        kind = _check_type(path, info, name)
        if name in seen:
            raise _reject(path, f"member {name!r} appears twice")
        seen.add(name)
        if info.size > limits.max_member_bytes:
            raise _reject(path, f"member {name!r} declares {info.size} bytes, over the limit of "
                                f"{limits.max_member_bytes} (--max-member-bytes)")
        total += info.size
        if total > limits.max_total_bytes:
            raise _reject(path, f"members declare more than {limits.max_total_bytes} bytes in all")
        yield info, name, kind


def check_bundle(path: Path, limits: ReadLimits | None = None) -> CheckedBundle:
    """Pass 1: validate every member against the manifest. Writes nothing."""
    limits = limits or ReadLimits()
    if not path.is_file():
        raise BundleRejected("no such bundle file", where=path)
    members: list[ManifestEntry] = []
    texts: dict[str, bytes] = {}
    with _open_archive(path) as tar:
        for info, name, kind in _members(path, tar, limits):
            if kind == "dir":
                members.append(ManifestEntry(name, "dir"))
                continue
            stream = tar.extractfile(info)
            assert stream is not None
            if name in (MANIFEST_NAME, REQUEST_NAME):
                if info.size > limits.max_text_bytes:
                    raise _reject(path, f"{name} is over {limits.max_text_bytes} bytes")
                texts[name] = stream.read(info.size)
                sha = hashlib.sha256(texts[name]).hexdigest()
            else:
                sha = _hash_member(stream, info.size)
            members.append(ManifestEntry(name, "file", info.size, sha, bool(info.mode & 0o111)))
    if MANIFEST_NAME not in texts:
        raise _reject(path, f"no {MANIFEST_NAME} in the bundle")
    manifest, entries = parse_manifest(texts[MANIFEST_NAME], str(path))
    _compare(path, members, entries)
    _check_layout(path, members)
    try:
        request = texts.get(REQUEST_NAME, b"").decode("utf-8")
    except UnicodeDecodeError:
        raise _reject(path, f"{REQUEST_NAME} is not UTF-8 text") from None
    return CheckedBundle(path, manifest, request, members)


def _compare(path: Path, members: list[ManifestEntry], entries: dict[str, ManifestEntry]) -> None:
    by_name = {m.path: m for m in members if m.path != MANIFEST_NAME}
    for name, member in by_name.items():
        entry = entries.get(name)
        if entry is None:
            raise _reject(path, f"member {name!r} is not listed in {MANIFEST_NAME}")
        if entry.type != member.type:
            raise _reject(path, f"member {name!r} is a {member.type}, {MANIFEST_NAME} says {entry.type}")
        if member.type == "file" and entry.size != member.size:
            raise _reject(path, f"member {name!r} holds {member.size} bytes, "
                                f"{MANIFEST_NAME} says {entry.size}")
        if member.type == "file" and entry.sha256 != member.sha256:
            raise _reject(path, f"member {name!r} has sha256 {member.sha256[:16]}..., "
                                f"{MANIFEST_NAME} says {entry.sha256[:16]}...")
    missing = sorted(set(entries) - set(by_name))
    if missing:
        raise _reject(path, f"{MANIFEST_NAME} lists {missing[0]!r} but the bundle does not hold it")


def _check_layout(path: Path, members: list[ManifestEntry]) -> None:
    files = {m.path for m in members if m.type == "file"}
    if f"{CONTEXT_DIR}/Dockerfile" not in files:
        raise _reject(path, f"no {CONTEXT_DIR}/Dockerfile in the bundle")
    for m in members:
        for parent in PurePosixPath(m.path).parents:
            if parent.as_posix() in files:
                raise _reject(path, f"member {m.path!r} sits below the file {parent.as_posix()!r}")


def _extract(path: Path, checked: CheckedBundle, root: Path, limits: ReadLimits) -> None:
    expected = {m.path: m for m in checked.members}
    with _open_archive(path) as tar:
        for info, name, kind in _members(path, tar, limits):
            member = expected.get(name)
            if member is None or member.type != kind or member.size != info.size:
                raise _reject(path, f"member {name!r} changed while it was being extracted")
            dest = root.joinpath(*name.split("/"))
            if kind == "dir":
                dest.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
                continue
            dest.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
            mode = EXEC_MODE if member.executable else FILE_MODE
            fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
            with os.fdopen(fd, "wb") as out:
                stream = tar.extractfile(info)
                assert stream is not None
                if _hash_member(stream, info.size, out) != member.sha256:
                    raise _reject(path, f"member {name!r} changed while it was being extracted")


@contextmanager
def extracted_bundle(path: Path, *, limits: ReadLimits | None = None) -> Iterator[ExtractedBundle]:
    """Check the bundle fully, then extract it into a private temp dir removed on exit.

    Raises BundleRejected (exit 2) for anything unsafe or inconsistent; in that case
    nothing was written, or the partial temp dir has already been removed.
    """
    limits = limits or ReadLimits()
    checked = check_bundle(path, limits)
    root = Path(tempfile.mkdtemp(prefix="imagesmith-bundle-"))
    try:
        _extract(path, checked, root, limits)
        yield ExtractedBundle(root, root / CONTEXT_DIR, checked.manifest, checked.request_text)
    finally:
        shutil.rmtree(root, ignore_errors=True)
