"""`imagesmith profile detect` on saved nvidia-smi outputs of several driver generations."""

from __future__ import annotations

from pathlib import Path

import pytest
import tomllib

from imagesmith.compat.detect import parse_query_csv
from imagesmith.core.errors import UserInputError
from imagesmith.core.profile import load_profile
from tests.compat.conftest import DATA
from tests.conftest import run_cli

SMI = DATA / "nvidia-smi"


@pytest.mark.parametrize(
    "capture, name, driver, cc, from_table, count",
    [
        (
            "r470-1080ti-8gpu-no-compute-cap.csv",
            "NVIDIA GeForce GTX 1080 Ti",
            "470.82.01",
            "6.1",
            True,
            8,
        ),
        ("r470-k80-no-compute-cap.csv", "Tesla K80", "470.57.02", "3.7", True, 4),
        ("r384-1080ti-old-name.csv", "GeForce GTX 1080 Ti", "384.130", "6.1", True, 2),
        ("r525-1080ti-noheader.csv", "NVIDIA GeForce GTX 1080 Ti", "525.60.13", "6.1", False, 2),
        ("r535-t4-compute-cap.csv", "Tesla T4", "535.104.05", "7.5", False, 1),
    ],
)
def test_captures(
    capture: str, name: str, driver: str, cc: str, from_table: bool, count: int
) -> None:
    gpus = parse_query_csv((SMI / capture).read_text(encoding="utf-8-sig"), capture)
    assert len(gpus) == count
    assert (gpus[0].name, gpus[0].driver, gpus[0].compute_capability) == (name, driver, cc)
    assert gpus[0].cc_source.startswith("GPU table") is from_table


def test_refused_field_is_explained() -> None:
    with pytest.raises(UserInputError, match="compute_cap"):
        parse_query_csv((SMI / "r470-compute-cap-refused.txt").read_text(), "x")


def test_detect_writes_an_extending_profile(tmp_path: Path) -> None:
    out = tmp_path / "mycluster.toml"
    res = run_cli(
        "profile", "detect", "--from", str(SMI / "r470-k80-no-compute-cap.csv"), "-o", str(out)
    )
    assert res.exit_code == 0, res.stderr
    data = tomllib.loads(out.read_text())
    assert data["extends"] == "default"
    assert data["node_groups"] == [
        {
            "name": "G131-G144",
            "gpu": "Tesla K80",
            "compute_capability": "3.7",
            "driver": "470.57.02",
            "driver_source": "detected",
            "brand": "tesla",
        }
    ]
    res = run_cli(
        "profile", "detect", "--from", str(SMI / "r384-1080ti-old-name.csv"), "-o", str(out)
    )
    assert res.exit_code == 0, res.stderr
    prof = load_profile(out)
    by_name = {g.name: g for g in prof.node_groups}
    assert (by_name["G131-G144"].driver, by_name["G101-G125"].driver) == ("470.57.02", "384.130")
    assert {g.driver_source for g in prof.node_groups} == {"detected"}
    assert len(prof.catalog) == 3  # everything else still comes from the extended profile
    res = run_cli("compat", "bit:5000/deepo_9", "--profile", str(out), "--format", "json")
    if res.exit_code != 2:  # the engine may be absent here; the profile itself is what is tested
        assert '"driver_source": "detected"' in res.stdout


def test_detect_with_group_and_bom(tmp_path: Path) -> None:
    out = tmp_path / "p.toml"
    res = run_cli(
        "profile",
        "detect",
        "--from",
        str(SMI / "r550-a100-crlf-bom.csv"),
        "--group",
        "G101-G125",
        "-o",
        str(out),
    )
    assert res.exit_code == 0, res.stderr
    group = load_profile(out).group("G101-G125")
    assert group is not None and (group.compute_capability, group.driver) == ("8.0", "550.54.15")


@pytest.mark.parametrize(
    "capture, args, message",
    [
        ("mixed-node.csv", [], "different GPUs"),
        ("r535-t4-compute-cap.csv", [], "--group"),  # no node group has a T4
        ("r470-compute-cap-refused.txt", [], "compute_cap"),
        ("r470-k80-no-compute-cap.csv", ["--group", "G999"], "no node group"),
    ],
)
def test_detect_bad_input(capture: str, args: list[str], message: str, tmp_path: Path) -> None:
    out = tmp_path / "p.toml"
    res = run_cli("profile", "detect", "--from", str(SMI / capture), "-o", str(out), *args)
    assert res.exit_code == 2 and message in res.stderr and "Traceback" not in res.stderr
    assert not out.exists() and not list(tmp_path.iterdir())


def test_detect_without_nvidia_smi(tmp_path: Path) -> None:
    res = run_cli("profile", "detect", "-o", str(tmp_path / "p.toml"), env={"PATH": str(tmp_path)})
    assert res.exit_code == 2 and "nvidia-smi not found" in res.stderr
