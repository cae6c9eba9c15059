"""Job-script lint: run the IS7xx rules (input_kind "job-script") over a PBS job script
or a lone startdocker command line.

    if is_job_script(path):
        findings = lint_job_text(path.read_text(), str(path), profile, base_dir=path.parent)

Findings carry each rule's severity (or the hit's own); `# imagesmith: ignore=IS711 -- why`
comments work as in Dockerfiles: `ignore=` covers the next directive or command,
`ignore-file=` the whole script. Select/ignore/severity overrides are the caller's business.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from imagesmith.core.errors import InternalError
from imagesmith.core.findings import Finding
from imagesmith.parse.jobscript import (
    PBS_PREFIX,
    ParsedJobScript,
    parse_job_script,
    startdocker_line,
)
from imagesmith.parse.pragmas import _PRAGMA, Suppression  # one pragma grammar for both inputs

if TYPE_CHECKING:
    from imagesmith.core.profile import Profile
    from imagesmith.rules.base import Rule

JOB_SCRIPT_SUFFIXES = (".pbs",)
INPUT_KIND = "job-script"
_SNIFF_BYTES = 64 * 1024


def is_job_script(path: Path, text: str | None = None) -> bool:
    """A `.pbs` file, or a file with a line starting `#PBS` (read when `text` is None)."""
    if path.suffix.lower() in JOB_SCRIPT_SUFFIXES:
        return True
    if text is None:
        try:
            with path.open("rb") as fh:
                text = fh.read(_SNIFF_BYTES).decode("utf-8", errors="replace")
        except OSError:
            return False
    return any(line.startswith(PBS_PREFIX) for line in text.splitlines())


def job_rules() -> list[Rule]:
    from imagesmith.rules.registry import all_rules

    return [r for r in all_rules() if r.input_kind == INPUT_KIND]


# -- pragmas ----------------------------------------------------------------------


def job_suppressions(parsed: ParsedJobScript) -> list[Suppression]:
    """What each `# imagesmith: ignore...` comment covers, in the Dockerfile pragma grammar:
    `ignore=` the next directive or command (all its lines), `ignore-file=` the whole script."""

    spans = sorted(
        [(d.line, d.line) for d in parsed.directives] + [(c.line, c.end_line) for c in parsed.commands]
    )
    out: list[Suppression] = []
    for line, text in parsed.comments:
        m = _PRAGMA.match(text)
        if not m:
            continue
        codes = tuple(c.strip().upper() for c in re.split(r"[,\s]+", m.group("codes")) if c.strip())
        reason = (m.group("reason") or "").strip()
        if m.group("kind") == "ignore-file":
            out.append(Suppression(codes, 1, max(len(parsed.lines), 1), line, reason))
        elif m.group("kind") == "ignore":
            following = next((s for s in spans if s[0] > line), None)
            if following is not None:
                out.append(Suppression(codes, following[0], following[1], line, reason))
    return out


# -- running ------------------------------------------------------------------------


def lint_parsed_job(
    parsed: ParsedJobScript, profile: Profile, *, pragmas: bool = True, rules: list[Rule] | None = None
) -> list[Finding]:
    findings: list[Finding] = []
    for rule in rules if rules is not None else job_rules():
        try:
            hits = list(rule.check(parsed, profile))
        except Exception as exc:
            raise InternalError(
                f"rule {rule.code} failed on {parsed.path}: {type(exc).__name__}: {exc}"
            ) from exc
        for hit in hits:
            findings.append(
                Finding(
                    code=rule.code,
                    name=rule.name,
                    severity=hit.severity or rule.severity,
                    message=hit.message,
                    path=parsed.path,
                    line=hit.line,
                    end_line=hit.end_line,
                    column=hit.column,
                    help=hit.help,
                    data=dict(hit.data),
                )
            )
    if pragmas:
        sups = job_suppressions(parsed)
        findings = [f for f in findings if not any(s.covers(f.code, f.line) for s in sups)]
    return sorted(findings, key=Finding.sort_key)


def lint_job_text(
    text: str, path_label: str, profile: Profile, base_dir: Path | None = None, *, pragmas: bool = True
) -> list[Finding]:
    """Lint a job script (or one startdocker command line) with every job-script rule.

    `base_dir` is where relative -s paths, `$PBS_O_WORKDIR` and `/ghome/<user>/...` paths are
    looked up on disk for IS707/IS708/IS712 (normally the job script's folder); None checks
    only absolute paths that exist as written.
    """
    parsed = parse_job_script(text, path_label)
    parsed.base_dir = base_dir
    return lint_parsed_job(parsed, profile, pragmas=pragmas)


def lint_startdocker(
    cmdline: str, profile: Profile, base_dir: Path | None = None, label: str = "<startdocker>"
) -> list[Finding]:
    """Lint one startdocker command line (`imagesmith lint --startdocker "..."`); the leading
    `startdocker` word may be left out. PBS rules stay silent (there are no #PBS lines)."""
    return lint_job_text(startdocker_line(cmdline), label, profile, base_dir)
