"""SARIF 2.1.0 for lint reports, with `rules[]` metadata (name, help text, helpUri)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from typing import Any

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


def _rule_descriptor(code: str, name: str, help_text: str, uri: str, level: str) -> dict[str, Any]:
    return {
        "id": code,
        "name": name,
        "shortDescription": {"text": name},
        "help": {"text": help_text or name},
        "helpUri": uri,
        "defaultConfiguration": {"level": level},
    }


def _uri(path: str) -> str:
    from urllib.parse import quote

    return quote(path[2:] if path.startswith("./") else path)


def render_sarif(report: LintReport) -> dict[str, Any]:
    from imagesmith import __version__
    from imagesmith.rules.registry import all_rules

    known = {r.code: r for r in all_rules()}
    rules: dict[str, dict[str, Any]] = {}
    results = []
    for f in report.findings:
        if f.code not in rules:
            rule = known.get(f.code)
            if rule is not None:
                rules[f.code] = _rule_descriptor(
                    rule.code,
                    rule.name,
                    f"{rule.doc.what}\n\nWhy: {rule.doc.why}",
                    f"{DOCS_BASE}{rule.code}.md",
                    _LEVELS[rule.severity],
                )
            else:  # hadolint / ShellCheck codes
                rules[f.code] = _rule_descriptor(
                    f.code, f.name, f.message, f.help, _LEVELS[f.severity]
                )
        region: dict[str, Any] = {"startLine": max(1, f.line), "startColumn": max(1, f.column)}
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
                            "artifactLocation": {"uri": _uri(f.path)},
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
                        "version": __version__,
                        "informationUri": "https://github.com/imagesmith/imagesmith",
                        "rules": list(rules.values()),
                    }
                },
                "results": results,
            }
        ],
    }
