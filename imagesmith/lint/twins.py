"""One problem, one finding: where hadolint (or the ShellCheck it runs) reports what an
imagesmith rule already reports on the same line, the imagesmith finding stays and names the
other code; the duplicate goes."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from imagesmith.core.findings import Finding

# hadolint / ShellCheck code -> the imagesmith rule that reports the same problem
TWINS: dict[str, str] = {
    "DL3014": "IS601",  # apt-get install without -y
    "DL3027": "IS602",  # apt in a script
    "SC2039": "IS606",  # a bashism under /bin/sh (ShellCheck < 0.7.2)
    "SC3046": "IS606",  # `source` under /bin/sh
    "SC3010": "IS606",  # `[[ ]]` under /bin/sh
    "SC3020": "IS606",  # `&>` under /bin/sh
}


def merge_twins(findings: list[Finding]) -> list[Finding]:
    by_line: dict[tuple[int, str], Finding] = {(f.line, f.code): f for f in findings}
    shellchecked = {(f.line, code) for f in findings if f.code == "IS608"
                    for code in (f.data.get("shellcheck") or [])}
    drop: set[int] = set()
    also: dict[int, list[str]] = {}
    for f in findings:
        twin = by_line.get((f.line, TWINS.get(f.code, "")))
        if twin is not None:
            drop.add(id(f))
            also.setdefault(id(twin), []).append(f.code)
        elif f.code.startswith("SC") and (f.line, f.code) in shellchecked:
            drop.add(id(f))  # IS608 ran ShellCheck on this RUN and already holds this code
    out = []
    for f in findings:
        if id(f) in drop:
            continue
        codes = also.get(id(f))
        if codes:
            f = replace(f, message=f"{f.message} (also hadolint {', '.join(sorted(codes))})",
                        data={**f.data, "also": sorted(codes)})
        out.append(f)
    return out
