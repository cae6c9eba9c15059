"""The cluster profile: what the cluster offers and demands, loaded from TOML.

A profile can `extends = "NAME|FILE"` another and override parts of it;
`imagesmith profile detect` writes such a small file with the real drivers.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal


from imagesmith.core.errors import ProfileError
from imagesmith.core.typed_load import LoadError, from_mapping

PROFILE_ENV = "IMAGESMITH_PROFILE"
DEFAULT_PROFILE = "default"


def _check_version(value: str | None, path: str) -> None:
    if value is None:
        return
    from imagesmith.core.versions import try_parse

    if try_parse(value) is None:
        raise LoadError(path, f"not a version: {value[:40]!r}")


@dataclass
class BuildSettings:
    folder_name: str = "dockertmp"
    dockerfile_name: str = "Dockerfile"
    network: Literal["host", "default"] = "host"
    volumes_allowed: bool = False
    # The admins' builder: "legacy" (docker build / docker-py without BuildKit) or "buildkit"
    # with the version of its Dockerfile frontend (the engine's built-in one: nothing is pulled,
    # so a `# syntax=` image cannot be fetched). Lint rule IS610 reads both.
    builder: Literal["legacy", "buildkit"] = "legacy"
    frontend: str = "1.2"  # docker.io 20.10's BuildKit v0.8 built-in dockerfile frontend


@dataclass
class Paths:
    home: str = "/ghome/{user}"
    data: str = "/gdata/{user}"
    public: str = "/gpub"
    temp: str = "/gpub/temp"


@dataclass
class Jobs:
    queues: list[str] = field(default_factory=lambda: ["batch"])
    default_queue: str = "batch"
    core_flags: dict[str, int] = field(default_factory=lambda: {"S": 1, "D": 2})
    default_walltime: str = "168:00:00"
    max_nodes_without_mpi: int = 1
    cpu_limit_percent: int = 200
    uid_has_passwd_entry: bool = False
    job_uid: int = 1234
    timezone: str = "Asia/Shanghai"
    test_node_debug_minutes: int = 15

    def validate(self, path: str) -> None:
        if self.default_queue not in self.queues:
            raise LoadError(f"{path}.default_queue", f"{self.default_queue!r} is not in queues")
        if self.job_uid <= 0:
            raise LoadError(f"{path}.job_uid", "must be a non-root uid (> 0)")


SCHEDULERS = ("pbs", "slurm")


@dataclass
class Scheduler:
    """How `verify --on GROUP` reaches the nodes: the batch system (through PSI/J), the shared
    folder jobs write their results to, and the startdocker the nodes run images with."""

    kind: str = "pbs"  # "pbs": Torque's qsub/qstat/qdel; "slurm": sbatch/squeue/scancel
    results: str = "/ghome/{user}/imagesmith-jobs"  # seen by the submit host and every node
    startdocker: str = "startdocker"
    startdocker_args: str = ""  # more `-u` arguments for every probe job, e.g. "--ipc=host"
    poll_seconds: float = 15.0  # how often the scheduler is asked about the jobs
    probe_timeout: int = 600  # seconds the in-image probe may take per framework
    reach_source: Literal["assumed", "stated"] = "assumed"  # how node groups' queue/resources are known

    def validate(self, path: str) -> None:
        if self.kind not in SCHEDULERS:
            raise LoadError(f"{path}.kind", f"{self.kind!r} is not one of {', '.join(SCHEDULERS)}")
        if self.poll_seconds <= 0:
            raise LoadError(f"{path}.poll_seconds", "must be > 0")


@dataclass
class CatalogImage:
    name: str
    description: str = ""
    base: str = ""
    os: str = ""
    cuda: str | None = None
    cudnn: str | None = None
    python: str = "/usr/bin/python3"
    python_version: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    packages: dict[str, str] = field(default_factory=dict)
    assumed: list[str] = field(default_factory=list)

    def validate(self, path: str) -> None:
        _check_version(self.cuda, f"{path}.cuda")
        _check_version(self.cudnn, f"{path}.cudnn")
        for pkg, ver in self.packages.items():
            _check_version(ver, f"{path}.packages.{pkg}")

    @property
    def repository(self) -> str:
        return split_image_ref(self.name)[0]


@dataclass
class NodeGroup:
    name: str
    gpu: str
    compute_capability: str
    driver: str
    driver_source: Literal["assumed", "detected", "stated"] = "assumed"
    nodes: str = ""
    gpus_per_node: int = 1
    brand: str = "geforce"
    queues: list[str] = field(default_factory=list)
    # How a verify job reaches this group: its queue (default: the first of `queues`, else the
    # jobs' default queue) and the scheduler's resource request (PBS `-l`, or sbatch options).
    queue: str | None = None
    resources: str | None = None

    def validate(self, path: str) -> None:
        _check_version(self.compute_capability, f"{path}.compute_capability")
        _check_version(self.driver, f"{path}.driver")

    @property
    def sm(self) -> str:
        return "sm_" + self.compute_capability.replace(".", "")


@dataclass
class Profile:
    name: str
    registry: str
    catalog: list[CatalogImage]
    node_groups: list[NodeGroup]
    description: str = ""
    version: str = "0"
    extends: str | None = None
    build: BuildSettings = field(default_factory=BuildSettings)
    paths: Paths = field(default_factory=Paths)
    jobs: Jobs = field(default_factory=Jobs)
    scheduler: Scheduler = field(default_factory=Scheduler)
    # Where it came from, for `profile show` and reports; not part of the TOML.
    source: str = field(default="", metadata={"dump": False})

    def validate(self, path: str) -> None:
        names = [img.name for img in self.catalog]
        dupes = {n for n in names if names.count(n) > 1}
        if dupes:
            raise LoadError(f"{path}catalog", f"duplicate image names: {', '.join(sorted(dupes))}")
        groups = [g.name for g in self.node_groups]
        if len(set(groups)) != len(groups):
            raise LoadError(f"{path}node_groups", "duplicate node group names")

    def find_image(self, ref: str) -> CatalogImage | None:
        """The catalog entry for an image reference (`bit:5000/deepo_9`, `...:latest`)."""
        repo, tag = split_image_ref(ref)
        for img in self.catalog:
            img_repo, img_tag = split_image_ref(img.name)
            if img_repo == repo and (tag in (None, "latest") or tag == img_tag or img_tag is None):
                return img
        return None

    def group(self, name: str) -> NodeGroup | None:
        return next((g for g in self.node_groups if g.name == name), None)


def split_image_ref(ref: str) -> tuple[str, str | None]:
    """`bit:5000/deepo_9:latest` -> (`bit:5000/deepo_9`, `latest`); digests are kept in the tag."""
    if "@" in ref:
        repo, digest = ref.split("@", 1)
        return repo, "@" + digest
    slash = ref.rfind("/")
    colon = ref.rfind(":")
    if colon > slash:
        return ref[:colon], ref[colon + 1 :]
    return ref, None


# -- loading -----------------------------------------------------------------


def bundled_profiles() -> dict[str, Path]:
    root = resources.files("imagesmith.data") / "profiles"
    return {p.name[: -len(".toml")]: Path(str(p)) for p in root.iterdir() if p.name.endswith(".toml")}


def user_profile_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "imagesmith" / "profiles"


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if key == "node_groups" and isinstance(value, list) and isinstance(out.get(key), list):
            out[key] = _merge_named(out[key], value)
        elif key == "catalog" and isinstance(value, list) and isinstance(out.get(key), list):
            out[key] = _merge_named(out[key], value)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _merge_named(base: list[Any], over: list[Any]) -> list[Any]:
    """Items with the `name` of a base item override it field by field; others are added."""
    merged = [dict(item) for item in base]
    index = {item.get("name"): i for i, item in enumerate(merged)}
    for item in over:
        if isinstance(item, dict) and item.get("name") in index:
            i = index[item["name"]]
            merged[i] = _deep_merge(merged[i], item)
        else:
            merged.append(item)
    return merged


def resolve_profile_path(ref: str) -> Path:
    """A profile reference is a file path, a user profile name or a bundled profile name."""
    candidate = Path(ref).expanduser()
    if ref.endswith(".toml") or os.sep in ref or candidate.is_file():
        if not candidate.is_file():
            raise ProfileError(f"profile file not found: {ref}", hint="give a TOML file or a profile name")
        return candidate
    user = user_profile_dir() / f"{ref}.toml"
    if user.is_file():
        return user
    bundled = bundled_profiles()
    if ref in bundled:
        return bundled[ref]
    known = ", ".join(sorted(set(bundled) | {p.stem for p in user_profile_dir().glob("*.toml")}))
    raise ProfileError(f"unknown profile {ref!r}", hint=f"known profiles: {known}")


def _read_raw(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    if path.resolve() in seen:
        raise ProfileError("profile extends itself", where=path)
    from imagesmith.core.config import read_toml

    data = read_toml(path, ProfileError, "profile")
    parent = data.get("extends")
    if isinstance(parent, str):
        base_path = _resolve_relative(parent, path)
        data = _deep_merge(_read_raw(base_path, seen + (path.resolve(),)), data)
    return data


def _resolve_relative(ref: str, relative_to: Path) -> Path:
    local = relative_to.parent / ref
    if ref.endswith(".toml") and local.is_file():
        return local
    return resolve_profile_path(ref)


def load_profile(ref: str | Path, *, source: str | None = None) -> Profile:
    path = ref if isinstance(ref, Path) else resolve_profile_path(ref)
    data = _read_raw(path)
    try:
        profile = from_mapping(Profile, data)
    except LoadError as exc:
        raise ProfileError(exc.message, where=f"{path}: {exc.path}" if exc.path else path) from None
    profile.source = source or str(path)
    return profile


def select_profile(explicit: str | None = None, target: Path | None = None) -> Profile:
    """--profile, then $IMAGESMITH_PROFILE, then `profile =` in project config, then the default."""
    from imagesmith.core.config import find_project_config

    if explicit:
        return load_profile(explicit, source=f"--profile {explicit}")
    env = os.environ.get(PROFILE_ENV)
    if env:
        return load_profile(env, source=f"${PROFILE_ENV}={env}")
    found = find_project_config(target or Path.cwd())
    if found is not None and found.data.get("profile"):
        ref = str(found.data["profile"])
        path = _resolve_relative(ref, found.path)
        return load_profile(path, source=f"profile = {ref!r} in {found.path}")
    return load_profile(DEFAULT_PROFILE, source="bundled default")


def profile_as_dict(profile: Profile) -> dict[str, Any]:
    from imagesmith.core.typed_load import to_mapping

    data = to_mapping(profile)
    assert isinstance(data, dict)
    return data


__all__ = [
    "BuildSettings",
    "CatalogImage",
    "Jobs",
    "NodeGroup",
    "Paths",
    "Profile",
    "dataclasses",
    "load_profile",
    "select_profile",
    "split_image_ref",
]
