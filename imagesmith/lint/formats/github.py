"""GitHub Actions workflow commands (`::error file=...,line=...::message`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from imagesmith.core.findings import Severity

if TYPE_CHECKING:
    from imagesmith.lint.model import LintReport

_KIND = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "notice",
    Severity.STYLE: "notice",
}


def _escape(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def render_github(report: LintReport) -> str:
    out = []
    for f in report.findings:
        if f.end_line and f.end_line > f.line:
            end = f",endLine={f.end_line}"  # GitHub ignores columns on multi-line annotations
        else:
            end = f",endColumn={f.span_end}" if f.span_end else ""
        title = _escape(f"{f.code} {f.name}", prop=True)
        message = _escape(f.message + (f" (fix: {f.help})" if f.help else ""))
        out.append(
            f"::{_KIND[f.severity]} file={_escape(f.path, True)},line={f.line},"
            f"col={f.column}{end},title={title}::{message}"
        )
    return "\n".join(out) + ("\n" if out else "")
