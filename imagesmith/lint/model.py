"""What a lint run is asked (`LintOptions`) and what it answers (`FileResult`, `LintReport`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from imagesmith.core.findings import Finding, Severity

DEFAULT_FAIL_ON = Severity.WARNING
DOCKERFILE = "dockerfile"  # the rules' input kinds (Rule.input_kind)
JOB_SCRIPT = "job-script"


@dataclass
class LintOptions:
    select: list[str] = field(default_factory=list)  # codes or prefixes; empty = all
    ignore: list[str] = field(default_factory=list)
    severity: dict[str, Severity] = field(default_factory=dict)  # code or prefix -> severity
    fail_on: Severity | None = None  # None: the config's `fail-on`, else warning
    pragmas: bool = True  # False: neither `# imagesmith:` nor `# hadolint` pragmas apply
    hadolint: str | None = None  # "off" | "auto" | "on"; None: the config's, else default_hadolint
    default_hadolint: str = "off"  # the CLI uses "auto"
    context: bool = True  # run build-folder checks when a folder is known
    use_config: bool = True  # read `[lint]` from imagesmith.toml found upward


def admin_policy() -> LintOptions:
    """How the admins lint a stranger's request, the same in review, build and push of a
    bundle: no pragmas (imagesmith's nor hadolint's) and no imagesmith.toml from the bundle or
    above it; every rule at its own severity."""
    return LintOptions(pragmas=False, use_config=False)


@dataclass
class FileResult:
    path: str
    kind: str  # "dockerfile" | "template" | "fragment" | "job-script"
    findings: list[Finding]
    context: str | None = None  # the build folder used for context checks
    fail_on: Severity = DEFAULT_FAIL_ON
    suppressed: int = 0
    crash_log: str | None = None  # imagesmith failed on this file (its IS003 finding says so)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "kind": self.kind,
            "context": self.context,
            "findings": [finding_json(f) for f in self.findings],
        }


def finding_json(f: Finding) -> dict[str, Any]:
    out: dict[str, Any] = {
        "code": f.code,
        "name": f.name,
        "severity": f.severity.value,
        "line": f.line,
        "end_line": f.end_line if f.end_line is not None else f.line,
        "column": f.column,
        "end_column": f.end_column,
        "message": f.message,
        "help": f.help,
    }
    if f.data:
        out["data"] = f.data
    return out


@dataclass
class LintReport:
    results: list[FileResult]
    profile: str = ""
    fail_on: Severity | None = None  # an explicit threshold for the whole report

    @property
    def findings(self) -> list[Finding]:
        return [f for r in self.results for f in r.findings]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.ERROR]

    @property
    def has_errors(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.findings)

    def failing(self, fail_on: Severity | None = None) -> list[Finding]:
        out = []
        for r in self.results:
            threshold = fail_on or self.fail_on or r.fail_on
            out.extend(f for f in r.findings if f.severity.rank >= threshold.rank)
        return out

    @property
    def crashed(self) -> list[FileResult]:
        return [r for r in self.results if r.crash_log is not None]

    def exit_code(self, fail_on: Severity | None = None) -> int:
        """0 clean, 1 findings at/above the threshold, 3 imagesmith failed on some file."""
        if self.crashed:
            return 3
        return 1 if self.failing(fail_on) else 0

    def summary(self) -> dict[str, Any]:
        by_sev = {s.value: 0 for s in Severity}
        by_code: dict[str, int] = {}
        for f in self.findings:
            by_sev[f.severity.value] += 1
            by_code[f.code] = by_code.get(f.code, 0) + 1
        return {
            "files": len(self.results),
            "findings": len(self.findings),
            "by_severity": by_sev,
            "by_code": dict(sorted(by_code.items())),
            "suppressed": sum(r.suppressed for r in self.results),
            "exit_code": self.exit_code(),
        }

    def to_json(self) -> dict[str, Any]:
        from imagesmith import __version__

        return {
            "tool": "imagesmith",
            "version": __version__,
            "profile": self.profile,
            "results": [r.to_json() for r in self.results],
            "summary": self.summary(),
        }
