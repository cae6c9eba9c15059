"""IS004 check-skipped: ShellCheck or hadolint gave no verdict on a file or RUN (the runner emits it)."""

from __future__ import annotations

from typing import Iterable

from imagesmith.core.findings import Severity
from imagesmith.rules.base import Hit, Rule, RuleDoc


def check(parsed: object, profile: object) -> Iterable[Hit]:
    return ()  # emitted by the lint runner from the external checkers' outcome


RULE = Rule(
    code="IS004",
    name="check-skipped",
    severity=Severity.WARNING,
    group="tool",
    doc=RuleDoc(
        what="An external checker gave no verdict: ShellCheck (IS608) on a RUN, or hadolint "
        "(DL/SC codes) on a file, exceeded its per-call memory (1 GiB) or time (15 s) limit, "
        "failed, or is not installed. The finding says which and why; that check's result is "
        "unknown, not clean.",
        why="ShellCheck needs gigabytes and minutes for one RUN of thousands of `&&`-joined "
        "commands; such a RUN is also hard for the admins to read and debug from a build log "
        "(guide step 4, l.570). Split it into several RUNs or a script copied into the image.",
        example="FROM bit:5000/deepo_9\nRUN a && b && c && ... (2,000 commands)\n",
        instead="FROM bit:5000/deepo_9\nCOPY setup.sh /tmp/\nRUN sh /tmp/setup.sh\n",
        source="guide step 4 (l.570)",
    ),
    check=check,
)
