"""Dockerfile syntax: BuildKit's own parser (the `dockerfile` package) splits instructions,
flags, heredocs and line ranges. `parse_nodes` returns them unevaluated; what they *mean*
(variables, stages, scopes) is the build model's job (`imagesmith.model`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from imagesmith.core.errors import DockerfileParseError

TEMPLATE_MARKERS = re.compile(r"\{\{|\{%|\}\}|%\}|%%[A-Z][A-Z0-9_]*%%")
TEMPLATE_SUFFIXES = (".template", ".tmpl", ".tpl", ".j2", ".jinja", ".jinja2")
_PRAGMA_LINE = re.compile(r"^\s*#")


@dataclass(frozen=True)
class Heredoc:
    name: str
    content: str
    fd: int = 0


@dataclass(frozen=True)
class Node:
    """One instruction as BuildKit's parser splits it, before any evaluation."""

    cmd: str  # upper-case keyword: "RUN", "COPY", ...
    line: int  # 1-based first line
    end_line: int  # 1-based last line (heredoc bodies included)
    original: str  # the instruction text as written (continuations joined by BuildKit)
    flags: tuple[str, ...]  # ("--chmod=755", "--link")
    value: tuple[str, ...]  # arguments as BuildKit splits them
    json: bool = False  # exec form (`RUN ["a", "b"]`)
    heredocs: tuple[Heredoc, ...] = ()
    sub_cmd: str | None = None  # ONBUILD's instruction
    raw: str = ""  # the source lines line..end_line, verbatim

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
        for offset, text in enumerate(source_lines(self.raw)):
            if needle in text:
                return self.line + offset
        return self.line


def source_lines(text: str) -> list[str]:
    """Lines as BuildKit reads them (bufio.ScanLines): split at "\n" only, one trailing "\r"
    dropped. str.splitlines() also breaks at \r, \f, \x85, U+2028..., where BuildKit does not,
    which would shift every line number after them."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def looks_like_template(text: str, path: str = "") -> bool:
    """Jinja/Go markers (`{{ }}`, `{% %}`), `%%NAME%%` placeholders, or a template file name."""
    if path.lower().endswith(TEMPLATE_SUFFIXES):
        return True
    return bool(TEMPLATE_MARKERS.search(_strip_substitutions(text)))


_SUBSTITUTION = re.compile(r"\$\{[^{}]*\}")


def _strip_substitutions(text: str) -> str:
    """Drop `${...}` (nested too), whose closing braces read like a template's `}}`."""
    for _ in range(16):
        stripped = _SUBSTITUTION.sub("", text)
        if stripped == text:
            break
        text = stripped
    return text


def _comments(lines: list[str], covered: set[int]) -> list[tuple[int, str]]:
    return [
        (no, text.strip())
        for no, text in enumerate(lines, start=1)
        if no not in covered and _PRAGMA_LINE.match(text)
    ]


def parse_nodes(text: str, path: str = "Dockerfile") -> tuple[list[Node], list[tuple[int, str]]]:
    """Instructions and comment lines; raises DockerfileParseError when BuildKit's parser refuses."""
    import dockerfile

    try:
        commands = dockerfile.parse_string(text)
    except dockerfile.GoParseError as exc:
        raise DockerfileParseError(str(exc), where=path) from None
    lines = source_lines(text)
    nodes: list[Node] = []
    covered: set[int] = set()
    for cmd in commands:
        if not cmd.cmd:
            continue  # a lone continuation at the end of the file: BuildKit builds nothing of it
        node = Node(
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
        covered.update(range(node.line, node.end_line + 1))
        nodes.append(node)
    return nodes, _comments(lines, covered)

