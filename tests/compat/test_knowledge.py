"""The curated data file: integrity (versions parse, every row has a source and a confidence
mark) and the lookups built on it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from imagesmith.compat import knowledge as K

MARKS = {"V", "S", "D", "U"}


def rows(node: Any) -> Iterator[dict[str, Any]]:
    """Every dict that states a fact (has a source or a confidence), at any depth."""
    if isinstance(node, dict):
        if "source" in node or "confidence" in node:
            yield node
        for value in node.values():
            yield from rows(value)
    elif isinstance(node, list):
        for item in node:
            yield from rows(item)


def test_every_row_has_a_source_and_a_confidence_mark() -> None:
    data = K.data()
    found = list(rows({k: v for k, v in data.items() if k != "unconfirmed"}))
    assert len(found) > 150
    for row in found:
        assert row.get("source", "").strip(), row
        assert row.get("confidence") in MARKS, row


def test_versions_parse() -> None:
    data = K.data()
    for r in data["cuda_driver_min"]:
        Version(r["cuda"]), Version(r["min_driver"])
    for r in data["minor_version_compat"]:
        Version(r["min_driver"])
    for r in data["gpus"]:
        Version(r["compute_capability"])
    for r in data["toolkit_archs"]:
        Version(r["cuda_from"]), Version(r["cuda_to"])
        assert all(isinstance(s, int) and 10 <= s < 200 for s in r["sm"])
    for r in data["tensorflow_builds"]:
        Version(r["version"]), Version(r["cuda"]), Version(r["cudnn"])
    for r in data["torch_releases"] + data["torch_archs"] + data["tensorflow_archs"]:
        SpecifierSet(r["versions"])
    for r in data["torch_archs"]:
        assert re.fullmatch(r"(\d+\.\d+(\+PTX)?;)*\d+\.\d+(\+PTX)?", r["arch"]), r
        assert all(re.fullmatch(r"cu\d+", v) for v in r["variants"])
    for r in data["torch_releases"]:
        assert all(re.fullmatch(r"cu\d+", v) for v in r["variants"])
        assert r["pypi_default"] is None or r["pypi_default"] in r["variants"]


def test_driver_rows_are_ordered_and_monotonic() -> None:
    table = K.data()["cuda_driver_min"]
    cudas = [Version(r["cuda"]) for r in table]
    drivers = [Version(r["min_driver"]) for r in table]
    assert cudas == sorted(cudas)
    assert drivers == sorted(drivers)


def test_the_file_is_plain_json_in_the_package() -> None:
    from importlib import resources

    text = (resources.files("imagesmith.data") / "cuda_compat.json").read_text(encoding="utf-8")
    assert json.loads(text)["schema"].startswith("imagesmith cuda_compat")


@pytest.mark.parametrize(
    "cuda, driver",
    [
        ("9.0", "384.81"),
        ("9.0.176", "384.81"),
        ("8.0.44", "367.48"),
        ("8.0.61", "375.26"),
        ("11.4.0", "470.42.01"),
        ("11.4.3", "470.82.01"),
        ("11.8.0", "520.61.05"),
        ("12.0", "525.60.13"),
        ("12.8", "570.26"),
        ("13.0.0", "580.65.06"),
    ],
)
def test_min_driver(cuda: str, driver: str) -> None:
    fact = K.min_driver_for(cuda)
    assert fact is not None and fact.value == driver and fact.source


@pytest.mark.parametrize(
    "driver, cuda",
    [
        ("470.82.01", "11.4"),
        ("384.81", "9.0"),
        ("384.130", "9.0"),
        ("525.60.13", "12.0"),
        ("580.95.05", "13.0"),
        ("367.48", "8.0"),
    ],
)
def test_driver_cuda_version(driver: str, cuda: str) -> None:
    assert K.driver_cuda_version(driver) == cuda


def test_uncertain_rows_stay_marked() -> None:
    assert K.min_driver_for("9.1").confidence == "U"  # 387.26 vs 390.46
    assert K.min_driver_for("13.2").confidence == "S"
    assert K.torch_build("2.9.0").confidence == "U"  # its PyPI flavour is unverified


@pytest.mark.parametrize(
    "name, cc",
    [
        ("NVIDIA GeForce GTX 1080 Ti", "6.1"),
        ("GeForce GTX 1080 Ti", "6.1"),
        ("Tesla K80", "3.7"),
        ("Tesla T4", "7.5"),
        ("NVIDIA A100-SXM4-80GB", "8.0"),
    ],
)
def test_gpu_names(name: str, cc: str) -> None:
    fact = K.gpu_by_name(name)
    assert fact is not None and fact.compute_capability == cc


def test_toolkit_targets() -> None:
    assert K.toolkit_targets("11.8", "3.7").value is True
    assert K.toolkit_targets("12.0", "3.7").value is False
    assert K.toolkit_targets("12.9", "6.1").value is True
    assert K.toolkit_targets("13.0", "6.1").value is False


def test_sass_and_ptx_rules() -> None:
    spec = K.ArchSpec.parse("3.5;5.0+PTX;6.0;7.0")
    assert spec.runs_on("3.7") and spec.runs_on("6.1")  # sm_35 on 3.7, sm_60 on 6.1
    assert not K.ArchSpec.parse("3.7").runs_on("3.5")
    only_ptx = K.ArchSpec.parse("7.5;8.0+PTX")
    assert only_ptx.runs_on("8.6", ptx_jit=True) and not only_ptx.runs_on("6.1", ptx_jit=True)
    assert not K.ArchSpec.parse("5.0+PTX").runs_on("6.1", ptx_jit=False)


@pytest.mark.parametrize(
    "name, ver, cuda",
    [
        ("mxnet-cu90", "1.2.0", "9.0"),
        ("mxnet-cu112", "1.9.1", "11.2"),
        ("cupy-cuda90", "4.1.0", "9.0"),
        ("cupy-cuda11x", "12.0.0", "11.x"),
        ("cntk-gpu", "2.5.1", "9.0"),
        ("paddlepaddle-gpu", "2.3.2.post111", "11.1"),
        ("paddlepaddle-gpu", "2.4.2.post117", "11.7"),
        ("tensorflow-gpu", "1.8.0", "9.0"),
        ("tensorflow", "2.14.0", "11.8"),
        ("torch", "1.7.1+cu110", "11.0"),
        ("torch", "2.8.0", "12.8"),
    ],
)
def test_package_builds(name: str, ver: str, cuda: str) -> None:
    build = K.package_build(name, ver)
    assert build is not None and build.cuda == cuda


def test_non_gpu_packages_are_ignored() -> None:
    assert K.package_build("numpy", "1.14.3") is None
    assert K.package_build("torch", "1.10.2+cpu").cuda is None
