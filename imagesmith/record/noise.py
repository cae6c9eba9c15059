"""Paths whose changes say nothing about what a session installed (caches, logs, runtime files).

Shared by the generator (a command that only touched these "changed nothing") and the
comparison (differences here are not reported).
"""

from __future__ import annotations

from fnmatch import fnmatchcase

# Where the record command mounts the journal folder inside the session container.
RECORD_MOUNT = "/.imagesmith-record"

# (glob on the absolute path, reason); a directory glob also covers everything below it.
NOISE: tuple[tuple[str, str], ...] = (
    ("/proc", "kernel filesystem"),
    ("/sys", "kernel filesystem"),
    ("/dev", "device files"),
    ("/run", "runtime state"),
    ("/tmp", "temporary files"),
    ("/var/tmp", "temporary files"),
    (RECORD_MOUNT, "the recording's own mount"),
    ("/.dockerenv", "engine marker"),
    ("/etc/hostname", "set by the engine"),
    ("/etc/hosts", "set by the engine"),
    ("/etc/resolv.conf", "set by the engine"),
    ("/etc/mtab", "runtime state"),
    ("/etc/ld.so.cache", "linker cache"),
    ("/var/cache/ldconfig", "linker cache"),
    ("/var/lib/apt/lists", "apt lists"),
    ("/var/cache/apt", "apt cache"),
    ("/var/lib/apt/extended_states", "apt auto-install marks"),
    ("/var/cache/debconf/*-old", "debconf backup"),
    ("/var/cache/debconf/templates.dat", "debconf cache"),
    ("/var/lib/dpkg/*-old", "dpkg backup"),
    ("/var/lib/dpkg/lock*", "dpkg lock"),
    ("/var/lib/dpkg/triggers", "dpkg trigger state"),
    ("/var/log", "logs"),
    ("/root/.cache", "user cache"),
    ("/root/.bash_history", "shell history"),
    ("/root/.python_history", "shell history"),
    ("/root/.ash_history", "shell history"),
    ("/root/.lesshst", "shell history"),
    ("/root/.viminfo", "editor state"),
    ("/root/.wget-hsts", "download state"),
    ("/root/.config/pip", "user cache"),
    ("*/.local/share/nano", "editor state"),
    ("*/.nano", "editor state"),
    ("*/.emacs.d/auto-save-list", "editor state"),
    ("*/.local/state", "user state (XDG_STATE_HOME)"),
    ("/home/*/.cache", "user cache"),
    ("/home/*/.bash_history", "shell history"),
    ("/home/*/.python_history", "shell history"),
    ("/home/*/.lesshst", "shell history"),
    ("/home/*/.viminfo", "editor state"),
    ("*/.ipython/profile_default/history.sqlite", "shell history"),
    ("*/.jupyter/lab/workspaces", "editor state"),
    ("*/.nv/ComputeCache", "CUDA JIT cache"),
    ("*/.keras/keras.json", "written by importing keras"),
    ("*/.config/matplotlib", "written by importing matplotlib"),
    ("*-packages/*.dist-info/REQUESTED", "pip's record of a direct request (pins change it)"),
    ("*-packages/*.dist-info/direct_url.json", "pip's record of where a package came from"),
    ("*-packages/*.dist-info/RECORD", "pip's file list (hashes include REQUESTED)"),
    ("*/__pycache__", "compiled Python"),
    ("*.pyc", "compiled Python"),
    ("*.pyo", "compiled Python"),
    ("*.log", "logs"),
)


def noise_reason(path: str) -> str | None:
    """Why a change at `path` is noise, or None when it matters."""
    for pattern, reason in NOISE:
        if fnmatchcase(path, pattern) or fnmatchcase(path, pattern + "/*"):
            return reason
        if "*" in pattern and any(fnmatchcase(prefix, pattern) for prefix in _prefixes(path)):
            return reason
    return None


def _prefixes(path: str) -> list[str]:
    parts = path.split("/")
    return ["/".join(parts[:i]) for i in range(2, len(parts))]


def is_noise(path: str) -> bool:
    return noise_reason(path) is not None
