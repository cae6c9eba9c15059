"""IS005 pragma-malformed: a comment meant as a suppression that no linter reads."""

from __future__ import annotations

from typing import Iterable

from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.model import ParsedDockerfile
from imagesmith.parse.pragmas import malformed_pragma
from imagesmith.rules.base import Hit, Rule, RuleDoc


def check(parsed: ParsedDockerfile, profile: Profile) -> Iterable[Hit]:
    for line, text in parsed.comments:
        why = malformed_pragma(text)
        if why is not None:
            yield Hit(f"`{text.strip()[:80]}` suppresses nothing: {why}", line=line,
                      help="write `# imagesmith: ignore=CODE -- reason` (or hadolint's "
                           "`# hadolint ignore=DL3008`) on the line above the instruction")


RULE = Rule(
    code="IS005",
    name="pragma-malformed",
    severity=Severity.WARNING,
    group="input",
    doc=RuleDoc(
        what="A comment that addresses imagesmith or hadolint (`# imagesmith: ignroe=IS105`, "
        "`# imagesmith ignore IS105`, `# hadolint ignore DL3008`) but is not a pragma either "
        "reads, so it suppresses nothing.",
        why="A misspelled suppression is silent: the finding it was written for keeps failing "
        "the lint, or, worse, the writer believes a reviewed exception is recorded.",
        example="FROM bit:5000/deepo_9\n# imagesmith: ignroe=IS504\nRUN true\n",
        instead="FROM bit:5000/deepo_9\n# imagesmith: ignore=IS504 -- jobs set TZ themselves\nRUN true\n",
        source="imagesmith pragma grammar (docs/lint.md)",
    ),
    check=check,
)
