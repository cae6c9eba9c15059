"""Read a request bundle without trusting it.

Pass 1 streams the archive member by member and checks every name, type, size and
hash against MANIFEST.json; nothing is written. Only then pass 2 extracts into a
private folder (mkdtemp, mode 0700), re-hashing as it writes so that a file swapped
between the passes is caught too. Nothing from a bundle is ever run here.
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
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
from imagesmith.bundle.limits import ReadLimits, name_problem, shown
from imagesmith.core.errors import BundleRejected, UserInputError

__all__ = ["ReadLimits", "CheckedBundle", "ExtractedBundle", "check_bundle", "extracted_bundle",
           "is_bundle"]

CHUNK = 1 << 20
MAX_TRAILING_BYTES = 1 << 20  # zero padding after the end-of-archive blocks (tar records)
# What a damaged or hostile archive makes gzip/tarfile raise while it is read.
_READ_ERRORS = (tarfile.TarError, EOFError, zlib.error, OSError, ValueError, RecursionError,
                UnicodeError)


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

    MAX_CHAIN = ReadLimits().max_header_chain

    def _proc_member(self, tar: tarfile.TarFile) -> tarfile.TarInfo:
        if self.type not in self._EXTENDED:
            tar._imagesmith_chain = 0  # type: ignore[attr-defined]
            return super()._proc_member(tar)  # type: ignore[misc]
        if self.size > self.MAX_EXTENDED_HEADER:
            raise tarfile.ReadError(f"an extended (PAX/GNU) header declares {self.size} bytes, "
                                    f"over {self.MAX_EXTENDED_HEADER}")
        # tarfile reads the member an extended header belongs to by recursion: bound the chain.
        chain = getattr(tar, "_imagesmith_chain", 0) + 1
        tar._imagesmith_chain = chain  # type: ignore[attr-defined]
        if chain > self.MAX_CHAIN:
            raise tarfile.ReadError(f"more than {self.MAX_CHAIN} extended (PAX/GNU) headers "
                                    "chained before one member")
        return super()._proc_member(tar)  # type: ignore[misc]


def is_bundle(path: Path) -> bool:
    """A file whose name ends .tar.gz or .tgz (what `imagesmith build` treats as a bundle)."""
    return path.name.endswith(BUNDLE_SUFFIXES) and path.is_file()


def _reject(path: Path, message: str) -> BundleRejected:
    return BundleRejected(message, where=path, hint="the bundle was not extracted")


def _check_name(path: Path, name: str, limits: ReadLimits) -> str:
    """The member's canonical name, or BundleRejected for anything that could escape."""
    if not name or "\x00" in name or "\\" in name:
        raise _reject(path, f"member {shown(name)} has an unusable name")
    problem = name_problem(name.rstrip("/"), limits)
    if problem is not None:
        raise _reject(path, f"member {shown(name)} {problem}")
    if name.startswith("/"):
        raise _reject(path, f"member {shown(name)} has an absolute name")
    parts = name.rstrip("/").split("/")
    if ".." in parts:
        raise _reject(path, f"member {shown(name)} climbs out with '..'")
    if any(p in ("", ".") for p in parts):
        raise _reject(path, f"member {shown(name)} has an empty or '.' path component")
    canonical = "/".join(parts)
    if canonical not in (MANIFEST_NAME, REQUEST_NAME, CONTEXT_DIR) \
            and not canonical.startswith(CONTEXT_DIR + "/"):
        raise _reject(path, f"member {shown(name)} is outside {CONTEXT_DIR}/ and not a bundle file")
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
            raise _reject(path, f"{kind} {shown(name)} -> {shown(info.linkname)} points outside the bundle")
        raise _reject(path, f"{kind} {shown(name)} -> {shown(info.linkname)}: bundles hold no links")
    if info.ischr() or info.isblk():
        raise _reject(path, f"member {shown(name)} is a device node")
    if info.isfifo():
        raise _reject(path, f"member {shown(name)} is a FIFO")
    if info.issparse():
        raise _reject(path, f"member {shown(name)} is a sparse file")
    if info.isdir():
        return "dir"
    if info.isreg():
        return "file"
    raise _reject(path, f"member {shown(name)} has unsupported type {info.type!r}")


