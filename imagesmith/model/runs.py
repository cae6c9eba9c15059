"""RUN bodies, read once: every simple command with its words expanded as the shell will.

The shell of a RUN starts with the stage's environment (ENV and ARG values, BuildKit passes
both). Inside the body, assignments (`X=1`, `export X=1`, `unset X`) and `cd` change what later
commands see, in order; a prefix `X=1 cmd` only sets the command's environment. Words are
expanded with the same lexer as the Dockerfile's own (`model.words`, shell mode), so
`$PIP_INSTALL torch` with `PIP_INSTALL="python -m pip install"` is seen as a pip install, and
`tqdm${V:+==${V}}` is `tqdm` or `tqdm==1.0` by V. What only the running shell knows (command
substitution, positional parameters) stays unknown.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from imagesmith.model.words import Scope, Unknown, UnknownRef, Value, expand
from imagesmith.parse.dockerfile import source_lines
from imagesmith.parse.shell import SimpleCommand, parse_shell

if TYPE_CHECKING:
    from imagesmith.model.build import BuildModel, Instruction

_EXPORTERS = {"export", "declare", "typeset", "readonly", "local"}
_SHELLS = {"sh", "bash", "dash", "ksh", "zsh", "ash"}
_MAX_NESTING = 4


@dataclass(frozen=True)
class RunCommand:
    """One simple command of a RUN, with its words expanded and where it sits."""

    instruction: "Instruction"
    command: SimpleCommand  # as parsed (words unexpanded)
    line: int
    argv: tuple[str, ...]  # expanded, wrappers such as sudo/env dropped
    scope: Scope  # variables the command's words were expanded with
    cwd: str = "/"
    env: Mapping[str, str] = field(default_factory=dict)  # prefix assignments (`X=1 cmd`)
    unknown: tuple[UnknownRef, ...] = ()
    words: tuple[str, ...] = ()  # expanded, wrappers kept (what the install extractor reads)
    shell: str = "sh"  # the interpreter that runs it: the RUN's SHELL, or `bash` of `bash -c`
    nested: bool = False  # inside a `sh -c '...'` / `bash -c '...'` script

    @property
    def name(self) -> str:
        return self.argv[0].rsplit("/", 1)[-1] if self.argv else ""

    def var(self, name: str) -> str | None:
        """The known value of `name` in this command's environment (None: unset or unknown)."""
        if name in self.env:
            return self.env[name]
        is_set, value = self.scope.lookup(name)
        return value if is_set and isinstance(value, str) else None


def _expand_argv(
    cmd: SimpleCommand, scope: Scope
) -> tuple[tuple[str, ...], tuple[str, ...], list[UnknownRef]]:
    raw = cmd.raw_words or cmd.argv
    words: list[str] = []
    unknown: list[UnknownRef] = []
    for word in raw:
        if "$" not in word and "`" not in word and not cmd.raw_words:
            words.append(word)
            continue
        exp = expand(word, scope, shell=True)
        if exp.error:
            words.append(cmd.argv[raw.index(word)] if word in raw else word)
            continue
        words.extend(exp.words if exp.words or _quoted(word) else ())
        if _quoted(word) and not exp.words:
            words.append("")
        unknown.extend(exp.unknown)
    effective = SimpleCommand(tuple(words)).effective().argv
    return effective, tuple(words), unknown


def _quoted(word: str) -> bool:
    return word[:1] in ("'", '"') and word[-1:] == word[:1] and len(word) >= 2


def _assign(raw: str, scope: Scope) -> tuple[str, Value]:
    name, _, value = raw.partition("=")
    name = name.rstrip("+")
    exp = expand(value, scope, shell=True)
    if exp.unknown or exp.error:
        return name, Unknown(f"`{raw}` uses a value known only at run time")
    return name, exp.text


