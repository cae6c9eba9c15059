"""The sourced knowledge tables beside cuda_compat.json: TensorFlow's compiled cuDNN and runtime
check, framework wheels per CPython, JAX's CUDA flavours and the cuda-compat mount rule.

One test per fact family, its source in the docstring, against the cluster's own node groups
(conftest: G101-G125 GTX 1080 Ti sm_61, G131-G144 Tesla K80 sm_37, both R470 assumed)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from imagesmith.compat import compat_package, jax, tf_cudnn, wheels
from imagesmith.compat.fact_verdict import FactKind, load_table
from imagesmith.compat.wheels import WheelKind
from imagesmith.core.errors import UserInputError
from imagesmith.core.profile import NodeGroup

MARKS = {"V", "S", "D", "U"}
TABLES = ("tensorflow_cudnn.json", "wheels.json", "jax.json")


# -- TensorFlow: compiled cuDNN and the runtime check --------------------------------------


def test_tf_1_12_refuses_cudnn_7_1() -> None:
    """RELEASE.md 1.11.0: binaries 'built against cuDNN 7.2'; cudnn_version.cc accepts only an
    equal or higher minor. deepo_9's cuDNN 7.1.2 is lower: TensorFlow refuses it."""
    verdict = tf_cudnn.tf_cudnn_check("tensorflow-gpu", "1.12.0", "7.1.2.21")
    assert verdict.kind == FactKind.FAILS and verdict.is_failure
    assert "7.2" in verdict.reason and "RELEASE.md" in verdict.source


def test_tf_1_8_accepts_cudnn_7_1() -> None:
    """tensorflow/docs source.md: 1.8.0 is built with cuDNN 7 (7.0 or 7.1 by its date); from 1.8
    IsSourceCompatibleWithCudnnLibrary accepts a higher cuDNN 7 minor: 7.1.2 passes either way,
    while 7.0.5 depends on the unknown compiled minor."""
    assert tf_cudnn.tf_cudnn_check("tensorflow-gpu", "1.8.0", "7.1.2").kind == FactKind.RUNS
    older = tf_cudnn.tf_cudnn_check("tensorflow-gpu", "1.8.0", "7.0.5")
    assert older.kind == FactKind.UNKNOWN and not older.is_failure


def test_tf_before_1_8_needs_the_exact_minor() -> None:
    """cuda_dnn.cc cudnnCompatibilityVersion ((v/100)*100 must be equal); tensorflow#17566:
    tensorflow-gpu 1.6.0 (cuDNN 7.0) crashes on the cuDNN 7.1 of nvidia/cuda:9.0-cudnn7."""
    assert tf_cudnn.tf_cudnn_check("tensorflow_gpu", "1.6.0", "7.1.2").kind == FactKind.FAILS
    assert tf_cudnn.tf_cudnn_check("tensorflow-gpu", "1.6.0", "7.0.5").kind == FactKind.RUNS
    assert tf_cudnn.tf_cudnn_check("tensorflow-gpu", "1.4.1", "6.0.21").kind == FactKind.RUNS
    assert tf_cudnn.tf_cudnn_check("tensorflow-gpu", "1.4.1", "7.0.5").kind == FactKind.FAILS


def test_tf_runtime_rule_is_tensorflows_comparison() -> None:
    """cudnn_version.cc: major equal; minor equal, or higher when compiled major >= 7; the
    patch level never matters. cuDNN's integer form 7102 reads as 7.1."""
    assert tf_cudnn.accepts("minor-backward-from-7", (7, 2), (7, 6))
    assert not tf_cudnn.accepts("minor-backward-from-7", (7, 2), (8, 0))
    assert not tf_cudnn.accepts("minor-backward-from-7", (6, 0), (6, 1))
    assert not tf_cudnn.accepts("exact-major-minor", (7, 0), (7, 1))
    assert tf_cudnn.tf_cudnn_check("tensorflow-gpu", "1.6.0", "7005").kind == FactKind.RUNS


