"""Write a deterministic bundle, streaming: constant memory, hashing while writing.

Determinism: members in a fixed order (the context sorted, then REQUEST.md, then
MANIFEST.json, which can then carry every hash), fixed mtime/uid/gid/names, modes
normalised to 0644/0755, gzip headers with mtime 0 and no file name.

Compression: the output is a series of gzip members of ~1 MiB (RFC 1952 allows it; tar,
Python's gzip and Docker read it as one stream), deflated in parallel, so that each context
file gets its own level. A CUDA tarball is already compressed and deflate gains nothing on
it while costing ~40 MB/s per core at level 1, so a large file whose first 256 KiB do not
shrink by 10% is stored (level 0); other large files get level 1, small ones level 6.
`level=` forces one level for all.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import tarfile
import zlib
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from imagesmith.core.atomic import atomic_write
from imagesmith.bundle.manifest import (
    CONTEXT_DIR,
    DIR_MODE,
    EXEC_MODE,
    FILE_MODE,
    FIXED_MTIME,
    FORMAT,
    MANIFEST_NAME,
    REQUEST_NAME,
    ManifestEntry,
    manifest_bytes,
)
from imagesmith.bundle.limits import ReadLimits, name_problem, size_problem
from imagesmith.core.errors import UserInputError

if TYPE_CHECKING:  # pragma: no cover
    from imagesmith.progress import ProgressSink

CHUNK = 1 << 20
LARGE_FILE = 1 << 20
SNIFF_BYTES = 256 << 10
SMALL_LEVEL = 6


@dataclass(frozen=True)
class ContextFile:
    rel: str  # POSIX path inside the context, e.g. "Dockerfile", "data/x.tar"
    source: Path
    size: int
    executable: bool = False


@dataclass
class WriteResult:
    path: Path
    manifest: dict[str, Any]
    size: int


def _gzip_member(data: bytes, level: int) -> bytes:
    return gzip.compress(data, compresslevel=level, mtime=0)


class _GzipMembers:
    """A write-only file object that turns the tar stream into gzip members of about CHUNK
    bytes each, deflated on a thread pool (zlib releases the GIL, so this scales with the
    cores, like pigz) and written in order.

    The output depends only on the byte stream and the level sequence, never on the number
    of threads: a member ends when CHUNK bytes are buffered or the level changes. Memory is
    bounded: at most `2 * workers + 2` members are in flight.
    """

    def __init__(self, out: IO[bytes], workers: int | None = None) -> None:
        self.out = out
        self.level = SMALL_LEVEL
        self._offset = 0
        self._buf = bytearray()
        self._buf_level = SMALL_LEVEL
        workers = workers or min(8, os.cpu_count() or 1)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="bundle-gzip")
        self._pending: deque[Future[bytes]] = deque()
        self._max_pending = 2 * workers + 2

    def set_level(self, level: int) -> None:
        self.level = level

    def write(self, data: bytes) -> int:
        if self.level != self._buf_level:
            self._submit()
            self._buf_level = self.level
        self._buf += data
        self._offset += len(data)
        if len(self._buf) >= CHUNK:
            self._submit()
        return len(data)

    def tell(self) -> int:  # tarfile asks for the (uncompressed) position
        return self._offset

    def _submit(self) -> None:
        if self._buf:
            self._pending.append(self._pool.submit(_gzip_member, bytes(self._buf), self._buf_level))
            self._buf.clear()
        while len(self._pending) > self._max_pending:
            self.out.write(self._pending.popleft().result())

    def finish(self) -> None:
        """Write everything still buffered or in flight."""
        self._submit()
        while self._pending:
            self.out.write(self._pending.popleft().result())
        self._pool.shutdown()

    def abandon(self) -> None:
        """Drop what is in flight (after an error; the temp file is removed anyway)."""
        self._pending.clear()
        self._pool.shutdown(wait=True, cancel_futures=True)


class _HashingReader:
    def __init__(self, raw: IO[bytes], f: ContextFile, progress: ProgressSink | None,
                 check: Callable[[], None] | None) -> None:
        self.raw = raw
        self.file = f
        self.digest = hashlib.sha256()
        self.progress = progress
        self.check = check
        self.done = 0

    def read(self, n: int = -1) -> bytes:
        if self.check is not None:
            self.check()
        data = self.raw.read(n)
        self.digest.update(data)
        self.done += len(data)
        if self.progress is not None:
            self.progress.transfer("packaging", self.file.rel, self.done, self.file.size)
        return data


def choose_level(source: Path, size: int) -> int:
    if size < LARGE_FILE:
        return SMALL_LEVEL
    with open(source, "rb") as fh:
        sample = fh.read(SNIFF_BYTES)
    return 1 if len(zlib.compress(sample, 1)) < 0.9 * len(sample) else 0


def _info(name: str, kind: bytes, size: int = 0, mode: int = FILE_MODE) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.size = size
    info.mode = mode
    info.mtime = FIXED_MTIME
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def _context_dirs(files: Sequence[ContextFile]) -> list[str]:
    dirs = {CONTEXT_DIR}
    for f in files:
        parts = f.rel.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            dirs.add(f"{CONTEXT_DIR}/{'/'.join(parts[:i])}")
    return sorted(dirs)


def _add_file(tar: tarfile.TarFile, gz: _GzipMembers, name: str, f: ContextFile, level: int | None,
              progress: ProgressSink | None, check: Callable[[], None] | None) -> ManifestEntry:
    gz.set_level(choose_level(f.source, f.size) if level is None else level)
    info = _info(name, tarfile.REGTYPE, f.size, EXEC_MODE if f.executable else FILE_MODE)
    try:
        with open(f.source, "rb") as raw:
            reader = _HashingReader(raw, f, progress, check)
            tar.addfile(info, reader)  # type: ignore[arg-type] - only .read() is used
            if os.fstat(raw.fileno()).st_size != f.size:
                raise UserInputError("file changed size while it was being packaged",
                                     where=f.source, hint="package again when it is stable")
    except tarfile.TarError as exc:  # pragma: no cover - tarfile reports short reads as OSError
        raise UserInputError(f"cannot package: {exc}", where=f.source) from None
    except OSError as exc:
        raise UserInputError(f"cannot read while packaging: {exc.strerror or exc}",
                             where=f.source, hint="package again when it is stable") from None
    return ManifestEntry(name, "file", f.size, reader.digest.hexdigest(), f.executable)


def _add_bytes(tar: tarfile.TarFile, gz: _GzipMembers, name: str, data: bytes) -> ManifestEntry:
    gz.set_level(SMALL_LEVEL)
    tar.addfile(_info(name, tarfile.REGTYPE, len(data)), io.BytesIO(data))
    return ManifestEntry(name, "file", len(data), hashlib.sha256(data).hexdigest())


Tail = Callable[[], "tuple[str, dict[str, Any]]"]

_REFUSED = "review and build would refuse the bundle"


def _refuse_what_review_would(files: Sequence[ContextFile], dirs: Sequence[str],
                              limits: ReadLimits) -> None:
    """Raise before writing anything that bundle.reader would reject, with the same checks."""
    for f in files:
        problem = name_problem(f"{CONTEXT_DIR}/{f.rel}", limits)
        if problem is not None:
            raise UserInputError(f"{f.rel!r} {problem}; {_REFUSED}", where=f.source,
                                 hint="rename or move the file, or leave it out with .dockerignore")
    largest = max(((f"{CONTEXT_DIR}/{f.rel}", f.size) for f in files), key=lambda x: x[1],
                  default=None)
    problem = size_problem(len(dirs) + len(files) + 2, sum(f.size for f in files), largest, limits)
    if problem is not None:
        raise UserInputError(f"{problem}; {_REFUSED}", where=files[0].source.parent if files else None,
                             hint="leave files the build does not need out (.dockerignore)")


def _text(data: bytes, out: Path, limits: ReadLimits) -> bytes:
    """REQUEST.md or MANIFEST.json, refused when the reader would not read it into memory."""
    if len(data) > limits.max_text_bytes:
        raise UserInputError(f"a bundle text file would be {len(data)} bytes, over the limit of "
                             f"{limits.max_text_bytes}; {_REFUSED}", where=out,
                             hint="package fewer files (.dockerignore)")
    return data


def write_bundle(out: Path, files: Sequence[ContextFile], tail: Tail, *, level: int | None = None,
                 progress: ProgressSink | None = None,
                 check: Callable[[], None] | None = None,
                 workers: int | None = None, limits: ReadLimits | None = None) -> WriteResult:
    """Write the bundle to `out` atomically (temp file in the same folder, then rename).

    `tail()` is called once the context files are written and returns REQUEST.md's text and
    the manifest fields (all but `format` and `files`, added here), so that work such as
    linting can run while the files stream. `check()` is called between chunks and may
    raise to abandon the bundle early. `workers` deflate threads (default: the cores, at
    most 8) change the speed, never the bytes. Any exception leaves no file behind. What
    `limits` (the reader's) would refuse is refused here, before the first byte is written.
    """
    limits = limits or ReadLimits()
    files = sorted(files, key=lambda f: f.rel)
    dirs = _context_dirs(files)
    _refuse_what_review_would(files, dirs, limits)
    with atomic_write(out) as fh:
        gz = _GzipMembers(fh, workers)
        try:
            tar = tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT)  # type: ignore[call-overload]
            tar.copybufsize = CHUNK
            entries: list[ManifestEntry] = []
            for d in dirs:
                tar.addfile(_info(d, tarfile.DIRTYPE, mode=DIR_MODE))
                entries.append(ManifestEntry(d, "dir"))
            for f in files:
                entries.append(_add_file(tar, gz, f"{CONTEXT_DIR}/{f.rel}", f, level, progress, check))
            request_md, manifest = tail()
            entries.append(_add_bytes(tar, gz, REQUEST_NAME, _text(request_md.encode(), out, limits)))
            full = {**manifest, "format": FORMAT, "files": [e.to_dict() for e in entries]}
            _add_bytes(tar, gz, MANIFEST_NAME, _text(manifest_bytes(full), out, limits))
            tar.close()
            gz.finish()
        finally:
            gz.abandon()
    return WriteResult(out, full, out.stat().st_size)
