"""Journal (+ file changes + package snapshots) -> a Dockerfile plan. Pure: no engine access.

Decisions, in order: failed commands and editor sessions are dropped; a command that changed
nothing (no birth/change time of a non-noise path inside its run; without change data, a
read-only looking command) is dropped; `cd` becomes WORKDIR and `export` becomes ENV; apt
installs merge into one pinned RUN, pip/conda installs are pinned to what was installed;
paths whose last change no kept command explains are copied with COPY (or recreated as a
symlink / directory / deletion) at the point in time they changed.
"""

from __future__ import annotations

import json
import re
import shlex
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from imagesmith.record.changes import PathChange
from imagesmith.record.commands import (
    Install,
    and_list,
    is_editor,
    program,
    is_shell_state,
    looks_read_only,
    parse_install,
    removals,
    words,
    written_paths,
)
from imagesmith.record.journal import Command, Journal
from imagesmith.record.noise import is_noise
from imagesmith.record.secrets import (
    SECRET_VALUE,
    made_credential,
    secret_env_reason,
    secret_reason,
)
from imagesmith.record.snapshots import PackageSnapshot, changed_packages, normalize_pip_name

# Kernel file times can lag the shell's clock by a tick; widen each command's run by this.
SLACK_US = 20_000
FILES_DIR = "files"
UNSEEN = ("files changed outside recorded commands (editors, docker cp, downloads) cannot be seen "
          "without the session container; check the build")
LAST = 1 << 62  # sorts after every step of the session


@dataclass
class BaseInfo:
    ref: str
    env: dict[str, str] = field(default_factory=dict)
    workdir: str = "/"
    image_id: str | None = None
    repo_digests: list[str] = field(default_factory=list)
    has_bash: bool = True


@dataclass
class Fetched:
    """A path read out of the session container: content for files, target for links."""

    kind: str  # f | l | d
    data: bytes = b""
    link: str = ""
    mode: int = 0o644


@dataclass
class Step:
    time_us: int
    kind: str  # run | env | copy | note
    text: str
    source: str = ""  # what in the session it comes from


@dataclass
class Plan:
    dockerfile: str
    files: dict[str, Fetched]  # build-folder relative path -> content
    kept: list[dict[str, object]]
    dropped: list[dict[str, object]]
    copied: list[str]
    secrets_left_out: list[dict[str, str]]
    unseen: list[str]  # journal-only: what could not be checked
    warnings: list[str]
    expected_env: dict[str, str] = field(default_factory=dict)  # the session's final environment
    env_on_purpose: set[str] = field(default_factory=set)  # names not reproduced deliberately

    def summary(self) -> dict[str, object]:
        return {"kept": self.kept, "dropped": self.dropped, "copied": self.copied,
                "secrets_left_out": self.secrets_left_out, "unseen": self.unseen, "warnings": self.warnings}


@dataclass
class _Kept:
    command: Command
    install: Install | None
    touched: set[str] = field(default_factory=set)
    extra_pins: list[str] = field(default_factory=list)  # dependencies no file data placed


