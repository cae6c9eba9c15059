"""`imagesmith profile detect`: record a node group's real GPU and driver from nvidia-smi.

Reads (or runs) `nvidia-smi --query-gpu=name,driver_version,compute_cap --format=csv`. Drivers
before R510 have no `compute_cap` field; their output (queried as `name,driver_version`) is
mapped to a compute capability through the GPU table of the knowledge data.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any


from imagesmith.compat import knowledge as K
from imagesmith.core.config import read_toml
from imagesmith.core.errors import UserInputError
from imagesmith.core.versions import try_parse
from imagesmith.core.profile import NodeGroup, Profile

QUERY = ["nvidia-smi", "--query-gpu=name,driver_version,compute_cap", "--format=csv"]
QUERY_OLD = ["nvidia-smi", "--query-gpu=name,driver_version", "--format=csv"]
_INVALID_FIELD = re.compile(r'Field "(?P<field>\w+)" is not a valid field to query', re.IGNORECASE)
_HEADER_KEYS = {"name": "name", "gpu_name": "name", "driver_version": "driver", "compute_cap": "cc"}


@dataclass(frozen=True)
class DetectedGpu:
    name: str
    driver: str
    compute_capability: str
    cc_source: str  # "nvidia-smi" | "GPU table (<source>)"
    brand: str


def _brand_of(name: str) -> str:
    fact = K.gpu_by_name(name)
    if fact is not None:
        return fact.brand
    lowered = name.lower()
    for word in ("geforce", "tesla", "quadro", "titan"):
        if word in lowered:
            return word
    return "nvidia"


def parse_query_csv(text: str, where: str = "nvidia-smi output") -> list[DetectedGpu]:
    """Rows of `--format=csv` output, with or without the header line and `compute_cap`."""
    m = _INVALID_FIELD.search(text)
    if m:
        raise UserInputError(
            f"this nvidia-smi does not know the field {m.group('field')!r}",
            where=where,
            hint="save the output of `nvidia-smi --query-gpu=name,driver_version --format=csv` instead",
        )
    rows = [
        r for r in csv.reader(io.StringIO(text), skipinitialspace=True) if any(c.strip() for c in r)
    ]
    if not rows:
        raise UserInputError(
            "no GPU rows in nvidia-smi output",
            where=where,
            hint="run `nvidia-smi --query-gpu=name,driver_version,compute_cap --format=csv` on a node",
        )
    header = [c.strip().lower().split(" [")[0] for c in rows[0]]
    if all(h in _HEADER_KEYS for h in header):
        keys = [_HEADER_KEYS[h] for h in header]
        rows = rows[1:]
    else:
        keys = ["name", "driver", "cc"][: len(rows[0])]
    if "name" not in keys or "driver" not in keys:
        raise UserInputError(
            "nvidia-smi output lacks the name or driver_version column", where=where
        )
    out = []
    for number, row in enumerate(rows, 1):
        if len(row) != len(keys):
            raise UserInputError(
                f"GPU row {number} has {len(row)} columns, expected {len(keys)}", where=where
            )
        values = dict(zip(keys, (c.strip() for c in row)))
        name, driver = values["name"], values["driver"]
        if try_parse(driver) is None:
            raise UserInputError(
                f"GPU row {number}: {driver[:40]!r} is not a driver version", where=where
            )
        cc = values.get("cc")
        source = "nvidia-smi"
        if not cc or cc.startswith("[N/A") or cc.lower().startswith(("n/a", "[not")):
            fact = K.gpu_by_name(name)
            if fact is None:
                raise UserInputError(
                    f"GPU {name!r} has no compute_cap column and is not in the GPU table",
                    where=where,
                    hint="run a newer nvidia-smi, or set compute_capability by hand",
                )
            cc, source = fact.compute_capability, f"GPU table ({fact.source})"
        out.append(DetectedGpu(name, driver, cc, source, _brand_of(name)))
    return out


def run_nvidia_smi() -> str:
    """Run nvidia-smi here; fall back to the old query when compute_cap is unknown to it."""
    for query in (QUERY, QUERY_OLD):
        try:
            proc = subprocess.run(query, capture_output=True, text=True, timeout=60, check=False)
        except FileNotFoundError:
            raise UserInputError(
                "nvidia-smi not found on this machine",
                hint="run this on a GPU node, or save its output there and use --from FILE",
            ) from None
        except subprocess.TimeoutExpired:
            raise UserInputError("nvidia-smi did not answer within 60 s") from None
        text = proc.stdout + proc.stderr
        if proc.returncode == 0:
            return proc.stdout
        if not _INVALID_FIELD.search(text):
            raise UserInputError(
                f"nvidia-smi failed (exit {proc.returncode}): {text.strip()[:200]}"
            )
    raise UserInputError("nvidia-smi refused both queries")


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower().replace("nvidia", ""))


def pick_group(profile: Profile, gpu: DetectedGpu, name: str | None) -> NodeGroup:
    if name:
        group = profile.group(name)
        if group is None:
            known = ", ".join(g.name for g in profile.node_groups)
            raise UserInputError(
                f"profile {profile.name} has no node group {name!r}", hint=f"groups: {known}"
            )
        return group
    fact = K.gpu_by_name(gpu.name)
    hits = [
        g
        for g in profile.node_groups
        if _squash(g.gpu) == _squash(gpu.name)
        or (fact is not None and K.gpu_by_name(g.gpu) == fact)
    ]
    if len(hits) != 1:
        known = ", ".join(f"{g.name} ({g.gpu})" for g in profile.node_groups)
        what = "no" if not hits else "several"
        raise UserInputError(
            f"{what} node groups of profile {profile.name} have a {gpu.name}",
            hint=f"choose one with --group: {known}",
        )
    return hits[0]


def detected_table(group: NodeGroup, gpu: DetectedGpu) -> dict[str, Any]:
    return {
        "name": group.name,
        "gpu": gpu.name,
        "compute_capability": gpu.compute_capability,
        "driver": gpu.driver,
        "driver_source": "detected",
        "brand": gpu.brand,
    }


def write_profile(out: Path, extends: str, profile: Profile, table: dict[str, Any]) -> None:
    """Write (or update) a small profile that extends `extends` and overrides one node group."""
    import tomli_w

    data: dict[str, Any] = {}
    if out.is_file():
        data = read_toml(out, UserInputError, "the existing profile")
    data.setdefault("extends", extends)
    data.setdefault(
        "name",
        f"{profile.name}-detected" if not profile.name.endswith("-detected") else profile.name,
    )
    groups = [g for g in data.get("node_groups", []) if g.get("name") != table["name"]]
    data["node_groups"] = groups + [table]
    from imagesmith.core.atomic import atomic_write

    with atomic_write(out) as fh:
        fh.write(b"# Written by `imagesmith profile detect`: real GPU and driver from nvidia-smi.\n")
        tomli_w.dump(data, fh)


def homogeneous(gpus: list[DetectedGpu], where: str) -> DetectedGpu:
    kinds = {(g.name, g.driver, g.compute_capability) for g in gpus}
    if len(kinds) > 1:
        listed = "; ".join(f"{n} driver {d}" for n, d, _ in sorted(kinds))
        raise UserInputError(
            f"the node has different GPUs or drivers ({listed})",
            where=where,
            hint="a node group must be uniform: save one output per node type",
        )
    return gpus[0]
