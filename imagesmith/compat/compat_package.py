"""What the image's `cuda-compat` libraries do on a node (forward compatibility).

NVIDIA's CUDA images from 10.0 on install `cuda-compat-X-Y` into /usr/local/cuda/compat
(`libcuda.so.<driver>` of the driver the toolkit shipped with). libnvidia-container globs
`<cudart_dir>/compat/lib*.so.*` and mounts those libraries over the host's whenever their
driver MAJOR is above the host kernel module's (`filter_by_major_version` in
src/cli/compat_mode.c; before it, `filter_libraries` in src/nvc_mount.c dropped only an equal
major, and a lower one lost to the host's newer libcuda in ldconfig). It compares driver
majors, not CUDA versions, and never looks at the GPU brand. Forward compatibility works only
on data-center GPUs (and select RTX/Jetson): on GeForce the mounted libcuda answers
CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE (804).

    compat_package_effect("11.8.0", True, "470.82.01", "geforce")  -> fails
"""

from __future__ import annotations

from imagesmith.compat import knowledge as K
from imagesmith.compat.fact_verdict import FactKind, FactVerdict
from imagesmith.core.errors import UserInputError

MOUNT_RULE = (
    "NVIDIA/libnvidia-container src/cli/compat_mode.c @0d289cb5 filter_by_major_version "
    "(compat libraries with a driver major <= the host RM major are dropped); "
    "src/nvc_mount.c filter_libraries (older releases: only an equal major dropped) and "
    "src/nvc_container.c find_library_paths (glob <cudart_dir>/compat/lib*.so.*, no brand check)"
)
FORWARD_COMPAT_DOC = (
    "docs.nvidia.com/deploy/cuda-compatibility/forward-compatibility.html: forward compatibility "
    "applies to NVIDIA Data Center GPUs, select NGC Server Ready RTX SKUs and Jetson only; "
    "error 804 CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE"
)
KEPLER_REPORT = (
    "gitlab.com/nvidia/container-images/cuda issues #182/#183: Tesla K80 fails in CUDA >= 11.5 "
    "images (compat libcuda of a branch without Kepler)"
)
NVIDIA_IMAGES = (
    "NVIDIA CUDA image Dockerfiles (shared/corpus: dist/10.1/ubuntu1804/base installs "
    "cuda-compat-10-1, dist/11.8.0/*/base sets NV_CUDA_COMPAT_PACKAGE cuda-compat-11-8; the "
    "regenerated 9.0 base has none)"
)

# GeForce-class brands as libnvidia-container names them; forward compatibility is not for them.
CONSUMER_BRANDS = frozenset({"geforce", "geforcertx", "titan", "titanrtx"})
DATA_CENTER_BRANDS = frozenset({"tesla"})


def nvidia_image_has_compat(image_cuda: str) -> K.Fact:
    """Whether an official nvidia/cuda image of this CUDA carries cuda-compat (from 10.0 on)."""
    major = int(K.major_minor(image_cuda).split(".")[0])
    return K.Fact(
        major >= 10, NVIDIA_IMAGES, "D", "derived from the 9.0, 10.1 and 11.8 Dockerfiles"
    )


def _major(driver: str, what: str) -> int:
    head = driver.strip().split(".")[0]
    if not head.isdigit():
        raise UserInputError(
            f"not a driver version: {driver[:40]!r} ({what})", hint="write e.g. 470.82.01"
        )
    return int(head)


def compat_package_effect(
    image_cuda: str,
    has_compat_package: bool | None,
    host_driver: str,
    gpu_brand: str | None,
    *,
    compat_driver: str | None = None,
    gpu_last_branch: str | None = None,
) -> FactVerdict:
    """The effect of the image's cuda-compat libraries on one node.

    `compat_driver`: the version in the image's compat `libcuda.so.<version>` when read from
    the image; otherwise it is derived as the minimum driver of `image_cuda` (the driver the
    toolkit shipped with). `gpu_last_branch` (e.g. `R470`) is the GPU's last driver branch."""
    if has_compat_package is None:
        return FactVerdict(
            FactKind.UNKNOWN, "whether the image carries cuda-compat libraries is not known"
        )
    if not has_compat_package:
        return FactVerdict(
            FactKind.RUNS,
            "no cuda-compat libraries: the host driver's libcuda is used",
            MOUNT_RULE,
            "V",
        )
    derived = compat_driver is None
    if derived:
        fact = K.min_driver_for(image_cuda)
        if fact is None:
            return FactVerdict(
                FactKind.UNKNOWN, f"the compat libcuda version of CUDA {image_cuda} is not known"
            )
        compat_driver = str(fact.value)
    compat_major, host_major = _major(compat_driver, "compat libcuda"), _major(host_driver, "host")
    how = f"compat libcuda {compat_driver}" + (
        f" (derived: the driver CUDA {image_cuda} shipped with)" if derived else ""
    )
    confidence = "D" if derived else "V"
    if compat_major <= host_major:
        return FactVerdict(
            FactKind.RUNS,
            f"{how} is not above the host driver {host_driver}: not mounted, the host libcuda is used",
            MOUNT_RULE,
            confidence,
        )
    mounted = f"{how} has a higher driver major than the host's {host_driver}, so it is mounted over the host libcuda"
    brand = (gpu_brand or "").strip().lower()
    if brand in CONSUMER_BRANDS:
        return FactVerdict(
            FactKind.FAILS,
            f"{mounted}; forward compatibility is not supported on {gpu_brand}: CUDA fails with "
            "error 804 (forward compatibility was attempted on non supported HW). "
            "Remove /usr/local/cuda/compat in the image, or use a CUDA <= the host driver's",
            f"{MOUNT_RULE}; {FORWARD_COMPAT_DOC}",
            "D",
        )
    if brand in DATA_CENTER_BRANDS:
        if gpu_last_branch is None:
            return FactVerdict(
                FactKind.UNKNOWN,
                f"{mounted}; whether that driver branch still supports the GPU is not known",
                MOUNT_RULE,
            )
        last = _major(gpu_last_branch.lstrip("Rr"), "GPU last branch")
        if compat_major > last:
            return FactVerdict(
                FactKind.FAILS,
                f"{mounted}; that libcuda (R{compat_major}) no longer supports this GPU (last branch "
                f"{gpu_last_branch}): CUDA finds no device",
                f"{MOUNT_RULE}; cuda_compat.json gpus (last driver branch); {KEPLER_REPORT}",
                "D",
            )
        return FactVerdict(
            FactKind.UNKNOWN,
            f"{mounted}; forward compatibility applies to this data-center GPU only on the host "
            "branches NVIDIA lists for that cuda-compat package (not checked)",
            f"{MOUNT_RULE}; {FORWARD_COMPAT_DOC}",
        )
    return FactVerdict(
        FactKind.UNKNOWN,
        f"{mounted}; the GPU brand {gpu_brand!r} decides whether that works",
        MOUNT_RULE,
    )