def build_plan(
    journal: Journal,
    base: BaseInfo,
    *,
    changes: list[PathChange] | None,
    start: PackageSnapshot | None,
    end: PackageSnapshot | None,
    fetch: Callable[[str], Fetched | None] | None = None,
    include_secrets: bool = False,
    header: str = "",
) -> Plan:
    commands = sorted(journal.commands, key=lambda c: (c.t_start_us, c.n))
    if changes is not None:
        changes = [c for c in changes if not is_noise(c.path)]
    timed = bool(changes) and any(c.ctime_us for c in changes or [])
    # Changes are known but not when they happened (no GNU stat) and nothing was journaled
    # (no bash): every changed file is copied.
    blind = changes is not None and not timed and not commands
    touched = _attribute(commands, changes or []) if timed else {}
    kept: list[_Kept] = []
    dropped: list[dict[str, object]] = []
    present = {c.path for c in changes or [] if c.kind != "D"}
    for index, cmd in enumerate(commands):
        if timed and index not in touched and written_paths(cmd.cmd, cmd.cwd_before) & present:
            # Wrote a file that a later command replaced: the later one needs it first.
            touched[index] = written_paths(cmd.cmd, cmd.cwd_before) & present
        reason = _drop_reason(cmd, touched.get(index), timed, journal_only=changes is None)
        if reason and cmd.status == 0 and not is_editor(cmd.cmd):
            removed = _removed_by(cmd, changes or [], start, end)
            if removed is not None:  # its deletions show no time of their own: never "nothing"
                reason = None
                touched.setdefault(index, set()).update(removed)
        if reason:
            dropped.append({"n": cmd.n, "cmd": cmd.cmd, "reason": reason})
        else:
            kept.append(_Kept(cmd, parse_install(cmd.cmd), touched.get(index, set())))
    warnings: list[str] = []
    edits = _journal_only_edits(commands) if changes is None else []
    if not timed and end is not None:
        _place_dependency_pins(kept, start, end, warnings)
    warnings += _replaced_base_packages(kept, start, end)
    if journal.skipped_lines:
        warnings.append(f"{journal.skipped_lines} unreadable journal line(s) skipped (a killed shell?)")
    steps: list[Step] = []
    secrets: list[dict[str, str]] = []
    secret_paths: set[str] = set()
    if not include_secrets:
        kept = _leave_out_secret_commands(kept, dropped, secrets, secret_paths)
    steps += _env_steps(commands, journal.base_env, kept, include_secrets, secrets, warnings)
    steps += _run_steps(kept, base, start, end, changes or [], warnings)
    files: dict[str, Fetched] = {}
    copied: list[str] = []
    if timed or blind:
        steps += _unexplained_steps(kept, [c for c in changes or [] if c.path not in secret_paths],
                                    fetch, include_secrets, files, copied, secrets, warnings)
    for cmd, path in edits:
        rel = f"{FILES_DIR}{path}"
        steps.append(Step(cmd.t_end_us, "copy", f"COPY {_json_or_plain(rel)} {_json_or_plain(path)}",
                          f"#{cmd.n} edited in an editor"))
        warnings.append(f"#{cmd.n} {cmd.cmd.splitlines()[0][:60]}: copy the edited file into the "
                        f"build folder, in the session from the build folder: mkdir -p "
                        f"{shlex.quote(str(PurePosixPath(rel).parent))} && cp {shlex.quote(path)} "
                        f"{shlex.quote(rel)} (the Dockerfile COPYs it from there)")
    steps += _version_env_steps(base, commands, start, end)
    unseen = [] if timed or blind else [UNSEEN]
    text = _render(base, steps, header)
    on_purpose = {s["path"][len("ENV "):] for s in secrets if s["path"].startswith("ENV ")}
    on_purpose |= _version_env_names(base, commands, start, end)
    on_purpose |= {k for k in base.env if k not in _final_env(commands, base.env)}  # cannot unset
    return Plan(text, files, [{"n": k.command.n, "cmd": k.command.cmd} for k in kept], dropped,
                copied, secrets, unseen, warnings, _final_env(commands, base.env), on_purpose)


# -- attribution -----------------------------------------------------------------------------

def _removed_by(cmd: Command, changes: list[PathChange], start: PackageSnapshot | None,
                end: PackageSnapshot | None) -> set[str] | None:
    """The deletions a removal command explains (paths of kind D), or None when it removed
    nothing the session's end state shows. A deletion has no time stamp of its own (only its
    folder's, which a later command may change again), so it is matched by what the command
    names: rm's paths, the packages an uninstall/remove/purge named and the end state lacks."""
    from fnmatch import fnmatchcase

    deleted = [c.path for c in changes if c.kind == "D"]
    found: set[str] = set()
    effective = False
    for removal in removals(cmd.cmd, cmd.cwd_before):
        if removal.manager is None:
            for target in removal.paths:
                hits = {d for d in deleted if d == target or d.startswith(target.rstrip("/") + "/")
                        or (any(ch in target for ch in "*?[") and fnmatchcase(d, target))}
                found |= hits
                effective |= bool(hits)
            continue
        manager = "dpkg" if removal.manager == "apt" else removal.manager
        if start is not None and end is not None:
            before, after = start.manager(manager), end.manager(manager)
            if manager == "pip":
                names = {normalize_pip_name(n) for n in removal.names}
                before = {normalize_pip_name(k): v for k, v in before.items()}
                after = {normalize_pip_name(k): v for k, v in after.items()}
            else:
                names = {n.split("=")[0] for n in removal.names} or set(before)
            effective |= any(n in before and n not in after for n in names)
        for name in removal.names:
            key = normalize_pip_name(name).replace("-", "_") if manager == "pip" else name
            hits = {d for d in deleted
                    if _belongs_to(d, key, manager)}
            found |= hits
            effective |= bool(hits)
    return found if effective else None


