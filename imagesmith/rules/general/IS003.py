"""IS003 internal-error: imagesmith itself failed on this file (the lint runner emits it)."""

from __future__ import annotations

from typing import Iterable

from imagesmith.core.findings import Severity
from imagesmith.rules.base import Hit, Rule, RuleDoc


def check(parsed: object, profile: object) -> Iterable[Hit]:
    return ()  # emitted by the lint runner when parsing or a rule raises


RULE = Rule(
    code="IS003",
    name="internal-error",
    severity=Severity.ERROR,
    group="tool",
    doc=RuleDoc(
        what="Parsing the file or one of the rules raised an unexpected error: a bug in "
        "imagesmith, not a verdict on the file. The finding names the error and the crash log; "
        "the other files of the run are still linted, and `imagesmith lint` exits 3 after "
        "writing every result.",
        why="An unchecked file is unknown, never clean: the admins build what is handed over "
        "(guide l.570), so a file imagesmith could not check must not pass as if it had been. "
        "Report the crash log with the file.",
        example="FROM bit:5000/deepo_9\nRUN conda install pytorch=e=cuda1.0\n",
        instead="FROM bit:5000/deepo_9\nRUN conda install pytorch=0.4.0\n",
        source="guide step 4 (l.570)",
    ),
    check=check,
)
