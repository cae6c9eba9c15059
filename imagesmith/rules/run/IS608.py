"""IS608 shell-error: ShellCheck error-level findings in RUN bodies (batched, one process)."""

from __future__ import annotations

from typing import Iterable

from imagesmith.analysis.shellcheck import shellcheck_findings
from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.model import ParsedDockerfile
from imagesmith.rules.base import Hit, Rule, RuleDoc


def check(parsed: ParsedDockerfile, profile: Profile) -> Iterable[Hit]:
    # One finding per RUN: ShellCheck's first error; the follow-on parse errors add nothing.
    for _, found in sorted(shellcheck_findings(parsed).items()):
        if not found:
            continue
        first = min(found, key=lambda f: (f.line, f.column))
        more = f" (+{len(found) - 1} follow-on)" if len(found) > 1 else ""
        yield Hit(
            f"{first.code}: {first.message}{more}",
            line=first.line,
            end_line=first.end_line,
            column=first.column,
            help=f"https://www.shellcheck.net/wiki/{first.code}",
            data={"shellcheck": [f.code for f in found]},
        )


RULE = Rule(
    code="IS608",
    name="shell-error",
    severity=Severity.ERROR,
    group="run",
    doc=RuleDoc(
        what="ShellCheck's error-level findings (syntax errors, unterminated quotes, broken "
        "tests) in shell-form RUN commands and shell heredocs, mapped to Dockerfile lines.",
        why="The admins build the request once and send back the log (guide step 4, l.570); a "
        "RUN that cannot even be parsed by the shell wastes that round trip.",
        example="FROM bit:5000/deepo_9\nRUN if [ -f /x ]; then echo yes\n",
        instead="FROM bit:5000/deepo_9\nRUN if [ -f /x ]; then echo yes; fi\n",
        source="guide step 4 (l.570)",
    ),
    check=check,
)