def _belongs_to(path: str, name: str, manager: str) -> bool:
    """Whether a deleted path belongs to package `name` of `manager`: below site-packages, its
    .dist-info/.egg-info or a top-level folder/module of that name; dpkg's info files."""
    if manager == "pip":
        m = re.search(r"/(?:site|dist)-packages/(.*)$", path)
        if m is None:
            return False
        below = m.group(1)
        top = below.split("/", 1)[0].lower().replace("-", "_").replace(".", "_")
        name = name.lower().replace(".", "_")
        if top in (name, f"{name}_py"):
            return True
        meta = re.fullmatch(r"(.+?)_(\d[^/]*?)_(dist|egg)_info", top)
        return meta is not None and meta.group(1) == name
    if manager == "dpkg":
        base = PurePosixPath(path).name
        package = re.split(r"[:=]", name, maxsplit=1)[0]
        stem = re.sub(r"\.(list|md5sums|conffiles|postinst|preinst|postrm|prerm|triggers|shlibs|symbols|templates|config)$", "", base)
        return path.startswith("/var/lib/dpkg/info/") and stem.split(":")[0] == package
    return False


def _attribute(commands: list[Command], changes: list[PathChange]) -> dict[int, set[str]]:
    """Command index -> non-noise paths born or changed during its run."""
    starts = [c.t_start_us - SLACK_US for c in commands]
    out: dict[int, set[str]] = {}
    parents_of_deleted = {str(PurePosixPath(c.path).parent) for c in changes if c.kind == "D"}
    for change in changes:
        if change.ftype == "d" and change.kind == "C" and change.path not in parents_of_deleted:
            continue  # an existing folder whose entries changed: the entries are the evidence
        for t in (change.btime_us, change.ctime_us):
            index = _command_at(commands, starts, t)
            if index is not None:
                out.setdefault(index, set()).add(change.path)
    return out


def _command_at(commands: list[Command], starts: list[int], t: int | None) -> int | None:
    if not t:
        return None
    index = bisect_right(starts, t) - 1
    if index >= 0 and t <= commands[index].t_end_us + SLACK_US:
        return index
    return None


_SCRIPT_RUN = re.compile(r"^(?:python[0-9.]*|bash|sh)\s+(?!-)(\S+\.(?:py|sh))(?:\s|$)|^\./(\S+)")
_BUILDS = re.compile(r"setup|install|build|configure|bootstrap|get-pip", re.I)


def _drop_reason(cmd: Command, touched: set[str] | None, timed: bool,
                 journal_only: bool = False) -> str | None:
    if cmd.status != 0:
        return f"failed (exit {cmd.status})"
    if is_editor(cmd.cmd):
        if journal_only:
            return "editor session: a journal cannot hold the edited file (see the note on it)"
        return "editor session: its file changes are copied instead"
    script = _SCRIPT_RUN.match(cmd.cmd.strip())
    if journal_only and script and not _BUILDS.search(cmd.cmd):
        return (f"runs {script.group(1) or script.group(2)}: without file changes its effect on "
                "the image is unknown (a training or test run); add by hand what it installs")
    if is_shell_state(cmd.cmd):
        return "shell state only (cwd/environment are carried as WORKDIR/ENV)"
    if timed:
        return None if touched else "changed nothing in the image"
    return "looks read-only" if looks_read_only(cmd.cmd) else None


# -- steps -------------------------------------------------------------------------------------