def test_tf_cpu_only_and_unknowns() -> None:
    """pip.md: plain tensorflow had no GPU build before 2.1. A missing runtime cuDNN, an
    unknown release or unreadable input are never a pass."""
    cpu = tf_cudnn.tf_cudnn_check("tensorflow", "1.12.0", "7.1.2")
    assert cpu.kind == FactKind.RUNS and "CPU-only" in cpu.reason
    assert tf_cudnn.tf_cudnn_check("tensorflow", "2.21.0", None).kind == FactKind.UNKNOWN
    assert tf_cudnn.tf_cudnn_check("tensorflow", "9.0.0", "9.3").kind == FactKind.UNKNOWN
    with pytest.raises(UserInputError):
        tf_cudnn.tf_cudnn_check("tensorflow-gpu", "1.12.0", "seven")


def test_tf_builds_cover_every_release_once() -> None:
    """Every tensorflow-gpu 1.x release on PyPI (wheels.json) has exactly one compiled row."""
    for text in load_table("wheels.json")["pypi_known_versions"]["tensorflow-gpu"]:
        version = Version(text)
        if version.release[0] != 1:
            continue
        hits = [
            r
            for r in load_table("tensorflow_cudnn.json")["builds"]
            if "tensorflow-gpu" in r["packages"] and version in SpecifierSet(r["versions"])
        ]
        assert len(hits) == 1, text


# -- wheels per CPython ---------------------------------------------------------------------


def test_torch_1_12_has_no_py36_wheel() -> None:
    """PyPI file list, checked 2026-12-03: torch's last cp36 wheels are 1.10.2."""
    got = wheels.wheel_for("torch", "1.12.0", "3.6")
    assert got.kind == WheelKind.NO and got.is_failure and got.confidence == "V"
    assert wheels.wheel_for("torch", "1.10.2", "3.6.9").kind == WheelKind.YES


def test_tf_2_7_has_no_py36_wheel() -> None:
    """PyPI file list, checked 2026-12-03: tensorflow's last cp36 wheels are 2.6.x."""
    assert wheels.wheel_for("tensorflow", "2.7.0", "cp36").is_failure
    assert wheels.wheel_for("tensorflow", "2.6.2", "3.6").kind == WheelKind.YES
    assert wheels.wheel_for("tensorflow-gpu", "1.8.0", "3.6").kind == WheelKind.YES


def test_torch_0_4_0_only_from_the_pytorch_index() -> None:
    """PyPI has no torch wheel before 1.0.0; deepo pins download.pytorch.org/whl/cu90/
    torch-0.4.0-cp36 (S)."""
    assert wheels.wheel_for("torch", "0.4.0", "3.6").kind == WheelKind.NO
    other = wheels.wheel_for("torch", "0.4.0+cu90", "3.6")
    assert other.kind == WheelKind.YES and other.confidence == "S"


def test_wheels_unchecked_pythons_and_newer_releases() -> None:
    """Derived rule (D): an unchecked CPython between two checked ones takes their common answer;
    a release newer than the check and a CPython outside the range are unknown."""
    derived = wheels.wheel_for("torchvision", "0.11.2", "3.7")
    assert derived.kind == WheelKind.YES and derived.confidence == "D"
    assert wheels.wheel_for("torch", "99.0.0", "3.10").kind == WheelKind.UNKNOWN
    assert wheels.wheel_for("tensorflow", "1.4.1", "3.13").kind == WheelKind.UNKNOWN
    assert wheels.wheel_for("no-such-framework", "1.0", "3.6").kind == WheelKind.UNKNOWN
    assert wheels.wheel_for("tensorflow-gpu", "2.12.0", "3.10").kind == WheelKind.NO
    with pytest.raises(UserInputError):
        wheels.wheel_for("torch", "1.0.0", "three")


# -- JAX ------------------------------------------------------------------------------------


def test_jax_cuda12_on_the_cluster(gtx: NodeGroup, k80: NodeGroup) -> None:
    """JAX installation guide: CUDA 12 needs SM >= 5.2 and driver >= 525.60.13. The K80 (3.7)
    fails on the SM; the 1080 Ti (6.1) hinges on the driver: R470 fails, 525.60.13 runs."""
    facts = jax.jax_build("jax[cuda12]", "0.4.30")
    assert facts is not None and facts.min_sm == "5.2"
    on_k80 = facts.check(k80.compute_capability, k80.driver)
    assert on_k80.is_failure and "SM" in on_k80.reason
    on_gtx = facts.check(gtx.compute_capability, gtx.driver)
    assert on_gtx.is_failure and "525.60.13" in on_gtx.reason
    assert facts.check(gtx.compute_capability, "525.60.13").kind == FactKind.RUNS
    assert facts.check(gtx.compute_capability, None).kind == FactKind.UNKNOWN


