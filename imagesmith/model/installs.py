"""What one simple command installs or removes, read from its argv as the package manager reads it.

`read_install(argv, env, read_file)` takes the words of one command (already expanded by the
build model; a word whose value is unknown still holds a `$`) and returns an `InstallCommand`
for apt-get/apt/aptitude, pip (pip, pip3, pipX.Y, `python -m pip`, `uv pip`) and
conda/mamba/micromamba, or None for any other program. Its `actions` hold one `InstallAction` per
package (or one `unknown` entry per thing that cannot be read: a `$` word, an unreadable `-r`
file, packages that come from `xargs`' input); `constraints` what `-c` files pin.

Options are split by each manager's own parser rules (`model.install_options`), so option
values are never taken for packages. Wrappers are looked through: `sudo -u U -H`, `env -i A=1`,
`nice -n 5`, `timeout 60`, `time -p`, `nohup`, `exec`, `command`, `eatmydata`, `stdbuf -oL`,
`conda run -n ENV` and `micromamba run`. `pipx install` is not read: it installs an application
into its own virtual environment, not into the image's Python.

apt's prompt (`prompts`) follows apt-get as measured on apt 2.6 (tests/model/test_installs.py):
`-y`/`--yes`/`--assume-yes` and `-o APT::Get::Assume-Yes=true` answer it, the last setting
wins (`-y --yes=no` prompts); apt-get's quiet level 2 (`-qq`, `-q -q`, `-q=2`, `-o quiet=2`)
implies -y but `apt -qq` still asks; `--force-yes` does not answer it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

from imagesmith.core.versions import canonical_name
from imagesmith.model.install_options import (
    APT_OPTIONS,
    CONDA_OPTIONS,
    MAMBA_OPTIONS,
    PIP_OPTIONS,
    UV_PIP_OPTIONS,
    Opt,
    OptionTable,
    Split,
    split_argv,
)
from imagesmith.model.install_specs import (
    ReadFile,
    ReqFiles,
    Spec,
    apt_spec,
    conda_file,
    conda_spec,
    pip_spec,
    read_requirements,
    run_time,
)


class Manager(StrEnum):
    APT = "apt"
    PIP = "pip"
    CONDA = "conda"


class Action(StrEnum):
    INSTALL = "install"
    REMOVE = "remove"
    PURGE = "purge"
    UPGRADE = "upgrade"
    UNINSTALL = "uninstall"  # pip uninstall


@dataclass(frozen=True)
class InstallFlags:
    """What the command's options (and PIP_* variables) say about how it installs."""

    user: bool = False  # pip --user / PIP_USER
    no_deps: bool = False
    upgrade: bool = False  # pip -U, conda update, apt-get --only-upgrade
    force_reinstall: bool = False
    editable: bool = False
    pre: bool = False
    no_index: bool = False
    index_url: str | None = None
    extra_index_urls: tuple[str, ...] = ()
    find_links: tuple[str, ...] = ()
    target: str | None = None  # pip --target/--prefix/--root, conda -p
    env_name: str | None = None  # conda -n
    channels: tuple[str, ...] = ()  # conda -c, in order
    no_install_recommends: bool = False  # apt
    target_release: str | None = None  # apt -t
    interpreter: str | None = None  # `python3.6` of `python3.6 -m pip`


@dataclass(frozen=True)
class InstallAction:
    """One package a command installs, removes or upgrades (or why that cannot be known)."""

    manager: Manager
    action: Action
    name: str  # as written; "" when unknown
    version: str | None  # an exact pin, else None
    spec: str  # the word as written
    constraint: str = ""  # a non-exact constraint in the manager's syntax (`>=1`, conda `1.0*`)
    extras: tuple[str, ...] = ()
    flags: InstallFlags = field(default_factory=InstallFlags)
    source: str = "command"  # or "requirements file X" / "constraints file X" / "conda file X"
    local: str | None = None  # a wheel, sdist, .deb or project folder in the image
    url: str | None = None
    marker: str | None = None  # pip environment marker, as written
    channel: str | None = None  # conda channel, apt release (`name/bookworm`)
    build: str | None = None  # conda build string
    arch: str | None = None  # apt `name:arch`
    hashes: tuple[str, ...] = ()
    unknown: str | None = None  # why name/version cannot be read

    @property
    def known(self) -> bool:
        return self.unknown is None

    @property
    def key(self) -> str:
        """Name for comparisons: PEP 503 for pip, lower-case otherwise."""
        if self.manager is Manager.PIP and self.name:
            return canonical_name(self.name)
        return self.name.lower()


