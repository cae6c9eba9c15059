"""IS7xx: PBS job scripts and startdocker command lines (guide §3 startdocker, §4 PBS, FAQ).

Shared helpers for the rules: the user folders of the profile (`/ghome/{user}`,
`/gdata/{user}`) and where a host path of a job script lies on this machine.

User names: any single path segment stands for the user, so the guide's placeholders
(`<username>`, `用户名`, `$USER`) and real names alike count as "the user's folder".
On disk, `/ghome/<any user>/REST` is looked up literally first (on the cluster it exists),
then as `base_dir/REST` (a local copy of the home folder holding the job script); relative
paths and `$PBS_O_WORKDIR` / `$PWD` resolve against `base_dir`.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from imagesmith.core.profile import Profile
from imagesmith.parse.jobscript import ParsedJobScript, StartDocker

GROUP = "job-script"
INPUT_KIND = "job-script"
_WORKDIR_VARS = ("$PBS_O_WORKDIR", "${PBS_O_WORKDIR}", "$PWD", "${PWD}")
_HOME_VARS = ("$HOME", "${HOME}", "$PBS_O_HOME", "${PBS_O_HOME}", "~")


def user_roots(profile: Profile) -> list[str]:
    """Profile path templates holding `{user}`: `/ghome/{user}`, `/gdata/{user}`."""
    return [t for t in (profile.paths.home, profile.paths.data) if "{user}" in t]


def top_dirs(profile: Profile) -> set[str]:
    """The shared parents of every user's folder: `/ghome`, `/gdata` (and `/`)."""
    tops = {"/"}
    for template in user_roots(profile):
        tops.add(posixpath.normpath(template.split("{user}", 1)[0]) or "/")
    return tops


def _root_pattern(template: str) -> re.Pattern[str]:
    head, _, tail = template.partition("{user}")
    return re.compile("^" + re.escape(head) + r"(?P<user>[^/]+)" + re.escape(tail) + r"(?:/(?P<rest>.*))?$")


def in_user_folder(path: str, profile: Profile) -> bool:
    """`/ghome/<user>/...` or `/gdata/<user>/...` (the folder itself counts)."""
    norm = posixpath.normpath(path)
    return any(_root_pattern(t).match(norm) for t in user_roots(profile))


def _user_rest(path: str, profile: Profile) -> str | None:
    norm = posixpath.normpath(path)
    for template in user_roots(profile):
        m = _root_pattern(template).match(norm)
        if m:
            return m.group("rest") or ""
    return None


def expand_home(path: str, profile: Profile) -> str:
    """`$HOME/x`, `~/x` -> `/ghome/$USER/x` (the job's home is the profile's home folder)."""
    for var in _HOME_VARS:
        if path == var or path.startswith(var + "/"):
            return profile.paths.home.replace("{user}", "$USER") + path[len(var) :]
    return path


def host_candidates(path: str, parsed: ParsedJobScript, profile: Profile) -> list[Path]:
    """Where `path` (as written in the job script) may lie on this machine, best first."""
    base = parsed.base_dir
    path = expand_home(path, profile)
    for var in _WORKDIR_VARS:
        if path == var or path.startswith(var + "/"):
            return [base / path[len(var) :].lstrip("/")] if base is not None else []
    if not path.startswith("/"):
        return [base / path] if base is not None else []
    out: list[Path] = []
    if "$" not in path and "<" not in path:
        out.append(Path(path))
    rest = _user_rest(path, profile)
    if base is not None and rest:
        out.append(base / rest)
    return out


def script_host_path(sd: StartDocker) -> str | None:
    """The -s script as a host path: relative scripts sit under the -P folder (guide l.404)."""
    script = sd.script
    if script is None:
        return None
    if not script.startswith(("/", "$", "~")) and sd.code_dirs:
        return posixpath.join(sd.code_dirs[-1], script)
    return script


def resolve_script(sd: StartDocker, parsed: ParsedJobScript, profile: Profile) -> Path | None:
    """The -s script file on this machine, or None when it cannot be found."""
    host = script_host_path(sd)
    if host is None:
        return None
    key = ("script", host, parsed.base_dir)
    if key not in parsed.cache:  # IS707, IS708 and IS712 all ask
        parsed.cache[key] = next((c for c in host_candidates(host, parsed, profile) if _is_file(c)), None)
    return parsed.cache[key]


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:
        return False


def read_head(path: Path, size: int = 4096) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(size)
    except OSError:
        return b""
