"""Craft bundles by hand, including hostile ones, for the reader tests."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
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


@dataclass
class Craft:
    """A bundle whose manifest is right for `files`, plus whatever extra is injected."""

    files: dict[str, bytes] = field(default_factory=lambda: {"dockertmp/Dockerfile": DOCKERFILE,
                                                           "REQUEST.md": b"hi\n"})
    extra: list[Member] = field(default_factory=list)
    manifest_edit: dict[str, dict[str, Any]] = field(default_factory=dict)  # path -> fields
    manifest_extra: list[dict[str, Any]] = field(default_factory=list)
    request: dict[str, str] = field(default_factory=lambda: {"name": "x"})

    def manifest(self) -> bytes:
        entries: list[dict[str, Any]] = [{"path": "dockertmp", "type": "dir"}]
        for name, data in self.files.items():
            entry = {"path": name, "type": "file", "size": len(data),
                     "sha256": hashlib.sha256(data).hexdigest(), "executable": False}
            entry.update(self.manifest_edit.get(name, {}))
            entries.append(entry)
        entries += self.manifest_extra
        return json.dumps({"format": FORMAT, "files": entries, "request": self.request}).encode()

    def write(self, path: Path) -> Path:
        members = [Member("dockertmp", type=tarfile.DIRTYPE)]
        members += [Member(n, d) for n, d in self.files.items()]
        members += self.extra
        members.append(Member("MANIFEST.json", self.manifest()))
        raw = io.BytesIO()
        for m in members:
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
        path.write_bytes(gzip.compress(raw.getvalue(), mtime=0))
        return path
