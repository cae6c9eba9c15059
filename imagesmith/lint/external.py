"""hadolint and ShellCheck glue for a lint run: one hadolint process per run, its findings as
imagesmith findings; ShellCheck (IS608) started early in the background."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from imagesmith.core.errors import InternalError
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


def hadolint_findings(files: dict[str, tuple[str, str]]) -> dict[str, list[ExternalFinding]]:
    """hadolint over {label: (text, mode)}: mode "on" needs hadolint on PATH, "auto" uses it
    when present, "off" files are not handed over."""
    from imagesmith.analysis.external import hadolint_binary

    modes = {mode for _, mode in files.values()}
    binary = None
    for mode in ("on", "auto"):
        if mode in modes:
            binary = hadolint_binary(mode) or binary
    if binary is None:
        return {}
    return run_hadolint(binary, {label: text for label, (text, mode) in files.items() if mode != "off"})


def run_hadolint(binary: str, files: dict[str, str]) -> dict[str, list[ExternalFinding]]:
    """Lint {label: text} with one hadolint process, its `# hadolint ignore=` pragmas disabled
    (lint/suppress.py applies them, so `--no-pragmas` and the suppressed count cover them)."""
    import json
    import os
    import subprocess
    import tempfile

    from imagesmith.analysis.external import ExternalFinding

    if not files:
        return {}
    with tempfile.TemporaryDirectory(prefix="imagesmith-hadolint-") as tmp:
        names: dict[str, str] = {}
        for i, (label, text) in enumerate(files.items()):
            path = os.path.join(tmp, f"{i}.Dockerfile")
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text)
            names[path] = label
        proc = subprocess.run(
            [binary, "--no-fail", "--no-color", "--disable-ignore-pragma", "-f", "json", *names],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=tmp,
            check=False,
        )
    try:
        items = json.loads(proc.stdout or "[]")
    except json.JSONDecodeError:
        items = None
    if not isinstance(items, list):  # no report is not a clean report
        why = (proc.stderr or proc.stdout or "").strip().splitlines()[:1]
        raise InternalError(
            f"hadolint ({binary}) gave no JSON report, exit {proc.returncode}: {' '.join(why)}"
        )
    out: dict[str, list[ExternalFinding]] = {label: [] for label in files}
    for item in items:
        label = names.get(item.get("file", ""))
        if label is None:
            continue
        out[label].append(
            ExternalFinding(
                code=str(item.get("code", "DL0000")),
                level=str(item.get("level", "warning")),
                line=int(item.get("line") or 1),
                column=int(item.get("column") or 1),
                message=str(item.get("message", "")),
            )
        )
    return out


def prefetch_shellcheck(parsed: list[Any]) -> Any:
    """Start ShellCheck for every RUN of these Dockerfiles (IS608); None when there are none.
    Call `.pending.close()` on the result when the run is over."""
    if not parsed:
        return None
    from imagesmith.analysis.shellcheck import prefetch

    return prefetch(parsed)
