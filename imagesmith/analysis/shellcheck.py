"""ShellCheck over RUN bodies, batched: one process for every RUN of every file in a lint call.

Each RUN is handed over as its source lines (continuations kept, comment lines inside a
continuation blanked the way BuildKit drops them) so ShellCheck's line numbers map
straight back to the Dockerfile.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from imagesmith.analysis.external import ExternalFinding, PendingShellcheck
from imagesmith.parse.dockerfile import Instruction, ParsedDockerfile

_RUN_PREFIX = re.compile(r"^\s*RUN\s+((?:--\S+\s+)*)", re.IGNORECASE)
_SHEBANG = re.compile(r"^#!\s*(?:/usr/bin/env\s+)?\S*?(bash|dash|ksh|sh)\b")
CACHE_KEY = "shellcheck"


@dataclass(frozen=True)
class ShellSource:
    instruction: Instruction
    dialect: str  # sh | bash | dash | ksh
    text: str
    first_line: int  # Dockerfile line of the text's line 1


def _stage_shell(parsed: ParsedDockerfile, ins: Instruction) -> str | None:
    """The dialect set by the last SHELL before `ins` in its stage; None for non-POSIX shells."""
    dialect = "sh"
    for other in parsed.before(ins, "SHELL"):
        if other.value:
            exe = other.value[0].rsplit("/", 1)[-1].lower()
            dialect = exe if exe in ("sh", "bash", "dash", "ksh") else ""
    return dialect or None


def _windows_escape(parsed: ParsedDockerfile) -> bool:
    return any(re.match(r"#\s*escape\s*=\s*`", text) for _, text in parsed.comments[:3])


def shell_sources(parsed: ParsedDockerfile) -> list[ShellSource]:
    if _windows_escape(parsed):
        return []
    out = []
    for ins in parsed.of("RUN"):
        script = ins.shell_script
        dialect = _stage_shell(parsed, ins)
        if script is None or dialect is None:
            continue
        if ins.heredocs and script == ins.heredocs[0].content:
            m = _SHEBANG.match(script)
            if script.startswith("#!") and not m:
                continue  # a python (or other) heredoc script
            out.append(ShellSource(ins, m.group(1) if m else dialect, script, ins.line + 1))
            continue
        lines = ins.raw.splitlines()
        if ins.heredocs:
            lines = lines[:1]  # heredocs here are data for the command, not shell
        lines[0] = _RUN_PREFIX.sub("", lines[0], count=1)
        body = [
            " \\" if i and text.lstrip().startswith("#") else text for i, text in enumerate(lines)
        ]
        out.append(ShellSource(ins, dialect, "\n".join(body) + "\n", ins.line))
    return out


class _Batch:
    """One background ShellCheck run shared by several files; results land in their caches."""

    def __init__(self, files: list[ParsedDockerfile]):
        # Identical RUN bodies (common across image variants) are checked once.
        unique: dict[tuple[str, str], str] = {}
        self.index: list[tuple[ParsedDockerfile, ShellSource, str]] = []
        for parsed in files:
            parsed.cache[CACHE_KEY] = self
            for src in shell_sources(parsed):
                key = unique.setdefault((src.dialect, src.text), str(len(unique)))
                self.index.append((parsed, src, key))
        self.files = files
        self.pending = PendingShellcheck([(key, d, t) for (d, t), key in unique.items()])

    def collect(self) -> None:
        for parsed in self.files:
            parsed.cache[CACHE_KEY] = {}
        results = self.pending.result()
        for parsed, src, key in self.index:
            parsed.cache[CACHE_KEY][src.instruction.line] = [
                _shift(f, src.first_line - 1) for f in results[key]
            ]


def prefetch(files: list[ParsedDockerfile]) -> _Batch:
    """Start ShellCheck for every RUN of many files at once; results are collected on first use
    (call `.pending.close()` when done to stop a batch nobody collected)."""
    return _Batch(files)


def _shift(f: ExternalFinding, by: int) -> ExternalFinding:
    end = f.end_line + by if f.end_line is not None else None
    return ExternalFinding(f.code, f.level, f.line + by, f.column, f.message, end)


def shellcheck_findings(parsed: ParsedDockerfile) -> dict[int, list[ExternalFinding]]:
    """{RUN line: ShellCheck findings} for one file, waiting for a started batch if needed."""
    if CACHE_KEY not in parsed.cache:
        prefetch([parsed])
    value = parsed.cache[CACHE_KEY]
    if isinstance(value, _Batch):
        value.collect()
    return parsed.cache[CACHE_KEY]
