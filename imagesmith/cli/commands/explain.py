"""`imagesmith explain CODE`: what a rule checks, why, and a failing and a fixed example."""

from __future__ import annotations

import typer

from imagesmith.cli.app import app


@app.command()
def explain(code: str = typer.Argument(..., help="A rule code, e.g. IS105, or hadolint's DL3008 / SC2086.")) -> int:
    """Print a rule's documentation.

    Example: imagesmith explain IS105
    """
    import sys

    from imagesmith.rules.docs import rule_markdown
    from imagesmith.rules.registry import get_rule

    import re

    upper = code.strip().upper()
    m = re.fullmatch(r"(DL|SC)(\d{4})", upper)
    if m:
        # hadolint's and ShellCheck's rules: merged by `imagesmith lint` under their own codes;
        # their texts are theirs, kept where their authors keep them
        url = (f"https://github.com/hadolint/hadolint/wiki/{upper}" if m.group(1) == "DL"
               else f"https://www.shellcheck.net/wiki/{upper}")
        who = "hadolint" if m.group(1) == "DL" else "ShellCheck (through hadolint, or IS608)"
        sys.stdout.write(f"# {upper} ({who})\n\n{upper} is a {who} rule that `imagesmith lint` "
                         f"merges under its own code (--hadolint auto|on). Its documentation: "
                         f"{url}\n\nSuppress it with `# hadolint ignore={upper}` or `# imagesmith: "
                         f"ignore={upper} -- reason` on the line above the instruction.\n")
        return 0
    sys.stdout.write(rule_markdown(get_rule(code)))
    return 0