def _env_steps(commands: list[Command], base_env: dict[str, str], kept: list[_Kept],
               include_secrets: bool, secrets: list[dict[str, str]],
               warnings: list[str]) -> list[Step]:
    """ENV for the variables the session exported, as BuildKit can express them.

    A Dockerfile cannot unset: a variable the session exported and unset again that the base
    does not have is dropped when no kept command ran while it was set, and otherwise becomes
    an ARG (seen by those RUN steps, absent from the image's environment). One the base sets
    and the session unset is reported. Credentials are never written (--include-secrets)."""
    steps: list[Step] = []
    current: dict[str, str] = dict(base_env)
    final = _final_env(commands, base_env)
    kept_at = [k.command.t_start_us for k in kept]
    for index, cmd in enumerate(commands):
        changes = {k: v for k, v in cmd.env.items() if current.get(k) != v}
        for k, v in changes.items():
            if v is None:
                current.pop(k, None)
            else:
                current[k] = v
        env: dict[str, str] = {}
        args: dict[str, str] = {}
        for name, value in changes.items():
            reason = (None if include_secrets or value is None
                      else secret_env_reason(name, value))
            if reason:
                secrets.append({"path": f"ENV {name}", "reason": reason, "source": f"#{cmd.n}",
                                "supply": f"at run time: docker run -e {name} (or the job's "
                                          f"environment); for a build step, RUN --mount=type=secret,"
                                          f"id={name.lower()}"})
                continue
            if value is None:
                if name in base_env:
                    warnings.append(f"#{cmd.n} unset {name}, which the base image sets: a Dockerfile "
                                    f"cannot unset it; `ENV {name}=` empties it, or unset it in the "
                                    "job script")
                continue
            if name not in final and name not in base_env:
                used = _kept_while_set(commands, index, name, kept_at)
                if used:
                    args[name] = value
                continue
            env[name] = value
        if args:
            steps.append(Step(cmd.t_end_us, "env", _arg_instruction(args),
                              f"#{cmd.n} (unset later: an ARG, not in the image's environment)"))
        if env:
            steps.append(Step(cmd.t_end_us, "env", _env_instruction(env), f"#{cmd.n}"))
    return steps


def _final_env(commands: list[Command], base_env: dict[str, str]) -> dict[str, str]:
    env: dict[str, str] = dict(base_env)
    for cmd in commands:
        for k, v in cmd.env.items():
            if v is None:
                env.pop(k, None)
            else:
                env[k] = v
    return env


def _kept_while_set(commands: list[Command], index: int, name: str, kept_at: list[int]) -> bool:
    """Whether a kept command started after commands[index] set `name` and before it was unset."""
    start = commands[index].t_end_us
    end = next((c.t_start_us for c in commands[index + 1:] if name in c.env), LAST)
    return any(start <= t <= end for t in kept_at)


def _arg_instruction(values: dict[str, str]) -> str:
    return "ARG " + " ".join(f"{k}={_quoted(v)}" for k, v in values.items())


