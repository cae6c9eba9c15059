"""IS001 parse-error: the file is not a Dockerfile BuildKit can parse (the lint service emits it)."""

from __future__ import annotations

from typing import Iterable

from imagesmith.core.findings import Severity
from imagesmith.rules.base import Hit, Rule, RuleDoc


def check(parsed: object, profile: object) -> Iterable[Hit]:
    return ()  # emitted by the lint service before any rule runs


RULE = Rule(
    code="IS001",
    name="parse-error",
    severity=Severity.ERROR,
    group="input",
    doc=RuleDoc(
        what="The file cannot be parsed by BuildKit's own Dockerfile parser, or has no FROM "
        "instruction (a fragment). No other rule runs on it.",
        why="The admins build the folder exactly as handed over (guide l.570); a file the parser "
        "rejects fails before the first step, and a fragment without FROM builds nothing.",
        example="RUN apt-get update\n",
        instead="FROM bit:5000/deepo_9\nRUN apt-get update\n",
        source="guide step 4 (l.570)",
    ),
    check=check,
)
