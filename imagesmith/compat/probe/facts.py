"""`ImageFacts`: what the one in-image probe found, typed. compat and verify both read it.

Every fact the probe could not read is in `unknown` (fact -> reason); a fact that was read and
found absent is a known empty value (no cuDNN: `cudnn.version is None` with `why` saying
where it looked), so "unknown" and "none" never mix.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from imagesmith.core.versions import canonical_name


@dataclass(frozen=True)
class VersionSource:
    """One place a version was read: a library file name, a header, a version file, dpkg."""

    version: str
    source: str  # a path, or "dpkg libcudnn8"
    kind: str  # "library" | "header" | "version file" | "dpkg"


@dataclass(frozen=True)
class ResolvedVersion:
    """The version that counts, the source that won and why; every candidate, winner first."""

    version: str | None
    source: str
    why: str
    candidates: tuple[VersionSource, ...] = ()


@dataclass(frozen=True)
class LibraryDir:
    """One directory of the dynamic loader's search, in search order."""

    path: str
    real_path: str
    origin: str  # "LD_LIBRARY_PATH", "/etc/ld.so.conf.d/x.conf", "default", "CUDA toolkit"


@dataclass(frozen=True)
class SharedObject:
    """An ELF shared object that may hold CUDA code."""

    path: str
    size: int
    origin: str  # the library directory's origin, or "site-packages"


@dataclass(frozen=True)
class Distribution:
    """One installed Python distribution, as pip sees it (dist-info / egg-info metadata)."""

    name: str
    version: str
    location: str  # the site directory (real path)
    metadata: str  # the .dist-info / .egg-info path
    top_level: tuple[str, ...] = ()  # importable top-level names present on disk


@dataclass(frozen=True)
class PythonFacts:
    executable: str
    version: str
    command: str  # what `command -v python|python3|python2` found
    sys_path: tuple[str, ...] = ()


@dataclass(frozen=True)
class UserFacts:
    configured: str  # the image's USER ("" = root by default)
    uid: int | None  # resolved inside the image; None when the name does not resolve
    gid: int | None
    name: str | None


@dataclass(frozen=True)
class ImageFacts:
    python: PythonFacts | None
    distributions: tuple[Distribution, ...]  # pip's view: the first on sys.path wins per name
    dpkg: dict[str, str]  # package -> version, Status "install ok installed" only
    cuda: ResolvedVersion
    cudnn: ResolvedVersion
    nccl: ResolvedVersion
    library_dirs: tuple[LibraryDir, ...]  # the loader's search order
    shared_objects: tuple[SharedObject, ...]
    env: dict[str, str]
    user: UserFacts | None
    cuda_compat_dirs: tuple[str, ...] = ()
    torch_cuda: str | None = None  # `cuda = ...` of torch/version.py
    unknown: dict[str, str] = field(default_factory=dict)  # fact -> why it could not be read
    errors: tuple[str, ...] = ()  # what went wrong while probing

    @property
    def pip_packages(self) -> dict[str, str]:
        """Canonical distribution name -> version."""
        return {canonical_name(d.name): d.version for d in self.distributions}

    def distribution(self, name: str) -> Distribution | None:
        key = canonical_name(name)
        return next((d for d in self.distributions if canonical_name(d.name) == key), None)
