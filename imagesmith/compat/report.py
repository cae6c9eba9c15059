"""Per-node-group verdicts and the report `imagesmith compat` prints."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from imagesmith.compat.stack import GpuStack
from imagesmith.compat.verdict import CAVEAT, FAIL, RUNS, UNKNOWN, Issue, Verdict, assess, verdict_of
from imagesmith.core.profile import NodeGroup


@dataclass
class GroupVerdict:
    name: str
    gpu: str
    compute_capability: str
    driver: str
    driver_source: str
    verdict: Verdict  # runs | runs-with-caveats | unknown | fails
    reasons: list[str]
    suggestion: str | None = None
    issues: list[Issue] = field(default_factory=list, repr=False)
    assumed: list[str] = field(default_factory=list)

    @property
    def runs(self) -> bool:
        return self.verdict == RUNS

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "gpu": self.gpu,
            "compute_capability": self.compute_capability,
            "driver": self.driver,
            "driver_source": self.driver_source,
            "verdict": self.verdict.value,
            "reasons": self.reasons,
            "suggestion": self.suggestion,
            "assumed": self.assumed,
            "issues": [
                {
                    "code": i.code,
                    "kind": i.kind.value,
                    "cause": i.cause.value,
                    "message": i.message,
                    "confidence": i.confidence,
                    "line": i.line,
                }
                for i in self.issues
                if i.kind != "ok"
            ],
        }


def group_verdict(stack: GpuStack, group: NodeGroup) -> GroupVerdict:
    issues = assess(stack, group)
    order = {FAIL: 0, UNKNOWN: 1, CAVEAT: 2}
    problems = [i for i in issues if i.kind in order]
    problems.sort(key=lambda i: (order[i.kind], i.code))
    if problems:
        reasons = [i.message for i in problems]
    elif stack.empty:
        reasons = [
            "no CUDA runtime, GPU framework or NVIDIA_REQUIRE_CUDA found: nothing GPU-specific to check"
        ]
    else:
        reasons = (
            [i.message for i in issues if i.code in ("IS401", "IS402")][:3]
            or [i.message for i in issues][:3]
            or ["no CUDA requirement found that applies to this node group"]
        )
    assumed = list(stack.assumed)
    if group.driver_source == "assumed":
        assumed.insert(
            0,
            f"driver {group.driver} of {group.name} is assumed "
            "(run `imagesmith profile detect` on a node to record the real one)",
        )
    return GroupVerdict(
        group.name,
        group.gpu,
        group.compute_capability,
        group.driver,
        group.driver_source,
        verdict_of(issues),
        reasons,
        None,
        issues,
        assumed,
    )


def group_verdicts(stack: GpuStack, groups: Sequence[NodeGroup]) -> list[GroupVerdict]:
    return [group_verdict(stack, g) for g in groups]