@dataclass(frozen=True)
class InstallCommand:
    """One call of a package manager, split as that manager splits it."""

    manager: Manager
    tool: str  # apt-get, apt, aptitude, pip, uv, conda, mamba, micromamba
    subcommand: str  # as written: install, update, uninstall, dist-upgrade, ...
    program: tuple[str, ...]  # the words that run the manager: ("python3", "-m", "pip")
    options: tuple[Opt, ...]  # every option, global and subcommand, in order
    operands: tuple[str, ...]  # words after the subcommand that are not options
    flags: InstallFlags = field(default_factory=InstallFlags)
    actions: tuple[InstallAction, ...] = ()
    constraints: tuple[InstallAction, ...] = ()  # pip -c: pins, not installs
    assumes_yes: bool | None = None  # None: cannot be told from the words (e.g. apt -c FILE)
    prompts: bool | None = False  # would stop at a confirmation (fails with no terminal)
    quiet: int = 0

    @property
    def option_words(self) -> tuple[str, ...]:
        """The option words as written, values included, in order."""
        return tuple(w for opt in self.options for w in opt.words)

    def values(self, *names: str) -> tuple[str, ...]:
        """Values given to options with these canonical names (`--requirement`...)."""
        return tuple(o.value for o in self.options if o.name in names and o.value is not None)

    def given(self, *names: str) -> bool:
        return any(o.name in names for o in self.options)


_NO_ANSWER = "packages come from xargs' standard input, known only when the build runs"


def read_install(
    argv: Sequence[str],
    env: Mapping[str, str] | None = None,
    read_file: ReadFile | None = None,
) -> InstallCommand | None:
    """The package-manager call in `argv` (wrappers looked through), or None."""
    words, env_vars, from_stdin = _unwrap(list(argv), dict(env or {}))
    if not words:
        return None
    found = _dispatch(words, env_vars, read_file)
    if found is None or not from_stdin:
        return found
    stdin = InstallAction(found.manager, _default_action(found), "", None, "", flags=found.flags,
                          unknown=_NO_ANSWER)
    return replace(found, actions=(*found.actions, stdin))


def install_actions(
    argv: Sequence[str],
    env: Mapping[str, str] | None = None,
    read_file: ReadFile | None = None,
) -> tuple[InstallAction, ...]:
    found = read_install(argv, env, read_file)
    return found.actions if found else ()


# -- wrappers --------------------------------------------------------------------------------------

_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
# wrapper -> its options that take a value
_WRAPPERS: dict[str, OptionTable] = {
    "sudo": OptionTable([("-u --user", True), ("-g --group", True), ("-h --host", True),
                         ("-p --prompt", True), ("-C --close-from", True), ("-D --chdir", True),
                         ("-r --role", True), ("-t --type", True), ("-T --command-timeout", True),
                         ("-U --other-user", True)], prefixes=False),
    "env": OptionTable([("-u --unset", True), ("-C --chdir", True), ("-S --split-string", True)],
                       prefixes=False),
    "nice": OptionTable([("-n --adjustment", True)], prefixes=False),
    "timeout": OptionTable([("-s --signal", True), ("-k --kill-after", True)], prefixes=False),
    "stdbuf": OptionTable([("-i --input", True), ("-o --output", True), ("-e --error", True)],
                          prefixes=False),
    "exec": OptionTable([("-a", True)], prefixes=False),
    "time": OptionTable([("-f --format", True), ("-o --output", True)], prefixes=False),
    "xargs": OptionTable([("-a --arg-file", True), ("-d --delimiter", True), ("-E", True),
                          ("-I", True), ("-L --max-lines", True), ("-n --max-args", True),
                          ("-P --max-procs", True), ("-s --max-chars", True)], prefixes=False),
    "nohup": OptionTable([], prefixes=False),
    "command": OptionTable([], prefixes=False),
    "eatmydata": OptionTable([], prefixes=False),
}
_CONDA_RUN = OptionTable([("-n --name", True), ("-p --prefix", True), ("--cwd", True),
                          ("-r --root-prefix", True)], prefixes=False)


