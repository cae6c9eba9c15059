"""Packaging speed and memory: a 1 GiB build context vs `tar cf - DIR | sha256sum`.

Goal (issue 7): throughput >= 0.8x the baseline's, peak RSS <= 100 MiB.

    python bench/package_bench.py [--size-mib 1024] [--kind random|text] [--runs 2] [--dir /tmp]

`random` stands for a compressed CUDA tarball (incompressible; stored, level 0); `text`
for a plain tar of libraries (compressible; deflated at level 1). The packaging runs as a
child process (`imagesmith package` when the lint service is installed, else the bundle
writer alone); its peak RSS comes from getrusage(RUSAGE_CHILDREN). Files are read once
first so both sides start from a warm page cache.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MiB = 1 << 20
META = 'name = "Bench"\nstudent_id = "0"\nsupervisor = "S"\ncluster = "GPU"\nchanges = "bench"\n'
WRITER_ONLY = """
import sys
from pathlib import Path
from imagesmith.bundle.writer import ContextFile, write_bundle
folder, out = Path(sys.argv[1]), Path(sys.argv[2])
files = [ContextFile(p.name, p, p.stat().st_size) for p in sorted(folder.iterdir()) if p.is_file()]
write_bundle(out, files, lambda: ("bench\\n", {}))
"""


def make_context(root: Path, size_mib: int, kind: str) -> Path:
    folder = root / "dockertmp"
    folder.mkdir()
    (folder / "Dockerfile").write_text(
        "FROM bit:5000/deepo_9\nCOPY cuda.tgz /tmp/cuda.tgz\n"
        "RUN tar xzf /tmp/cuda.tgz -C /usr/local && rm /tmp/cuda.tgz\n")
    (folder / "request.toml").write_text(META)
    line = b"usr/local/cuda-8.0/lib64/libcudnn.so.5.1.10 -> libcudnn.so.5 0755 root root\n"
    with open(folder / "cuda.tgz", "wb") as fh:
        for i in range(size_mib):
            if kind == "random":
                fh.write(os.urandom(MiB))
            else:
                block = (line * (MiB // len(line) + 1))[:MiB - 8] + i.to_bytes(8, "little")
                fh.write(block)
    return folder


def warm(folder: Path) -> None:
    for p in folder.iterdir():
        with open(p, "rb") as fh:
            while fh.read(8 * MiB):
                pass


def run_baseline(folder: Path) -> float:
    start = time.perf_counter()
    subprocess.run(f"tar cf - -C {folder.parent} {folder.name} | sha256sum > /dev/null",
                   shell=True, check=True)
    return time.perf_counter() - start


def package_command(folder: Path, out: Path) -> list[str]:
    if importlib.util.find_spec("imagesmith.services.lint") is None:
        return [sys.executable, "-c", WRITER_ONLY, str(folder), str(out)]
    return [sys.executable, "-m", "imagesmith", "package", str(folder), "-o", str(out),
            "--meta", str(folder / "request.toml"), "--force", "--quiet"]


def run_package(folder: Path, out: Path) -> tuple[float, float]:
    """(seconds, peak RSS MiB) of one packaging child."""
    out.unlink(missing_ok=True)
    cmd = package_command(folder, out)
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child: exec the packaging so that its own RSS is what is measured
        os.execvp(cmd[0], cmd)
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"packaging failed: {' '.join(cmd)}")
    return elapsed, usage.ru_maxrss / 1024  # Linux reports KiB


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size-mib", type=int, default=1024)
    ap.add_argument("--kind", choices=("random", "text"), default="random")
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()))
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="imagesmith-bench-", dir=args.dir))
    try:
        folder = make_context(root, args.size_mib, args.kind)
        total = sum(p.stat().st_size for p in folder.iterdir())
        warm(folder)
        # Interleaved, so that both sides see the same load on a shared machine.
        bases, runs = [], []
        for _ in range(args.runs):
            bases.append(run_baseline(folder))
            runs.append(run_package(folder, root / "bundle.tar.gz"))
        base = min(bases)
        best = min(t for t, _ in runs)
        rss = max(r for _, r in runs)
        mode = "writer only" if "-c" in package_command(folder, root / "x") else "imagesmith package"
        result = {
            "kind": args.kind, "context_mib": round(total / MiB), "measured": mode,
            "baseline_s": round(base, 2), "baseline_mib_s": round(total / MiB / base),
            "package_s": round(best, 2), "package_mib_s": round(total / MiB / best),
            "ratio": round(base / best, 2),
            "pair_ratios": [round(b / p, 2) for b, (p, _) in zip(bases, runs)],
            "peak_rss_mib": round(rss, 1),
            "bundle_mib": round((root / "bundle.tar.gz").stat().st_size / MiB, 1),
            "goal_met": base / best >= 0.8 and rss <= 100,
        }
        print(json.dumps(result, indent=2))
        return 0 if result["goal_met"] else 1
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
