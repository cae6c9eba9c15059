"""SASS and PTX targets of nvcc command lines (nvcc manual, "GPU Compilation"), of
TORCH_CUDA_ARCH_LIST (torch.utils.cpp_extension._get_cuda_arch_flags) and of
CMAKE_CUDA_ARCHITECTURES."""

from __future__ import annotations

import shlex

import pytest

from imagesmith.model.cuda_targets import (
    cmake_architectures_targets,
    nvcc_targets,
    torch_arch_list_targets,
)


def nvcc(line: str) -> tuple[set[str], set[str]]:
    got = nvcc_targets(shlex.split(line))
    assert got.known, got.unknown
    return set(got.sass), set(got.ptx)


@pytest.mark.parametrize("line, sass, ptx", [
    ("nvcc -gencode arch=compute_70,code=sm_70 x.cu", {"sm_70"}, set()),
    ("nvcc -gencode=arch=compute_70,code=sm_70 x.cu", {"sm_70"}, set()),
    ("nvcc --generate-code arch=compute_70,code=sm_70", {"sm_70"}, set()),
    ("nvcc --generate-code=arch=compute_70,code=compute_70", set(), {"compute_70"}),
    ("nvcc -gencode arch=compute_60,code=[sm_60,compute_60]", {"sm_60"}, {"compute_60"}),
    ("nvcc -gencode 'arch=compute_60,code=\"sm_60,compute_60\"'", {"sm_60"}, {"compute_60"}),
    # shorthand: -arch=sm_XY alone is -gencode arch=compute_XY,code=[sm_XY,compute_XY]
    ("nvcc -arch=sm_61 x.cu", {"sm_61"}, {"compute_61"}),
    ("nvcc -arch sm_61 x.cu", {"sm_61"}, {"compute_61"}),
    ("nvcc --gpu-architecture=sm_61", {"sm_61"}, {"compute_61"}),
    # a virtual -arch alone: --gpu-code defaults to it, PTX only
    ("nvcc --gpu-architecture=compute_61", set(), {"compute_61"}),
    ("nvcc -arch=compute_61 -code=sm_61,compute_61", {"sm_61"}, {"compute_61"}),
    ("nvcc -arch=compute_61 -code=sm_61 -code=sm_62", {"sm_61", "sm_62"}, set()),
    ("nvcc -arch=compute_52 --gpu-code=sm_52,sm_61", {"sm_52", "sm_61"}, set()),
    ("nvcc -gencode arch=compute_90a,code=sm_90a", {"sm_90a"}, set()),
    ("nvcc -gencode arch=compute_80,code=lto_80", set(), set()),  # link-time IR only
])
def test_nvcc_forms(line: str, sass: set[str], ptx: set[str]) -> None:
    assert nvcc(line) == (sass, ptx)


def test_caffe_makefile_gencodes() -> None:
    # NVIDIA/nvidia-docker's caffe image and BVLC Makefile.config
    line = ("nvcc -gencode arch=compute_35,code=sm_35 -gencode arch=compute_50,code=sm_50 "
            "-gencode arch=compute_60,code=sm_60 -gencode arch=compute_61,code=sm_61 "
            "-gencode arch=compute_61,code=compute_61")
    assert nvcc(line) == ({"sm_35", "sm_50", "sm_60", "sm_61"}, {"compute_61"})


@pytest.mark.parametrize("line, why", [
    ("nvcc -arch=native x.cu", "build machine"),
    ("nvcc -arch=all x.cu", "release"),
    ("nvcc -arch=all-major x.cu", "release"),
    ("nvcc x.cu -o x", "default"),
    ("nvcc -arch=$CUDA_ARCH x.cu", "known only"),
    ("nvcc -arch=kepler x.cu", "not a GPU architecture"),
    ("nvcc -gencode arch=compute_70,code=sm_7x x.cu", "not a GPU architecture"),
    ("nvcc -arch", "no value"),
])
def test_nvcc_unknowns(line: str, why: str) -> None:
    got = nvcc_targets(shlex.split(line))
    assert not got.known and why in (got.unknown or "")


@pytest.mark.parametrize("value, sass, ptx", [
    ("3.7;6.1;7.0+PTX", {"sm_37", "sm_61", "sm_70"}, {"compute_70"}),
    ("3.5 5.2 6.0 6.1 7.0+PTX", {"sm_35", "sm_52", "sm_60", "sm_61", "sm_70"}, {"compute_70"}),
    ("6.0;7.0+PTX;7.5+PTX", {"sm_60", "sm_70", "sm_75"}, {"compute_70", "compute_75"}),
    ("Maxwell", {"sm_50", "sm_52"}, {"compute_52"}),
    ("Kepler+Tesla;Pascal", {"sm_37", "sm_60", "sm_61"}, {"compute_61"}),  # combined names first
    ("9.0a;10.0;12.0+PTX", {"sm_90a", "sm_100", "sm_120"}, {"compute_120"}),
])
def test_torch_arch_list(value: str, sass: set[str], ptx: set[str]) -> None:
    got = torch_arch_list_targets(value)
    assert got.known, got.unknown
    assert (set(got.sass), set(got.ptx)) == (sass, ptx)
    assert got.source == "TORCH_CUDA_ARCH_LIST"


@pytest.mark.parametrize("value, why", [
    (None, "unset"),
    ("", "unset"),
    ("native", "unset"),
    ("6.5", "torch rejects"),
    ("7.0+PTX;", "torch rejects"),  # torch's own split gives an empty entry and raises
    ("sm_70", "torch rejects"),
    ("${ARCHES}", "known only"),
])
def test_torch_arch_list_unknowns(value: str | None, why: str) -> None:
    got = torch_arch_list_targets(value)
    assert not got.known and why in (got.unknown or "")


def test_cmake_cuda_architectures() -> None:
    got = cmake_architectures_targets("70;75-real;80-virtual")
    assert (set(got.sass), set(got.ptx)) == ({"sm_70", "sm_75"}, {"compute_70", "compute_80"})
    assert not cmake_architectures_targets("native").known
    assert not cmake_architectures_targets(None).known