def _quoted(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$").replace("\n", "\\n")
    return f'"{escaped}"'


def _env_instruction(values: dict[str, str]) -> str:
    return "ENV " + " ".join(f"{name}={_quoted(value)}" for name, value in values.items())


def _run_steps(kept: list[_Kept], base: BaseInfo, start: PackageSnapshot | None,
               end: PackageSnapshot | None, changes: list[PathChange], warnings: list[str]) -> list[Step]:
    steps: list[Step] = []
    cwd = base.workdir or "/"
    apt_group: list[_Kept] = []
    groups: list[list[_Kept]] = []
    for item in kept:
        if item.install and item.install.manager == "apt":
            if not apt_group:
                groups.append(apt_group)
            apt_group.append(item)
        elif _touches_apt_sources(item):
            apt_group = []
    apt_new = changed_packages(start, end, "dpkg") if end else {}
    emitted_groups: set[int] = set()
    for item in kept:
        cmd = item.command
        if cmd.cwd_before != cwd and not (item.install and item.install.manager == "apt"):
            steps.append(Step(cmd.t_start_us, "run", f"WORKDIR {cmd.cwd_before}", f"#{cmd.n}"))
            cwd = cmd.cwd_before
        if item.install and item.install.manager == "apt":
            group = next(g for g in groups if item in g)
            if id(group) in emitted_groups:
                continue
            emitted_groups.add(id(group))
            text = _apt_run(group, apt_new, end, first=len(emitted_groups) == 1, all_groups=len(groups))
            steps.append(Step(cmd.t_start_us, "run", text, ",".join(f"#{g.command.n}" for g in group)))
        elif item.install and item.install.manager in ("pip", "conda"):
            text = _pinned_install(item, start, end, changes, warnings)
            steps.append(Step(cmd.t_start_us, "run", text, f"#{cmd.n}"))
        else:
            steps.append(Step(cmd.t_start_us, "run", _run_instruction(cmd.cmd, base.has_bash), f"#{cmd.n}"))
    if cwd != (base.workdir or "/"):
        steps.append(Step(LAST, "run", f"WORKDIR {base.workdir or '/'}", "the base image's own"))
    return steps


def _leave_out_secret_commands(kept: list[_Kept], dropped: list[dict[str, object]],
                               secrets: list[dict[str, str]], secret_paths: set[str]) -> list[_Kept]:
    """Commands whose text holds a credential (`echo "machine x password y" > ~/.netrc`, a
    token on the command line) or that made a credential file (ssh-keygen, a written .netrc):
    left out, so the Dockerfile never carries the secret; listed with how to supply it."""
    out = []
    for item in kept:
        cmd = item.command
        made = sorted(p for p in item.touched | written_paths(cmd.cmd, cmd.cwd_before)
                      if made_credential(p))
        in_text = SECRET_VALUE.search(cmd.cmd)
        if not made and not in_text:
            out.append(item)
            continue
        what = (f"makes {made[0]} ({made_credential(made[0])})" if made
                else "holds a token, key or password on its command line")
        dropped.append({"n": cmd.n, "cmd": cmd.cmd, "reason": f"left out: it {what}"})
        target = made[0] if made else None
        supply = (f"at run time, mount it: docker run -v <file>:{target}:ro (or a build secret: "
                  f"RUN --mount=type=secret,id=cred,target={target} ... with BuildKit)"
                  if target else "at run time: docker run -e NAME=... (or the job's environment)")
        secrets.append({"path": target or f"command #{cmd.n}", "reason": what, "source": f"#{cmd.n}",
                        "supply": supply})
        secret_paths.update(made)
    return out


def _journal_only_edits(commands: list[Command]) -> list[tuple[Command, str]]:
    """(command, absolute path) of each file an editor session opened, for journals without
    file changes: the path is all a journal knows of the edit."""
    import posixpath

    out = []
    for cmd in commands:
        if cmd.status != 0 or not is_editor(cmd.cmd):
            continue
        argv = (words(cmd.cmd) or [])[1:]
        for arg in argv:
            if arg.startswith(("-", "+")) or "$" in arg:
                continue
            out.append((cmd, posixpath.normpath(posixpath.join(cmd.cwd_before, arg))))
    return out


def _named_by_steps(kept: list[_Kept], manager: str) -> set[str]:
    """The packages the kept install steps of `manager` name (normalised, versions dropped)."""
    return {normalize_pip_name(re.split(r"[=<>!~\[; ]", r, maxsplit=1)[0])
            for k in kept if k.install and k.install.manager == manager
            for r in k.install.requirements}


def _place_dependency_pins(kept: list[_Kept], start: PackageSnapshot | None, end: PackageSnapshot,
                           warnings: list[str]) -> None:
    """Without file changes (cluster mode) no dist-info says which step installed a dependency:
    the end-of-shell snapshot's new pip packages that no step named are pinned on the last pip
    install, so the rebuild resolves to the same set."""
    steps = [k for k in kept if k.install and k.install.manager == "pip"]
    if not steps:
        return
    named = _named_by_steps(kept, "pip")
    new = changed_packages(start, end, "pip")
    extra = sorted(f"{normalize_pip_name(n)}=={v}" for n, v in new.items()
                   if normalize_pip_name(n) not in named)
    if extra:
        steps[-1].extra_pins = extra
        warnings.append(f"{len(extra)} pip package(s) new at the end of the shell that no step "
                        f"named ({', '.join(e.split('==')[0] for e in extra[:5])}"
                        f"{', ...' if len(extra) > 5 else ''}) pinned on the last pip step "
                        f"(#{steps[-1].command.n})")


def _replaced_base_packages(kept: list[_Kept], start: PackageSnapshot | None,
                            end: PackageSnapshot | None) -> list[str]:
    """Pin conflicts, said out loud: a package the base image ships that a step upgraded or
    downgraded without naming it (opencv-python pulling numpy 1.14.3 -> 2.x under a base
    whose other packages were built against 1.14)."""
    if start is None or end is None:
        return []
    out = []
    for manager in ("pip", "conda"):
        before = {normalize_pip_name(k): v for k, v in start.manager(manager).items()}
        after = {normalize_pip_name(k): v for k, v in end.manager(manager).items()}
        named = _named_by_steps(kept, manager)
        for name in sorted(before):
            if name in named or after.get(name, before[name]) == before[name]:
                continue
            by = [f"#{k.command.n} {k.command.cmd.splitlines()[0][:60]}" for k in kept
                  if k.install and k.install.manager == manager
                  and any(_DIST_INFO.search(p) and normalize_pip_name(_DIST_INFO.search(p).group(1)) == name  # type: ignore[union-attr]
                          for p in k.touched)]
            now = after.get(name, "removed")
            out.append(f"{manager} package {name}: the base image's {before[name]} became {now}"
                       f" ({'by ' + by[0] if by else 'by a step of the session'}); packages of the "
                       f"base built against {before[name]} may break -- pin {name}=={before[name]} "
                       "in that step if they do")
    return out


def _touches_apt_sources(item: _Kept) -> bool:
    if any(p.startswith("/etc/apt/") for p in item.touched):
        return True
    return bool(re.search(r"sources\.list|apt-key|add-apt-repository|/etc/apt/", item.command.cmd))


def _apt_run(group: list[_Kept], apt_new: dict[str, str], end: PackageSnapshot | None, *,
             first: bool, all_groups: int) -> str:
    names: list[str] = []
    for item in group:
        assert item.install is not None
        for req in item.install.requirements:
            name = re.split(r"[=/]", req, maxsplit=1)[0]
            if name not in names:
                names.append(name)
    # Every package the session's apt runs installed (dependencies and recommends too), pinned,
    # so that --no-install-recommends still reproduces the session.
    if first or all_groups == 1:
        names += sorted(n for n in apt_new if n not in names)
    installed = end.dpkg if end else {}
    pinned = [f"{n}={installed[n]}" if n in installed else n for n in names]
    return ("RUN apt-get update && apt-get install -y --no-install-recommends "
            + " ".join(shlex.quote(p) for p in pinned) + " && rm -rf /var/lib/apt/lists/*")


_DIST_INFO = re.compile(r"/(?:site|dist)-packages/([^/]+?)-([^-/]+)\.(?:dist|egg)-info$")


def _pinned_install(item: _Kept, start: PackageSnapshot | None, end: PackageSnapshot | None,
                    changes: list[PathChange], warnings: list[str]) -> str:
    from packaging.requirements import InvalidRequirement, Requirement

    inst = item.install
    assert inst is not None
    installed = end.manager(inst.manager) if end else {}
    pins: list[str] = []
    named: set[str] = set()
    for raw in inst.requirements:
        if inst.manager == "conda":
            name = re.split(r"[=<>! ]", raw, maxsplit=1)[0]
            named.add(name)
            pins.append(f"{name}={installed[name]}" if name in installed else raw)
            continue
        try:
            req = Requirement(raw)
        except InvalidRequirement:
            pins.append(raw)  # a path, URL or archive: kept as typed
            continue
        key = normalize_pip_name(req.name)
        named.add(key)
        if req.url or key not in installed:
            pins.append(raw)
            if key not in installed and not req.url:
                warnings.append(f"{raw}: not found in the final pip list; left unpinned")
            continue
        extras = f"[{','.join(sorted(req.extras))}]" if req.extras else ""
        marker = f"; {req.marker}" if req.marker else ""
        pins.append(f"{req.name}{extras}=={installed[key]}{marker}")
    if inst.manager == "pip" and end:
        # Dependencies this command installed, pinned too (their dist-info was born during it).
        new = changed_packages(start, end, "pip")
        for path in sorted(item.touched):
            m = _DIST_INFO.search(path)
            if m:
                key = normalize_pip_name(m.group(1))
                if key in new and key not in named:
                    named.add(key)
                    pins.append(f"{key}=={new[key]}")
    pins += [p for p in item.extra_pins if normalize_pip_name(p.split("==")[0]) not in named]
    options = list(inst.options)
    if inst.manager == "pip" and "--no-cache-dir" not in options:
        options.insert(0, "--no-cache-dir")
    if inst.manager == "conda" and "-y" not in options and "--yes" not in options:
        options.insert(0, "-y")
    return "RUN " + shlex.join([*inst.argv_head, *options, *pins])


def _run_instruction(cmd: str, bash: bool) -> str:
    text = cmd.strip()
    parts = and_list(text)
    if parts and len(parts) > 1 and is_shell_state(parts[-1]):
        # `mkdir -p /opt/app && cd /opt/app`: the cd's effect is the next step's WORKDIR; in a
        # RUN it does nothing but draw DL3003/SC2164
        while len(parts) > 1 and is_shell_state(parts[-1]):
            parts.pop()
        text = " && ".join(parts)
    if "\n" in text:
        # A multi-line command (heredoc, loop): the exec form keeps its newlines exactly.
        shell = ["/bin/bash", "-c"] if bash else ["/bin/sh", "-c"]
        return "RUN " + json.dumps([*shell, text + "\n"], ensure_ascii=False)
    return "RUN " + text


def _unexplained_steps(
    kept: list[_Kept], changes: list[PathChange],
    fetch: Callable[[str], Fetched | None] | None, include_secrets: bool,
    files: dict[str, Fetched], copied: list[str], secrets: list[dict[str, str]], warnings: list[str],
) -> list[Step]:
    """Paths whose last change no kept command explains, recreated at the time they changed."""
    kept_runs = [(k.command.t_start_us - SLACK_US, k.command.t_end_us + SLACK_US) for k in kept]

    def explained(t: int | None) -> bool:
        return t is not None and any(a <= t <= b for a, b in kept_runs)

    removed = {p for k in kept for p in k.touched}
    by_path = {c.path: c for c in changes}
    changed_below = {str(PurePosixPath(c.path).parent) for c in changes}
    steps: list[Step] = []
    copies: list[tuple[int, str, PathChange]] = []
    for change in changes:
        if change.kind == "D":
            if change.path in removed:
                continue  # a kept rm/uninstall/remove reproduces it
            parent = by_path.get(str(PurePosixPath(change.path).parent))
            t = parent.ctime_us if parent else None
            if not explained(t):
                # no time known: last, after every step that might still have used it
                steps.append(Step(t or LAST, "run", f"RUN rm -rf {shlex.quote(change.path)}",
                                  "deleted outside recorded commands"))
            continue
        if explained(change.ctime_us):
            continue
        t = change.ctime_us or 0
        if change.ftype == "d":
            if change.kind == "A" and change.path not in changed_below:
                mode = f"-m {change.mode:o} " if change.mode is not None else ""
                steps.append(Step(t, "run", f"RUN mkdir -p {mode}{shlex.quote(change.path)}", "directory made outside recorded commands"))
            continue
        if change.ftype not in ("f", "l") and not (change.ftype is None and change.path not in changed_below):
            continue  # type unknown (no stat in the image): leaves are read out, folders skipped
        copies.append((t, change.path, change))
    for t, path, change in sorted(copies):
        got = fetch(path) if fetch else None
        if got is None and change.ftype is None:
            continue
        if got is None:
            warnings.append(f"{path}: changed outside recorded commands but could not be read out")
            continue
        if got.kind == "l":
            steps.append(Step(t, "run", f"RUN ln -sfn {shlex.quote(got.link)} {shlex.quote(path)}", "symlink made outside recorded commands"))
            continue
        reason = secret_reason(path, got.data)
        if reason and not include_secrets:
            secrets.append({"path": path, "reason": reason})
            continue
        rel = f"{FILES_DIR}{path}"
        files[rel] = got
        copied.append(path)
        chown = f"--chown={change.uid}:{change.gid} " if change.uid or change.gid else ""
        steps.append(Step(t, "copy", f"COPY {chown}{_json_or_plain(rel)} {_json_or_plain(path)}",
                          "changed outside recorded commands"))
    return steps


def _json_or_plain(path: str) -> str:
    return path if re.fullmatch(r"[A-Za-z0-9_@%+=:,./-]+", path) else json.dumps(path)


def _version_env_steps(base: BaseInfo, commands: list[Command],
                       start: PackageSnapshot | None, end: PackageSnapshot | None) -> list[Step]:
    """Base-image ENV that state a software version the session changed, updated (no IS301)."""
    from imagesmith.analysis.versions import consistent, tracker_for_env

    if not end:
        return []
    set_by_user = {k for c in commands for k in c.env}
    changed = {m: changed_packages(start, end, m) for m in ("pip", "conda", "dpkg")}
    updates: dict[str, str] = {}
    for name, declared in base.env.items():
        tracker = tracker_for_env(name) if name not in set_by_user else None
        if tracker is None:
            continue
        found = [v for n, v in changed["pip"].items()
                 if any(n == p or (p.endswith("*") and n.startswith(p[:-1])) for p in tracker.pip)]
        found += [v for n, v in changed["conda"].items() if n in tracker.conda]
        if tracker.apt:
            found += [_upstream(v) for n, v in changed["dpkg"].items() if re.fullmatch(tracker.apt, n)]
        if found and not consistent(found[0], declared):
            updates[name] = found[0]
    return [Step(LAST, "env", _env_instruction(dict(updates)), "base version ENV updated")] if updates else []


def _version_env_names(base: BaseInfo, commands: list[Command], start: PackageSnapshot | None,
                       end: PackageSnapshot | None) -> set[str]:
    names: set[str] = set()
    for step in _version_env_steps(base, commands, start, end):
        names |= {pair.split("=", 1)[0] for pair in shlex.split(step.text[len("ENV "):])}
    return names


def _upstream(version: str) -> str:
    """dpkg `1:7.1.2.21-1+cuda9.0` -> `7.1.2.21`."""
    return re.split(r"[-+~]", version.split(":")[-1])[0]


# -- rendering ---------------------------------------------------------------------------------

def _render(base: BaseInfo, steps: Iterable[Step], header: str) -> str:
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    lines.append(f"FROM {base.ref}")
    if base.has_bash:
        lines.append('SHELL ["/bin/bash", "-c"]')
    order = {"env": 0, "run": 1, "copy": 1}
    ordered = [s.text for s in sorted(steps, key=lambda s: (s.time_us, order.get(s.kind, 1)))]
    lines += merge_runs(ordered)
    return "\n".join(lines) + "\n"


MAX_JOINED = 20  # commands per merged RUN: few layers, still a readable step
_CHANGES_SHELL = frozenset({"eval", "exec", "trap", "set", "shopt", "ulimit", "umask", "alias",
                            "function", "exit", "return", "shift", "readonly", "declare"})


def merge_runs(instructions: list[str]) -> list[str]:
    """Consecutive shell-form RUNs joined into one layer each (a 300-command session must stay
    under the engine's layer limit, IS609). `a && b` joins as is; anything whose meaning could
    change when followed by `&&` (`;`, `||`, `cd`, `export`, loops) is joined as a subshell, which
    is what a RUN of its own is: a fresh shell whose cwd and variables do not carry over."""
    out: list[str] = []
    group: list[str] = []

    def flush() -> None:
        if group:
            out.append("RUN " + " \\\n && ".join(group))
            group.clear()

    for text in instructions:
        body = text[len("RUN "):] if text.startswith("RUN ") else None
        if body is None or body.lstrip().startswith(("[", "--")):
            flush()
            out.append(text)
            continue
        if "#" in body or body.rstrip().endswith("&") or "\\\n" in body or "\n" in body:
            # a comment would swallow what is joined after it (`make # x && b`), a background
            # job or a continuation changes with what follows: such a command keeps its own RUN
            flush()
            out.append(text)
            continue
        parts = and_list(body)
        safe = parts is not None and not any(is_shell_state(p) or program(p) in _CHANGES_SHELL
                                             for p in parts)
        group.append(body if safe else f"( {body} )")
        if len(group) >= MAX_JOINED:
            flush()
    flush()
    return out
