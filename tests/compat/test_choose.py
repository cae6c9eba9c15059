"""The choosing API the recipes use: newest framework build / catalog image per node groups."""

from __future__ import annotations

import dataclasses

from imagesmith.compat.choose import (
    Candidate,
    best_catalog_image,
    best_framework_version,
    evaluate_framework,
    framework_candidates,
)
from imagesmith.core.profile import NodeGroup, Profile


def test_candidates_newest_first() -> None:
    torch = framework_candidates("torch")
    assert torch[0].version.startswith("2.14") and torch[-1].version == "0.4.0"
    assert Candidate("torch", "1.10.2", "cu102").install.endswith("torch_stable.html")
    tf = framework_candidates("tensorflow")
    assert tf[-1] == Candidate("tensorflow-gpu", "1.0.0")


def test_best_torch_for_both_groups(gtx: NodeGroup, k80: NodeGroup) -> None:
    choice = best_framework_version("torch", [gtx, k80], allow_caveats=False)
    assert choice.status == "runs" and choice.candidate is not None
    assert (
        choice.candidate.variant == "cu113"
    )  # driver 470 runs CUDA 11.4 natively; cu113 keeps sm_37
    assert (
        best_framework_version("torch", [gtx, k80]).candidate == choice.candidate
    )  # runs beats caveats
    only_118 = best_framework_version(
        "torch", [gtx, k80], candidates=[Candidate("torch", "2.0.1", "cu118")]
    )
    assert (
        only_118.status == "runs-with-caveats"
    )  # R470 runs CUDA 11.8 by minor-version compatibility
    assert (
        best_framework_version(
            "torch",
            [gtx, k80],
            allow_caveats=False,
            candidates=[Candidate("torch", "2.0.1", "cu118")],
        ).candidate
        is None
    )


def test_newer_driver_on_1080ti_only(gtx: NodeGroup) -> None:
    new = dataclasses.replace(gtx, driver="580.95.05", driver_source="detected")
    choice = best_framework_version("torch", [new])
    assert (
        choice.candidate is not None and choice.candidate.variant == "cu126"
    )  # the flavour that keeps Pascal


def test_blocked_names_the_group(k80: NodeGroup) -> None:
    choice = best_framework_version(
        "torch", [k80], candidates=[Candidate("torch", "2.8.0", "cu128")]
    )
    assert choice.candidate is None and choice.status == "fails"
    assert "G131-G144" in choice.blockers and any(
        "sm_37" in r for r in choice.blockers["G131-G144"]
    )
    assert choice.best_per_group == {"G131-G144": None}


def test_tensorflow_on_a_catalog_base(profile: Profile, gtx: NodeGroup, k80: NodeGroup) -> None:
    base = profile.find_image("bit:5000/deepo_9")
    choice = best_framework_version("tensorflow", [gtx, k80], base)
    # 1.11/1.12 were built with cuDNN 7.2 (TensorFlow RELEASE.md 1.11) and refuse deepo_9's 7.1.2
    # at run time; 1.10 is the newest built for CUDA 9.0 that loads it.
    assert choice.candidate is not None and choice.candidate.version.startswith("1.10")
    verdicts = evaluate_framework("tensorflow-gpu", "1.0.0", None, [gtx], base)
    assert verdicts["G101-G125"].verdict == "fails"


def test_best_catalog_image(profile: Profile) -> None:
    choice = best_catalog_image(profile, profile.node_groups)
    assert (
        choice.image is not None
        and choice.image.name == "bit:5000/deepo_9"
        and choice.status == "runs"
    )
