"""The build model: a Dockerfile evaluated stage by stage as BuildKit's dockerfile2llb does.

What it follows (moby/buildkit frontend/dockerfile/dockerfile2llb/convert.go, instructions/):
- ARGs before the first FROM are the global scope, together with the automatic platform ARGs
  (BUILDPLATFORM, TARGETARCH, ... for the cluster's platform); FROM and `--platform` expand
  in that scope only.
- Inside a stage, `ARG NAME` without a default imports the global value; an ARG's value joins the
  stage's environment (BuildKit adds it to the state's env), so later instructions and RUN see it.
- ENV, LABEL, ADD/COPY (sources, destination, --chown, --chmod, ADD --checksum), WORKDIR, USER,
  VOLUME, EXPOSE, STOPSIGNAL are expanded with the environment *before* the instruction (all
  pairs of one ENV see the old values); RUN, CMD, ENTRYPOINT, SHELL are not (the shell does it).
  `COPY --from` is never expanded (BuildKit refuses variables there).
- A stage built `FROM` an earlier stage starts with that stage's env, ARGs, user, workdir and
  shell; a stage from an image starts with the image's config (from the catalog or the engine,
  through `BaseResolver`); from an image nobody described, unlisted variables are unknown.
- An ARG with no default and no global value is unknown: only `--build-arg` sets it.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from imagesmith.model.words import EMPTY_SCOPE, Expansion, Scope, Unknown, UnknownRef, Value, expand
from imagesmith.parse.dockerfile import Heredoc, Node, looks_like_template, parse_nodes, source_lines

if TYPE_CHECKING:
    from imagesmith.model.runs import RunCommand

PLATFORM = ("linux", "amd64", "")  # the cluster's nodes: os, architecture, variant
DEFAULT_SHELL = ("/bin/sh", "-c")
EXPANDED = {"ADD", "COPY", "ENV", "EXPOSE", "LABEL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR"}
_EXPANDED_FLAGS = {"ADD": ("chown", "chmod", "checksum"), "COPY": ("chown", "chmod")}
_ESCAPE = re.compile(r"^#\s*escape\s*=\s*(\S)\s*$", re.I)
_DIRECTIVE = re.compile(r"^#\s*[a-z][a-z0-9_-]*\s*=", re.I)


def platform_args(target_stage: str = "default") -> dict[str, str]:
    """BuildKit's automatic ARGs (dockerfile2llb/platform.go defaultArgs) for linux/amd64."""
    os_, arch, variant = PLATFORM
    plat = "/".join(p for p in (os_, arch, variant) if p)
    return {
        "BUILDPLATFORM": plat,
        "BUILDOS": os_,
        "BUILDOSVERSION": "",
        "BUILDARCH": arch,
        "BUILDVARIANT": variant,
        "TARGETPLATFORM": plat,
        "TARGETOS": os_,
        "TARGETOSVERSION": "",
        "TARGETARCH": arch,
        "TARGETVARIANT": variant,
        "TARGETSTAGE": target_stage,
    }


@dataclass(frozen=True)
class BaseConfig:
    """What is known of a base image's config."""

    env: Mapping[str, str]
    complete: bool  # True: names not in `env` are unset; False: they may be set (unknown)
    source: str  # "catalog bit:5000/deepo_9", "engine", "scratch", ...
    user: str = ""
    workdir: str = "/"
    shell: tuple[str, ...] = DEFAULT_SHELL


BaseResolver = Callable[[str], BaseConfig | None]


def _no_base(_ref: str) -> BaseConfig | None:
    return None