def _read(path: Path, stream: IO[bytes], size: int) -> bytes:
    try:
        return stream.read(size)
    except _READ_ERRORS as exc:
        raise _reject(path, f"not a readable .tar.gz: {exc}") from None


def _hash_member(path: Path, stream: IO[bytes], size: int, sink: IO[bytes] | None = None) -> str:
    digest = hashlib.sha256()
    left = size
    while left:
        chunk = _read(path, stream, min(CHUNK, left))
        if not chunk:
            raise _reject(path, "not a readable .tar.gz: unexpected end of data")
        digest.update(chunk)
        if sink is not None and chunk.count(0) == len(chunk):
            sink.seek(len(chunk), os.SEEK_CUR)  # a hole: a file of zeros takes no disk space
        elif sink is not None:
            sink.write(chunk)  # OSError here is the temp folder's, not the bundle's
        left -= len(chunk)
    return digest.hexdigest()


@contextmanager
def _open_archive(path: Path) -> Iterator[tarfile.TarFile]:
    """The archive as a tar stream; read errors are the bundle's fault, the body's are not."""
    try:
        raw = open(path, "rb")
    except OSError as exc:
        raise BundleRejected(f"cannot open the bundle: {exc.strerror or exc}", where=path) from None
    with raw:
        # GzipFile, not tarfile's "r|gz": bundles are multi-member gzip (see writer.py).
        gz = gzip.GzipFile(fileobj=raw, mode="rb")
        try:
            tar = tarfile.open(fileobj=gz, mode="r|", tarinfo=_GuardedTarInfo)
        except _READ_ERRORS as exc:
            raise _reject(path, f"not a readable .tar.gz: {exc}") from None
        with tar:
            yield tar


def _check_end(path: Path, tar: tarfile.TarFile) -> None:
    """After the end-of-archive block only zero padding may follow, and the gzip stream must
    end cleanly (reading to its end verifies the CRC and length of every gzip member)."""
    stream = tar.fileobj
    assert stream is not None
    seen = 0
    while True:
        chunk = _read(path, stream, CHUNK)
        if not chunk:
            return
        seen += len(chunk)
        if chunk.count(0) != len(chunk):
            raise _reject(path, "data follows the end of the tar archive")
        if seen > MAX_TRAILING_BYTES:
            raise _reject(path, f"more than {MAX_TRAILING_BYTES} bytes of padding follow the "
                                "end of the tar archive")


