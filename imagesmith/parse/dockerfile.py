"""Dockerfile parsing: BuildKit's own parser (the `dockerfile` package) for instructions,
flags and heredocs; `dockerfile-parse`'s WordSplitter for quote handling of ARG values;
a small BuildKit-compatible variable expander for `${VAR:-default}` forms (which
WordSplitter does not understand).

`parse_dockerfile(text, path)` returns a `ParsedDockerfile` whose instructions carry
1-based start/end lines into the original text and whose stages know their resolved base
image and the ENV they set. Rules and other services (build, review, compat) read this
model; analyses that several rules share are cached on it (`ParsedDockerfile.cache`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imagesmith.core.errors import DockerfileParseError

TEMPLATE_MARKERS = re.compile(r"\{\{|\{%|\}\}|%\}|%%[A-Z][A-Z0-9_]*%%")
TEMPLATE_SUFFIXES = (".template", ".tmpl", ".tpl", ".j2", ".jinja", ".jinja2")
_VAR = re.compile(
    r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-+])(?P<word>[^}]*))?\}|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)
_PRAGMA_LINE = re.compile(r"^\s*#")


@dataclass(frozen=True)
class Heredoc:
    name: str
    content: str
    fd: int = 0


@dataclass
class Instruction:
    cmd: str  # upper-case keyword: "RUN", "COPY", ...
    line: int  # 1-based first line
    end_line: int  # 1-based last line (heredoc bodies included)
    original: str  # the instruction text as written (continuations joined by BuildKit)
    flags: tuple[str, ...]  # ("--chmod=755", "--link")
    value: tuple[str, ...]  # arguments as BuildKit splits them
    json: bool = False  # exec form (`RUN ["a", "b"]`)
    heredocs: tuple[Heredoc, ...] = ()
    sub_cmd: str | None = None  # ONBUILD's instruction
    stage: int = -1  # index of the stage it belongs to; -1 before the first FROM
    raw: str = ""  # the source lines line..end_line, verbatim
    assigned: dict[str, str | None] = field(default_factory=dict)  # ENV/ARG: expanded values

    def flag(self, name: str) -> str | None:
        """Value of `--name=value` (or "" for a bare `--name`); None when absent."""
        prefix = f"--{name}"
        for item in self.flags:
            if item == prefix:
                return ""
            if item.startswith(prefix + "="):
                return item[len(prefix) + 1 :]
        return None

    def flag_values(self, name: str) -> list[str]:
        """All values of a repeatable flag such as `--mount` or `--exclude`."""
        prefix = f"--{name}="
        return [item[len(prefix) :] for item in self.flags if item.startswith(prefix)]

    @property
    def shell_script(self) -> str | None:
        """The shell text a RUN executes: the command line, or the heredoc body when the
        command is only `<<EOF`. None for exec form and for non-RUN instructions."""
        if self.cmd != "RUN" or self.json:
            return None
        text = " ".join(self.value).strip()
        if self.heredocs and re.fullmatch(r"<<-?[\"']?\w+[\"']?", text):
            return self.heredocs[0].content
        return text

    def line_of(self, needle: str) -> int:
        """The first source line of this instruction that contains `needle`."""
        for offset, text in enumerate(self.raw.splitlines()):
            if needle in text:
                return self.line + offset
        return self.line


@dataclass
class Stage:
    index: int
    name: str | None  # `AS name`, lower-cased like BuildKit
    base: str  # the resolved image reference (ARGs substituted)
    base_raw: str  # as written
    line: int  # line of the FROM
    platform: str | None = None
    instructions: list[Instruction] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)  # ENV set in this stage, in order
    args: dict[str, str | None] = field(default_factory=dict)  # ARG declared in this stage
    base_stage: int | None = None  # index of an earlier stage used as base
    unresolved: list[str] = field(default_factory=list)  # variables in FROM without value
    inherited_env: dict[str, str] = field(
        default_factory=dict
    )  # ENV of an earlier stage used as base


@dataclass
class ParsedDockerfile:
    path: str
    text: str
    instructions: list[Instruction]
    stages: list[Stage]
    global_args: dict[str, str | None]  # ARG before the first FROM
    comments: list[tuple[int, str]]  # (line, text) of comment lines outside instructions
    context_dir: Path | None = None  # set by the caller when the build folder is known
    cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def lines(self) -> list[str]:
        if "lines" not in self.cache:
            self.cache["lines"] = self.text.splitlines()
        return self.cache["lines"]

    def of(self, *cmds: str) -> list[Instruction]:
        return [ins for ins in self.instructions if ins.cmd in cmds]

    def stage_of(self, ins: Instruction) -> Stage | None:
        return self.stages[ins.stage] if 0 <= ins.stage < len(self.stages) else None

    def before(self, ins: Instruction, *cmds: str) -> list[Instruction]:
        """Earlier instructions of the same stage (only `cmds` when given), in order."""
        stage = self.stage_of(ins)
        return [
            o
            for o in (stage.instructions if stage else [])
            if o.line < ins.line and (not cmds or o.cmd in cmds)
        ]


def looks_like_template(text: str, path: str = "") -> bool:
    """Jinja/Go markers (`{{ }}`, `{% %}`), `%%NAME%%` placeholders, or a template file name."""
    return bool(TEMPLATE_MARKERS.search(text)) or path.lower().endswith(TEMPLATE_SUFFIXES)


def expand_vars(word: str, values: dict[str, str | None]) -> tuple[str, list[str]]:
    """BuildKit-style `$X`, `${X}`, `${X:-d}`, `${X:+d}`; returns the text and unknown names.

    Unknown names stay literal so that callers can tell them apart from empty values."""
    missing: list[str] = []

    def repl(m: re.Match[str]) -> str:
        name = m.group("braced") or m.group("bare")
        op, alt = m.group("op"), m.group("word") or ""
        val = values.get(name)
        if op in (":-", "-"):
            return val if (val or (op == "-" and val is not None)) else alt
        if op in (":+", "+"):
            return alt if (val or (op == "+" and val is not None)) else ""
        if val is None:
            missing.append(name)
            return m.group(0)  # unknown here (e.g. set by the base image): keep it literal
        return val

    return _VAR.sub(repl, word), missing


def _split_arg(item: str) -> tuple[str, str | None]:
    from dockerfile_parse.util import WordSplitter

    if "=" not in item:
        return item, None
    name, _, raw = item.partition("=")
    return name, WordSplitter(raw).dequote()


def _unquote(value: str) -> str:
    from dockerfile_parse.util import WordSplitter

    return WordSplitter(value).dequote()


def _comments(lines: list[str], covered: set[int]) -> list[tuple[int, str]]:
    return [
        (no, text.strip())
        for no, text in enumerate(lines, start=1)
        if no not in covered and _PRAGMA_LINE.match(text)
    ]


def parse_dockerfile(text: str, path: str = "Dockerfile") -> ParsedDockerfile:
    """Parse Dockerfile text; raises DockerfileParseError when BuildKit's parser refuses it."""
    import dockerfile

    try:
        commands = dockerfile.parse_string(text)
    except dockerfile.GoParseError as exc:
        raise DockerfileParseError(str(exc), where=path) from None
    lines = text.splitlines()
    instructions: list[Instruction] = []
    stages: list[Stage] = []
    global_args: dict[str, str | None] = {}
    covered: set[int] = set()
    for cmd in commands:
        ins = Instruction(
            cmd=cmd.cmd.upper(),
            line=cmd.start_line,
            end_line=cmd.end_line,
            original=cmd.original,
            flags=tuple(cmd.flags),
            value=tuple(cmd.value),
            json=cmd.json,
            heredocs=tuple(Heredoc(h.name, h.content, h.file_descriptor) for h in cmd.heredocs),
            sub_cmd=cmd.sub_cmd.upper() if cmd.sub_cmd else None,
            raw="\n".join(lines[cmd.start_line - 1 : cmd.end_line]),
        )
        covered.update(range(ins.line, ins.end_line + 1))
        if ins.cmd == "FROM":
            stages.append(_new_stage(ins, len(stages), stages, global_args))
        elif ins.cmd == "ARG" and not stages:
            for item in ins.value:
                name, default = _split_arg(item)
                global_args[name] = (
                    expand_vars(default, global_args)[0] if default is not None else None
                )
        elif stages:
            _apply_to_stage(stages[-1], ins, global_args)
        ins.stage = len(stages) - 1
        if stages:
            stages[-1].instructions.append(ins)
        instructions.append(ins)
    return ParsedDockerfile(
        path=path,
        text=text,
        instructions=instructions,
        stages=stages,
        global_args=global_args,
        comments=_comments(lines, covered),
    )