@dataclass(frozen=True)
class Instruction(Node):
    """One instruction with what BuildKit makes of it."""

    stage: int = -1  # index of its stage; -1 before the first FROM
    expanded: tuple[str, ...] = ()  # `value` after expansion and quote removal (EXPANDED only)
    expanded_flags: tuple[str, ...] = ()  # flags after expansion (those BuildKit expands)
    scope: Scope = EMPTY_SCOPE  # variables visible to this instruction (before it runs)
    unknown: tuple[UnknownRef, ...] = ()  # variables it uses whose value cannot be known
    errors: tuple[str, ...] = ()  # expansion errors BuildKit would stop the build with
    assigned: Mapping[str, str | None] = field(default_factory=dict)  # ENV/ARG: name -> value
    workdir: str = "/"  # working directory in force
    user: str = ""
    shell: tuple[str, ...] = DEFAULT_SHELL

    def expanded_flag(self, name: str) -> str | None:
        prefix = f"--{name}"
        for item in self.expanded_flags or self.flags:
            if item == prefix:
                return ""
            if item.startswith(prefix + "="):
                return item[len(prefix) + 1 :]
        return None


@dataclass(frozen=True)
class Stage:
    index: int
    name: str | None  # `AS name`, lower-cased like BuildKit
    base: str  # the image reference after expansion (unknown parts kept as written)
    base_raw: str  # as written
    line: int
    platform: str | None
    instructions: tuple[Instruction, ...]
    env: Mapping[str, str]  # ENV set in this stage, in order
    args: Mapping[str, str | None]  # ARGs declared in this stage (None: unknown)
    base_stage: int | None  # index of an earlier stage used as base
    unresolved: tuple[str, ...]  # variables in FROM whose value is unknown
    inherited_env: Mapping[str, str]  # env that came with the base (stage or image config)
    base_source: str  # where the base's config came from ("stage 0", "catalog ...", "unknown")
    final_scope: Scope = EMPTY_SCOPE  # variables at the end of the stage
    base_error: str | None = None  # FROM expansion error
    workdir: str = "/"  # at the end of the stage
    user: str = ""
    shell: tuple[str, ...] = DEFAULT_SHELL

    def scope_at(self, line: int) -> Scope:
        """Variables visible to the instruction at `line` (the stage's end after the last)."""
        for ins in self.instructions:
            if ins.line >= line and ins.cmd != "FROM":
                return ins.scope
        return self.final_scope


@dataclass(frozen=True, eq=False)
class BuildModel:
    """The one model every rule and service reads. Immutable; derived facts are computed once."""

    path: str
    text: str
    instructions: tuple[Instruction, ...]
    stages: tuple[Stage, ...]
    global_args: Mapping[str, str | None]  # ARG before the first FROM (None: unknown)
    comments: tuple[tuple[int, str], ...]
    escape: str = "\\"
    context_dir: Path | None = None
    misnamed: bool = False  # a Dockerfile whose file name the cluster's build would not find

    @cached_property
    def lines(self) -> list[str]:
        return source_lines(self.text)

    def of(self, *cmds: str) -> list[Instruction]:
        return [ins for ins in self.instructions if ins.cmd in cmds]

    def stage_of(self, ins: Instruction) -> Stage | None:
        return self.stages[ins.stage] if 0 <= ins.stage < len(self.stages) else None

    def before(self, ins: Instruction, *cmds: str) -> list[Instruction]:
        """Earlier instructions of the same stage (only `cmds` when given), in order."""
        stage = self.stage_of(ins)
        return [
            o
            for o in (stage.instructions if stage else ())
            if o.line < ins.line and (not cmds or o.cmd in cmds)
        ]

    def chain(self, stage: Stage | None = None) -> list[Stage]:
        """The stage and the stages it is built on, base first (default: the last stage)."""
        if not self.stages:
            return []
        chain = [stage or self.stages[-1]]
        while chain[0].base_stage is not None and len(chain) <= len(self.stages):
            chain.insert(0, self.stages[chain[0].base_stage])
        return chain

    @cached_property
    def runs(self) -> tuple["RunCommand", ...]:
        """Every simple command of every RUN, expanded with the variables in force."""
        from imagesmith.model.runs import run_commands

        return tuple(run_commands(self))


