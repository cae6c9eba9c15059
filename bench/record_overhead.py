"""Benchmark for `imagesmith record`.

1. Hook overhead per command: the same container runs an interactive bash on a pseudo-terminal
   twice, plain and with the hook, each fed N commands that log their own start time; the
   median gap between consecutive commands is the cost of one prompt cycle. Goal: the hooked
   median exceeds the plain one by <= 5 ms.
2. Image size: one session (apt-get install, pip install, a config file) recorded with
   `imagesmith record --keep`; the image built from the recorded Dockerfile against
   `docker commit` of the same session container. Goal: <= 0.8x (layers added to the base).

Usage: python bench/record_overhead.py [--commands 300] [--skip-size]
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from imagesmith.engine import LABEL_ROLE, Engine
from imagesmith.record.hooktext import hook_snippet
from imagesmith.record.noise import RECORD_MOUNT

DEBIAN = "imagesmith/debian:bookworm"
PROMPT = r"[#$] $"
MARKED_PROMPT = r"\(REC\)[^\r\n]*[#$] "  # Debian's .bashrc shows $debian_chroot


def _cycle_gaps(eng: Engine, cid: str, hooked: bool, n: int) -> list[float]:
    """Milliseconds between consecutive commands typed into an interactive bash."""
    import pexpect

    rc = f"{RECORD_MOUNT}/rc-{'hook' if hooked else 'plain'}.bash"
    log = f"/tmp/times-{'hook' if hooked else 'plain'}"
    lines = "\n".join(f"echo $EPOCHREALTIME >> {log}" for _ in range(n))
    cmd = ["docker", "exec", "-it", "-e", f"IMAGESMITH_JOURNAL={RECORD_MOUNT}/bench.jsonl",
           "-e", "IMAGESMITH_SNAPSHOTS=0", cid, "bash", "--rcfile", rc, "-i"]
    child = pexpect.spawn(cmd[0], cmd[1:], encoding="utf-8", timeout=120, dimensions=(40, 200))
    child.expect(PROMPT)
    child.send(lines + "\nexit\n")
    child.expect(pexpect.EOF)
    out = eng.exec(cid, ["cat", log]).stdout.split()
    times = [float(t.replace(",", ".")) for t in out]
    return [(b - a) * 1000 for a, b in itertools.pairwise(times)]


def hook_overhead(n: int, exported: int = 0) -> dict[str, float]:
    """`exported` variables are exported in both shells first: the hook scans the environment
    for changes after every command, so its cost grows with it."""
    env = "".join(f"export BENCH_VAR_{i}=value-{i}-{'x' * 40}\n" for i in range(exported))
    with tempfile.TemporaryDirectory() as tmp, Engine.connect() as eng:
        Path(tmp).chmod(0o777)
        (Path(tmp) / "hook.bash").write_text(hook_snippet(snapshots=False))
        (Path(tmp) / "rc-hook.bash").write_text(f". ~/.bashrc\n{env}. {RECORD_MOUNT}/hook.bash\n")
        (Path(tmp) / "rc-plain.bash").write_text(f". ~/.bashrc\n{env}")
        cid = eng.create(DEBIAN, ["sleep", "3600"], role="bench", volumes={tmp: {"bind": RECORD_MOUNT, "mode": "rw"}})
        eng.start(cid)
        plain = _cycle_gaps(eng, cid, False, n)
        hooked = _cycle_gaps(eng, cid, True, n)
        journaled = len((Path(tmp) / "bench.jsonl").read_text().splitlines())
    result = {"commands": n, "exported_variables": exported, "plain_median_ms": statistics.median(plain),
              "hooked_median_ms": statistics.median(hooked), "journal_lines": journaled}
    result["overhead_ms"] = result["hooked_median_ms"] - result["plain_median_ms"]
    return result


SESSION = [
    "apt-get update -qq",
    "apt-get install -y -qq jq tree >/dev/null",
    "pip install -q 'six>=1.10' 'idna>=3'",
    "mkdir -p /opt/app && cd /opt/app",
    "printf 'name = demo\\n' > app.conf",
]


def image_size() -> dict[str, float]:
    import pexpect


    with tempfile.TemporaryDirectory() as tmp, Engine.connect() as eng:
        out = Path(tmp) / "dockertmp"
        label = {"label": f"{LABEL_ROLE}=record"}
        before = {c["Id"] for c in eng.api.containers(all=True, filters=label)}
        child = pexpect.spawn(sys.executable, ["-m", "imagesmith", "record", DEBIAN, "-o", str(out), "--keep",
                                               "--run-arg=-e debian_chroot=REC"],
                              cwd=tmp, encoding="utf-8", timeout=300, dimensions=(40, 200),
                              env={**os.environ, "PYTHONUNBUFFERED": "1"})
        child.expect("recording commands to")
        child.expect(MARKED_PROMPT)
        for line in SESSION:
            child.sendline(line)
            child.expect(MARKED_PROMPT)
        child.sendline("exit")
        child.expect(pexpect.EOF)
        [kept] = [c["Id"] for c in eng.api.containers(all=True, filters=label) if c["Id"] not in before]
        eng.track_container(kept)
        committed = eng.commit(kept)
        rebuilt = None
        for event in eng.build(out, network_mode="host"):
            if event.kind == "done":
                rebuilt = event.image_id
            elif event.kind == "error":
                raise SystemExit(f"recorded Dockerfile does not build: {event.text}")
        assert rebuilt
        eng.track_image(rebuilt)
        base = eng.inspect_image(DEBIAN)["Size"]
        c_size = eng.inspect_image(committed)["Size"]
        r_size = eng.inspect_image(rebuilt)["Size"]
    return {"base_mb": base / 1e6, "commit_mb": c_size / 1e6, "rebuilt_mb": r_size / 1e6,
            "total_ratio": r_size / c_size, "added_ratio": (r_size - base) / max(c_size - base, 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--commands", type=int, default=300)
    parser.add_argument("--skip-size", action="store_true")
    parser.add_argument("--exported", type=int, default=200,
                        help="also measure with this many exported variables (0: skip)")
    args = parser.parse_args()
    for exported in sorted({0, args.exported}):
        over = hook_overhead(args.commands, exported)
        print(f"hook overhead, {exported} exported variables: {over['overhead_ms']:.2f} ms per "
              f"command (median cycle plain {over['plain_median_ms']:.2f} ms, hooked "
              f"{over['hooked_median_ms']:.2f} ms, {over['commands']} commands, "
              f"{over['journal_lines']} journal lines); goal <= 5 ms")
    if not args.skip_size:
        size = image_size()
        print(f"image size: rebuilt {size['rebuilt_mb']:.1f} MB vs docker commit {size['commit_mb']:.1f} MB "
              f"(base {size['base_mb']:.1f} MB): added layers {size['added_ratio']:.2f}x, "
              f"whole image {size['total_ratio']:.2f}x; goal <= 0.8x")


if __name__ == "__main__":
    main()
