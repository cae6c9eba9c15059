"""The verify report: one `Check` per check (and per smoke test), JSON and JUnit forms."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SEVERITIES = ("error", "warning")


@dataclass
class Check:
    name: str  # "versions", "imports", "runtime", "compat", "smoke: <test name>", "against"
    passed: bool
    severity: str  # "error": a failure fails verify; "warning": reported only
    summary: str
    details: list[str] = field(default_factory=list)  # one line per problem (or per item checked)
    data: dict[str, Any] = field(default_factory=dict)
    skipped: str | None = None  # why the check did not run
    duration: float = 0.0

    @property
    def fails_verify(self) -> bool:
        return not self.passed and self.severity == "error" and self.skipped is None

    @property
    def status(self) -> str:
        if self.skipped is not None:
            return "skipped"
        if self.passed:
            return "passed"
        return "failed" if self.severity == "error" else "warning"


def junit_cases(checks: list[Check], classname: str) -> list[Any]:
    """One JUnit test case per check: skipped with its reason, or failed when it fails verify."""
    from imagesmith.report.junit import JUnitCase

    cases = []
    for c in checks:
        case = JUnitCase(name=c.name, classname=classname, time=c.duration,
                         system_out="\n".join([c.summary, *c.details]))
        if c.skipped is not None:
            case.skipped = c.skipped
        elif c.fails_verify:
            case.failure = c.summary
            case.failure_text = "\n".join(c.details) or c.summary
        cases.append(case)
    return cases


@dataclass
class VerifyReport:
    image: str
    image_id: str
    uid: int
    checks: list[Check] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not any(c.fails_verify for c in self.checks)

    def exit_code(self) -> int:
        return 0 if self.passed else 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "image": self.image, "image_id": self.image_id, "uid": self.uid, "passed": self.passed,
            "checks": [{**asdict(c), "status": c.status} for c in self.checks],
        }

    def to_junit(self) -> str:
        from imagesmith.report.junit import JUnitSuite, render_junit

        return render_junit([JUnitSuite(f"imagesmith verify {self.image}",
                                        junit_cases(self.checks, "imagesmith.verify"))])

    def render_text(self) -> str:
        marks = {"passed": "PASS", "failed": "FAIL", "warning": "WARN", "skipped": "SKIP"}
        lines = [f"verify {self.image} ({self.image_id[:19]}) as uid {self.uid}"]
        for c in self.checks:
            lines.append(f"  {marks[c.status]}  {c.name}: {c.skipped or c.summary}")
            if c.status != "passed":
                lines += [f"          {d}" for d in c.details]
        lines.append("passed" if self.passed else "FAILED")
        return "\n".join(lines) + "\n"