# -- evaluation -----------------------------------------------------------------------------


def _escape_token(text: str) -> str:
    for line in text.splitlines():
        m = _ESCAPE.match(line.strip())
        if m and m.group(1) in ("\\", "`"):
            return m.group(1)
        if not _DIRECTIVE.match(line.strip()):
            break
    return "\\"


def _split_arg(item: str) -> tuple[str, str | None]:
    name, eq, raw = item.partition("=")
    return name, (raw if eq else None)


@dataclass
class _State:
    env: dict[str, Value | None]  # None: explicitly unset / no value
    fallback: Unknown | None
    args: dict[str, str | None]
    workdir: str
    user: str
    shell: tuple[str, ...]

    def scope(self) -> Scope:
        return Scope({k: v for k, v in self.env.items() if v is not None}, self.fallback)

    def copy(self) -> "_State":
        return _State(
            dict(self.env), self.fallback, dict(self.args), self.workdir, self.user, self.shell
        )


def _text(value: Value | None) -> str | None:
    return value if isinstance(value, str) else None


class _Evaluator:
    def __init__(self, nodes: list[Node], escape: str, resolve: BaseResolver) -> None:
        self.nodes = nodes
        self.escape = escape
        self.resolve = resolve
        self.global_values: dict[str, Value] = dict(platform_args())
        self.global_args: dict[str, str | None] = {}
        self.stages: list[Stage] = []
        self.instructions: list[Instruction] = []

    def expand(self, word: str, scope: Scope) -> Expansion:
        return expand(word, scope, escape=self.escape)

    def run(self) -> None:
        state: _State | None = None
        pending: list[Instruction] = []
        head: dict[str, object] | None = None
        for node in self.nodes:
            if node.cmd == "FROM":
                if head is not None and state is not None:
                    self._close_stage(head, pending, state)
                head, state = self._open_stage(node)
                pending = [self._plain(node, len(self.stages), state, Scope(self.global_values))]
                continue
            if state is None or head is None:
                self.instructions.append(self._global(node))
                continue
            pending.append(self._in_stage(node, len(self.stages), state))
        if head is not None and state is not None:
            self._close_stage(head, pending, state)

    # -- before the first FROM ----------------------------------------------------------------
    def _global(self, node: Node) -> Instruction:
        if node.cmd != "ARG":
            return Instruction(**vars_of(node))
        scope = Scope(dict(self.global_values))
        assigned: dict[str, str | None] = {}
        unknown: list[UnknownRef] = []
        errors: list[str] = []
        for item in node.value:
            name, raw = _split_arg(item)
            if raw is None:
                self.global_args[name] = None
                self.global_values[name] = Unknown(f"ARG {name} has no default: only --build-arg sets it", True)
                assigned[name] = None
                continue
            exp = self.expand(raw, Scope(dict(self.global_values)))
            unknown.extend(exp.unknown)
            errors.extend([exp.error] if exp.error else [])
            value: Value = exp.text if not exp.unknown else Unknown(_why(exp))
            self.global_values[name] = value
            self.global_args[name] = assigned[name] = _text(value)
        return Instruction(
            **vars_of(node), scope=scope, unknown=tuple(unknown), errors=tuple(errors),
            assigned=assigned,
        )

    # -- FROM ---------------------------------------------------------------------------------
    def _open_stage(self, node: Node) -> tuple[dict[str, object], _State]:
        words = list(node.value)
        name = None
        if len(words) >= 3 and words[-2].upper() == "AS":
            name = words[-1].lower()
            words = words[:-2]
        raw = words[0] if words else ""
        gscope = Scope(dict(self.global_values))
        exp = self.expand(raw, gscope)
        base = exp.text
        platform = node.flag("platform")
        if platform is not None:
            platform = self.expand(platform, gscope).text
        base_stage = None
        for earlier in self.stages:
            if earlier.name is not None and earlier.name == base.lower():
                base_stage = earlier.index
        if base_stage is None and base.isdigit() and int(base) < len(self.stages):
            base_stage = int(base)
        if base_stage is not None:
            parent = self.stages[base_stage]
            final = parent.final_scope
            state = _State(
                dict(final.values), final.fallback, dict(parent.args),
                parent.workdir, parent.user, parent.shell,
            )
            source = f"stage {parent.name or parent.index}"
            inherited = {k: v for k, v in final.values.items() if isinstance(v, str)}
        else:
            config = self._config(base, exp)
            state = _State(
                dict(config.env),
                None if config.complete else Unknown(
                    f"not set in this Dockerfile; the base image {base} may set it"
                    f" ({config.source})"
                ),
                {}, config.workdir, config.user, config.shell,
            )
            source = config.source
            inherited = dict(config.env)
        head: dict[str, object] = {
            "index": len(self.stages), "name": name, "base": base, "base_raw": raw,
            "line": node.line, "platform": platform, "base_stage": base_stage,
            "unresolved": tuple(dict.fromkeys(u.name for u in exp.unknown)),
            "inherited_env": inherited, "base_source": source, "base_error": exp.error,
        }
        return head, state

    def _config(self, base: str, exp: Expansion) -> BaseConfig:
        if exp.unknown or exp.error:
            return BaseConfig({}, False, "unknown: the base image reference is not known")
        if base.lower() == "scratch":
            return BaseConfig({}, True, "scratch")
        found = self.resolve(base)
        if found is not None:
            return found
        return BaseConfig({}, False, f"{base}: no description of its config")

    def _close_stage(self, head: dict[str, object], pending: list[Instruction], state: _State) -> None:
        env: dict[str, str] = {}
        args: dict[str, str | None] = {}
        for ins in pending:
            if ins.cmd == "ENV":
                env.update({k: v for k, v in ins.assigned.items() if v is not None})
            elif ins.cmd == "ARG":
                args.update(ins.assigned)
        stage = Stage(
            instructions=tuple(pending), env=env, args=args, final_scope=state.scope(),
            workdir=state.workdir, user=state.user, shell=state.shell,
            **head,  # type: ignore[arg-type]
        )
        self.stages.append(stage)
        self.instructions.extend(pending)

    # -- inside a stage -----------------------------------------------------------------------
    def _plain(self, node: Node, stage: int, state: _State, scope: Scope) -> Instruction:
        return Instruction(
            **vars_of(node), stage=stage, scope=scope, workdir=state.workdir, user=state.user,
            shell=state.shell,
        )

    def _in_stage(self, node: Node, stage: int, state: _State) -> Instruction:
        scope = state.scope()
        common = {
            "stage": stage, "scope": scope, "workdir": state.workdir, "user": state.user,
            "shell": state.shell,
        }
        if node.cmd == "ARG":
            return self._stage_arg(node, state, common)
        cmd = node.sub_cmd if node.cmd == "ONBUILD" else node.cmd
        unknown: list[UnknownRef] = []
        errors: list[str] = []
        expanded: tuple[str, ...] = ()
        flags = node.flags
        unknown_words: set[int] = set()
        if cmd in EXPANDED and node.cmd != "ONBUILD":
            out: list[str] = []
            for i, word in enumerate(node.value):
                exp = self.expand(word, scope)
                out.append(exp.text)
                unknown.extend(exp.unknown)
                if exp.unknown:
                    unknown_words.add(i)
                if exp.error:
                    errors.append(exp.error)
            expanded = tuple(out)
            names = _EXPANDED_FLAGS.get(cmd, ())
            new_flags = []
            for item in node.flags:
                key = item[2:].partition("=")[0]
                if key in names and "=" in item:
                    exp = self.expand(item.partition("=")[2], scope)
                    unknown.extend(exp.unknown)
                    errors.extend([exp.error] if exp.error else [])
                    new_flags.append(f"--{key}={exp.text}")
                else:
                    new_flags.append(item)
            flags = tuple(new_flags)
        if cmd == "COPY" and node.flag("from") and "$" in (node.flag("from") or ""):
            errors.append("variable expansion is not supported for --from")
        assigned: dict[str, str | None] = {}
        if node.cmd == "ENV":
            for i in range(0, len(expanded) - 1, 2):
                key, value = expanded[i], expanded[i + 1]
                assigned[key] = value
                state.env[key] = (
                    Unknown(f"ENV {key}={node.value[i + 1]} uses a value that cannot be known")
                    if i + 1 in unknown_words
                    else value
                )
        elif node.cmd == "WORKDIR" and expanded:
            state.workdir = posixpath.normpath(posixpath.join(state.workdir, expanded[0]))
        elif node.cmd == "USER" and expanded:
            state.user = expanded[0]
        elif node.cmd == "SHELL" and node.json:
            state.shell = tuple(node.value)
        return Instruction(
            **vars_of(node), **common, expanded=expanded, expanded_flags=flags,  # type: ignore[arg-type]
            unknown=tuple(unknown), errors=tuple(errors), assigned=assigned,
        )

    def _stage_arg(self, node: Node, state: _State, common: dict[str, object]) -> Instruction:
        assigned: dict[str, str | None] = {}
        unknown: list[UnknownRef] = []
        errors: list[str] = []
        for item in node.value:
            name, raw = _split_arg(item)
            value: Value
            if raw is None:
                if name in self.global_values:
                    value = self.global_values[name]
                else:
                    value = Unknown(f"ARG {name} has no default: only --build-arg sets it", True)
            else:
                exp = self.expand(raw, state.scope())
                unknown.extend(exp.unknown)
                errors.extend([exp.error] if exp.error else [])
                value = exp.text if not exp.unknown else Unknown(_why(exp))
            state.env[name] = value
            state.args[name] = assigned[name] = _text(value)
        return Instruction(
            **vars_of(node), **common, unknown=tuple(unknown), errors=tuple(errors),  # type: ignore[arg-type]
            assigned=assigned, expanded=tuple(f"{k}={v}" if v is not None else k for k, v in assigned.items()),
        )


