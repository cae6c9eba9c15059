"""The bundle layout and its MANIFEST.json: names, entry model and (de)serialisation.

A bundle is a `.tar.gz` holding `dockertmp/...` (the build context), `REQUEST.md` (the mail
to the admins) and `MANIFEST.json` (what the reader checks every member against).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from typing import Any, Literal, Optional

from imagesmith.bundle.limits import shown
from imagesmith.core.smoke_tests import smoke_tests_from
from imagesmith.core.errors import BundleRejected
from imagesmith.core.typed_load import LoadError, convert

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


# The type of every top-level field a manifest may carry (what `package` writes); review
# reads them, so a field of another shape is refused by name rather than crashing later.
FIELD_TYPES: dict[str, Any] = {
    "format": str,
    "files": list[dict[str, Any]],
    "request": dict[str, Optional[str]],
    "tool": dict[str, str],
    "profile": dict[str, str],
    "forced": bool,
    "lint": dict[str, Any],
    "base_image": dict[str, Any],
    "env_changes": dict[str, Any],
    "compat": Optional[dict[str, Any]],
    "installs": dict[str, list[dict[str, Any]]],
    "left_out": list[str],
    "ignored": list[str],
    "smoke_tests": list[dict[str, Any]],  # the request's [[tests]], checked as SmokeTest below
}
LINT_TYPES: dict[str, Any] = {"counts": dict[str, int], "findings": list[dict[str, Any]]}


def _depth(value: Any, limit: int) -> int:
    """The nesting depth of parsed JSON, walked without recursion, stopping past `limit`."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if not isinstance(item, (dict, list)):
            continue
        deepest = max(deepest, depth)
        if deepest > limit:
            break
        stack.extend((v, depth + 1) for v in (item.values() if isinstance(item, dict) else item))
    return deepest


def _text_problem(value: Any, path: str) -> str | None:
    """A lone surrogate (from a `\\udXXX` escape) is not text: name where one sits."""
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        item, at = stack.pop()
        if isinstance(item, str):
            if any("\ud800" <= ch <= "\udfff" for ch in item):
                return at
        elif isinstance(item, dict):
            for k, v in item.items():
                if any("\ud800" <= ch <= "\udfff" for ch in k):
                    return f"{at}.<key>"
                stack.append((v, f"{at}.{k}" if at else k))
        elif isinstance(item, list):
            stack.extend((v, f"{at}[{i}]") for i, v in enumerate(item))
    return None


def _check_fields(data: dict[str, Any], where: str) -> None:
    for key, tp in FIELD_TYPES.items():
        if key not in data:
            continue
        try:
            convert(tp, data[key], key)
            if key == "lint":
                for sub, sub_tp in LINT_TYPES.items():
                    if sub in data[key]:
                        convert(sub_tp, data[key][sub], f"lint.{sub}")
            if key == "smoke_tests":
                smoke_tests_from(data[key], "smoke_tests")
        except LoadError as exc:
            raise BundleRejected(f"{MANIFEST_NAME} field {exc.path}: {_short(exc.message)}",
                                 where=where) from None
    at = _text_problem(data, "")
    if at is not None:
        raise BundleRejected(f"{MANIFEST_NAME} field {at} holds a lone surrogate, not text",
                             where=where)


def _short(text: str, keep: int = 120) -> str:
    return text if len(text) <= keep else text[:keep] + "..."


def parse_manifest(raw: bytes, where: str, max_depth: int = 32
                   ) -> tuple[dict[str, Any], dict[str, ManifestEntry]]:
    """The manifest and its entries by path; raises BundleRejected on anything malformed."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BundleRejected(f"{MANIFEST_NAME} is not valid JSON: {exc}", where=where) from None
    except RecursionError:
        raise BundleRejected(f"{MANIFEST_NAME} nests deeper than {max_depth} levels",
                             where=where) from None
    if _depth(data, max_depth) > max_depth:
        raise BundleRejected(f"{MANIFEST_NAME} nests deeper than {max_depth} levels", where=where)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BundleRejected(f"{MANIFEST_NAME} is not an {FORMAT} manifest", where=where)
    files = data.get("files")
    if not isinstance(files, list):
        raise BundleRejected(f"{MANIFEST_NAME} has no 'files' list", where=where)
    _check_fields(data, where)
    entries: dict[str, ManifestEntry] = {}
    for i, item in enumerate(files):
        entry = _entry(item, f"{MANIFEST_NAME} files[{i}]", where)
        if entry.path in entries:
            raise BundleRejected(f"{MANIFEST_NAME} lists {shown(entry.path)} twice", where=where)
        entries[entry.path] = entry
    return data, entries


def _entry(item: Any, label: str, where: str) -> ManifestEntry:
    if not isinstance(item, dict) or not isinstance(item.get("path"), str):
        raise BundleRejected(f"{label} is not an object with a 'path'", where=where)
    kind = item.get("type", "file")
    if kind == "dir":
        return ManifestEntry(item["path"], "dir")
    size, sha = item.get("size"), item.get("sha256")
    if kind != "file" or not isinstance(size, int) or isinstance(size, bool) or size < 0 or not isinstance(sha, str) \
            or not _SHA256.match(sha):
        raise BundleRejected(f"{label} ({shown(item['path'])}) needs type, a size and a sha256", where=where)
    executable = item.get("executable", False)
    if not isinstance(executable, bool):
        raise BundleRejected(f"{label} ({shown(item['path'])}) 'executable' must be true or false",
                             where=where)
    return ManifestEntry(item["path"], "file", size, sha, executable)
