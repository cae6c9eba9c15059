"""Time compat/fatbin.scan_tree over >= 1 GiB of NVIDIA CUDA libraries (goal: <= 5 s).

    python bench/fatbin_scan.py [FOLDER]

Without FOLDER, scripts/cuda_wheels.py fetches and unpacks the benchmark wheels (cuBLAS, cuDNN,
cuRAND, cudart) and their unpacked folder is scanned. Prints the figure; the first run pays
for pip download and unzip, not counted.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

from imagesmith.compat.fatbin import scan_tree

REPO = Path(__file__).resolve().parents[1]
GOAL_S = 5.0


def _wheel_root() -> Path:
    spec = importlib.util.spec_from_file_location("cuda_wheels", REPO / "scripts" / "cuda_wheels.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.fetch_all(module.BENCH_WHEELS)
    return module.cache_dir() / "unpacked"


def main(argv: list[str]) -> int:
    root = Path(argv[0]) if argv else _wheel_root()
    started = time.perf_counter()
    image = scan_tree(root)
    took = time.perf_counter() - started
    gib = image.bytes_scanned / 2**30
    entries = sum(b.containers for b in image.binaries)
    print(f"scanned {len(image.binaries)} ELF files, {gib:.2f} GiB, {entries} fatbin containers, "
          f"{len(image.errors)} unreadable, in {took:.2f} s (goal <= {GOAL_S:.0f} s, "
          f"{'met' if took <= GOAL_S else 'MISSED'})")
    for b in sorted(image.with_device_code, key=lambda b: -len(b.sass)):
        print(f"  {Path(b.path).name}: {len(b.sass)} SASS, {len(b.ptx)} PTX, version {b.version} "
              f"({b.version_source})")
    if gib < 1.0:
        print("less than 1 GiB scanned: not the benchmark's size", file=sys.stderr)
        return 1
    return 0 if took <= GOAL_S else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
