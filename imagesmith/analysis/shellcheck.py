"""ShellCheck over RUN bodies, batched: one process for every RUN of every file in a lint call.

Each RUN is handed over as its source lines (continuations kept, comment lines inside a
continuation blanked the way BuildKit drops them) so ShellCheck's line numbers map
straight back to the Dockerfile.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from imagesmith.analysis.external import ExternalFinding, PendingShellcheck
from imagesmith.model import Instruction, ParsedDockerfile
from imagesmith.parse.dockerfile import source_lines

_RUN_PREFIX = re.compile(r"^\s*RUN\s+((?:--\S+\s+)*)", re.IGNORECASE)
_SHEBANG = re.compile(r"^#!\s*(?:/usr/bin/env\s+)?\S*?(bash|dash|ksh|sh)\b")
# A started batch, then its results, per model: ShellCheck runs once per lint call.
_RESULTS: "WeakKeyDictionary[ParsedDockerfile, _Batch | dict[int, list[ExternalFinding]]]" = (
    WeakKeyDictionary()
)
# RUN line -> why ShellCheck gave no verdict on it (killed at a limit, not installed), per model.
_SKIPPED: "WeakKeyDictionary[ParsedDockerfile, dict[int, str]]" = WeakKeyDictionary()


@dataclass(frozen=True)
class ShellSource:
    instruction: Instruction
    dialect: str  # sh | bash | dash | ksh
    text: str
    first_line: int  # Dockerfile line of the text's line 1


def _stage_shell(ins: Instruction) -> str | None:
    """The dialect of the SHELL in force (inherited from a base stage too); None for non-POSIX
    shells."""
    exe = ins.shell[0].rsplit("/", 1)[-1].lower() if ins.shell else "sh"
    return exe if exe in ("sh", "bash", "dash", "ksh") else None


def shell_sources(parsed: ParsedDockerfile) -> list[ShellSource]:
    if parsed.escape == "`":
        return []
    out = []
    for ins in parsed.of("RUN"):
        script = ins.shell_script
        dialect = _stage_shell(ins)
        if script is None or dialect is None:
            continue
        if ins.heredocs and script == ins.heredocs[0].content:
            m = _SHEBANG.match(script)
            if script.startswith("#!") and not m:
                continue  # a python (or other) heredoc script
            out.append(ShellSource(ins, m.group(1) if m else dialect, script, ins.line + 1))
            continue
        lines = source_lines(ins.raw)
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
            _RESULTS[parsed] = self
            for src in shell_sources(parsed):
                key = unique.setdefault((src.dialect, src.text), str(len(unique)))
                self.index.append((parsed, src, key))
        self.files = files
        self.pending = PendingShellcheck([(key, d, t) for (d, t), key in unique.items()])

    def collect(self) -> None:
        found: dict[ParsedDockerfile, dict[int, list[ExternalFinding]]] = {
            parsed: {} for parsed in self.files
        }
        skipped: dict[ParsedDockerfile, dict[int, str]] = {parsed: {} for parsed in self.files}
        results = self.pending.result()
        for parsed, src, key in self.index:
            found[parsed][src.instruction.line] = [
                _shift(f, src.first_line - 1) for f in results[key]
            ]
            if key in self.pending.skipped:
                skipped[parsed][src.instruction.line] = self.pending.skipped[key]
        _RESULTS.update(found)
        _SKIPPED.update(skipped)


def prefetch(files: list[ParsedDockerfile]) -> _Batch:
    """Start ShellCheck for every RUN of many files at once; results are collected on first use
    (call `.pending.close()` when done to stop a batch nobody collected)."""
    return _Batch(files)


def _shift(f: ExternalFinding, by: int) -> ExternalFinding:
    end = f.end_line + by if f.end_line is not None else None
    return ExternalFinding(f.code, f.level, f.line + by, f.column, f.message, end)


def shellcheck_findings(parsed: ParsedDockerfile) -> dict[int, list[ExternalFinding]]:
    """{RUN line: ShellCheck findings} for one file, waiting for a started batch if needed."""
    if parsed not in _RESULTS:
        prefetch([parsed])
    value = _RESULTS[parsed]
    if isinstance(value, _Batch):
        value.collect()
        value = _RESULTS[parsed]
    assert isinstance(value, dict)
    return value


def shellcheck_skipped(parsed: ParsedDockerfile) -> dict[int, str]:
    """{RUN line: why ShellCheck gave no verdict} for a file whose check has been collected
    (empty when ShellCheck was not asked about this file)."""
    return dict(_SKIPPED.get(parsed, {}))