def test_jax_selectors() -> None:
    """Guide: cuda11 builds need driver >= 450.80.02 (R470 suffices); jax-cuda11-plugin stops at
    0.4.25 on PyPI, so jax 0.4.30 has no cuda11_pip; old jaxlib CUDA builds are unknown."""
    assert jax.jax_build("cuda11_pip", "0.4.20").check("6.1", "470.82.01").kind == FactKind.RUNS
    gone = jax.jax_build("jax[cuda11_pip]==0.4.30")
    assert gone is not None and gone.check("6.1", "470.82.01").kind == FactKind.FAILS
    local = jax.jax_build("jaxlib==0.4.13+cuda12.cudnn89")
    assert local is not None and local.cuda_major == 12
    old = jax.jax_build("jaxlib==0.1.68+cuda111")
    assert old is not None and old.check("3.7", "470.82.01").kind == FactKind.UNKNOWN
    assert jax.jax_build("jax[cpu]==0.4.30") is None
    with pytest.raises(UserInputError):
        jax.jax_build("jax[cuda12")


# -- cuda-compat ----------------------------------------------------------------------------


def test_compat_package_on_geforce_with_older_driver_fails(gtx: NodeGroup) -> None:
    """libnvidia-container compat_mode.c: compat libs whose driver major is above the host's are
    mounted, with no brand check; NVIDIA's forward-compatibility guide: not supported on GeForce
    (error 804). Derived from both (D): a CUDA 11.8 image on the R470 1080 Ti fails."""
    verdict = compat_package.compat_package_effect("11.8.0", True, gtx.driver, gtx.brand)
    assert verdict.kind == FactKind.FAILS and verdict.confidence == "D" and verdict.is_failure
    assert "804" in verdict.reason and "520.61.05" in verdict.reason


def test_compat_package_rule_compares_driver_majors(gtx: NodeGroup, k80: NodeGroup) -> None:
    """compat_mode.c filter_by_major_version: equal or lower majors are dropped (the 11.4 compat
    libcuda 470.82.01 is not mounted on R470). On the K80 (last branch R470) a mounted R520
    libcuda has no Kepler support (issues #182/#183)."""
    same = compat_package.compat_package_effect("11.4.3", True, gtx.driver, gtx.brand)
    assert same.kind == FactKind.RUNS
    assert (
        compat_package.compat_package_effect("11.8.0", False, gtx.driver, gtx.brand).kind
        == FactKind.RUNS
    )
    kepler = compat_package.compat_package_effect(
        "11.8.0", True, k80.driver, k80.brand, gpu_last_branch="R470"
    )
    assert kepler.kind == FactKind.FAILS
    unknown = compat_package.compat_package_effect("11.8.0", None, gtx.driver, gtx.brand)
    assert unknown.kind == FactKind.UNKNOWN
    assert compat_package.nvidia_image_has_compat("10.1").value is True
    assert compat_package.nvidia_image_has_compat("9.0.176").value is False


# -- integrity --------------------------------------------------------------------------------


def _facts(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if "source" in node or "confidence" in node:
            yield node
        for value in node.values():
            yield from _facts(value)
    elif isinstance(node, list):
        for item in node:
            yield from _facts(item)


@pytest.mark.parametrize("table", TABLES)
def test_every_row_has_source_and_confidence(table: str) -> None:
    """Every fact row states where it came from and how sure it is."""
    data = load_table(table)
    found = list(_facts(data))
    assert found
    for row in found:
        assert row.get("source"), row
        assert row.get("confidence") in MARKS, row
    for key in ("builds", "runtime_checks", "pypi", "families", "selectors"):
        for row in data.get(key, []):
            assert row in found, row


def test_version_fields_parse() -> None:
    """Specifiers and versions in the tables are valid PEP 440 (a typo would silently never match)."""
    tf = load_table("tensorflow_cudnn.json")
    for row in tf["builds"]:
        SpecifierSet(row["versions"])
        for cudnn in row["compiled_cudnn"]:
            Version(cudnn)
    for row in tf["runtime_checks"]:
        SpecifierSet(row["tensorflow"])
    for row in load_table("wheels.json")["pypi"]:
        for text in row["versions"]:
            Version(text)
    for row in load_table("jax.json")["selectors"]:
        SpecifierSet(row["jax"])
