"""Craft bundles by hand, including hostile ones, for the reader tests."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imagesmith.bundle.manifest import FORMAT

DOCKERFILE = b"FROM bit:5000/deepo_9\nRUN echo hello\n"


@dataclass
class Member:
    name: str
    data: bytes = b""
    type: bytes = tarfile.REGTYPE
    linkname: str = ""
    size: int | None = None  # declared size when it should differ from len(data)
    devmajor: int = 0
    format: int = tarfile.PAX_FORMAT  # GNU_FORMAT writes huge sizes in the header itself
    raw: bytes | None = None  # written verbatim instead of a header built from the fields


@dataclass
class Craft:
    """A bundle whose manifest is right for `files`, plus whatever extra is injected."""

    files: dict[str, bytes] = field(default_factory=lambda: {"dockertmp/Dockerfile": DOCKERFILE,
                                                           "REQUEST.md": b"hi\n"})
    extra: list[Member] = field(default_factory=list)
    manifest_edit: dict[str, dict[str, Any]] = field(default_factory=dict)  # path -> fields
    manifest_extra: list[dict[str, Any]] = field(default_factory=list)
    request: Any = field(default_factory=lambda: {"name": "x"})
    manifest_fields: dict[str, Any] = field(default_factory=dict)  # top-level fields to set
    manifest_raw: bytes | None = None  # MANIFEST.json verbatim
    gzip_edit: Callable[[bytes], bytes] | None = None  # applied to the finished .tar.gz bytes

    def manifest(self) -> bytes:
        entries: list[dict[str, Any]] = [{"path": "dockertmp", "type": "dir"}]
        for name, data in self.files.items():
            entry = {"path": name, "type": "file", "size": len(data),
                     "sha256": hashlib.sha256(data).hexdigest(), "executable": False}
            entry.update(self.manifest_edit.get(name, {}))
            entries.append(entry)
        entries += self.manifest_extra
        if self.manifest_raw is not None:
            return self.manifest_raw
        data = {"format": FORMAT, "files": entries, "request": self.request, **self.manifest_fields}
        return json.dumps(data).encode()

    def write(self, path: Path) -> Path:
        members = [Member("dockertmp", type=tarfile.DIRTYPE)]
        members += [Member(n, d) for n, d in self.files.items()]
        members += self.extra
        members.append(Member("MANIFEST.json", self.manifest()))
        raw = io.BytesIO()
        for m in members:
            if m.raw is not None:
                raw.write(m.raw)
                continue
            info = tarfile.TarInfo(m.name)
            info.type = m.type
            info.linkname = m.linkname
            info.mode = 0o755 if m.type == tarfile.DIRTYPE else 0o644
            info.devmajor, info.devminor = m.devmajor, 3
            info.size = len(m.data) if m.type == tarfile.REGTYPE else 0
            if m.size is not None:
                info.size = m.size
            raw.write(info.tobuf(m.format, "utf-8", "surrogateescape"))
            raw.write(m.data)
            if len(m.data) % 512:
                raw.write(b"\0" * (512 - len(m.data) % 512))
        raw.write(b"\0" * 1024)
        data = gzip.compress(raw.getvalue(), mtime=0)
        path.write_bytes(self.gzip_edit(data) if self.gzip_edit else data)
        return path


def _padded(data: bytes) -> bytes:
    return data + b"\0" * (-len(data) % tarfile.BLOCKSIZE)


def header(name: str, kind: bytes, data: bytes, fmt: int = tarfile.GNU_FORMAT,
           pax: dict[str, str] | None = None) -> bytes:
    """One raw header block (plus its padded data) as tarfile would write it."""
    info = tarfile.TarInfo(name)
    info.type, info.size, info.mode = kind, len(data), 0o644
    if pax is not None:
        info.pax_headers = pax
    return info.tobuf(fmt, "utf-8", "surrogateescape") + _padded(data)


def pax_records(records: dict[str, str]) -> bytes:
    """The body of a PAX extended header: "<len> key=value\\n" records."""
    out = b""
    for key, value in records.items():
        body = f" {key}={value}\n".encode("utf-8", "surrogateescape")
        size = len(body) + 1
        while len(str(size)) + len(body) != size:
            size += 1
        out += str(size).encode() + body
    return out


def chain(kind: bytes, count: int, records: dict[str, str] | None = None) -> bytes:
    """`count` extended headers of `kind` in a row (a PAX, global or GNU long-name chain)."""
    if kind in (tarfile.XHDTYPE, tarfile.XGLTYPE):
        data = pax_records(records or {"comment": "x"})
    else:
        data = b"dockertmp/long\0"
    return header("././@chain", kind, data) * count