def _why(exp: Expansion) -> str:
    return "; ".join(dict.fromkeys(f"${u.name}: {u.reason}" for u in exp.unknown))


def vars_of(node: Node) -> dict[str, object]:
    return {f: getattr(node, f) for f in Node.__dataclass_fields__}


def build_model(
    text: str,
    path: str = "Dockerfile",
    *,
    resolve: BaseResolver | None = None,
    context_dir: Path | None = None,
    misnamed: bool = False,
) -> BuildModel:
    """Parse with BuildKit's parser and evaluate; raises DockerfileParseError on syntax."""
    nodes, comments = parse_nodes(text, path)
    escape = _escape_token(text)
    ev = _Evaluator(nodes, escape, resolve or _no_base)
    ev.run()
    return BuildModel(
        path=path,
        text=text,
        instructions=tuple(ev.instructions),
        stages=tuple(ev.stages),
        global_args=ev.global_args,
        comments=tuple(comments),
        escape=escape,
        context_dir=context_dir,
        misnamed=misnamed,
    )


def stage_scope(stage: Stage, upto_line: int | None = None) -> dict[str, str | None]:
    """Known variable values visible in a stage at a line (None: unknown)."""
    scope = stage.scope_at(upto_line) if upto_line is not None else stage.final_scope
    return {k: (v if isinstance(v, str) else None) for k, v in scope.values.items()}


__all__ = [
    "BaseConfig",
    "BaseResolver",
    "BuildModel",
    "Heredoc",
    "Instruction",
    "Stage",
    "build_model",
    "looks_like_template",
    "platform_args",
    "stage_scope",
]
