"""Every CUDA-related Dockerfile of the shared corpus gets a verdict per node group, without a
traceback. Skipped when the corpus is not next to the clone."""

from __future__ import annotations

import collections
import csv
from pathlib import Path

import pytest

from imagesmith.core.errors import DockerfileParseError
from imagesmith.core.profile import Profile
from imagesmith.services.compat import compat_for_dockerfile
from tests.compat.conftest import shared_dir

CORPUS = shared_dir() / "corpus"


def cuda_files() -> list[Path]:
    manifest = CORPUS / "manifest.tsv"
    if not manifest.is_file():
        return []
    with open(manifest, encoding="utf-8") as fh:
        return [
            CORPUS / "files" / row["saved_name"]
            for row in csv.DictReader(fh, delimiter="\t")
            if row["has_cuda"] == "yes"
        ]


@pytest.mark.skipif(not cuda_files(), reason="shared corpus not present")
def test_every_cuda_dockerfile_gets_a_verdict(
    profile: Profile, capsys: pytest.CaptureFixture[str]
) -> None:
    dist: collections.Counter[tuple[str, str]] = collections.Counter()
    unparsable = []
    files = cuda_files()
    for path in files:
        try:
            report = compat_for_dockerfile(path, profile)
        except DockerfileParseError:
            unparsable.append(path.name)  # BuildKit's parser refuses it: exit 2, as for a user
            continue
        assert [g.name for g in report.groups] == [g.name for g in profile.node_groups]
        for g in report.groups:
            assert g.verdict in ("runs", "runs-with-caveats", "unknown", "fails")
            assert g.reasons and all(isinstance(r, str) and r for r in g.reasons)
            dist[(g.name, g.verdict)] += 1
    assert len(unparsable) <= 2, unparsable
    with capsys.disabled():
        print(
            f"\ncompat over {len(files)} CUDA Dockerfiles ({len(unparsable)} unparsable): "
            + ", ".join(f"{n} {v}: {c}" for (n, v), c in sorted(dist.items()))
        )
    # Both verdict extremes occur: the corpus has CUDA 12/13 images and CUDA 8-10 ones.
    assert dist[("G131-G144", "fails")] > 0 and dist[("G131-G144", "runs")] > 0
    assert dist[("G101-G125", "runs-with-caveats")] > 0
