"""What a recorded command line is: a package install to pin, an editor session, a read-only look."""

from __future__ import annotations

import posixpath
import re
import shlex
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from imagesmith.model.installs import Manager, read_install

EDITORS = frozenset({"vi", "vim", "nvim", "view", "nano", "pico", "emacs", "joe", "mcedit", "micro", "ne", "jed"})
READ_ONLY = frozenset({
    "ls", "ll", "la", "cat", "less", "more", "head", "tail", "grep", "egrep", "fgrep", "which", "type",
    "pwd", "env", "printenv", "history", "man", "top", "htop", "ps", "df", "du", "free", "id", "whoami",
    "uname", "date", "file", "stat", "tree", "nvidia-smi", "clear", "true", "false", "echo", "printf",
    "wc", "sort", "uniq", "diff", "cmp", "md5sum", "sha256sum", "locale", "hostname", "lscpu", "lsb_release",
    "apt-cache", "dpkg-query", "whereis", "realpath", "readlink", "basename", "dirname", "sleep", "test", "[",
})
SHELL_STATE = frozenset({"cd", "pushd", "popd", "export", "unset", "source", ".", "alias", "unalias", "set",
                         "shopt", "declare", "typeset", "local", "exit", "logout", "hash", "ulimit", "umask"})
_SPLIT = re.compile(r"\s*(?:&&|;)\s*")


_REDIRECT = re.compile(r"(?:^|[\s;&|(])(?:[0-9]|&)?>>?\|?\s*(['\"]?)([^\s;&|<>'\"()]+)\1")
WRITE_REDIRECTS = frozenset({">", ">>", ">|", "&>", "&>>"})


def _parse(cmd: str) -> list[Any] | None:
    import bashlex

    try:
        return list(bashlex.parse(cmd))
    except Exception:  # noqa: BLE001 - bashlex raises several error types on shell it does not know
        return None


def split_list(cmd: str) -> list[str]:
    """`a && b; c` -> ["a", "b", "c"], quote-aware when bashlex can read the line."""
    nodes = _parse(cmd)
    if nodes and len(nodes) == 1:
        node = nodes[0]
        if node.kind == "list":
            return [cmd[p.pos[0]:p.pos[1]] for p in node.parts if p.kind != "operator"]
        return [cmd[node.pos[0]:node.pos[1]]]
    return [p for p in _SPLIT.split(cmd.strip()) if p]


def words(cmd: str) -> list[str] | None:
    """The words of one simple command, redirections left out (None when it is not one)."""
    nodes = _parse(cmd)
    if nodes and len(nodes) == 1 and nodes[0].kind == "command":
        return [p.word for p in nodes[0].parts if p.kind == "word"]
    try:
        return shlex.split(cmd, comments=True)
    except ValueError:
        return None


def written_paths(cmd: str, cwd: str) -> set[str]:
    """Files a command line writes through a redirection or `tee` (absolute, normalised)."""
    import bashlex

    targets: list[str] = []
    nodes = _parse(cmd)
    if nodes is not None:
        class Visitor(bashlex.ast.nodevisitor):  # type: ignore[misc]
            def visitredirect(self, node: Any, input: Any, type: str, output: Any, heredoc: Any) -> None:
                if type in WRITE_REDIRECTS and hasattr(output, "word"):
                    targets.append(output.word)

            def visitcommand(self, node: Any, parts: list[Any]) -> None:
                argv = [p.word for p in parts if p.kind == "word"]
                if argv and PurePosixPath(argv[0]).name == "tee":
                    targets.extend(a for a in argv[1:] if not a.startswith("-"))

        for node in nodes:
            Visitor().visit(node)
    else:  # bashlex cannot read it (e.g. a quoted heredoc delimiter): the first line's redirections
        targets = [m.group(2) for m in _REDIRECT.finditer(cmd.splitlines()[0] if cmd else "")]
    out = set()
    for target in targets:
        if "$" in target or "*" in target or target.startswith(("/dev/", "&")):
            continue
        out.add(posixpath.normpath(posixpath.join(cwd, target)))
    return out


def _strip_prefixes(argv: list[str]) -> list[str]:
    """Drop `sudo`, `env A=1`, `VAR=x` prefixes."""
    while argv:
        head = argv[0]
        if head in ("sudo", "env", "command", "time", "nohup") or re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", head):
            argv = argv[1:]
            continue
        if head.startswith("-") and len(argv) > 1:  # options of sudo/env
            argv = argv[1:]
            continue
        break
    return argv


def program(cmd: str) -> str | None:
    argv = words(cmd)
    if not argv:
        return None
    argv = _strip_prefixes(argv)
    if not argv:
        return None
    return "." if argv[0] == "." else PurePosixPath(argv[0]).name


def has_redirect_out(cmd: str) -> bool:
    return bool(re.search(r"(?<![<>&0-9])>>?(?!&)|\btee\b|\s-i\b|--in-place", cmd))


def is_editor(cmd: str) -> bool:
    return program(cmd) in EDITORS


def is_shell_state(cmd: str) -> bool:
    """`cd`, `export`, `source` and friends, alone or chained only with each other."""
    parts = split_list(cmd)
    return bool(parts) and all(program(p) in SHELL_STATE for p in parts)


