"""Compare a rebuilt image with the session it should reproduce: files and package sets.

Each side is read as one tar stream of its filesystem (a container is exported as is; an
image through a created, never started container), so nothing has to run inside either side.
Files compare by type, mode, owner, size and SHA-256 (timestamps ignored); packages by the
dpkg status database, pip dist-info metadata and conda-meta records. Noise (apt lists,
caches, *.pyc, logs, /tmp, engine-managed files) is ignored.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.parser import HeaderParser
from typing import TYPE_CHECKING, Any

from imagesmith.record.noise import is_noise

if TYPE_CHECKING:  # pragma: no cover
    from imagesmith.engine import Engine

_DIST_META = re.compile(r"/(?:site|dist)-packages/[^/]+\.(?:dist-info/METADATA|egg-info/PKG-INFO|egg-info)$")
_DPKG_LIST = re.compile(r"^/var/lib/dpkg/info/([^/:]+)(?::[^/]+)?\.list$")
SHOWN_PER_GROUP = 20


@dataclass
class FileEntry:
    ftype: str  # f d l o
    mode: int
    uid: int
    gid: int
    size: int
    digest: str  # sha256 for files, target for links

    def describe(self) -> str:
        return f"{self.ftype} {self.mode:o} {self.uid}:{self.gid} {self.size}B"


@dataclass
class Manifest:
    files: dict[str, FileEntry] = field(default_factory=dict)
    packages: dict[str, dict[str, str]] = field(default_factory=lambda: {"dpkg": {}, "pip": {}, "conda": {}})
    owners: dict[str, str] = field(default_factory=dict)  # path -> dpkg package


@dataclass
class DiffGroup:
    cause: str
    items: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {"cause": self.cause, "count": len(self.items), "items": self.items}


@dataclass
class Comparison:
    rebuilt: str
    original: str
    differences: list[DiffGroup]
    files_compared: int
    packages_compared: dict[str, int]

    @property
    def reproduced(self) -> bool:
        return not self.differences

    def to_dict(self) -> dict[str, Any]:
        return {"rebuilt": self.rebuilt, "original": self.original, "reproduced": self.reproduced,
                "files_compared": self.files_compared, "packages_compared": self.packages_compared,
                "differences": [g.to_dict() for g in self.differences]}

    def render_text(self) -> str:
        head = (f"{'reproduced' if self.reproduced else 'NOT reproduced'}: {self.rebuilt} vs {self.original} "
                f"({self.files_compared} paths, packages "
                + ", ".join(f"{k} {v}" for k, v in self.packages_compared.items()) + ")")
        lines = [head]
        for group in self.differences:
            lines.append(f"  {group.cause} ({len(group.items)}):")
            lines += [f"    {item}" for item in group.items[:SHOWN_PER_GROUP]]
            if len(group.items) > SHOWN_PER_GROUP:
                lines.append(f"    ... {len(group.items) - SHOWN_PER_GROUP} more")
        return "\n".join(lines) + "\n"


class _ChunkReader(io.RawIOBase):
    def __init__(self, chunks: Iterator[bytes]):
        self._chunks = chunks
        self._buf = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        while not self._buf:
            try:
                self._buf = next(self._chunks)
            except StopIteration:
                return 0
        n = min(len(target), len(self._buf))
        target[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        return n


def read_manifest(chunks: Iterator[bytes]) -> Manifest:
    """Walk one filesystem tar stream."""
    manifest = Manifest()
    stream = io.BufferedReader(_ChunkReader(chunks), buffer_size=1 << 20)
    with tarfile.open(fileobj=stream, mode="r|") as tar:
        for member in tar:
            name = member.name.removeprefix("./")
            path = "/" + name.strip("/")
            if path == "/" or is_noise(path):
                continue
            if member.isreg():
                fh = tar.extractfile(member)
                data = fh.read() if fh else b""
                entry = FileEntry("f", member.mode & 0o7777, member.uid, member.gid, member.size,
                                  hashlib.sha256(data).hexdigest())
                _packages_from(path, data, manifest)
            elif member.issym() or member.islnk():
                entry = FileEntry("l", 0, member.uid, member.gid, 0,
                                  member.linkname)
            elif member.isdir():
                entry = FileEntry("d", member.mode & 0o7777, member.uid, member.gid, 0, "")
            else:
                entry = FileEntry("o", member.mode & 0o7777, member.uid, member.gid, 0, "")
            manifest.files[path] = entry
    return manifest


def _packages_from(path: str, data: bytes, manifest: Manifest) -> None:
    if path == "/var/lib/dpkg/status":
        for block in data.decode("utf-8", "replace").split("\n\n"):
            fields = HeaderParser().parsestr(block)
            if fields.get("Package") and "installed" in (fields.get("Status") or "").split()[-1:]:
                manifest.packages["dpkg"][fields["Package"]] = fields.get("Version", "")
    elif _DIST_META.search(path):
        fields = HeaderParser().parsestr(data.decode("utf-8", "replace"))
        if fields.get("Name"):
            from imagesmith.record.snapshots import normalize_pip_name

            manifest.packages["pip"][normalize_pip_name(fields["Name"])] = fields.get("Version", "")
    elif "/conda-meta/" in path and path.endswith(".json"):
        try:
            record = json.loads(data)
            manifest.packages["conda"][record["name"]] = record["version"]
        except (ValueError, KeyError, TypeError):
            pass
    else:
        m = _DPKG_LIST.match(path)
        if m:
            for owned in data.decode("utf-8", "replace").splitlines():
                manifest.owners.setdefault(owned, m.group(1))


def manifest_of(engine: Engine, ref: str) -> Manifest:
    """Manifest of a container (id or name) or, failing that, of an image."""
    if engine.container_exists(ref):
        return read_manifest(engine.export_stream(ref))
    cid = engine.create(ref, ["true"], role="compare")
    try:
        return read_manifest(engine.export_stream(cid))
    finally:
        engine.remove_container(cid)


def compare_manifests(rebuilt: Manifest, original: Manifest, rebuilt_ref: str = "rebuilt",
                      original_ref: str = "original") -> Comparison:
    groups: list[DiffGroup] = []
    package_of: dict[str, str] = {}
    for manager in ("dpkg", "pip", "conda"):
        a, b = original.packages[manager], rebuilt.packages[manager]
        items = []
        for name in sorted(set(a) | set(b)):
            if a.get(name) != b.get(name):
                items.append(f"{name}: session {a.get(name, 'absent')}, rebuilt {b.get(name, 'absent')}")
                package_of[name] = f"{manager} package {name}"
        if items:
            groups.append(DiffGroup(f"{manager} packages differ", items))
    buckets: dict[str, list[str]] = {}
    for path in sorted(set(original.files) | set(rebuilt.files)):
        before, after = original.files.get(path), rebuilt.files.get(path)
        if before == after:
            continue
        if before is None:
            kind, detail = "only in the rebuilt image", after.describe() if after else ""
        elif after is None:
            kind, detail = "missing from the rebuilt image", before.describe()
        elif before.ftype != after.ftype:
            kind, detail = "type differs", f"{before.ftype} -> {after.ftype}"
        elif before.digest != after.digest or before.size != after.size:
            kind, detail = "content differs", f"{before.size}B -> {after.size}B"
        else:
            kind, detail = "mode or owner differs", f"{before.describe()} -> {after.describe()}"
        if before and after and before.ftype == "d" and kind != "type differs" and kind != "mode or owner differs":
            continue
        owner = original.owners.get(path) or rebuilt.owners.get(path)
        if owner and owner in package_of:
            kind = f"files of {package_of[owner]}"
        buckets.setdefault(kind, []).append(f"{path} ({detail})")
    groups += [DiffGroup(kind, items) for kind, items in buckets.items()]
    counts = {m: len(original.packages[m]) for m in ("dpkg", "pip", "conda")}
    return Comparison(rebuilt_ref, original_ref, groups, len(original.files), counts)


def compare_env(rebuilt: dict[str, str], expected: dict[str, str], on_purpose: set[str]) -> DiffGroup | None:
    """The rebuilt image's ENV against the session's final environment (`expected`: the base
    image's ENV with the session's exports and unsets applied). `on_purpose`: names the
    recording sets or leaves out deliberately (version ENV brought up to date, credentials)."""
    items = []
    for name in sorted(set(rebuilt) | set(expected)):
        if name in on_purpose or rebuilt.get(name) == expected.get(name):
            continue
        items.append(f"{name}: session {expected.get(name, 'unset')!r}, rebuilt "
                     f"{rebuilt.get(name, 'unset')!r}")
    return DiffGroup("environment (ENV) differs", items) if items else None


def compare_images(engine: Engine, rebuilt: str, original: str,
                   env: tuple[dict[str, str], set[str]] | None = None) -> Comparison:
    """Does image `rebuilt` reproduce `original` (a container id/name or an image ref)?
    `env`: (the session's final environment, names left out on purpose), compared with the
    rebuilt image's ENV."""
    result = compare_manifests(manifest_of(engine, rebuilt), manifest_of(engine, original),
                               rebuilt, original)
    if env is not None:
        group = compare_env(engine.image_env(rebuilt), *env)
        if group is not None:
            result.differences.append(group)
    return result