def _new_stage(
    ins: Instruction, index: int, stages: list[Stage], global_args: dict[str, str | None]
) -> Stage:
    words = list(ins.value)
    name = None
    if len(words) >= 3 and words[-2].upper() == "AS":
        name = words[-1].lower()
        words = words[:-2]
    raw = words[0] if words else ""
    base, missing = expand_vars(raw, global_args)
    stage = Stage(
        index=index,
        name=name,
        base=base,
        base_raw=raw,
        line=ins.line,
        platform=ins.flag("platform"),
        unresolved=missing,
    )
    for earlier in stages:
        if earlier.name is not None and earlier.name == base.lower():
            stage.base_stage = earlier.index
    if stage.base_stage is None and base.isdigit() and int(base) < index:
        stage.base_stage = int(base)
    if stage.base_stage is not None:
        parent = stages[stage.base_stage]
        stage.inherited_env = {**parent.inherited_env, **parent.env}
    return stage


def _apply_to_stage(stage: Stage, ins: Instruction, global_args: dict[str, str | None]) -> None:
    scope: dict[str, str | None] = {**stage.inherited_env, **stage.args, **stage.env}
    if ins.cmd == "ENV":
        pairs = list(ins.value)
        for key, raw in zip(pairs[0::2], pairs[1::2]):
            value = expand_vars(_unquote(raw), scope)[0]
            stage.env[key] = ins.assigned[key] = scope[key] = value
    elif ins.cmd == "ARG":
        for item in ins.value:
            name, default = _split_arg(item)
            if default is None and name in global_args:
                default = global_args[name]  # `ARG NAME` re-imports a pre-FROM default
            elif default is not None:
                default = expand_vars(default, scope)[0]
            stage.args[name] = ins.assigned[name] = scope[name] = default


def stage_scope(stage: Stage, upto_line: int | None = None) -> dict[str, str | None]:
    """ARG and ENV values visible in a stage (optionally only those set before a line)."""
    scope: dict[str, str | None] = dict(stage.inherited_env)
    for ins in stage.instructions:
        if upto_line is not None and ins.line >= upto_line:
            break
        scope.update(ins.assigned)
    return scope


def read_dockerfile(path: Path) -> ParsedDockerfile:
    """Read and parse a file, turning I/O and decoding problems into input errors."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise DockerfileParseError(f"cannot read: {exc.strerror}", where=path) from None
    return parse_dockerfile(text, str(path))
