"""apt-get / apt invocations in RUN commands, with their action and options."""

from __future__ import annotations

from dataclasses import dataclass

from imagesmith.analysis.installs import RunCommand, run_commands
from imagesmith.parse.dockerfile import ParsedDockerfile
from imagesmith.parse.shell import split_flags

_VALUE_OPTS = {"-o", "-c", "-t", "--target-release", "--option", "--config-file"}
PROMPTING = {
    "install",
    "remove",
    "purge",
    "autoremove",
    "upgrade",
    "dist-upgrade",
    "full-upgrade",
    "build-dep",
    "reinstall",
    "autopurge",
}
_ASSUME_YES = {"-y", "--yes", "--assume-yes", "-qq", "--force-yes"}


@dataclass(frozen=True)
class AptCall:
    run: RunCommand
    tool: str  # apt-get | apt | aptitude
    action: str  # install, update, ...
    flags: tuple[str, ...]
    operands: tuple[str, ...]  # after the action
    options: dict[str, list[str]]

    @property
    def line(self) -> int:
        return self.run.line

    @property
    def assumes_yes(self) -> bool:
        for flag in self.flags:
            if flag in _ASSUME_YES:
                return True
            if not flag.startswith("--") and "y" in flag[1:]:  # -qy, -yq
                return True
            if flag == "-q" and "2" in self.options.get("-q", []):
                return True
        opts = " ".join(self.options.get("-o", []) + self.options.get("--option", [])).lower()
        return "assume-yes=true" in opts or "assume-yes=1" in opts


def apt_calls(parsed: ParsedDockerfile) -> list[AptCall]:
    cached = parsed.cache.get("apt_calls")
    if cached is not None:
        return cached
    out = []
    for rc in run_commands(parsed):
        if rc.name not in ("apt-get", "apt", "aptitude"):
            continue
        flags, operands, options = split_flags(list(rc.argv[1:]), _VALUE_OPTS)
        if not operands:
            continue
        out.append(AptCall(rc, rc.name, operands[0], tuple(flags), tuple(operands[1:]), options))
    parsed.cache["apt_calls"] = out
    return out
