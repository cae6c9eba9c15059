"""TensorFlow's compiled CUDA/cuDNN per release and the runtime cuDNN check it applies.

Data: imagesmith/data/tensorflow_cudnn.json. TensorFlow compares the cuDNN it loads with the
one it was compiled against when it creates its cuDNN handle (`CudnnSupport::Init`), and
refuses the library when the check fails ("Loaded runtime CuDNN library: X but source was
compiled with: Y"). The check changed once: up to 1.7 the major.minor had to be equal; from
1.8 a higher minor of cuDNN 7 or later is accepted.

    tf_cudnn_check("tensorflow-gpu", "1.12.0", "7.1.2")  -> fails (compiled with 7.2)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from packaging.specifiers import SpecifierSet

from imagesmith.compat.fact_verdict import (
    FactKind,
    FactVerdict,
    load_table,
    major_minor_pair,
    weakest,
)
from imagesmith.core.versions import canonical_name, parse

TABLE = "tensorflow_cudnn.json"


@dataclass(frozen=True)
class TfBuild:
    """What one TensorFlow release was compiled against."""

    package: str
    version: str
    cuda: str
    compiled_cudnn: tuple[str, ...]  # more than one: the exact minor is not known
    source: str
    confidence: str
    note: str = ""


@dataclass(frozen=True)
class RuntimeCheck:
    id: str
    rule: str
    source: str
    confidence: str


def _release(version: str) -> str:
    """The public release of a pin (`1.12.0+nv`, `1.12.0rc1` -> its X.Y.Z)."""
    return parse(version).base_version


def _rows() -> dict[str, Any]:
    return load_table(TABLE)


def cpu_only(package: str, tf_version: str) -> bool:
    """Whether this package/version is the CPU-only TensorFlow (plain `tensorflow` < 2.1)."""
    rule = _rows()["cpu_only"]
    return canonical_name(package) in rule["packages"] and _release(tf_version) in SpecifierSet(
        rule["versions"]
    )


def tf_build(package: str, tf_version: str) -> TfBuild | None:
    """The compiled CUDA/cuDNN of a GPU TensorFlow release, or None when the table has no row."""
    name = canonical_name(package)
    release = _release(tf_version)
    for row in _rows()["builds"]:
        if name in row["packages"] and release in SpecifierSet(row["versions"]):
            return TfBuild(
                name,
                release,
                row["cuda"],
                tuple(row["compiled_cudnn"]),
                row["source"],
                row["confidence"],
                row.get("note", ""),
            )
    return None


def runtime_check_for(tf_version: str) -> RuntimeCheck | None:
    release = _release(tf_version)
    for row in _rows()["runtime_checks"]:
        if release in SpecifierSet(row["tensorflow"]):
            return RuntimeCheck(row["id"], row["rule"], row["source"], row["confidence"])
    return None


def accepts(check_id: str, compiled: tuple[int, int], loaded: tuple[int, int]) -> bool:
    """TensorFlow's own comparison of (major, minor) pairs; the patch level never matters."""
    if loaded[0] != compiled[0]:
        return False
    if check_id == "exact-major-minor":
        return loaded[1] == compiled[1]
    return loaded[1] == compiled[1] or (compiled[0] >= 7 and loaded[1] >= compiled[1])


def tf_cudnn_check(package: str, tf_version: str, runtime_cudnn: str | None) -> FactVerdict:
    """Does this TensorFlow accept the cuDNN the image gives it at run time?

    `runtime_cudnn` is the cuDNN that will be loaded (the image's, or the pip
    `nvidia-cudnn-*` one for `tensorflow[and-cuda]`); None means it is not known."""
    name = canonical_name(package)
    if cpu_only(name, tf_version):
        rule = _rows()["cpu_only"]
        return FactVerdict(
            FactKind.RUNS,
            f"{name} {tf_version} is the CPU-only build: it loads no cuDNN (and uses no GPU)",
            rule["source"],
            rule["confidence"],
        )
    build = tf_build(name, tf_version)
    if build is None:
        return FactVerdict(FactKind.UNKNOWN, f"no compiled-cuDNN row for {name} {tf_version}")
    check = runtime_check_for(build.version)
    if check is None:
        return FactVerdict(FactKind.UNKNOWN, f"no runtime-check row for TensorFlow {build.version}")
    source = f"{build.source}; {check.source}"
    confidence = weakest(build.confidence, check.confidence)
    if runtime_cudnn is None:
        return FactVerdict(
            FactKind.UNKNOWN,
            f"{name} {build.version} needs cuDNN {_either(build)}; the image's cuDNN is not known",
            source,
            confidence,
        )
    loaded = major_minor_pair(runtime_cudnn, "cuDNN")
    outcomes = {
        accepts(check.id, major_minor_pair(c, "cuDNN"), loaded) for c in build.compiled_cudnn
    }
    label = f"{name} {build.version} (CUDA {build.cuda}, compiled with cuDNN {_either(build)})"
    if len(outcomes) > 1:
        return FactVerdict(
            FactKind.UNKNOWN,
            f"{label}: whether it accepts cuDNN {runtime_cudnn} depends on the compiled minor, "
            "which is not known",
            source,
            "U",
        )
    if outcomes.pop():
        return FactVerdict(
            FactKind.RUNS,
            f"{label} accepts cuDNN {runtime_cudnn} ({check.rule})",
            source,
            confidence,
        )
    return FactVerdict(
        FactKind.FAILS,
        f"{label} refuses cuDNN {runtime_cudnn} at run time: {check.rule} "
        f"('Loaded runtime CuDNN library: {runtime_cudnn} but source was compiled with ...')",
        source,
        confidence,
    )


def _either(build: TfBuild) -> str:
    return " or ".join(build.compiled_cudnn)