def _pipeline(part: str) -> list[str]:
    """The commands of `a | b | c` (quote-aware through shlex), else [part]."""
    if "|" not in part:
        return [part]
    try:
        lexer = shlex.shlex(part, posix=True, punctuation_chars="|")
        lexer.whitespace_split = True
        tokens = list(lexer)
    except ValueError:
        return [part]
    out, current = [], []
    for token in tokens:
        if token in ("|", "||"):
            out.append(shlex.join(current))
            current = []
        else:
            current.append(token)
    out.append(shlex.join(current))
    return [o for o in out if o]


def looks_read_only(cmd: str) -> bool:
    """For journals without file-change data: a command that only looks at things."""
    if "\n" in cmd.strip() or written_paths(cmd, "/") or re.search(r"\s(?:-i|--in-place)\b", cmd):
        return False
    if has_redirect_out(re.sub(r"\d?>>?\s*/dev/null|\d?>&\d", "", cmd)):
        return False  # a redirection written_paths could not follow (a variable, a glob)
    if "$(" in cmd or "`" in cmd or "<(" in cmd:
        return False  # a command substitution runs a command of its own
    parts = [seg for part in split_list(cmd) for seg in _pipeline(part)]
    if not parts:
        return True
    for part in parts:
        prog = program(part)
        argv = _strip_prefixes(words(part) or [])
        sub = argv[1] if len(argv) > 1 else ""
        if prog in READ_ONLY or prog in SHELL_STATE:
            continue
        if prog in ("pip", "pip3") and sub in ("list", "show", "freeze", "--version", "search", "check"):
            continue
        if prog in ("apt", "apt-get") and sub in ("list", "search", "show", "policy", "update"):
            continue
        if prog == "dpkg" and sub in ("-l", "-L", "-s", "--list", "--status", "--listfiles"):
            continue
        if prog and prog.startswith("python") and sub in ("-V", "--version"):
            continue
        return False
    return True


@dataclass
class Install:
    manager: str  # apt | pip | conda
    argv_head: list[str]  # e.g. ["python3", "-m", "pip", "install"]
    options: list[str] = field(default_factory=list)
    requirements: list[str] = field(default_factory=list)
    update_first: bool = False


def parse_install(cmd: str) -> Install | None:
    """An apt, pip or conda install command (optionally `apt-get update && ...`), else None.

    Options are split by each manager's own rules (`imagesmith.model.installs`), so an option's
    value (`--timeout 10`) stays with its option and is never taken for a package."""
    parts = split_list(cmd)
    update = False
    if len(parts) == 2 and (words(parts[0]) or [""])[-1:] == ["update"] and program(parts[0]) in ("apt", "apt-get"):
        update, parts = True, parts[1:]
    if len(parts) != 1 or "\n" in parts[0]:
        return None
    argv = words(parts[0])
    found = read_install(tuple(argv)) if argv else None
    if found is None or found.subcommand != "install" or found.tool in ("aptitude", "uv"):
        return None
    return Install(found.manager.value, [*found.program, found.subcommand], list(found.option_words),
                   list(found.operands), update_first=update and found.manager is Manager.APT)


REMOVE_SUBCOMMANDS = frozenset({"uninstall", "remove", "purge", "autoremove", "erase"})
_RM = frozenset({"rm", "rmdir", "unlink"})


@dataclass(frozen=True)
class Removal:
    """What a command line removes: packages of a manager, or paths (absolute, normalised)."""

    manager: str | None  # apt | pip | conda, or None for rm/rmdir/unlink
    names: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()


def removals(cmd: str, cwd: str) -> list[Removal]:
    """Every package removal and file deletion in a command line (`a && rm -f x; pip uninstall y`)."""
    out: list[Removal] = []
    for part in split_list(cmd):
        argv = _strip_prefixes(words(part) or [])
        if not argv:
            continue
        if PurePosixPath(argv[0]).name in _RM:
            targets = [a for a in argv[1:] if not a.startswith("-") or a == "-"]
            paths = tuple(posixpath.normpath(posixpath.join(cwd, t)) for t in targets
                          if "$" not in t and t != "-")
            if paths:
                out.append(Removal(None, paths=paths))
            continue
        found = read_install(tuple(argv))
        if found is not None and found.subcommand in REMOVE_SUBCOMMANDS:
            out.append(Removal(found.manager.value, names=tuple(found.operands)))
    return out


def and_list(cmd: str) -> list[str] | None:
    """The commands of `a && b && c` (one command: [cmd]); None for anything else (`;`, `||`,
    `&`, pipes of lists, compound commands, lines bashlex cannot read)."""
    nodes = _parse(cmd)
    if not nodes or len(nodes) != 1 or "\n" in cmd.strip():
        return None
    node = nodes[0]
    if node.kind in ("command", "pipeline"):
        return [cmd.strip()]
    if node.kind != "list":
        return None
    ops = [p.op for p in node.parts if p.kind == "operator"]
    parts = [p for p in node.parts if p.kind != "operator"]
    if any(op != "&&" for op in ops) or len(ops) != len(parts) - 1:
        return None
    if not all(p.kind in ("command", "pipeline") for p in parts):
        return None
    return [cmd[p.pos[0]:p.pos[1]] for p in parts]
