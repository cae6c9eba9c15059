"""Version ENV variables (CUDA_VERSION, TENSORFLOW_VERSION, ...) and what installs them.

A `Tracker` maps one piece of software to the ENV names images use for its version and
to the apt/pip/conda package names (and archive/download file names) that install it.
`tracked_installs(parsed)` lists every install of tracked software with the version it
installs (None when unpinned); `declared_versions` what the base image and ENVs state.
"""

from __future__ import annotations

from functools import lru_cache

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Callable

from imagesmith.analysis.installs import PackageInstall, archives, downloads, package_installs
from imagesmith.core.versions import same_release
from imagesmith.model import ParsedDockerfile, Stage


def _from_name(pattern: str) -> Callable[[str], str | None]:
    """Version encoded in a package name, e.g. cuda-toolkit-10-0 -> 10.0, libcudnn7 -> 7."""
    rx = re.compile(pattern)

    def extract(name: str) -> str | None:
        m = rx.fullmatch(name)
        return ".".join(g for g in m.groups() if g) if m else None

    return extract


@dataclass(frozen=True)
class Tracker:
    software: str
    env: tuple[str, ...]  # ENV names that state its version
    pip: tuple[str, ...] = ()  # normalised pip names (a trailing * = prefix)
    conda: tuple[str, ...] = ()
    apt: str | None = None  # regex over apt package names
    apt_name_version: Callable[[str], str | None] | None = None
    files: str | None = None  # regex over archive/installer file names; group 1 = version

    def matches(self, inst: PackageInstall) -> bool:
        key = inst.key
        if inst.manager == "pip":
            return any(key == n or (n.endswith("*") and key.startswith(n[:-1])) for n in self.pip)
        if inst.manager == "conda":
            return key in self.conda
        return self.apt is not None and re.fullmatch(self.apt, inst.name) is not None


TRACKERS: tuple[Tracker, ...] = (
    Tracker(
        "CUDA",
        ("CUDA_VERSION",),
        conda=("cudatoolkit", "cuda-toolkit", "cuda"),
        apt=r"cuda(-[a-z0-9-]+)?(-\d+-\d+)?",
        apt_name_version=_from_name(r"cuda(?:-[a-z-]+)?-(\d+)-(\d+)"),
        files=r"cuda[-_]?v?(\d+(?:\.\d+)*)",
    ),
    Tracker(
        "cuDNN",
        ("CUDNN_VERSION",),
        pip=("nvidia-cudnn-cu*",),
        conda=("cudnn",),
        apt=r"libcudnn\d*(-dev)?",
        apt_name_version=_from_name(r"libcudnn(\d+)(?:-dev)?"),
        files=r"cudnn.*?v(\d+(?:\.\d+)*)|cudnn[-_]?(\d+(?:\.\d+)*)",
    ),
    Tracker(
        "NCCL",
        ("NCCL_VERSION",),
        pip=("nvidia-nccl-cu*",),
        conda=("nccl",),
        apt=r"libnccl\d*(-dev)?",
        files=r"nccl[-_]v?(\d+(?:\.\d+)*)",
    ),
    Tracker(
        "TensorRT",
        ("TENSORRT_VERSION", "TRT_VERSION"),
        pip=("tensorrt",),
        apt=r"(libnvinfer\d*|tensorrt)(-dev)?",
    ),
    Tracker(
        "TensorFlow",
        ("TENSORFLOW_VERSION", "TF_VERSION"),
        pip=("tensorflow", "tensorflow-gpu", "tensorflow-cpu", "tf-nightly*", "intel-tensorflow"),
        conda=("tensorflow", "tensorflow-gpu"),
    ),
    Tracker("PyTorch", ("PYTORCH_VERSION", "TORCH_VERSION"), pip=("torch",), conda=("pytorch",)),
    Tracker("torchvision", ("TORCHVISION_VERSION",), pip=("torchvision",), conda=("torchvision",)),
    Tracker("MXNet", ("MXNET_VERSION",), pip=("mxnet", "mxnet-cu*", "mxnet-mkl")),
    Tracker("Keras", ("KERAS_VERSION",), pip=("keras",), conda=("keras",)),
    Tracker("CuPy", ("CUPY_VERSION",), pip=("cupy", "cupy-cuda*")),
    Tracker("Chainer", ("CHAINER_VERSION",), pip=("chainer",)),
    Tracker("Theano", ("THEANO_VERSION",), pip=("theano",)),
    Tracker("CNTK", ("CNTK_VERSION",), pip=("cntk", "cntk-gpu")),
    Tracker("PaddlePaddle", ("PADDLE_VERSION",), pip=("paddlepaddle", "paddlepaddle-gpu")),
    Tracker("JAX", ("JAX_VERSION",), pip=("jax",)),
    Tracker(
        "Python",
        ("PYTHON_VERSION",),
        conda=("python",),
        apt=r"python\d\.\d+",
        apt_name_version=_from_name(r"python(\d)\.(\d+)"),
    ),
)


