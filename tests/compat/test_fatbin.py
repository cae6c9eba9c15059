"""compat/fatbin.py on NVIDIA's own CUDA libraries from PyPI (fetched by scripts/cuda_wheels.py).

Expected code lists were checked with `cuobjdump --list-elf/--list-ptx` (CUDA 13.5) on the same
files: curand-cu12 10.3.10.19 carries SASS sm_50..sm_121 and PTX compute_121; curand-cu11
10.3.0.86 (CUDA 11.8) carries sm_35 and PTX compute_90.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from imagesmith.compat.fatbin import (
    BinaryCode,
    is_elf,
    library_version,
    read_binary,
    runs_on,
    scan_tree,
)
from imagesmith.core.errors import UserInputError

CURAND12 = "nvidia-curand-cu12==10.3.10.19"
CURAND11 = "nvidia-curand-cu11==10.3.0.86"
CUDART12 = "nvidia-cuda-runtime-cu12==12.9.79"
CUDART11 = "nvidia-cuda-runtime-cu11==11.8.89"


def _lib(wheels: dict[str, Path], spec: str, name: str) -> Path:
    found = sorted(wheels[spec].rglob(name))
    assert found, f"{name} not in {spec}"
    return found[0]


@pytest.fixture(scope="module")
def curand12(cuda_wheels: dict[str, Path]) -> BinaryCode:
    return read_binary(_lib(cuda_wheels, CURAND12, "libcurand.so.10"))


@pytest.fixture(scope="module")
def curand11(cuda_wheels: dict[str, Path]) -> BinaryCode:
    return read_binary(_lib(cuda_wheels, CURAND11, "libcurand.so.10"))


def test_curand_cu12_code_list(curand12: BinaryCode) -> None:
    assert curand12.error is None
    assert curand12.sass == {
        "sm_50", "sm_60", "sm_70", "sm_75", "sm_80", "sm_86", "sm_89", "sm_90",
        "sm_100", "sm_101", "sm_103", "sm_120", "sm_121",
    }
    assert curand12.ptx == {"compute_121"}
    assert "sm_37" not in curand12.sass and "sm_35" not in curand12.sass
    assert curand12.containers == 11
    assert curand12.soname == "libcurand.so.10"
    assert (curand12.version, curand12.version_source) == ("10", "SONAME (major only)")


def test_curand_cu11_carries_kepler_sass(curand11: BinaryCode) -> None:
    assert curand11.error is None
    assert "sm_35" in curand11.sass and "sm_50" in curand11.sass
    assert max(curand11.sass, key=lambda c: int(c[3:])) == "sm_90"
    assert curand11.ptx == {"compute_90"}


def test_runs_on_cluster_gpus(curand11: BinaryCode, curand12: BinaryCode) -> None:
    k80 = runs_on(curand11, "3.7", minor_version_compat=False)
    assert (k80.verdict, k80.via) == ("runs", "sm_35")  # same major, lower minor
    assert "Binary Compatibility" in k80.source
    no_k80 = runs_on(curand12, "3.7", minor_version_compat=False)
    assert no_k80.verdict == "fails" and "sm_37" in no_k80.reason
    gtx = runs_on(curand12, "6.1", minor_version_compat=True)
    assert (gtx.verdict, gtx.via) == ("runs", "sm_60")


def test_ptx_jit_forward_only_and_not_under_minor_version_compat(
    curand11: BinaryCode, curand12: BinaryCode
) -> None:
    # 8.7 has no SASS of its own here (sm_86 is the same major: runs as SASS).
    assert runs_on(curand11, "8.7", minor_version_compat=True).via == "sm_86"
    # Hopper-only PTX on a 9.0 GPU: SASS sm_90 exists, so PTX is not needed.
    assert runs_on(curand11, "9.0", minor_version_compat=True).verdict == "runs"
    # A major with no SASS: only PTX compute_90 could serve (forward JIT) ...
    jit = runs_on(curand11, "10.0", minor_version_compat=False)
    assert (jit.verdict, jit.via) == ("runs", "compute_90") and "Application" in jit.source
    mvc = runs_on(curand11, "10.0", minor_version_compat=True)
    assert mvc.verdict == "fails" and "no PTX JIT" in mvc.reason
    # From sm_100 on, family/architecture-specific builds are not told apart: only exact is sure.
    assert runs_on(curand12, "13.0", minor_version_compat=False).verdict == "unknown"
    # PTX is never compiled backwards: compute_90 cannot serve a 5.2 GPU without sm_5x SASS.
    only_ptx = BinaryCode("synthetic", frozenset(), frozenset({"compute_90"}))
    assert runs_on(only_ptx, "5.2", minor_version_compat=False).verdict == "fails"
    assert runs_on(only_ptx, "9.0", minor_version_compat=False).via == "compute_90"


def test_arch_specific_code_runs_only_on_that_gpu() -> None:
    code = BinaryCode("synthetic", frozenset({"sm_90a", "sm_80"}), frozenset())
    assert runs_on(code, "9.0", minor_version_compat=False).via == "sm_90a"
    assert runs_on(code, "8.9", minor_version_compat=False).via == "sm_80"


def test_cudart_versions_and_no_device_code(cuda_wheels: dict[str, Path]) -> None:
    rt12 = read_binary(_lib(cuda_wheels, CUDART12, "libcudart.so.12"))
    assert (rt12.soname, rt12.version, rt12.version_source) == (
        "libcudart.so.12", "12", "SONAME (major only)")
    assert not rt12.has_device_code and rt12.error is None
    assert runs_on(rt12, "3.7", minor_version_compat=True).verdict == "runs"
    rt11 = read_binary(_lib(cuda_wheels, CUDART11, "libcudart.so.11.0"))
    # `.so.11.0` is NVIDIA's SONAME, not release 11.0 (this is 11.8.89): only the major is read.
    assert (rt11.soname, rt11.version) == ("libcudart.so.11.0", "11")


def test_full_version_from_file_name(cuda_wheels: dict[str, Path], tmp_path: Path) -> None:
    # Toolkit installs name the real file by its release: libcudart.so.11.8.89.
    real = tmp_path / "libcudart.so.11.8.89"
    shutil.copyfile(_lib(cuda_wheels, CUDART11, "libcudart.so.11.0"), real)
    code = read_binary(real)
    assert (code.version, code.version_source) == ("11.8.89", "file name")


def test_cudnn_version_from_header(tmp_path: Path) -> None:
    lib = tmp_path / "lib" / "libcudnn.so.8.9.7"
    lib.parent.mkdir()
    include = tmp_path / "include"
    include.mkdir()
    header = include / "cudnn_version_v8.h"  # Debian packages' name; cudnn_version.h links it
    header.write_text("#define CUDNN_MAJOR 8\n#define CUDNN_MINOR 9\n#define CUDNN_PATCHLEVEL 7\n")
    assert library_version(lib, "libcudnn.so.8") == ("8.9.7", f"header {header}")
    # A header of another major is not believed: the file name speaks instead.
    header.write_text("#define CUDNN_MAJOR 9\n#define CUDNN_MINOR 1\n#define CUDNN_PATCHLEVEL 0\n")
    assert library_version(lib, "libcudnn.so.8") == ("8.9.7", "file name")
    # cuDNN 7 kept the defines in cudnn.h itself; header_dirs adds an image's /usr/include.
    header.unlink()
    usr = tmp_path / "usr-include"
    usr.mkdir()
    (usr / "cudnn.h").write_text("#define CUDNN_MAJOR 7\n#define CUDNN_MINOR 6\n"
                                 "#define CUDNN_PATCHLEVEL 5\n")
    found = library_version(tmp_path / "libcudnn.so.7", "libcudnn.so.7", header_dirs=[usr])
    assert found == ("7.6.5", f"header {usr / 'cudnn.h'}")


def test_truncated_and_corrupt_files_give_errors(curand12: BinaryCode, tmp_path: Path) -> None:
    source = Path(curand12.path)
    truncated = tmp_path / "libcurand.so.10"
    with source.open("rb") as src, truncated.open("wb") as dst:
        dst.write(src.read(30_000_000))  # inside .nv_fatbin; the section table is gone
    code = read_binary(truncated)
    assert code.error and not code.has_device_code
    assert runs_on(code, "6.1", minor_version_compat=False).verdict == "unknown"
    # A container that claims more bytes than its section holds.
    corrupt = tmp_path / "libcorrupt.so"
    data = bytearray(source.read_bytes())
    at = data.find(b"\x50\xed\x55\xba")
    data[at + 8 : at + 16] = (2**40).to_bytes(8, "little")
    corrupt.write_bytes(data)
    bad = read_binary(corrupt)
    assert bad.error and "runs past" in bad.error
    not_elf = tmp_path / "libfake.so.1"
    not_elf.write_bytes(b"!<arch>\n" + b"\0" * 100)
    assert not is_elf(not_elf) and read_binary(not_elf).error == "not an ELF file"


def test_scan_tree_aggregates_and_skips(cuda_wheels: dict[str, Path], tmp_path: Path) -> None:
    root = tmp_path / "image"
    lib = root / "usr" / "lib"
    lib.mkdir(parents=True)
    shutil.copyfile(_lib(cuda_wheels, CURAND11, "libcurand.so.10"), lib / "libcurand.so.10")
    shutil.copyfile(_lib(cuda_wheels, CUDART11, "libcudart.so.11.0"), lib / "libcudart.so.11.0")
    (lib / "libnot.so").write_text("not an ELF")
    (lib / "libcurand.so").symlink_to("/etc/passwd")  # an absolute link: never followed
    started = time.perf_counter()
    image = scan_tree(root)
    assert time.perf_counter() - started < 5
    assert len(image.binaries) == 2 and image.skipped == 1
    assert image.library("cudart") is not None and image.library("cudnn") is None
    assert "sm_35" in image.sass
    assert image.runs_on("3.7", minor_version_compat=False).verdict == "runs"
    assert image.runs_on("2.0", minor_version_compat=False).verdict == "fails"
    empty = tmp_path / "empty"
    empty.mkdir()
    nothing = scan_tree(empty).runs_on("6.1", minor_version_compat=False)
    assert nothing.verdict == "unknown" and "no ELF files" in nothing.reason


def test_bad_input_is_one_clear_error(curand12: BinaryCode, tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="MAJOR.MINOR"):
        runs_on(curand12, "sm_61", minor_version_compat=False)
    with pytest.raises(UserInputError, match="not a folder"):
        scan_tree(tmp_path / "missing")
