"""Lint reports as JUnit XML: one suite per file, one failing case per finding."""

from __future__ import annotations

from typing import TYPE_CHECKING

from imagesmith.report.junit import JUnitCase, JUnitSuite, render_junit


if TYPE_CHECKING:
    from imagesmith.lint.model import LintReport

def render_lint_junit(report: LintReport) -> str:
    suites = []
    for result in report.results:
        cases = [
            JUnitCase(
                name=f"{f.code} {f.name} (line {f.line})",
                classname=result.path,
                failure=f"{f.severity.value}: {f.message}",
                failure_text=f"{result.path}:{f.line}:{f.column} {f.code} {f.message}"
                + (f"\nfix: {f.help}" if f.help else ""),
            )
            for f in result.findings
        ]
        if not cases:
            cases = [JUnitCase(name="lint", classname=result.path)]
        suites.append(JUnitSuite(name=f"imagesmith lint {result.path}", cases=cases))
    return render_junit(suites)
