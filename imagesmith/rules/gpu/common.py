"""What the IS40x rules share: the Dockerfile's GpuStack and its issues per node group,
computed once per parsed Dockerfile (cached on it)."""

from __future__ import annotations

from collections.abc import Iterator
from weakref import WeakKeyDictionary

from imagesmith.compat.verdict import CAVEAT, FAIL, UNKNOWN, Issue, assess
from imagesmith.core.findings import Severity
from imagesmith.core.profile import Profile
from imagesmith.model import ParsedDockerfile
from imagesmith.rules.base import Hit


# IS401-IS407 all read the same verdicts: computed once per (model, profile) pair.
_MEMO: "WeakKeyDictionary[ParsedDockerfile, tuple[Profile, list[tuple[str, Issue]]]]" = WeakKeyDictionary()


def group_issues(parsed: ParsedDockerfile, profile: Profile) -> list[tuple[str, Issue]]:
    """(group label, issue) for every failing or caveat issue on every node group."""
    cached = _MEMO.get(parsed)
    if cached is not None and cached[0] is profile:
        return cached[1]
    from imagesmith.compat.dockerstack import stack_from_parsed

    stack = stack_from_parsed(parsed, profile, parsed.context_dir)
    out = [
        (f"{g.name} ({g.gpu}, driver {g.driver} {g.driver_source})", i)
        for g in profile.node_groups
        for i in assess(stack, g)
        if i.kind in (FAIL, CAVEAT, UNKNOWN)
    ]
    _MEMO[parsed] = (profile, out)
    return out


def _severity(kind: str, code: str) -> Severity | None:
    """Failures keep the rule's severity; caveats are warnings. An unknown verdict is a warning,
    except an unknown base image (IS401), already an error of IS201 and only an info here."""
    if kind == FAIL:
        return None
    if kind == UNKNOWN and code == "IS401":
        return Severity.INFO
    return Severity.WARNING


def hits_for(
    code: str, parsed: ParsedDockerfile, profile: Profile, help_text: str
) -> Iterator[Hit]:
    """One hit per distinct problem of rule `code`, naming the node groups it affects;
    caveats and anything resting on uncertain data are warnings."""
    default_line = parsed.stages[-1].line if parsed.stages else 1
    merged: dict[tuple[str, str, int, str], list[str]] = {}
    for label, issue in group_issues(parsed, profile):
        if issue.code == code:
            key = (issue.message, issue.kind.value, issue.line or default_line, issue.cause.value)
            merged.setdefault(key, []).append(label)
    for (message, kind, line, cause), labels in merged.items():
        yield Hit(
            f"{message} [{'; '.join(labels)}]",
            line=line,
            help=help_text,
            severity=_severity(kind, code),
            data={"groups": labels, "kind": kind, "cause": cause},
        )
