"""imagesmith.core.versions on real version strings.

Where the strings come from:
- DEBIAN_12: Debian 12 "bookworm" packages as `dpkg-query -W` lists them on this project's
  machines (package named in the comment).
- UBUNTU_NVIDIA: Ubuntu 16.04/18.04 packages and NVIDIA's CUDA apt repository packages as
  the official `nvidia/cuda` images install them (their CUDA_PKG_VERSION / NV_*_VERSION ENV),
  and the `bit:5000` catalog of imagesmith/data/profiles/default.toml.
- PyPI / download.pytorch.org wheel versions for the pip cases.
dpkg ordering is checked against the real `dpkg --compare-versions` of this machine.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess

import pytest

from imagesmith.core import versions as V
from imagesmith.core.errors import UserInputError

DEBIAN_12 = [
    "1:2.38.1-5+deb12u3",  # bsdutils
    "1:1.35.0-4+deb12u1+b1",  # busybox-static (binNMU of a stable update)
    "4:12.2.0-3",  # gcc
    "2:9.0.1378-2+deb12u2",  # vim
    "1:2.39.5-0+deb12u3",  # git
    "2.36-9+deb12u14",  # libc6
    "3.0.19-1~deb12u2",  # openssl (backported stable update)
    "5.2.15-2+b8",  # bash
    "252.38-1~deb12u1",  # systemd
    "2025b-0+deb12u2",  # tzdata
    "1:1.2.13.dfsg-1",  # zlib1g
    "0.0~git20230123.b2528b0-1",  # a git snapshot before 0.0
    "1.13.4~dfsg+~1.11.4-3",  # node-* bundle
    "0.1~+svn49-11",  # svn snapshot
    "0~20171227-0.3+deb12u1",  # date-only upstream
    "1.0.8+1-1",
    "2.6.1",  # apt (native package: no revision)
    "1.21.22",  # dpkg
    "1.14.10-1~deb12u1",  # dbus
    "12.2.0-14+deb12u1",  # gcc-12
]
UBUNTU_NVIDIA = [
    "2.27-3ubuntu1",  # libc6, Ubuntu 18.04 release
    "2.27-3ubuntu1.6",  # libc6, bionic-updates
    "3.6.7-1~18.04",  # python3.6, Ubuntu 18.04 release
    "3.6.9-1~18.04ubuntu1",  # python3.6, bionic-updates
    "1.1.0g-2ubuntu4",  # openssl, Ubuntu 18.04 release
    "9.0.176-1",  # cuda-cudart-9-0 (nvidia/cuda:9.0 CUDA_PKG_VERSION=9-0=9.0.176-1)
    "8.0.61-1",  # cuda-cudart-8-0 (bit:5000/deepo CUDA_PKG_VERSION=8-0=8.0.61-1)
    "10.0.130-1",  # cuda-cudart-10-0 (nvidia/cuda:10.0)
    "10.1.243-1",  # cuda-cudart-10-1 (nvidia/cuda:10.1)
    "10.2.89-1",  # cuda-cudart-10-2 (nvidia/cuda:10.2)
    "7.0.5.15-1+cuda9.0",  # libcudnn7 (nvidia/cuda:9.0-cudnn7)
    "7.1.2.21-1+cuda9.0",  # libcudnn7 (bit:5000/deepo_9 CUDNN_VERSION=7.1.2.21)
    "7.6.5.32-1+cuda10.1",  # libcudnn7 (nvidia/cuda:10.1-cudnn7)
    "8.2.4.15-1+cuda11.4",  # libcudnn8 (nvidia/cuda:11.4.2-cudnn8)
    "2.4.8-1+cuda10.1",  # libnccl2 (nvidia/cuda:10.1 NCCL_VERSION=2.4.8)
    "470.57.02-1",  # cuda-compat-11-4 (nvidia/cuda:11.4.2 NV_CUDA_COMPAT_PACKAGE)
]
# Debian Policy 5.6.12: "~" sorts before everything, even the end of a part; letters before
# non-letters; epochs first; digit runs numerically (no integer limit in dpkg).
POLICY_EDGES = [
    ("1.0~rc1-1", "1.0-1"),
    ("~~", "~~a"),
    ("~~a", "~"),
    ("~", "0"),
    ("1.0", "1.0-0"),
    ("1.0a", "1.0+"),
    ("1.0", "1.0.0"),
    ("1.01", "1.1"),
    ("1:0.1", "9.9"),
    ("0:1.0", "1.0"),
    ("1.0-0ubuntu1", "1.0-1"),
    ("1.a", "1.0"),
    ("1a", "1a0"),
    ("1." + "9" * 5000, "1." + "9" * 4999 + "8"),
]

DPKG = shutil.which("dpkg")


def _dpkg_sign(a: str, b: str) -> int:
    def holds(op: str) -> bool:
        return subprocess.run([DPKG, "--compare-versions", a, op, b], capture_output=True).returncode == 0

    return -1 if holds("lt") else 0 if holds("eq") else 1


@pytest.fixture(scope="module")
def dpkg() -> str:
    if DPKG is None:
        if os.environ.get("CI"):
            pytest.fail("dpkg is missing: the dpkg comparison cannot be checked")
        pytest.skip("no dpkg on this machine")
    return DPKG


def test_compare_debian_matches_dpkg_on_real_versions(dpkg: str) -> None:
    strings = DEBIAN_12 + UBUNTU_NVIDIA
    # neighbours in the list plus every pair sharing an upstream family keep the run short
    pairs = list(zip(strings, strings[1:])) + [
        (a, b) for a, b in itertools.combinations(strings, 2) if a[0] == b[0]
    ]
    assert len(pairs) >= 50
    wrong = [(a, b, V.compare_debian(a, b), _dpkg_sign(a, b)) for a, b in pairs
             if V.compare_debian(a, b) != _dpkg_sign(a, b)]
    assert not wrong


@pytest.mark.parametrize(("a", "b"), POLICY_EDGES)
def test_compare_debian_policy_edges_match_dpkg(dpkg: str, a: str, b: str) -> None:
    assert V.compare_debian(a, b) == _dpkg_sign(a, b)
    assert V.compare_debian(b, a) == _dpkg_sign(b, a)


def test_policy_order_without_dpkg() -> None:
    """The order Debian Policy 5.6.12 prints: ~~ < ~~a < ~ < (empty) < a."""
    order = ["1.0~~", "1.0~~a", "1.0~", "1.0", "1.0a"]
    parsed = [V.DebianVersion.parse(v) for v in order]
    assert sorted(reversed(parsed)) == parsed
    assert V.DebianVersion.parse("1.0-1") == V.DebianVersion.parse("1.00-01")
    assert hash(V.DebianVersion.parse("1a")) == hash(V.DebianVersion.parse("1a0"))
    assert V.DebianVersion.parse("1:1.0") > V.DebianVersion.parse("9.0")


def test_debian_parts() -> None:
    v = V.DebianVersion.parse("1:7.1.2.21-1+cuda9.0")
    assert (v.epoch, v.upstream, v.revision) == (1, "7.1.2.21", "1+cuda9.0")
    assert str(v) == "1:7.1.2.21-1+cuda9.0"
    assert V.DebianVersion.parse("1.13.4~dfsg+~1.11.4-3").upstream == "1.13.4~dfsg+~1.11.4"
    assert V.upstream("3.6.9-1~18.04ubuntu1") == "3.6.9"
    assert V.upstream("2:9.0.1378-2+deb12u2") == "9.0.1378"
    assert V.upstream("2.6.1") == "2.6.1"
    assert V.upstream("") is None


@pytest.mark.parametrize(
    "bad", ["1:", ":1.0", "a:1.0", "1a:1.0", "1.0-", "1.0 1", "99999999999:1.0", "-1:1.0"]
)
def test_dpkg_rejects_what_we_reject(dpkg: str, bad: str) -> None:
    assert V.try_parse_debian(bad, strict=False) is None
    with pytest.raises(UserInputError):
        V.compare_debian(bad, "1.0")
    result = subprocess.run([dpkg, "--compare-versions", "--", bad, "lt", "1.0"], capture_output=True)
    assert result.returncode == 2 and b"bad syntax" in result.stderr


def test_empty_is_unknown_not_dpkg_blank() -> None:
    """dpkg --compare-versions reads "" as "no version" (lowest); here it is unknown."""
    assert V.try_parse_debian("") is None and V.try_parse_debian("  ") is None
    with pytest.raises(UserInputError):
        V.compare_debian("", "1.0")


def test_strict_rejects_what_dpkg_only_warns_about(dpkg: str) -> None:
    assert V.try_parse_debian("e=cuda1.0") is None
    loose = V.try_parse_debian("e=cuda1.0", strict=False)
    assert loose is not None and loose.upstream == "e=cuda1.0"
    assert V.compare_debian("e=cuda1.0", "1.0") == _dpkg_sign("e=cuda1.0", "1.0")


# -- pip ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "cuda"),
    [
        ("1.8.0+cu111", "11.1"),  # download.pytorch.org/whl/torch_stable.html
        ("1.12.1+cu113", "11.3"),
        ("2.1.0+cu121", "12.1"),
        ("1.5.0+cu92", "9.2"),
        ("+cu102", "10.2"),
        ("cu80", "8.0"),  # download.pytorch.org/whl/cu80/torch-1.0.0-cp36-cp36m-linux_x86_64.whl
        ("cu121", "12.1"),
        ("1.8.0+cpu", None),
        ("1.8.0", None),
        ("2.3.2.post111", None),  # paddlepaddle-gpu: CUDA in the post tag, not a local one
    ],
)
def test_local_cuda(text: str, cuda: str | None) -> None:
    assert V.local_cuda(text) == cuda


def test_try_parse_never_raises() -> None:
    v = V.try_parse("1.12.1+cu113")
    assert v is not None and v.release == (1, 12, 1) and v.local == "cu113"
    assert V.try_parse("e=cuda1.0") is None  # an ENV value as a broken Dockerfile wrote it
    assert V.try_parse("1" * 4301) is None  # past int()'s 4,300-digit limit: packaging raises
    assert V.try_parse("1." + "9" * 5000) is None
    assert V.try_parse("") is None and V.try_parse(None) is None
    with pytest.raises(UserInputError):
        V.parse("e=cuda1.0")


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("Tensorflow_GPU", "tensorflow-gpu"),
        ("PyYAML", "pyyaml"),
        ("zope.interface", "zope-interface"),
        ("typing_extensions", "typing-extensions"),
        ("nvidia-cudnn-cu11", "nvidia-cudnn-cu11"),
        ("torch", "torch"),
    ],
)
def test_canonical_name(name: str, canonical: str) -> None:
    assert V.canonical_name(name) == canonical


# -- CUDA ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "short"),
    [
        ("9.0.176", "9.0"),  # CUDA_VERSION of nvidia/cuda:9.0
        ("8.0.61", "8.0"),  # /usr/local/cuda/version.txt "CUDA Version 8.0.61"
        ("9", "9.0"),
        ("cuda10.1", "10.1"),  # conda build string py3.7_cuda10.1.243_cudnn7.6.3_0
        ("10-1", "10.1"),  # apt suffix of cuda-cudart-10-1
        ("V11.8.89", "11.8"),  # nvcc --version: "Cuda compilation tools, release 11.8, V11.8.89"
        ("cu113", "11.3"),
        ("+cu102", "10.2"),
        ("470.82.01", "470.82"),  # driver, nvidia-smi
        ("2.4.0rc0", "2.4"),  # tensorflow 2.4.0rc0 on PyPI
        ("1.8.0+cu111", "1.8"),
        ("e=cuda1.0", None),
        ("1" * 4301, None),
        ("latest", None),
        ("", None),
    ],
)
def test_cuda_major_minor(text: str, short: str | None) -> None:
    assert V.cuda_major_minor(text) == short


def test_major_minor_needs_a_value() -> None:
    assert V.major_minor("9.0.176") == "9.0"
    with pytest.raises(UserInputError):
        V.major_minor("e=cuda1.0")
    assert V.cuda_variant("9.0.176") == "cu90" and V.cuda_variant("11.8") == "cu118"
    assert V.cuda_variant("garbage") is None


# -- claims --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("claim", "actual", "same"),
    [
        ("9.0.176", "9.0.176-1", True),  # deepo_9 CUDA_VERSION vs dpkg cuda-cudart-9-0
        ("7.1.2.21", "7.1.2.21-1+cuda9.0", True),  # CUDNN_VERSION vs dpkg libcudnn7
        ("7.1.2", "7.1.2.21-1+cuda9.0", True),
        ("7.0.5.15", "7.1.2.21-1+cuda9.0", False),
        ("9.0", "9.0.176", True),
        ("8", "8.0.61", True),
        ("6.0.21", "6.0.20", False),  # nvidia-tensorflow-17.05 CUDNN_VERSION vs a wrong claim
        ("1.8.0", "1.8.0+cu111", True),  # PYTORCH_VERSION vs pip torch
        ("1.0.1", "1.0.0", False),  # TENSORFLOW_VERSION vs pip tensorflow-gpu
        ("2.4.0", "2.4.0rc0", False),  # tensorflow 2.4.0rc0 on PyPI is not 2.4.0
        ("2.4", "2.4.0rc0", True),
        ("2.4.0rc0", "2.4.0", False),
        ("2.3.2", "2.3.2.post111", True),  # paddlepaddle-gpu post release
        ("3.6.9", "3.6.9-1~18.04ubuntu1", True),  # PYTHON_VERSION vs dpkg python3.6
        ("1:2.39.5", "2.39.5-0+deb12u3", True),  # epoch ignored
        ("e=cuda1.0", "1.0", None),
        ("1.0", "", None),
        ("1" * 4301, "1" * 4301, True),
    ],
)
def test_same_release(claim: str, actual: str, same: bool | None) -> None:
    assert V.same_release(claim, actual) is same


# -- NVIDIA_REQUIRE_* ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "cmp"),
    [
        ("11.4", "11.4.0", 0),  # nvidia/cuda:11.4 "cuda>=11.4" against a host CUDA 11.4
        ("470.82.01", "470", 1),  # driver>=470
        ("10.2", "11.0", -1),
        ("10..2", "10.2", 0),  # libnvidia-container skips repeated dots
        ("11.0b", "11.0", None),
        ("1" * 30, "1", None),  # over strtoumax's range: "invalid expression"
    ],
)
def test_compare_numeric(a: str, b: str, cmp: int | None) -> None:
    assert V.compare_numeric(a, b) == cmp


# -- a consumer: verify's ENV claims against the facts read from an image ----------------------


def test_verify_claims_use_same_release() -> None:
    """The ENV of bit:5000/deepo_9 (default profile) against the dpkg/pip facts of such an image."""
    from imagesmith.compat.probe.facts import (
        Distribution,
        ImageFacts,
        ResolvedVersion,
        VersionSource,
    )
    from imagesmith.verify.versions import check_versions

    def resolved(version: str, source: str, kind: str) -> ResolvedVersion:
        return ResolvedVersion(version, source, kind, (VersionSource(version, source, kind),))

    facts = ImageFacts(
        python=None,
        distributions=(Distribution("Torch", "1.8.0+cu111", "/usr/lib", "/usr/lib/x.dist-info"),),
        dpkg={"cuda-cudart-9-0": "9.0.176-1"},
        cuda=resolved("9.0.176", "/usr/local/cuda/version.txt", "version file"),
        cudnn=resolved("7.1.2", "/usr/lib/libcudnn.so.7.1.2", "library"),
        nccl=ResolvedVersion(None, "", "none found"),
        library_dirs=(),
        shared_objects=(),
        env={},
        user=None,
    )
    env = {
        "CUDA_VERSION": "9.0.176",
        "CUDNN_VERSION": "7.1.2.21",
        "CUDA_PKG_VERSION": "9-0=9.0.176-1",
        "TORCH_VERSION": "1.8.0",
    }
    check = check_versions(env, facts)
    assert check.passed, check.details
    statuses = {row["env"]: row["status"] for row in check.data["claims"]}
    assert set(statuses.values()) == {"ok"}

    wrong = check_versions({"CUDNN_VERSION": "7.0.5.15"}, facts)
    assert not wrong.passed
    unknown = check_versions({"CUDA_VERSION": "e=cuda1.0"}, facts)
    assert [row["status"] for row in unknown.data["claims"]] == ["unknown"]
    assert "cannot compare" in unknown.details[0]