@dataclass(frozen=True)
class TrackedInstall:
    tracker: Tracker
    version: str | None  # None: unpinned
    line: int
    stage: int
    what: str  # the spec or file as written
    manager: str  # apt | pip | conda | archive | download


@dataclass(frozen=True)
class Declared:
    var: str
    value: str
    line: int | None  # None: stated by the base image
    origin: str  # "ENV on line 12" / "base image bit:5000/deepo_9"


# Two versions agree where both say something (`8` ~ `8.0.61`); None when either is no version.
# The name stays for IS301, IS302 and record/generate.py.
consistent = same_release


def tracker_for_env(name: str) -> Tracker | None:
    return next((t for t in TRACKERS if name in t.env), None)


def _file_version(tracker: Tracker, filename: str) -> str | None:
    if tracker.files is None:
        return None
    m = re.search(tracker.files, filename, re.IGNORECASE)
    if not m:
        return None
    return next((g for g in m.groups() if g), None)


def tracked_installs(parsed: ParsedDockerfile) -> list[TrackedInstall]:
    return list(_tracked_installs(parsed))


@lru_cache(maxsize=64)
def _tracked_installs(parsed: ParsedDockerfile) -> tuple[TrackedInstall, ...]:
    out: list[TrackedInstall] = []
    for inst in package_installs(parsed):
        for tracker in TRACKERS:
            if tracker.matches(inst):
                version = inst.version
                if inst.manager == "apt" and version is None and tracker.apt_name_version:
                    version = tracker.apt_name_version(inst.name)
                out.append(
                    TrackedInstall(tracker, version, inst.line, inst.stage, inst.spec, inst.manager)
                )
    for add in archives(parsed):
        name = PurePosixPath(add.source).name
        for tracker in TRACKERS:
            version = _file_version(tracker, name)
            if version:
                out.append(
                    TrackedInstall(tracker, version, add.line, add.stage, add.source, "archive")
                )
    for dl in downloads(parsed):
        name = PurePosixPath(dl.url.split("?", 1)[0]).name
        if not re.search(r"\.(run|tgz|tar(\.\w+)?|deb|txz|zip)$", name):
            continue
        for tracker in TRACKERS:
            version = _file_version(tracker, name)
            if version:
                out.append(TrackedInstall(tracker, version, dl.line, dl.stage, dl.url, "download"))
    out.sort(key=lambda t: t.line)
    return tuple(out)


def base_env(parsed: ParsedDockerfile, stage: Stage, profile: object) -> tuple[dict[str, str], str]:
    """ENV the stage's base image states: an earlier stage's, or the catalog entry's."""
    if stage.base_stage is not None:
        return dict(stage.inherited_env), f"stage {stage.base_stage}"
    find = getattr(profile, "find_image", None)
    img = find(stage.base) if find is not None and stage.base else None
    if img is None:
        return {}, ""
    return dict(img.env), f"base image {img.name}"


def declared_before(
    parsed: ParsedDockerfile, stage: Stage, profile: object, line: int
) -> dict[str, Declared]:
    """Version variables in effect just before `line`: base image ENV, then this stage's ENVs."""
    env, origin = base_env(parsed, stage, profile)
    out = {k: Declared(k, v, None, origin) for k, v in env.items()}
    for ins in stage.instructions:
        if ins.line >= line:
            break
        if ins.cmd == "ENV":
            for key, value in ins.assigned.items():
                if value is not None:
                    out[key] = Declared(key, value, ins.line, f"ENV on line {ins.line}")
    return out


def env_sets(stage: Stage, var: str) -> list[tuple[int, str]]:
    """(line, value) of every ENV in the stage that sets `var`."""
    return [
        (ins.line, value)
        for ins in stage.instructions
        if ins.cmd == "ENV"
        for key, value in ins.assigned.items()
        if key == var and value is not None
    ]
