"""Package snapshots: what dpkg, pip and conda say is installed, at the start and end of a session."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources


def snapshot_script() -> str:
    """The POSIX sh script that prints the sections parsed by `parse_snapshot`."""
    return resources.files("imagesmith.record").joinpath("snapshot.sh").read_text(encoding="utf-8")


@dataclass
class PackageSnapshot:
    dpkg: dict[str, str] = field(default_factory=dict)
    pip: dict[str, str] = field(default_factory=dict)
    conda: dict[str, str] = field(default_factory=dict)
    python: str | None = None  # the interpreter whose pip was listed

    def to_dict(self) -> dict[str, object]:
        return {"dpkg": self.dpkg, "pip": self.pip, "conda": self.conda, "python": self.python}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> PackageSnapshot:
        return cls(dict(data.get("dpkg") or {}), dict(data.get("pip") or {}),  # type: ignore[arg-type]
                   dict(data.get("conda") or {}), data.get("python"))  # type: ignore[arg-type]

    def manager(self, name: str) -> dict[str, str]:
        return {"dpkg": self.dpkg, "apt": self.dpkg, "pip": self.pip, "conda": self.conda}[name]


def normalize_pip_name(name: str) -> str:
    from imagesmith.core.versions import canonical_name

    return canonical_name(name)


def parse_snapshot(text: str) -> PackageSnapshot:
    snap = PackageSnapshot()
    section = ""
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("### "):
            parts = line[4:].split(None, 1)
            section = parts[0]
            if section == "pip" and len(parts) > 1:
                snap.python = parts[1]
            continue
        if not line or line.startswith("#"):
            continue
        if section == "dpkg":
            cols = raw.split("\t")
            if len(cols) >= 3 and len(cols[2]) >= 2 and cols[2][1] == "i":
                snap.dpkg[cols[0]] = cols[1]
        elif section == "pip" and "==" in line:
            name, _, version = line.partition("==")
            snap.pip[normalize_pip_name(name)] = version
        elif section == "conda":
            cols = line.split("=")
            if len(cols) >= 2:
                snap.conda[cols[0]] = cols[1]
    return snap


def changed_packages(before: PackageSnapshot | None, after: PackageSnapshot, manager: str) -> dict[str, str]:
    """Packages new or at another version in `after` (name -> version after)."""
    old = before.manager(manager) if before else {}
    return {n: v for n, v in after.manager(manager).items() if old.get(n) != v}
