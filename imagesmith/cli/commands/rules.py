"""`imagesmith rules`: list the lint rules (codes, names, severities, groups)."""

from __future__ import annotations

import typer

from imagesmith.cli.app import app


@app.command("rules")
def rules_command(
    fmt: str = typer.Option("text", "--format", "-f", help="text or json."),
) -> int:
    """List every lint rule: code, name, default severity, group.

    Example: imagesmith rules --format json
    """
    import json
    import sys

    from imagesmith.core.errors import UsageError
    from imagesmith.rules.registry import all_rules

    rules = all_rules()
    if fmt == "json":
        data = [
            {
                "code": r.code,
                "name": r.name,
                "severity": r.severity.value,
                "group": r.group,
                "input": r.input_kind,
                "needs_context": r.needs_context,
                "summary": r.doc.what,
                "source": r.doc.source,
            }
            for r in rules
        ]
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    elif fmt == "text":
        for r in rules:
            sys.stdout.write(f"{r.code}  {r.name:<34} {r.severity.value:<8} {r.group}\n")
    else:
        raise UsageError(f"unknown --format {fmt!r}", hint="use text or json")
    return 0