def _basename(word: str) -> str:
    return word.rsplit("/", 1)[-1]


def _unwrap(words: list[str], env: dict[str, str]) -> tuple[list[str], dict[str, str], bool]:
    """Drop wrappers and prefix assignments; (argv, environment, operands from xargs' stdin)."""
    from_stdin = False
    while words:
        head = _basename(words[0])
        if _ASSIGNMENT.match(words[0]):
            key, _, value = words.pop(0).partition("=")
            env[key] = value
            continue
        if head in _WRAPPERS:
            split = split_argv(words[1:], _WRAPPERS[head], interspersed=False)
            rest = list(split.operands)
            if head == "timeout" and rest:
                rest = rest[1:]  # the duration
            if head == "xargs":
                from_stdin = True
            if head == "env" and any(o.name in ("-i", "--ignore-environment") for o in split.options):
                env = {}
            words = rest
            continue
        if head in ("conda", "mamba", "micromamba") and len(words) > 1 and words[1] == "run":
            split = split_argv(words[2:], _CONDA_RUN, interspersed=False)
            words = list(split.operands)
            continue
        break
    return words, env, from_stdin


# -- dispatch ---------------------------------------------------------------------------------------

_PYTHON = re.compile(r"python[0-9.]*")
_PIP = re.compile(r"pip[0-9.]*")
_PYTHON_VALUE_OPTS = {"-W", "-X", "-c", "-m"}


def _dispatch(words: list[str], env: dict[str, str], read_file: ReadFile | None) -> InstallCommand | None:
    head = _basename(words[0])
    if head in ("apt-get", "apt", "aptitude"):
        return _apt(head, words, env)
    if head in ("conda", "mamba", "micromamba"):
        return _conda(head, words, env, read_file)
    if _PIP.fullmatch(head):
        return _pip("pip", words[:1], words[1:], env, read_file, None)
    if _PYTHON.fullmatch(head):
        program = _python_module_pip(words)
        if program is not None:
            return _pip("pip", words[:program], words[program:], env, read_file, head)
        return None
    if head == "uv":
        split = split_argv(words[1:], UV_PIP_OPTIONS, interspersed=False)
        if split.operands[:1] == ("pip",):
            start = len(words) - len(split.operands) + 1
            return _pip("uv", words[:start], words[start:], env, read_file, None, uv=True)
    return None


def _python_module_pip(words: list[str]) -> int | None:
    """How many words `python [opts] -m pip` takes, or None when it does not run pip."""
    i = 1
    while i < len(words):
        word = words[i]
        if word == "-m":
            return i + 2 if i + 1 < len(words) and words[i + 1] == "pip" else None
        if word == "-mpip":
            return i + 1
        if not word.startswith("-") or word.startswith("-c"):
            return None
        i += 2 if word in _PYTHON_VALUE_OPTS else 1
    return None


def _default_action(cmd: InstallCommand) -> Action:
    return cmd.actions[0].action if cmd.actions else Action.INSTALL


# -- pip ------------------------------------------------------------------------------------------------

_TRUE = {"1", "true", "yes", "on", "y"}


def _env_true(env: Mapping[str, str], key: str) -> bool:
    return env.get(key, "").strip().lower() in _TRUE


