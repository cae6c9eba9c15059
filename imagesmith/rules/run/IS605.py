"""IS605 tar-compression-mismatch: `tar z` on a plain .tar and the like."""

from __future__ import annotations

import re
from typing import Iterable

from imagesmith.analysis.installs import archives, copied_files, run_commands, sniff_archive
from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.model import ParsedDockerfile
from imagesmith.rules.base import Hit, Rule, RuleDoc

_FLAG_FORMAT = {"z": "gzip", "j": "bzip2", "J": "xz"}
_LONG_FORMAT = {
    "--gzip": "gzip",
    "--gunzip": "gzip",
    "--ungzip": "gzip",
    "--bzip2": "bzip2",
    "--xz": "xz",
}
_NAME_FORMAT = [
    (re.compile(r"\.(tar\.gz|tgz)$", re.I), "gzip"),
    (re.compile(r"\.(tar\.bz2|tbz2?)$", re.I), "bzip2"),
    (re.compile(r"\.(tar\.xz|txz)$", re.I), "xz"),
    (re.compile(r"\.tar$", re.I), "none"),
]
_CONTENT = {"tar": "none", "tar.gz": "gzip", "tar.bz2": "bzip2", "tar.xz": "xz"}


def tar_call(argv: tuple[str, ...]) -> tuple[str | None, str | None, bool]:
    """(compression flag, archive file, extracting) of a tar argv."""
    compression = None
    archive = None
    extracting = False
    words = list(argv[1:])
    for i, word in enumerate(words):
        if word.startswith("--"):
            name, _, value = word.partition("=")
            compression = _LONG_FORMAT.get(name, compression)
            if name == "--file":
                archive = value or (words[i + 1] if i + 1 < len(words) else None)
            extracting = extracting or name in ("--extract", "--get", "--list")
        elif word.startswith("-") or (i == 0 and re.fullmatch(r"[A-Za-z]+", word)):
            letters = word.lstrip("-")
            for ch in letters:
                compression = _FLAG_FORMAT.get(ch, compression)
            extracting = extracting or "x" in letters or "t" in letters
            if "f" in letters:
                rest = letters[letters.index("f") + 1 :]
                if not rest and i + 1 < len(words):
                    archive = words[i + 1]
    return compression, archive, extracting


def _actual(path: str, parsed: ParsedDockerfile) -> tuple[str | None, str]:
    """The archive's real compression and how it is known (content of a copied file, or its name)."""
    local = copied_files(parsed).get(path)
    if local is not None:
        fmt = sniff_archive(local)
        if fmt in _CONTENT:
            return _CONTENT[fmt], "its content"
    for rx, fmt in _NAME_FORMAT:
        if rx.search(path):
            return fmt, "its name"
    return None, ""


def check(parsed: ParsedDockerfile, profile: Profile) -> Iterable[Hit]:
    unpacked = {
        a.dest.rstrip("/") + "/" + a.source.rsplit("/", 1)[-1]
        for a in archives(parsed)
        if a.extracted
    }
    for rc in run_commands(parsed):
        if rc.name != "tar":
            continue
        compression, archive, extracting = tar_call(rc.argv)
        if not extracting or compression is None or not archive or archive == "-" or "$" in archive:
            continue
        actual, known_by = _actual(archive, parsed)
        if actual is None or actual == compression:
            continue
        what = "a plain tar archive" if actual == "none" else f"{actual}-compressed"
        note = " (and ADD already unpacked it, see IS105)" if archive in unpacked else ""
        yield Hit(
            f"tar reads {archive} as {compression}-compressed, but it is {what} by {known_by}; "
            f'tar stops with "not in gzip format"-style errors{note}',
            line=rc.line,
            help="drop the compression letter and let tar detect it: `tar xf FILE`",
            data={"archive": archive, "flag": compression, "actual": actual},
        )


RULE = Rule(
    code="IS605",
    name="tar-compression-mismatch",
    severity=Severity.ERROR,
    group="run",
    doc=RuleDoc(
        what="tar is told a compression (z, j, J, --gzip...) that the archive does not have, "
        "judged by the content of a file copied from the build folder, else by its name "
        "(.tar, .tar.gz/.tgz, .tar.bz2, .tar.xz).",
        why="The guide's example runs `tar zxvf /tmp/cuda8-cudnn5.tar` (l.588) on a plain tar: "
        "gzip refuses it and the build step fails. `tar xf` detects the compression itself.",
        example="FROM bit:5000/deepo_9\nCOPY cuda8-cudnn5.tar /tmp/\nRUN tar zxvf /tmp/cuda8-cudnn5.tar -C /usr/local/\n",
        instead="FROM bit:5000/deepo_9\nCOPY cuda8-cudnn5.tar /tmp/\nRUN tar xvf /tmp/cuda8-cudnn5.tar -C /usr/local/\n",
        source="guide example (l.588)",
    ),
    check=check,
)
