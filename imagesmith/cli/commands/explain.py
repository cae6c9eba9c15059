"""`imagesmith explain CODE`: what a rule checks, why, and a failing and a fixed example."""

from __future__ import annotations

import typer

from imagesmith.cli.app import app


@app.command()
def explain(code: str = typer.Argument(..., help="A rule code, e.g. IS105.")) -> int:
    """Print a rule's documentation.

    Example: imagesmith explain IS105
    """
    import sys

    from imagesmith.rules.docs import rule_markdown
    from imagesmith.rules.registry import get_rule

    sys.stdout.write(rule_markdown(get_rule(code)))
    return 0