def _pip(
    tool: str,
    program: list[str],
    args: list[str],
    env: Mapping[str, str],
    read_file: ReadFile | None,
    interpreter: str | None,
    *,
    uv: bool = False,
) -> InstallCommand | None:
    table = UV_PIP_OPTIONS if uv else PIP_OPTIONS
    top = split_argv(args, table, interspersed=False)
    if not top.operands:
        return None
    subcommand, rest = top.operands[0], top.operands[1:]
    sub = split_argv(rest, table)
    options = top.options + sub.options
    program_words = tuple(program)
    if subcommand not in ("install", "uninstall"):
        return InstallCommand(Manager.PIP, tool, subcommand, program_words, options, sub.operands)
    given = {o.name for o in options}
    files = ReqFiles()
    for opt in options:
        if opt.name == "--requirement" and opt.value is not None:
            read_requirements(opt.value, read_file, env, out=files)
        elif opt.name == "--constraint" and opt.value is not None:
            read_requirements(opt.value, read_file, env, constraint=True, out=files)
    file_opts = [o for line in files.lines for o in line.options]

    def values(name: str) -> list[str]:
        return [o.value for o in options if o.name == name and o.value is not None] + [
            v for n, v in file_opts if n == name and v is not None
        ]

    index = values("--index-url")
    extra = env.get("PIP_EXTRA_INDEX_URL", "").split() + values("--extra-index-url")
    links = env.get("PIP_FIND_LINKS", "").split() + values("--find-links")
    target = values("--target") or values("--prefix") or values("--root")
    flags = InstallFlags(
        user=("--user" in given or (_env_true(env, "PIP_USER") and not uv)) and "--no-user" not in given,
        no_deps="--no-deps" in given or _env_true(env, "PIP_NO_DEPS"),
        upgrade="--upgrade" in given or _env_true(env, "PIP_UPGRADE"),
        force_reinstall="--force-reinstall" in given or "--reinstall" in given,
        pre="--pre" in given or any(n == "--pre" for n, _ in file_opts) or _env_true(env, "PIP_PRE"),
        no_index="--no-index" in given or any(n == "--no-index" for n, _ in file_opts),
        index_url=index[-1] if index else env.get("PIP_INDEX_URL") or None,
        extra_index_urls=tuple(extra),
        find_links=tuple(links),
        target=target[-1] if target else env.get("PIP_TARGET") or None,
        interpreter=interpreter,
    )
    action = Action.INSTALL if subcommand == "install" else Action.UNINSTALL
    actions: list[InstallAction] = []
    constraints: list[InstallAction] = []
    for opt in options:
        if opt.name == "--editable" and opt.value is not None and action is Action.INSTALL:
            actions.append(_pip_action(pip_spec(opt.value, read_file, editable=True), action, flags))
    for word in sub.operands:
        actions.append(_pip_action(pip_spec(word, read_file), action, flags))
    for line in files.lines:
        if line.requirement is None:
            continue
        entry = _pip_action(line.requirement, action, flags, line.source)
        (constraints if line.constraint else actions).append(entry)
    for source, reason in files.unknown:
        entry = InstallAction(Manager.PIP, action, "", None, "", flags=flags, source=source, unknown=reason)
        (constraints if source.startswith("constraints") else actions).append(entry)
    if top.missing_value or sub.missing_value:
        missing = top.missing_value or sub.missing_value
        actions.append(InstallAction(Manager.PIP, action, "", None, "", flags=flags,
                                     unknown=f"`{missing}` has no value (pip stops with an error)"))
    yes = "--yes" in given if action is Action.UNINSTALL else None
    return InstallCommand(
        Manager.PIP, tool, subcommand, program_words, options, sub.operands, flags,
        tuple(actions), tuple(constraints),
        assumes_yes=yes, prompts=(action is Action.UNINSTALL and not yes and not uv),
    )


def _pip_action(spec: Spec, action: Action, flags: InstallFlags, source: str = "command") -> InstallAction:
    if spec.editable and not flags.editable:
        flags = replace(flags, editable=True)
    return _action(Manager.PIP, action, spec, flags, source)


def _action(manager: Manager, action: Action, spec: Spec, flags: InstallFlags, source: str) -> InstallAction:
    return InstallAction(
        manager, action, spec.name, spec.version, spec.spec, spec.constraint, spec.extras, flags,
        source, spec.local, spec.url, spec.marker, spec.channel, spec.build, spec.arch,
        spec.hashes, spec.unknown,
    )


# -- apt ---------------------------------------------------------------------------------------------

