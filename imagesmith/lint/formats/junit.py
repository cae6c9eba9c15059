"""Lint reports as JUnit XML: one suite per file, one failing case per finding."""

from __future__ import annotations

from typing import TYPE_CHECKING

from imagesmith.report.junit import JUnitCase, JUnitSuite, render_junit


if TYPE_CHECKING:
    from imagesmith.lint.model import LintReport

def render_lint_junit(report: LintReport) -> str:
    """A finding at or above the run's fail-on threshold is a <failure>; one below it (an info
    when lint exits 0) is a passing case that carries its text, so CI is never green and red
    at once."""
    failing = {id(f) for f in report.failing()}
    suites = []
    for result in report.results:
        cases = []
        for f in result.findings:
            text = (f"{result.path}:{f.line}:{f.column} {f.code} {f.message}"
                    + (f"\nfix: {f.help}" if f.help else ""))
            fails = id(f) in failing
            cases.append(JUnitCase(
                name=f"{f.code} {f.name} (line {f.line})",
                classname=result.path,
                failure=f"{f.severity.value}: {f.message}" if fails else None,
                failure_text=text if fails else "",
                system_out="" if fails else f"{f.severity.value} (below fail-on): {text}",
            ))
        if not cases:
            cases = [JUnitCase(name="lint", classname=result.path)]
        suites.append(JUnitSuite(name=f"imagesmith lint {result.path}", cases=cases))
    return render_junit(suites)