def _command_offset(raw_lines: list[str], argv: tuple[str, ...], cursor: int) -> int:
    """Offset of the source line holding a command, searching from the previous command's
    line with the longest run of its words that appears on one line."""
    for k in range(min(len(argv), 6), 0, -1):
        probe = " ".join(argv[:k])
        for offset in range(cursor, len(raw_lines)):
            if probe in raw_lines[offset]:
                return offset
    return cursor


def commands_of(ins: "Instruction") -> list[RunCommand]:
    """The simple commands of one RUN instruction (heredoc bodies and `sh -c` scripts included)."""
    if ins.cmd != "RUN":
        return []
    script = ins.shell_script
    interpreter = (ins.shell[0] if ins.shell else "/bin/sh").rsplit("/", 1)[-1]
    if script is None:
        if ins.json and ins.value:
            argv = SimpleCommand(tuple(ins.value)).effective().argv
            top = RunCommand(ins, SimpleCommand(tuple(ins.value)), ins.line, argv, ins.scope,
                             ins.workdir, words=tuple(ins.value), shell=interpreter)
            return [top, *_nested(top, {}, 1)]
        return []
    return _script_commands(ins, script, ins.scope, {}, ins.workdir, interpreter, 0)


def _script_commands(
    ins: "Instruction", script: str, base: Scope, shell_vars: dict[str, Value | None], cwd: str,
    interpreter: str, depth: int,
) -> list[RunCommand]:
    out: list[RunCommand] = []
    raw_lines = source_lines(ins.raw)
    cursor = 0
    for cmd in parse_shell(script).commands:
        scope = base.with_values(shell_vars) if shell_vars else base
        argv, words, unknown = _expand_argv(cmd, scope)
        env: dict[str, str] = {}
        for raw in cmd.raw_assignments or cmd.assignments:
            name, value = _assign(raw, scope)
            if not cmd.argv and not cmd.in_substitution:
                shell_vars[name] = value
            elif isinstance(value, str):
                env[name] = value
        if not cmd.in_substitution:
            name = argv[0].rsplit("/", 1)[-1] if argv else ""
            if name in _EXPORTERS:
                for word in argv[1:]:
                    if "=" in word and not word.startswith("-"):
                        key, _, value = word.partition("=")
                        shell_vars[key] = value if "$" not in value else Unknown(
                            f"`{word}` uses a value known only at run time")
            elif name == "unset":
                for word in argv[1:]:
                    if not word.startswith("-"):
                        shell_vars[word] = None
            elif name == "cd" and len(argv) > 1 and not argv[1].startswith("-"):
                cwd = posixpath.normpath(posixpath.join(cwd, argv[1]))
        if depth == 0:
            cursor = _command_offset(raw_lines, cmd.effective().argv or cmd.argv, cursor)
        line = ins.line + cursor if depth == 0 else ins.line
        rc = RunCommand(ins, cmd, line, argv, scope, cwd, env, tuple(unknown), words,
                        interpreter, depth > 0)
        out.append(rc)
        out.extend(_nested(rc, shell_vars, depth + 1))
    return out


def _nested(rc: RunCommand, shell_vars: dict[str, Value | None], depth: int) -> list[RunCommand]:
    """`sh -c 'script'`, `bash -c "..."`: the script's own commands, run by that shell."""
    if rc.name not in _SHELLS or depth > _MAX_NESTING or "-c" not in rc.argv[1:]:
        return []
    args = list(rc.argv[1:])
    at = args.index("-c")
    if at + 1 >= len(args) or any(not a.startswith("-") for a in args[:at]):
        return []
    inner = rc.scope.with_values({**rc.env})
    return [
        replace(sub, line=rc.line)
        for sub in _script_commands(rc.instruction, args[at + 1], inner, dict(shell_vars),
                                    rc.cwd, rc.name, depth)
    ]


def run_commands(model: "BuildModel") -> list[RunCommand]:
    out: list[RunCommand] = []
    for ins in model.of("RUN"):
        out.extend(commands_of(ins))
    return out