PROMPTING = frozenset({
    "install", "reinstall", "remove", "purge", "autoremove", "autopurge", "upgrade",
    "dist-upgrade", "full-upgrade", "build-dep", "satisfy",
})
_APT_ACTIONS = {
    "install": Action.INSTALL, "reinstall": Action.INSTALL, "remove": Action.REMOVE,
    "purge": Action.PURGE, "autoremove": Action.REMOVE, "autopurge": Action.PURGE,
    "upgrade": Action.UPGRADE, "dist-upgrade": Action.UPGRADE, "full-upgrade": Action.UPGRADE,
}
_APT_FALSE = {"no", "false", "without", "off", "disable", "0"}
_ASSUME_YES_KEYS = {"apt::get::assume-yes", "aptitude::cmdline::assume-yes"}
_NO_PROMPT = {"--simulate", "--print-uris"}


def _apt_bool(value: str | None) -> bool:
    return value is None or value.strip().lower() not in _APT_FALSE


def _apt(tool: str, words: list[str], env: Mapping[str, str]) -> InstallCommand | None:
    split = split_argv(words[1:], APT_OPTIONS, negatable=True, eq_in_cluster=True)
    if not split.operands:
        return None
    subcommand, packages = split.operands[0], split.operands[1:]
    assume_yes, quiet, recommends, config_file = False, 0, True, False
    release: str | None = None
    for opt in split.options:
        if opt.name == "--yes":
            assume_yes = _apt_bool(opt.value)
        elif opt.name == "--quiet":
            quiet = quiet + 1 if opt.value is None else _int(opt.value, quiet)
        elif opt.name == "--install-recommends":
            recommends = _apt_bool(opt.value)
        elif opt.name == "--target-release":
            release = opt.value
        elif opt.name == "--config-file":
            config_file = True
        elif opt.name == "--option" and opt.value:
            key, _, value = opt.value.partition("=")
            key = key.strip().lower()
            if key in _ASSUME_YES_KEYS:
                assume_yes = _apt_bool(value)
            elif key == "quiet":
                quiet = _int(value, quiet)
            elif key == "apt::install-recommends":
                recommends = _apt_bool(value)
            elif key == "apt::default-release":
                release = value
    yes: bool | None = assume_yes or (tool == "apt-get" and quiet >= 2)
    if not yes and (config_file or "APT_CONFIG" in env):
        yes = None  # a config file the words do not show may set Assume-Yes
    prompts: bool | None = subcommand in PROMPTING and not any(o.name in _NO_PROMPT for o in split.options)
    if prompts and yes is None:
        prompts = None
    elif prompts:
        prompts = not yes
    flags = InstallFlags(
        upgrade=any(o.name == "--only-upgrade" for o in split.options),
        no_install_recommends=not recommends,
        target_release=release,
    )
    action = _APT_ACTIONS.get(subcommand)
    if action is Action.REMOVE and any(o.name == "--purge" and _apt_bool(o.value) for o in split.options):
        action = Action.PURGE
    if action is Action.INSTALL and flags.upgrade:
        action = Action.UPGRADE
    actions: list[InstallAction] = []
    if action is not None:
        for word in packages:
            spec, modifier = apt_spec(word)
            this = action
            if modifier == "-" and action in (Action.INSTALL, Action.UPGRADE):
                this = Action.REMOVE
            elif modifier == "+" and action in (Action.REMOVE, Action.PURGE):
                this = Action.INSTALL
            actions.append(_action(Manager.APT, this, spec, flags, "command"))
    elif subcommand in ("build-dep", "satisfy") and packages:
        actions.append(InstallAction(Manager.APT, Action.INSTALL, "", None, " ".join(packages), flags=flags,
                                     unknown=f"`{subcommand}` installs what the package lists resolve at build time"))
    return InstallCommand(Manager.APT, tool, subcommand, (words[0],), split.options, tuple(packages), flags,
                          tuple(actions), assumes_yes=yes, prompts=prompts, quiet=quiet)


def _int(text: str, default: int) -> int:
    try:
        return int(text.strip())
    except ValueError:
        return default


@dataclass(frozen=True)
class AptCall:
    """An apt-get/apt/aptitude call as `analysis/apt.py`'s consumers read one."""

    tool: str
    action: str  # the subcommand as written: install, update, ...
    flags: tuple[str, ...]  # canonical option names given (`--yes`, `--quiet`, `--option`...)
    operands: tuple[str, ...]  # after the action
    options: Mapping[str, tuple[str, ...]]  # canonical option -> values
    assumes_yes: bool | None
    prompts: bool | None
    quiet: int
    command: InstallCommand


