"""The build context model: walk, .dockerignore, COPY source resolution, symlink escapes.

The engine tests build each case with both of Docker's builders (BuildKit and the classic one)
on imagesmith/busybox and compare what lands in the image with what the model says.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from imagesmith.core.profile import load_profile
from imagesmith.model import build_model
from imagesmith.model.context import (
    BuildContext,
    DockerIgnore,
    State,
    copy_sources,
    resolve_all,
)
from imagesmith.services.lint import LintOptions, lint_paths
from tests.conftest import BUSYBOX, IN_CI
from tests.lint.helpers import write_files

PROFILE = load_profile("default")


def folder(tmp_path: Path, files: dict[str, str], dockerfile: str = "FROM scratch\n") -> Path:
    root = tmp_path / "dockertmp"
    root.mkdir(parents=True)
    (root / "Dockerfile").write_text(dockerfile, encoding="utf-8")
    write_files(root, files)
    return root


def lint_codes(root: Path) -> dict[str, list[str]]:
    options = LintOptions(select=["IS103", "IS104", "IS107"], hadolint="off", use_config=False)
    report = lint_paths([root], PROFILE, options)
    out: dict[str, list[str]] = {}
    for f in report.findings:
        out.setdefault(f.code, []).append(f.message)
    return out


# -- symlinks ---------------------------------------------------------------------------------


def test_symlink_to_etc_is_is103_only(tmp_path: Path) -> None:
    root = folder(tmp_path, {"etclink": "@symlink:/etc"},
                  "FROM bit:5000/deepo_9\nCOPY etclink/hostname /opt/\n")
    found = lint_codes(root)
    assert set(found) == {"IS103"}, found
    assert "etclink" in found["IS103"][0] and "/etc" in found["IS103"][0]


def test_symlink_records_target_and_escape(tmp_path: Path) -> None:
    root = folder(tmp_path, {"v1/a.txt": "a", "cur": "@symlink:v1", "up": "@symlink:../..",
                             "abs": "@symlink:/etc"})
    ctx = BuildContext(root)
    assert ctx.symlinks["cur"].escapes is False and ctx.symlinks["cur"].in_context == "v1"
    assert ctx.symlinks["up"].escapes is True
    assert ctx.symlinks["abs"].escapes is True and ctx.symlinks["abs"].in_context == "etc"
    match = ctx.resolve("cur/a.txt")
    assert match.state is State.FOUND and match.files == ("v1/a.txt",) and not match.escapes
    assert {"cur", "v1/a.txt"} <= match.used


def test_symlinked_folders_are_not_entered(tmp_path: Path) -> None:
    root = folder(tmp_path, {"v1/a.txt": "a", "loop": "@symlink:."})
    ctx = BuildContext(root)
    assert "loop" in ctx.files and not any(p.startswith("loop/") for p in ctx.entries)
    assert ctx.resolve("loop/loop/loop/v1/a.txt").files == ("v1/a.txt",)


def test_walk_limits_make_the_walk_incomplete(tmp_path: Path) -> None:
    root = folder(tmp_path, {f"d/f{i}": "x" for i in range(30)})
    ctx = BuildContext(root, max_entries=10)
    assert ctx.incomplete and "more than 10" in ctx.incomplete
    missing = ctx.resolve("nothere")
    assert missing.state is State.UNKNOWN and "incomplete" in missing.reason
    deep = BuildContext(folder(tmp_path / "b", {"a/b/c/d/e.txt": "x"}), max_depth=3)
    assert deep.incomplete and "deeper than 3" in deep.incomplete


# -- globs and .. -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "files"),
    [
        ("*.whl", ("a.whl", "b.whl")),
        ("?.whl", ("a.whl", "b.whl")),
        ("[a]*.whl", ("a.whl",)),
        ("[^a].whl", ("b.whl",)),  # Go's negation is ^
        ("[!c]b.txt", ("!b.txt",)),  # ... and [!c] is the set {!, c}
        ("src", ("src/a.py", "src/sub/b.py")),  # a folder brings everything below it
        ("*/sub/*.py", ("src/sub/b.py",)),
        ("lit\\*", ("lit*",)),
        ("/src/a.py", ("src/a.py",)),  # absolute: read from the context root
        ("sub/../src/a.py", ("src/a.py",)),
    ],
)
def test_globs_follow_go_filepath_match(tmp_path: Path, source: str, files: tuple[str, ...]) -> None:
    root = folder(tmp_path, {"a.whl": "1", "b.whl": "2", "!b.txt": "3", "lit*": "4",
                             "src/a.py": "5", "src/sub/b.py": "6"})
    match = BuildContext(root).resolve(source)
    assert match.state is State.FOUND and match.files == files


def test_star_does_not_cross_folders_and_missing_says_so(tmp_path: Path) -> None:
    root = folder(tmp_path, {"src/a.py": "x"})
    match = BuildContext(root).resolve("*.py")
    assert match.state is State.MISSING and "no file" in match.reason


def test_dot_dot_leaves_the_context_and_is_clamped(tmp_path: Path) -> None:
    root = folder(tmp_path, {"x": "root x"})
    match = BuildContext(root).resolve("../x")
    assert match.leaves_context and match.files == ("x",)  # BuildKit's reading
    assert not BuildContext(root).resolve("sub/../x").leaves_context


def test_bad_glob_is_missing_with_a_reason(tmp_path: Path) -> None:
    match = BuildContext(folder(tmp_path, {"a": "1"})).resolve("[a")
    assert match.state is State.MISSING and "not a valid pattern" in match.reason


# -- .dockerignore ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("patterns", "excluded", "kept"),
    [
        ("*.log\n!keep.log\n", ["a.log"], ["keep.log", "a.txt"]),
        ("**/*.log\n", ["a.log", "d/e/b.log"], ["d/e/b.txt"]),
        ("dir\n!dir/keep\n", ["dir/drop", "dir/sub/x"], ["dir/keep"]),
        ("/dir/\n", ["dir/drop"], ["other/dir"]),
        ("a[!b]\n", ["ab", "a!"], ["ac"]),  # Go regexp: {!, b}
        ("c[^d]\n", ["c^"], ["cd"]),
        ("lit\\*\n", ["lit*"], ["litX"]),
        ("x+\n", ["x+"], ["xx"]),  # current patternmatcher escapes + (Docker 20.10 did not)
        ("**.log\n", ["x.log", "a/b.log"], ["log"]),  # patternmatcher's suffix match
        ("# comment\n .dockerignore \nDockerfile\n", [".dockerignore", "Dockerfile"], ["# comment"]),
    ],
)
def test_dockerignore_semantics(patterns: str, excluded: list[str], kept: list[str]) -> None:
    ignore = DockerIgnore.parse(patterns)
    assert [p for p in excluded if not ignore.excludes(p)] == []
    assert [p for p in kept if ignore.excludes(p)] == []


def test_bad_dockerignore_makes_sources_unknown(tmp_path: Path) -> None:
    root = folder(tmp_path, {"a.txt": "a", ".dockerignore": "[a\n"})
    match = BuildContext(root).resolve("a.txt")
    assert match.state is State.UNKNOWN and ".dockerignore" in match.reason


def test_source_matching_only_ignored_files(tmp_path: Path) -> None:
    root = folder(tmp_path, {"a.whl": "w", "data/x.bin": "x", ".dockerignore": "*.whl\ndata\n"})
    ctx = BuildContext(root)
    whl = ctx.resolve("*.whl")
    assert whl.state is State.IGNORED and whl.ignored == ("a.whl",)
    assert ctx.resolve("data").state is State.IGNORED
    assert ctx.resolve("data/x.bin").state is State.IGNORED


# -- sources of a Dockerfile ------------------------------------------------------------------


def test_copy_sources_are_expanded_and_unknown_stays_unknown(tmp_path: Path) -> None:
    root = folder(tmp_path, {"model.bin": "w", "file.tgz": "t"})
    text = (
        "FROM bit:5000/deepo_9\nENV SRC=model.bin\nARG LATER\nCOPY ${SRC} /opt/\n"
        'ADD "file.tgz" /usr/src/\nCOPY $LATER /opt/\nCOPY --from=0 /x /y\n'
        "ADD https://example.org/a.tgz /tmp/\nCOPY <<EOF /etc/x\nhi\nEOF\n"
    )
    parsed = build_model(text, str(root / "Dockerfile"), context_dir=root)
    results = resolve_all(BuildContext(root), copy_sources(parsed))
    assert [(s.source, m.state) for s, m in results] == [
        ("model.bin", State.FOUND), ("file.tgz", State.FOUND), ("$LATER", State.UNKNOWN)]
    assert "LATER" in results[2][1].reason and "build-arg" in results[2][1].reason


# -- unreadable sources -----------------------------------------------------------------------

# Root reads any mode-000 file through CAP_DAC_OVERRIDE; a child without it (and without
# CAP_DAC_READ_SEARCH) is refused by the kernel exactly as an ordinary user is.
_NO_DAC = ["setpriv", "--inh-caps=-dac_override,-dac_read_search",
           "--bounding-set=-dac_override,-dac_read_search"] if os.geteuid() == 0 else []
_IS104_PROBE = """
import json, sys
from pathlib import Path
from imagesmith.core.profile import load_profile
from imagesmith.model import build_model
from imagesmith.rules.context.IS104 import check
root = Path(sys.argv[1])
parsed = build_model((root / "Dockerfile").read_text(), str(root / "Dockerfile"), context_dir=root)
print(json.dumps([[h.line, h.message, h.data] for h in check(parsed, load_profile("default"))]))
"""


def _is104_without_dac(root: Path) -> list[list[object]]:
    import json
    import sys

    if _NO_DAC and shutil.which("setpriv") is None:
        pytest.skip("setpriv is needed to drop CAP_DAC_OVERRIDE for the child")
    proc = subprocess.run([*_NO_DAC, sys.executable, "-c", _IS104_PROBE, str(root)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_unreadable_copy_sources_are_is104_findings(tmp_path: Path) -> None:
    root = folder(tmp_path, {"secret.txt": "s", "ok.txt": "o", "sub/a.txt": "a"},
                  "FROM scratch\nCOPY secret.txt /s\nCOPY ok.txt /o\nCOPY sub /sub\nCOPY . /all\n")
    (root / "secret.txt").chmod(0)
    (root / "sub").chmod(0)
    try:
        hits = _is104_without_dac(root)
    finally:
        (root / "sub").chmod(0o755)
    by_line = {line: (message, data) for line, message, data in hits}
    assert sorted(by_line) == [2, 4, 5], hits  # ok.txt (line 3) is readable: no finding
    assert by_line[2][1]["unreadable"] == ["secret.txt"]
    assert "secret.txt (Permission denied)" in str(by_line[2][0])
    assert by_line[4][1]["unreadable"] == ["sub"]
    assert by_line[5][1]["unreadable"] == ["secret.txt", "sub"]


def test_readable_sources_are_not_unreadable(tmp_path: Path) -> None:
    root = folder(tmp_path, {"a.txt": "a", "d/b.txt": "b"}, "FROM scratch\nCOPY . /x\n")
    os.mkfifo(root / "pipe")  # not a regular file: the client sends it as a FIFO, never opens it
    assert _is104_without_dac(root) == []
    match = BuildContext(root).resolve(".")
    assert match.state is State.FOUND and match.unreadable == ()


# -- against the real engine ------------------------------------------------------------------


def _buildkit_cli() -> str | None:
    """A docker CLI that builds with BuildKit through the engine itself (no buildx needed)."""
    for cand in dict.fromkeys(filter(None, [shutil.which("docker"), "/usr/bin/docker"])):
        if not os.access(cand, os.X_OK):
            continue
        if subprocess.run([cand, "buildx", "version"], capture_output=True).returncode == 0:
            return cand
        ver = subprocess.run([cand, "version", "--format", "{{.Client.Version}}"],
                             capture_output=True, text=True).stdout.strip()
        if ver and ver.split(".")[0].isdigit() and int(ver.split(".")[0]) < 23:
            return cand  # before 23.0 the CLI speaks BuildKit's session protocol itself
    return None


@pytest.fixture(scope="module")
def docker_cli(test_env: None) -> str:
    cli = _buildkit_cli()
    if cli is None:
        msg = "no docker CLI that can build with BuildKit (buildx or a CLI before 23.0)"
        if IN_CI:
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)
    return cli


def engine_copy(cli: str, root: Path, buildkit: bool) -> tuple[bool, set[str], str]:
    """Build `root` (Dockerfile COPYs into /out/) and list /out: (built, paths, log)."""
    tag = f"imagesmith-test-context:{uuid.uuid4().hex[:12]}"
    env = {**os.environ, "DOCKER_BUILDKIT": "1" if buildkit else "0"}
    proc = subprocess.run([cli, "build", "--network", "none", "-q", "-t", tag, str(root)],
                          env=env, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        return False, set(), proc.stdout + proc.stderr
    try:
        run = subprocess.run(
            [cli, "run", "--rm", "--network", "none", tag, "sh", "-c",
             "cd /out && find . -type f -o -type l | sed 's|^./||'"],
            capture_output=True, text=True, timeout=120)
        return run.returncode == 0, set(run.stdout.split()), run.stdout + run.stderr
    finally:
        subprocess.run([cli, "rmi", "-f", tag], capture_output=True)


def _in_image(files: tuple[str, ...], source_root: str) -> set[str]:
    """Where COPY <dir>/ <dest> puts each file: relative to the copied folder."""
    prefix = f"{source_root}/" if source_root else ""
    return {f[len(prefix):] for f in files}


@pytest.mark.parametrize("buildkit", [True, False], ids=["buildkit", "classic"])
def test_engine_absolute_symlink_is_read_inside_the_context(
    docker_cli: str, tmp_path: Path, buildkit: bool
) -> None:
    root = folder(tmp_path, {"etc/hostname": "INSIDE", "etclink": "@symlink:/etc"},
                  f"FROM {BUSYBOX}\nCOPY etclink/hostname /out/\n")
    match = BuildContext(root).resolve("etclink/hostname")
    assert match.escapes and match.files == ("etc/hostname",)
    built, paths, log = engine_copy(docker_cli, root, buildkit)
    assert built and paths == {"hostname"}, log
    (root / "etc" / "hostname").unlink()  # now the model and both builders find nothing
    assert BuildContext(root).resolve("etclink/hostname").state is State.MISSING
    built, _, log = engine_copy(docker_cli, root, buildkit)
    assert not built and "not found" in log.lower(), log


@pytest.mark.parametrize("buildkit", [True, False], ids=["buildkit", "classic"])
def test_engine_dot_dot_source(docker_cli: str, tmp_path: Path, buildkit: bool) -> None:
    root = folder(tmp_path, {"x": "root x"}, f"FROM {BUSYBOX}\nCOPY ../x /out/\n")
    match = BuildContext(root).resolve("../x")
    assert match.leaves_context and match.files == ("x",)
    built, paths, log = engine_copy(docker_cli, root, buildkit)
    if buildkit:
        assert built and paths == {"x"}, log  # clamped to the root
    else:
        assert not built and "outside the build context" in log, log


@pytest.mark.parametrize("buildkit", [True, False], ids=["buildkit", "classic"])
def test_engine_dockerignore_and_globs(docker_cli: str, tmp_path: Path, buildkit: bool) -> None:
    files = {name: "x" for name in ["ab", "a!", "ac", "lit*", "litX", "c^", "cd", "top.log",
                                    "d/a.log", "d/e/b.log", "d/e/b.txt", "dir/keep", "dir/drop"]}
    files[".dockerignore"] = "a[!b]\nlit\\*\nc[^d]\n**/*.log\ndir\n!dir/keep\n.dockerignore\n"
    root = folder(tmp_path, files, f"FROM {BUSYBOX}\nCOPY . /out/\n")
    match = BuildContext(root).resolve(".")
    built, paths, log = engine_copy(docker_cli, root, buildkit)
    assert built, log
    assert paths == _in_image(match.files, "")
    assert {"ac", "litX", "cd", "d/e/b.txt", "dir/keep", "Dockerfile"} <= paths
    assert not {"ab", "a!", "lit*", "c^", "top.log", "d/a.log", ".dockerignore"} & paths


@pytest.mark.parametrize("buildkit", [True, False], ids=["buildkit", "classic"])
def test_engine_go_glob_class_and_ignored_only(
    docker_cli: str, tmp_path: Path, buildkit: bool
) -> None:
    files = {"ab.txt": "a", "cb.txt": "c", "!b.txt": "!"}
    root = folder(tmp_path, files, f"FROM {BUSYBOX}\nCOPY [!c]b.txt /out/\n")
    match = BuildContext(root).resolve("[!c]b.txt")
    built, paths, log = engine_copy(docker_cli, root, buildkit)
    assert built and paths == set(match.files) == {"cb.txt", "!b.txt"}, log
    (root / ".dockerignore").write_text("*b.txt\n")
    assert BuildContext(root).resolve("[!c]b.txt").state is State.IGNORED
    built, _, log = engine_copy(docker_cli, root, buildkit)
    assert not built, log