def _members(path: Path, tar: tarfile.TarFile, limits: ReadLimits) -> Iterator[
        tuple[tarfile.TarInfo, str, str]]:
    """(info, canonical name, kind) for each member, checked before its data is read."""
    seen: set[str] = set()
    total = 0
    members = iter(tar)
    for count in itertools.count(1):
        try:
            info = next(members, None)
        except _READ_ERRORS as exc:
            raise _reject(path, f"not a readable .tar.gz: {exc}") from None
        if info is None:
            break
        if count > limits.max_members:
            raise _reject(path, f"more than {limits.max_members} members")
        name = _check_name(path, info.name, limits)
        kind = _check_type(path, info, name)
        if name in seen:
            raise _reject(path, f"member {shown(name)} appears twice")
        seen.add(name)
        if info.size > limits.max_member_bytes:
            raise _reject(path, f"member {shown(name)} declares {info.size} bytes, over the limit of "
                                f"{limits.max_member_bytes} (--max-member-bytes)")
        total += info.size
        if total > limits.max_total_bytes:
            raise _reject(path, f"members declare more than {limits.max_total_bytes} bytes in all")
        yield info, name, kind
    _check_end(path, tar)


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
                texts[name] = _read(path, stream, info.size)
                sha = hashlib.sha256(texts[name]).hexdigest()
            else:
                sha = _hash_member(path, stream, info.size)
            members.append(ManifestEntry(name, "file", info.size, sha, bool(info.mode & 0o111)))
    if MANIFEST_NAME not in texts:
        raise _reject(path, f"no {MANIFEST_NAME} in the bundle")
    manifest, entries = parse_manifest(texts[MANIFEST_NAME], str(path), limits.max_json_depth)
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
            raise _reject(path, f"member {shown(name)} is not listed in {MANIFEST_NAME}")
        if entry.type != member.type:
            raise _reject(path, f"member {shown(name)} is a {member.type}, {MANIFEST_NAME} says {entry.type}")
        if member.type == "file" and entry.size != member.size:
            raise _reject(path, f"member {shown(name)} holds {member.size} bytes, "
                                f"{MANIFEST_NAME} says {entry.size}")
        if member.type == "file" and entry.sha256 != member.sha256:
            raise _reject(path, f"member {shown(name)} has sha256 {member.sha256[:16]}..., "
                                f"{MANIFEST_NAME} says {entry.sha256[:16]}...")
    missing = sorted(set(entries) - set(by_name))
    if missing:
        raise _reject(path, f"{MANIFEST_NAME} lists {shown(missing[0])} but the bundle does not hold it")


def _check_layout(path: Path, members: list[ManifestEntry]) -> None:
    files = {m.path for m in members if m.type == "file"}
    if f"{CONTEXT_DIR}/Dockerfile" not in files:
        raise _reject(path, f"no {CONTEXT_DIR}/Dockerfile in the bundle")
    for m in members:
        for parent in PurePosixPath(m.path).parents:
            if parent.as_posix() in files:
                raise _reject(path, f"member {shown(m.path)} sits below the file {shown(parent.as_posix())}")


def _extract(path: Path, checked: CheckedBundle, root: Path, limits: ReadLimits) -> None:
    expected = {m.path: m for m in checked.members}
    with _open_archive(path) as tar:
        for info, name, kind in _members(path, tar, limits):
            member = expected.get(name)
            if member is None or member.type != kind or member.size != info.size:
                raise _reject(path, f"member {shown(name)} changed while it was being extracted")
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
                if _hash_member(path, stream, info.size, out) != member.sha256:
                    raise _reject(path, f"member {shown(name)} changed while it was being extracted")
                out.truncate(info.size)  # the size, when the file ends in a hole


def _temp_failure(root: Path | None, exc: OSError) -> UserInputError:
    where = root if root is not None else Path(tempfile.gettempdir())
    return UserInputError(f"cannot write the temp folder: {exc.strerror or exc}", where=where,
                          hint="free space there or set TMPDIR to a folder with room; "
                               "the bundle itself was read fine")


@contextmanager
def extracted_bundle(path: Path, *, limits: ReadLimits | None = None) -> Iterator[ExtractedBundle]:
    """Check the bundle fully, then extract it into a private temp dir removed on exit.

    Raises BundleRejected (exit 2) for anything unsafe or inconsistent; in that case
    nothing was written, or the partial temp dir has already been removed. A temp folder
    that cannot be written (full, missing, read-only) is a UserInputError naming it.
    """
    limits = limits or ReadLimits()
    checked = check_bundle(path, limits)
    root: Path | None = None
    try:
        root = Path(tempfile.mkdtemp(prefix="imagesmith-bundle-"))
        _extract(path, checked, root, limits)
    except OSError as exc:
        if root is not None:
            shutil.rmtree(root, ignore_errors=True)
        raise _temp_failure(root, exc) from None
    except BaseException:
        if root is not None:
            shutil.rmtree(root, ignore_errors=True)
        raise
    try:
        yield ExtractedBundle(root, root / CONTEXT_DIR, checked.manifest, checked.request_text)
    finally:
        shutil.rmtree(root, ignore_errors=True)