def apt_call(argv: Sequence[str], env: Mapping[str, str] | None = None) -> AptCall | None:
    found = read_install(argv, env)
    if found is None or found.manager is not Manager.APT:
        return None
    values: dict[str, tuple[str, ...]] = {}
    for opt in found.options:
        if opt.value is not None:
            values[opt.name] = (*values.get(opt.name, ()), opt.value)
    return AptCall(found.tool, found.subcommand, tuple(o.name for o in found.options), found.operands,
                   values, found.assumes_yes, found.prompts, found.quiet, found)


# -- conda ------------------------------------------------------------------------------------------

_CONDA_ACTIONS = {
    "install": Action.INSTALL, "create": Action.INSTALL, "update": Action.UPGRADE,
    "upgrade": Action.UPGRADE, "remove": Action.REMOVE, "uninstall": Action.REMOVE,
}


def _conda(tool: str, words: list[str], env: Mapping[str, str], read_file: ReadFile | None) -> InstallCommand | None:
    table = CONDA_OPTIONS if tool == "conda" else MAMBA_OPTIONS
    split: Split = split_argv(words[1:], table)
    if not split.operands:
        return None
    subcommand, packages = split.operands[0], split.operands[1:]
    program = (words[0],)
    if subcommand == "env":
        return _conda_env(tool, program, split_argv(words[1:], MAMBA_OPTIONS))
    action = _CONDA_ACTIONS.get(subcommand)
    given = {o.name for o in split.options}
    flags = InstallFlags(
        no_deps="--no-deps" in given,
        upgrade=action is Action.UPGRADE,
        force_reinstall="--force-reinstall" in given,
        channels=tuple(o.value for o in split.options if o.name == "--channel" and o.value),
        env_name=next((o.value for o in reversed(split.options) if o.name == "--name"), None),
        target=next((o.value for o in reversed(split.options) if o.name == "--prefix"), None),
    )
    yes = "--yes" in given or _env_true(env, "CONDA_ALWAYS_YES") or (
        tool != "conda" and _env_true(env, "MAMBA_ALWAYS_YES"))
    actions: list[InstallAction] = []
    if action is not None:
        for word in packages:
            actions.append(_action(Manager.CONDA, action, conda_spec(word), flags, "command"))
        for opt in split.options:
            if opt.name != "--file" or opt.value is None:
                continue
            source = f"conda file {opt.value}"
            if opt.value.endswith((".yml", ".yaml")):
                actions.append(InstallAction(Manager.CONDA, action, "", None, opt.value, flags=flags, source=source,
                                             unknown=f"{opt.value} is an environment file (YAML), not read"))
                continue
            specs, reason = conda_file(opt.value, read_file)
            actions.extend(_action(Manager.CONDA, action, s, flags, source) for s in specs)
            if reason:
                actions.append(InstallAction(Manager.CONDA, action, "", None, opt.value, flags=flags,
                                             source=source, unknown=reason))
    dry = "--dry-run" in given
    return InstallCommand(
        Manager.CONDA, tool, subcommand, program, split.options, tuple(packages), flags, tuple(actions),
        assumes_yes=yes, prompts=action is not None and not yes and not dry,
    )


def _conda_env(tool: str, program: tuple[str, ...], split: Split) -> InstallCommand:
    sub = split.operands[1] if len(split.operands) > 1 else ""
    files = [o.value for o in split.options if o.name == "--file" and o.value]
    actions: tuple[InstallAction, ...] = ()
    if sub in ("create", "update"):
        spec = files[0] if files else "environment.yml"
        actions = (InstallAction(Manager.CONDA, Action.INSTALL, "", None, spec, source=f"conda file {spec}",
                                 unknown=f"{spec} is an environment file (YAML), not read"),)
    return InstallCommand(Manager.CONDA, tool, f"env {sub}".strip(), program, split.options,
                          tuple(split.operands[2:]), actions=actions, assumes_yes=True, prompts=False)


__all__ = [
    "PROMPTING",
    "Action",
    "AptCall",
    "InstallAction",
    "InstallCommand",
    "InstallFlags",
    "Manager",
    "ReadFile",
    "apt_call",
    "install_actions",
    "read_install",
    "run_time",
]
