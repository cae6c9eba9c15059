"""Human text for lint reports: grouped by file, the source line with a marker, the fix hint."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pathlib import Path

from imagesmith.core.display import for_terminal

from imagesmith.core.findings import Finding, Severity
from imagesmith.parse.dockerfile import source_lines

if TYPE_CHECKING:
    from imagesmith.lint.model import LintReport

_COLOURS = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.INFO: "36", Severity.STYLE: "35"}


def _paint(text: str, code: str, colour: bool) -> str:
    return f"\033[{code}m{text}\033[0m" if colour else text


def _source_lines(path: str, cache: dict[str, list[str]], texts: dict[str, str]) -> list[str]:
    if path not in cache:
        if path in texts:
            cache[path] = source_lines(texts[path])
        else:
            try:
                cache[path] = source_lines(Path(path).read_text(encoding="utf-8", errors="replace"))
            except OSError:
                cache[path] = []
    return cache[path]


def render_text(
    report: LintReport, *, colour: bool = False, texts: dict[str, str] | None = None
) -> str:
    texts = texts or {}
    cache: dict[str, list[str]] = {}
    out: list[str] = []
    for result in report.results:
        if not result.findings:
            continue
        out.append(_paint(for_terminal(result.path), "1", colour))
        lines = _source_lines(result.path, cache, texts)
        for f in result.findings:
            sev = _paint(f.severity.value, _COLOURS[f.severity], colour)
            out.append(f"  {f.line}:{f.column} {sev} {f.code} {f.name}: {for_terminal(f.message)}")
            out.extend(_excerpt(f, lines, colour))
            if f.help:
                out.append(f"      = fix: {for_terminal(f.help)}")
        out.append("")
    out.append(_summary_line(report, colour))
    return "\n".join(out) + "\n"


def _excerpt(f: Finding, lines: list[str], colour: bool) -> list[str]:
    if not (1 <= f.line <= len(lines)):
        return []
    text = for_terminal(lines[f.line - 1].rstrip().expandtabs(4))
    if not text.strip():
        return []
    number = f"{f.line:>5} | "
    start = max(f.column - 1, len(text) - len(text.lstrip()))
    stop = min(len(text), f.span_end - 1) if f.span_end else len(text)
    marker = " " * (len(number) - 2) + "| " + " " * start + "^" * max(1, min(stop - start, 60))
    return ["    " + number + text, "    " + _paint(marker, _COLOURS[f.severity], colour)]


def _summary_line(report: LintReport, colour: bool) -> str:
    s = report.summary()
    parts = [f"{n} {sev}" for sev, n in s["by_severity"].items() if n]
    found = ", ".join(parts) if parts else "no findings"
    extra = f", {s['suppressed']} suppressed by pragmas" if s["suppressed"] else ""
    return f"{s['files']} file(s) checked: {found}{extra}"
