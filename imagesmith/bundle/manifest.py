"""The bundle layout and its MANIFEST.json: names, entry model and (de)serialisation.

A bundle is a `.tar.gz` holding `dockertmp/...` (the build context), `REQUEST.md` (the mail
to the admins) and `MANIFEST.json` (what the reader checks every member against).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from typing import Any, Literal

from imagesmith.core.errors import BundleRejected

FORMAT = "imagesmith-bundle/1"
CONTEXT_DIR = "dockertmp"
MANIFEST_NAME = "MANIFEST.json"
REQUEST_NAME = "REQUEST.md"
BUNDLE_SUFFIXES = (".tar.gz", ".tgz")

# Fixed member metadata so the same input gives the same bytes (1980-01-01, as zip tools use).
FIXED_MTIME = 315532800
FILE_MODE = 0o644
EXEC_MODE = 0o755
DIR_MODE = 0o755

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class ManifestEntry:
    path: str  # archive name: "dockertmp/Dockerfile", "REQUEST.md"; directories without "/"
    type: Literal["file", "dir"]
    size: int = 0
    sha256: str = ""
    executable: bool = False

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if self.type == "dir":
            return {"path": self.path, "type": "dir"}
        return data


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    """The canonical serialisation: sorted keys, two-space indent, UTF-8, final newline."""
    return (json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()


def parse_manifest(raw: bytes, where: str) -> tuple[dict[str, Any], dict[str, ManifestEntry]]:
    """The manifest and its entries by path; raises BundleRejected on anything malformed."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BundleRejected(f"{MANIFEST_NAME} is not valid JSON: {exc}", where=where) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BundleRejected(f"{MANIFEST_NAME} is not an {FORMAT} manifest", where=where)
    files = data.get("files")
    if not isinstance(files, list):
        raise BundleRejected(f"{MANIFEST_NAME} has no 'files' list", where=where)
    entries: dict[str, ManifestEntry] = {}
    for i, item in enumerate(files):
        entry = _entry(item, f"{MANIFEST_NAME} files[{i}]", where)
        if entry.path in entries:
            raise BundleRejected(f"{MANIFEST_NAME} lists {entry.path!r} twice", where=where)
        entries[entry.path] = entry
    return data, entries


def _entry(item: Any, label: str, where: str) -> ManifestEntry:
    if not isinstance(item, dict) or not isinstance(item.get("path"), str):
        raise BundleRejected(f"{label} is not an object with a 'path'", where=where)
    kind = item.get("type", "file")
    if kind == "dir":
        return ManifestEntry(item["path"], "dir")
    size, sha = item.get("size"), item.get("sha256")
    if kind != "file" or not isinstance(size, int) or size < 0 or not isinstance(sha, str) \
            or not _SHA256.match(sha):
        raise BundleRejected(f"{label} ({item['path']!r}) needs type, a size and a sha256", where=where)
    return ManifestEntry(item["path"], "file", size, sha, bool(item.get("executable", False)))
