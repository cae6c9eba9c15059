"""hadolint and ShellCheck glue for a lint run: bounded hadolint batches, their findings as
imagesmith findings; ShellCheck (IS608) started early in the background."""

from __future__ import annotations

import json
from pathlib import Path
import os
import subprocess
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from imagesmith.core.findings import Finding, Severity

if TYPE_CHECKING:
    from imagesmith.analysis.external import ExternalFinding

HADOLINT_LEVELS = {
    "error": Severity.ERROR,
    "warning": Severity.WARNING,
    "info": Severity.INFO,
    "style": Severity.STYLE,
}


def external_help(code: str) -> str:
    if code.startswith("DL"):
        return f"https://github.com/hadolint/hadolint/wiki/{code}"
    return f"https://www.shellcheck.net/wiki/{code}"


def as_finding(ext: ExternalFinding, path: str, severity: Severity | None) -> Finding:
    """A hadolint finding under its own code (`severity` None: hadolint's level)."""
    return Finding(
        ext.code,
        "hadolint" if ext.code.startswith("DL") else "shellcheck",
        severity or HADOLINT_LEVELS.get(ext.level, Severity.WARNING),
        ext.message,
        path,
        ext.line,
        ext.line,
        ext.column,
        external_help(ext.code),
    )


@dataclass
class HadolintResult:
    findings: dict[str, list[ExternalFinding]] = field(default_factory=dict)  # label -> DL/SC
    skipped: dict[str, str] = field(default_factory=dict)  # label -> why hadolint gave no verdict


def hadolint_findings(files: dict[str, tuple[str, str]]) -> HadolintResult:
    """hadolint over {label: (text, mode)}: mode "on" needs hadolint on PATH, "auto" uses it
    when present, "off" files are not handed over."""
    from imagesmith.analysis.external import hadolint_binary

    modes = {mode for _, mode in files.values()}
    binary = None
    for mode in ("on", "auto"):
        if mode in modes:
            binary = hadolint_binary(mode) or binary
    if binary is None:
        return HadolintResult()
    return run_hadolint(binary, {label: text for label, (text, mode) in files.items() if mode != "off"})


HADOLINT_BATCH = 32  # files per hadolint process: a run over a tree is split, each part bounded


def run_hadolint(binary: str, files: dict[str, str]) -> HadolintResult:
    """Lint {label: text} with bounded hadolint processes (analysis/external.py limits), its
    `# hadolint ignore=` pragmas disabled (lint/suppress.py applies them, so `--no-pragmas` and
    the suppressed count cover them). A batch that fails is retried file by file; a file that
    fails alone is reported in `skipped`."""
    import tempfile
    from concurrent.futures import ThreadPoolExecutor

    from imagesmith.analysis.external import PARALLEL

    result = HadolintResult({label: [] for label in files})
    if not files:
        return result
    with tempfile.TemporaryDirectory(prefix="imagesmith-hadolint-") as tmp:
        names: dict[str, str] = {}
        for i, (label, text) in enumerate(files.items()):
            path = os.path.join(tmp, f"{i}.Dockerfile")
            with open(path, "w", encoding="utf-8", errors="surrogateescape") as fh:
                fh.write(text)
            names[path] = label
        config = {path: hadolint_config(label) for path, label in names.items()}
        groups: dict[str | None, list[str]] = {}
        for path in names:
            groups.setdefault(config[path], []).append(path)
        batches = [(cfg, group[i:i + HADOLINT_BATCH]) for cfg, group in groups.items()
                   for i in range(0, len(group), HADOLINT_BATCH)]
        paths = list(names)
        with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
            done = list(pool.map(lambda b: _hadolint_batch(binary, b[1], tmp, b[0]), batches))
            retry = [p for (_, batch), (_, why) in zip(batches, done) if why for p in batch]
            if len(paths) > 1 and retry:
                done = [d for d in done if not d[1]]
                alone = list(pool.map(lambda p: _hadolint_batch(binary, [p], tmp, config[p]), retry))
                for path, (_, why) in zip(retry, alone):
                    if why:
                        result.skipped[names[path]] = why
                done += alone
            elif retry:
                result.skipped[names[retry[0]]] = done[0][1] or ""
    for items, _ in done:
        for item in items:
            label = names.get(str(item.get("file", "")))
            if label is not None:
                result.findings[label].append(_hadolint_finding(item))
    return result


HADOLINT_CONFIGS = (".hadolint.yaml", ".hadolint.yml")


def hadolint_config(label: str) -> str | None:
    """The `.hadolint.yaml` a linted file's own hadolint run would use: the nearest one at or
    above the file's folder (for stdin, the current folder). hadolint itself looks only in its
    working directory, which here is a temp folder, so it is passed with --config."""
    start = Path.cwd() if label in ("-", "<stdin>") else Path(label).resolve().parent
    for folder in (start, *start.parents):
        for name in HADOLINT_CONFIGS:
            candidate = folder / name
            if candidate.is_file():
                return str(candidate)
    return None


def _hadolint_batch(binary: str, paths: list[str], cwd: str,
                    config: str | None = None) -> tuple[list[dict[str, Any]], str]:
    """hadolint's JSON items for these files, and "" (or why there is no report)."""
    from imagesmith.analysis.external import TIME_LIMIT, failure_reason, limit_memory

    extra = ["--config", config] if config else []
    try:
        proc = subprocess.run(
            [binary, *extra, "--no-fail", "--no-color", "--disable-ignore-pragma", "-f", "json",
             *paths],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=TIME_LIMIT,
            cwd=cwd,
            check=False,
            preexec_fn=limit_memory,
        )
    except subprocess.TimeoutExpired:
        return [], failure_reason("hadolint", None)
    try:
        items = json.loads(proc.stdout or "null")
    except json.JSONDecodeError:
        items = None
    if not isinstance(items, list):  # no report is not a clean report
        return [], failure_reason("hadolint", proc.returncode, proc.stderr or proc.stdout or "")
    return [i for i in items if isinstance(i, dict)], ""


def _hadolint_finding(item: dict[str, Any]) -> ExternalFinding:
    from imagesmith.analysis.external import ExternalFinding

    return ExternalFinding(
        code=str(item.get("code", "DL0000")),
        level=str(item.get("level", "warning")),
        line=int(item.get("line") or 1),
        column=int(item.get("column") or 1),
        message=str(item.get("message", "")),
    )


def prefetch_shellcheck(parsed: list[Any]) -> Any:
    """Start ShellCheck for every RUN of these Dockerfiles (IS608); None when there are none.
    Call `.pending.close()` on the result when the run is over."""
    if not parsed:
        return None
    from imagesmith.analysis.shellcheck import prefetch

    return prefetch(parsed)
