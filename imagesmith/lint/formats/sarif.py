"""SARIF 2.1.0 for lint reports, with `rules[]` metadata (name, help text, helpUri)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from imagesmith.core.findings import Severity

if TYPE_CHECKING:
    from imagesmith.lint.model import LintReport

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
DOCS_BASE = "https://github.com/imagesmith/imagesmith/blob/main/docs/rules/"
_LEVELS = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "note",
    Severity.STYLE: "note",
}


def _rule_descriptor(code: str, name: str, short: str, full: str, help_text: str, uri: str,
                     level: str) -> dict[str, Any]:
    return {
        "id": code,
        "name": name,
        "shortDescription": {"text": short},
        "fullDescription": {"text": full},
        "help": {"text": help_text or full},
        "helpUri": uri,
        "defaultConfiguration": {"level": level},
    }


SRCROOT = "%SRCROOT%"


def _location(path: str, root: Path) -> dict[str, Any]:
    """An artifactLocation: relative to %SRCROOT% (the current folder) for files below it, an
    absolute file: URI for others, "stdin" for standard input (SARIF1004: never a leading /)."""
    from urllib.parse import quote

    if path in ("-", "<stdin>", "stdin"):
        return {"uri": "stdin"}
    target = Path(path)
    absolute = (target if target.is_absolute() else root / target).resolve()
    try:
        rel = absolute.relative_to(root)
    except ValueError:
        return {"uri": absolute.as_uri()}
    return {"uri": quote(rel.as_posix()), "uriBaseId": SRCROOT}


def render_sarif(report: LintReport, root: Path | None = None) -> dict[str, Any]:
    from imagesmith import __version__
    from imagesmith.rules.registry import all_rules

    root = (root or Path.cwd()).resolve()

    known = {r.code: r for r in all_rules()}
    rules: dict[str, dict[str, Any]] = {}
    results = []
    for f in report.findings:
        if f.code not in rules:
            rule = known.get(f.code)
            if rule is not None:
                rules[f.code] = _rule_descriptor(
                    rule.code, rule.name, rule.doc.what.split(". ")[0].rstrip(".") + ".",
                    rule.doc.what, f"{rule.doc.what}\n\nWhy: {rule.doc.why}",
                    f"{DOCS_BASE}{rule.code}.md", _LEVELS[rule.severity],
                )
            else:  # hadolint / ShellCheck codes: their message is the rule's text
                tool = "ShellCheck" if f.code.startswith("SC") else "hadolint"
                rules[f.code] = _rule_descriptor(
                    f.code, f"{tool}-{f.code}", f.message, f"{tool} rule {f.code}: {f.message}",
                    f.message, f.help if f.help.startswith("http") else
                    f"https://github.com/hadolint/hadolint/wiki/{f.code}", _LEVELS[f.severity],
                )
        region: dict[str, Any] = {"startLine": max(1, f.line), "startColumn": max(1, f.column)}
        if f.span_end:
            region["endColumn"] = f.span_end
        if f.end_line is not None and f.end_line >= f.line:
            region["endLine"] = f.end_line
        results.append(
            {
                "ruleId": f.code,
                "ruleIndex": list(rules).index(f.code),
                "level": _LEVELS[f.severity],
                "message": {
                    "text": f.message
                    + (f" Fix: {f.help}" if f.help and not f.help.startswith("http") else "")
                },
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": _location(f.path, root),
                            "region": region,
                        }
                    }
                ],
            }
        )
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "imagesmith",
                        "fullName": f"imagesmith {__version__} (Dockerfile and job-script lint "
                                    "for the cluster)",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": "https://github.com/imagesmith/imagesmith",
                        "rules": list(rules.values()),
                    }
                },
                "automationDetails": {"id": "imagesmith/lint/"},
                "originalUriBaseIds": {SRCROOT: {"uri": root.as_uri() + "/"}},
                "results": results,
            }
        ],
    }
