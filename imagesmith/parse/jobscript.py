"""PBS job scripts: `#PBS` directives, the shell body, and every `startdocker` call in it.

    parsed = parse_job_script(text, "myjob.pbs")
    parsed.directives          # PbsDirective(line, option "-l", value "nodes=1:gpus=1:S")
    parsed.resources           # ResourceRequest(s) from the `-l` lines
    parsed.startdockers        # StartDocker(-u words, -c / -s, -P, -D, image)
    parse_startdocker('startdocker -u "--ipc=host" -c "python x.py" bit:5000/deepo_9')

The body is split into simple commands by the shared shell layer (`imagesmith.parse.shell`,
bashlex). User-name placeholders as the guide writes them (`<username>`, `<user>`) are not
shell syntax (`<` would be a redirect), so they are swapped for a neutral token before
parsing and restored in every word afterwards.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imagesmith.parse.shell import ShellScript, SimpleCommand, parse_shell

PBS_PREFIX = "#PBS"
PLACEHOLDER = re.compile(r"<(?:user(?:[_ -]?name)?|your[_ -]?(?:user)?[_ -]?name|用户名)>", re.IGNORECASE)
_TOKEN = re.compile(r"@@PH(\d+)@@")
_ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", re.DOTALL)
# Keywords the operator-split fallback leaves at the front of a command (`do startdocker ...`).
_KEYWORDS = {"do", "then", "else", "elif", "if", "while", "until", "!", "{", "}", "done", "fi"}
_COMPOUND_HEADS = {"for", "case", "esac", "select", "function", "[["}  # fallback: not commands
# startdocker options that take a value (guide l.380-420); the image is the last word.
STARTDOCKER_VALUE_OPTIONS = ("-u", "-c", "-s", "-P", "-D")


@dataclass(frozen=True)
class PbsDirective:
    line: int
    option: str  # "-l", "-N", ... ("" when the line has no option)
    value: str | None  # the option's argument, quotes removed
    raw: str  # the line as written


@dataclass(frozen=True)
class NodeSpec:
    """`nodes=1:gpus=1:S` -> count 1, gpus 1, properties ("S",)."""

    raw: str
    count: int | None  # None when the first part is a host name or not a number
    gpus: int | None
    ppn: int | None
    properties: tuple[str, ...]  # bare words such as S / D / a node name
    bad_parts: tuple[str, ...] = ()  # `gpus=two`, empty parts


@dataclass(frozen=True)
class ResourceRequest:
    """One `-l` list: `nodes=1:gpus=1:S,walltime=300:00:00`."""

    line: int
    raw: str
    items: tuple[tuple[str, str], ...]  # (name, value) in order
    nodes: NodeSpec | None
    walltime: str | None


@dataclass(frozen=True)
class EnvAssignment:
    name: str
    value: str
    line: int
    where: str  # "job" (the job shell), "docker" (-u -e), "command" (inside -c)


@dataclass(frozen=True)
class Mount:
    source: str
    target: str
    option: str  # "-v", "--volume", "--mount", "-P", "-D"


@dataclass(frozen=True)
class StartDocker:
    """One `startdocker` call, split into its options."""

    argv: tuple[str, ...]
    line: int = 1
    end_line: int = 1
    docker_args: tuple[str, ...] = ()  # the -u strings split into words
    commands: tuple[str, ...] = ()  # every -c value
    scripts: tuple[str, ...] = ()  # every -s value
    code_dirs: tuple[str, ...] = ()  # -P
    data_dirs: tuple[str, ...] = ()  # -D
    image: str | None = None
    extra: tuple[str, ...] = ()  # words that are neither a known option nor the image

    @property
    def command(self) -> str | None:
        return self.commands[-1] if self.commands else None

    @property
    def script(self) -> str | None:
        return self.scripts[-1] if self.scripts else None

    @property
    def mounts(self) -> list[Mount]:
        out = [Mount(d, d, "-P") for d in self.code_dirs] + [Mount(d, d, "-D") for d in self.data_dirs]
        return out + docker_mounts(self.docker_args)

    def docker_option(self, *names: str) -> list[str]:
        """Values of docker options in -u (`--shm-size 8G`, `--ipc=host`, `-e X=1`)."""
        return docker_option_values(self.docker_args, names)

    @property
    def env(self) -> list[EnvAssignment]:
        """`-e NAME=value` / `--env NAME=value` passed into the container."""
        out = []
        for item in self.docker_option("-e", "--env"):
            m = _ASSIGNMENT.match(item)
            if m:
                out.append(EnvAssignment(m.group(1), m.group(2), self.line, "docker"))
        return out

    @property
    def command_script(self) -> ShellScript | None:
        return parse_shell(self.command) if self.command else None

    @property
    def command_env(self) -> list[EnvAssignment]:
        """Assignments inside the -c command line (`OMP_NUM_THREADS=8 python x.py`)."""
        script = self.command_script
        if script is None:
            return []
        return [
            EnvAssignment(n, v, self.line, "command") for c in script.commands for n, v in _assignments(c)
        ]


@dataclass(frozen=True)
class JobCommand:
    command: SimpleCommand
    line: int
    end_line: int

    @property
    def name(self) -> str:
        return self.command.effective().name


@dataclass
class ParsedJobScript:
    path: str
    text: str
    directives: list[PbsDirective]
    commands: list[JobCommand]  # every simple command of the body, in order
    startdockers: list[StartDocker]
    env: list[EnvAssignment]  # assignments and exports in the job shell
    comments: list[tuple[int, str]]  # (line, text) of comment lines that are not #PBS
    exact: bool = True  # bashlex parsed the body
    base_dir: Path | None = None  # where relative and user-home paths resolve on disk (set by the caller)
    cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    @property
    def resources(self) -> list[ResourceRequest]:
        return [parse_resources(d.value or "", d.line) for d in self.directives if d.option == "-l"]

    def directive(self, option: str) -> list[PbsDirective]:
        return [d for d in self.directives if d.option == option]

    @property
    def is_pbs(self) -> bool:
        """A full job script (it has #PBS lines), not a lone startdocker command line."""
        return bool(self.directives)


# -- placeholders -----------------------------------------------------------------


def _hide_placeholders(text: str) -> tuple[str, list[str]]:
    found: list[str] = []

    def swap(m: re.Match[str]) -> str:
        found.append(m.group(0))
        return f"@@PH{len(found) - 1}@@"

    return PLACEHOLDER.sub(swap, text), found


def _restore(word: str, found: list[str]) -> str:
    return _TOKEN.sub(lambda m: found[int(m.group(1))], word) if found else word


def _restore_command(cmd: SimpleCommand, found: list[str]) -> SimpleCommand:
    if not found:
        return cmd
    return SimpleCommand(
        tuple(_restore(w, found) for w in cmd.argv),
        tuple(_restore(w, found) for w in cmd.assignments),
        cmd.start,
        cmd.end,
        cmd.exact,
        cmd.in_substitution,
        tuple(_restore(w, found) for w in cmd.redirects),
    )


# -- directives ---------------------------------------------------------------------


def _directive(line_no: int, raw: str) -> PbsDirective:
    rest = raw.strip()[len(PBS_PREFIX) :]
    rest = rest.split(" #", 1)[0]  # a trailing comment
    try:
        words = shlex.split(rest)
    except ValueError:
        words = rest.split()
    if not words:
        return PbsDirective(line_no, "", None, raw)
    option = words[0]
    if option.startswith("-") and len(option) > 2 and not option.startswith("--"):
        return PbsDirective(line_no, option[:2], option[2:], raw)  # `-lnodes=1`
    value = " ".join(words[1:]) if len(words) > 1 else None
    return PbsDirective(line_no, option, value, raw)


def _count(text: str) -> int | None:
    """A resource count; absurdly long digit strings are not counts (int() refuses past 4300)."""
    return int(text) if text.isdigit() and len(text) <= 18 else None


def walltime_seconds(value: str) -> int | None:
    """Seconds of a Torque walltime (`SS`, `MM:SS`, `HH:MM:SS`, `DD:HH:MM:SS`), None if invalid."""
    if not re.fullmatch(r"\d{1,9}(:\d{1,9}){0,3}", value):
        return None
    fields = [int(p) for p in value.split(":")]
    scales = (86400, 3600, 60, 1)[-len(fields) :]
    return sum(f * s for f, s in zip(fields, scales))


def parse_node_spec(raw: str) -> NodeSpec:
    parts = raw.split(":")
    count: int | None = _count(parts[0])
    gpus = ppn = None
    props: list[str] = []
    bad: list[str] = []
    if not parts[0]:
        bad.append("(empty node count)")
    for part in parts[1:]:
        key, eq, val = part.partition("=")
        if not part:
            bad.append("(empty part)")
        elif eq and key in ("gpus", "ppn"):
            if _count(val) is None:
                bad.append(part)
            elif key == "gpus":
                gpus = _count(val)
            else:
                ppn = _count(val)
        elif eq:
            bad.append(part)
        else:
            props.append(part)
    return NodeSpec(raw, count, gpus, ppn, tuple(props), tuple(bad))


def parse_resources(value: str, line: int = 1) -> ResourceRequest:
    items: list[tuple[str, str]] = []
    for item in (i.strip() for i in value.split(",")):
        if item:
            name, _, val = item.partition("=")
            items.append((name.strip(), val.strip()))
    found = dict(items)
    nodes = parse_node_spec(found["nodes"]) if "nodes" in found else None
    return ResourceRequest(line, value, tuple(items), nodes, found.get("walltime"))


# -- startdocker ----------------------------------------------------------------------


def docker_option_values(words: tuple[str, ...] | list[str], names: tuple[str, ...]) -> list[str]:
    """Values of `--name value`, `--name=value` and `-xvalue` forms among docker CLI words."""
    out: list[str] = []
    it = iter(words)
    for word in it:
        for name in names:
            if word == name:
                out.append(next(it, ""))
            elif name.startswith("--") and word.startswith(name + "="):
                out.append(word[len(name) + 1 :])
            elif not name.startswith("--") and word.startswith(name) and len(word) > len(name):
                out.append(word[len(name) :].lstrip("="))
            else:
                continue
            break
    return out


def docker_mounts(words: tuple[str, ...] | list[str]) -> list[Mount]:
    mounts: list[Mount] = []
    for spec in docker_option_values(words, ("-v", "--volume")):
        source, _, rest = spec.partition(":")
        mounts.append(Mount(source, rest.split(":", 1)[0] or source, "-v"))
    for spec in docker_option_values(words, ("--mount",)):
        fields = dict(f.partition("=")[::2] for f in spec.split(","))
        source = fields.get("source") or fields.get("src") or ""
        if source:
            mounts.append(Mount(source, fields.get("target") or fields.get("dst") or "", "--mount"))
    return mounts


def startdocker_from_argv(
    argv: tuple[str, ...] | list[str], line: int = 1, end_line: int | None = None
) -> StartDocker:
    values: dict[str, list[str]] = {opt: [] for opt in STARTDOCKER_VALUE_OPTIONS}
    rest: list[str] = []
    words = list(argv[1:])
    i = 0
    while i < len(words):
        word = words[i]
        if word in values:
            if i + 1 < len(words):
                values[word].append(words[i + 1])
            i += 2
            continue
        if word[:2] in values and len(word) > 2 and word.startswith("-"):
            values[word[:2]].append(word[2:])  # `-cpython x.py`
        else:
            rest.append(word)
        i += 1
    image = rest.pop() if rest and not rest[-1].startswith("-") else None
    docker_args: list[str] = []
    for u in values["-u"]:
        try:
            docker_args.extend(shlex.split(u))
        except ValueError:  # an unbalanced quote: plain words are the best guess
            docker_args.extend(u.split())
    return StartDocker(
        tuple(argv),
        line,
        end_line or line,
        tuple(docker_args),
        tuple(values["-c"]),
        tuple(values["-s"]),
        tuple(values["-P"]),
        tuple(values["-D"]),
        image,
        tuple(rest),
    )


def startdocker_line(cmdline: str) -> str:
    """The command line with a leading `startdocker` word (added when left out)."""
    first = cmdline.strip().split(None, 1)
    if first and first[0].rsplit("/", 1)[-1] == "startdocker":
        return cmdline
    return f"startdocker {cmdline}"


def parse_startdocker(cmdline: str) -> StartDocker:
    """One command line such as `startdocker -u "--ipc=host" -s run.sh bit:5000/deepo_9`.

    The leading `startdocker` word may be left out.
    """
    line = startdocker_line(cmdline)
    parsed = parse_job_script(line, "<startdocker>")
    if parsed.startdockers:
        return parsed.startdockers[0]
    return startdocker_from_argv(line.split())


# -- the body -----------------------------------------------------------------------


def _assignments(cmd: SimpleCommand) -> list[tuple[str, str]]:
    out = []
    words = list(cmd.assignments)
    if cmd.argv and cmd.argv[0] in ("export", "declare", "typeset", "local", "readonly"):
        words += [w for w in cmd.argv[1:] if not w.startswith("-")]
    for word in words:
        m = _ASSIGNMENT.match(word)
        if m:
            out.append((m.group(1), m.group(2)))
    return out


def _logical_lines(text: str) -> list[tuple[int, int, str]]:
    """(first line, last line, text) with backslash continuations joined."""
    out: list[tuple[int, int, str]] = []
    buf: list[str] = []
    start = 1
    for no, line in enumerate(text.splitlines(), start=1):
        if not buf:
            start = no
        if line.endswith("\\"):
            buf.append(line[:-1])
            continue
        buf.append(line)
        out.append((start, no, " ".join(buf)))
        buf = []
    if buf:
        out.append((start, start + len(buf) - 1, " ".join(buf)))
    return out


def _line_at(text: str, offset: int) -> int:
    return text.count("\n", 0, max(offset, 0)) + 1


def _strip_keywords(cmd: SimpleCommand) -> SimpleCommand:
    argv = list(cmd.argv)
    while argv and argv[0] in _KEYWORDS:
        argv.pop(0)
    if len(argv) == len(cmd.argv):
        return cmd
    return SimpleCommand(
        tuple(argv), cmd.assignments, cmd.start, cmd.end, cmd.exact, cmd.in_substitution, cmd.redirects
    )


def _body_commands(text: str) -> tuple[list[JobCommand], bool]:
    whole = parse_shell(text)
    if whole.exact:
        return [
            JobCommand(c, _line_at(text, c.start), _line_at(text, c.end - 1)) for c in whole.commands
        ], True
    # bashlex lacks some grammar: parse line by line so one odd line keeps its neighbours' lines.
    out: list[JobCommand] = []
    for first, last, line_text in _logical_lines(text):
        if not line_text.strip() or line_text.lstrip().startswith("#"):
            continue
        script = parse_shell(line_text)
        for c in script.commands:
            c = _strip_keywords(c)
            if (c.argv or c.assignments) and not (c.argv and c.argv[0] in _COMPOUND_HEADS):
                out.append(JobCommand(c, first, last))
    return out, False


def parse_job_script(text: str, path: str = "job.pbs") -> ParsedJobScript:
    """Parse a job script (or a lone startdocker command line); never raises."""
    directives: list[PbsDirective] = []
    comments: list[tuple[int, str]] = []
    for no, line in enumerate(text.splitlines(), start=1):
        if line.startswith(PBS_PREFIX):
            directives.append(_directive(no, line))
        elif line.lstrip().startswith("#"):
            comments.append((no, line.strip()))
    hidden, found = _hide_placeholders(text)
    commands, exact = _body_commands(hidden)
    commands = [JobCommand(_restore_command(c.command, found), c.line, c.end_line) for c in commands]
    startdockers: list[StartDocker] = []
    env: list[EnvAssignment] = []
    for jc in commands:
        env.extend(EnvAssignment(n, v, jc.line, "job") for n, v in _assignments(jc.command))
        eff = jc.command.effective()
        if eff.name == "startdocker":
            startdockers.append(startdocker_from_argv(eff.argv, jc.line, jc.end_line))
    return ParsedJobScript(path, text, directives, commands, startdockers, env, comments, exact)
