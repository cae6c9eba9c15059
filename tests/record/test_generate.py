"""The journal -> Dockerfile generator on hand-made sessions (no engine)."""

from __future__ import annotations

import shlex

from imagesmith.record.changes import PathChange
from imagesmith.record.generate import BaseInfo, Fetched, build_plan
from imagesmith.record.journal import Command, Journal
from imagesmith.record.snapshots import PackageSnapshot

T0 = 1_800_000_000_000_000
SEC = 1_000_000


def _cmd(i: int, text: str, status: int = 0, cwd: str = "/", after: str | None = None,
         env: dict[str, str | None] | None = None) -> Command:
    start = T0 + i * 10 * SEC
    return Command(i, text, status, cwd, after or cwd, env or {}, start, start + 2 * SEC)


def _during(i: int, path: str, kind: str = "A", ftype: str = "f") -> PathChange:
    t = T0 + i * 10 * SEC + SEC
    return PathChange(kind, path, ftype, 0o644, 3, 0, 0, t, t)


def _plan(cmds: list[Command], changes: list[PathChange] | None, start: PackageSnapshot | None = None,
          end: PackageSnapshot | None = None, base: BaseInfo | None = None, **kw: object):
    journal = Journal(None, cmds, start={"type": "start", "env": {"HOME": "/root"}})
    return build_plan(journal, base or BaseInfo("imagesmith/debian:bookworm"), changes=changes,
                      start=start, end=end, **kw)  # type: ignore[arg-type]


def _runs(text: str) -> list[str]:
    """Each command of the RUN steps as `RUN cmd` (merged steps split at their ` \\n && `)."""
    out = []
    for step in text.replace(" \\\n && ", "\0").splitlines():
        if step.startswith("RUN "):
            out += ["RUN " + part for part in step[len("RUN "):].split("\0")]
    return out


def test_pip_installs_are_pinned_and_quoted_safely() -> None:
    cmds = [_cmd(1, "pip install 'numpy>=1.26' \"scipy\" 'requests[socks]>=2' './my pkg' 'typing_extensions ; python_version<\"3.12\"'")]
    end = PackageSnapshot(pip={"numpy": "1.26.4", "scipy": "1.11.0", "requests": "2.31.0", "typing-extensions": "4.9.0",
                               "pysocks": "1.7.1"})
    changes = [_during(1, "/usr/local/lib/python3.11/dist-packages/numpy/__init__.py"),
               _during(1, "/usr/local/lib/python3.11/dist-packages/PySocks-1.7.1.dist-info", ftype="d")]
    plan = _plan(cmds, changes, PackageSnapshot(), end)
    [run] = _runs(plan.dockerfile)
    argv = shlex.split(run[len("RUN "):])
    assert argv == ["pip", "install", "--no-cache-dir", "numpy==1.26.4", "scipy==1.11.0", "requests[socks]==2.31.0",
                    "./my pkg", 'typing_extensions==4.9.0; python_version < "3.12"', "pysocks==1.7.1"]
    assert "'numpy" not in run  # `==` needs no quotes; `>=` would have


def test_apt_installs_merge_into_one_pinned_run_and_update_is_dropped() -> None:
    cmds = [_cmd(1, "apt-get update"), _cmd(2, "apt-get install -y jq"), _cmd(3, "apt install curl >/dev/null")]
    changes = [_during(1, "/var/lib/apt/lists/deb.debian.org_Packages"),
               _during(2, "/usr/bin/jq"), _during(3, "/usr/bin/curl")]
    start = PackageSnapshot(dpkg={"bash": "5.2"})
    end = PackageSnapshot(dpkg={"bash": "5.2", "jq": "1.6-2.1", "libjq1": "1.6-2.1", "curl": "7.88.1-10"})
    plan = _plan(cmds, changes, start, end)
    assert _runs(plan.dockerfile) == [("RUN apt-get update && apt-get install -y --no-install-recommends jq=1.6-2.1 "
                                       "curl=7.88.1-10 libjq1=1.6-2.1 && rm -rf /var/lib/apt/lists/*")]
    assert {d["cmd"]: d["reason"] for d in plan.dropped} == {"apt-get update": "changed nothing in the image"}


def test_cwd_env_failures_editors_and_unexplained_files() -> None:
    cmds = [_cmd(1, "false", status=1), _cmd(2, "cd /opt", after="/opt"),
            _cmd(3, 'export PRICE="$5 \\"cheap\\""', cwd="/opt", env={"PRICE": '$5 "cheap"'}),
            _cmd(4, "make install", cwd="/opt"), _cmd(5, "vim /etc/app.conf", cwd="/opt"),
            _cmd(6, "cat /etc/app.conf", cwd="/opt")]
    changes = [_during(4, "/usr/local/bin/app"), _during(5, "/etc/app.conf", kind="C"),
               _during(5, "/root/.netrc"),
               PathChange("A", "/opt/outside.txt", "f", 0o600, 1, 1000, 1000, T0 + 75 * SEC, T0 + 75 * SEC)]
    contents = {"/etc/app.conf": b"edited\n", "/root/.netrc": b"machine x password y\n", "/opt/outside.txt": b"o"}
    plan = _plan(cmds, changes, fetch=lambda p: Fetched("f", contents[p], mode=0o600))
    lines = plan.dockerfile.splitlines()
    body = lines[lines.index("FROM imagesmith/debian:bookworm"):]
    assert body == [
        "FROM imagesmith/debian:bookworm",
        'SHELL ["/bin/bash", "-c"]',
        'ENV PRICE="\\$5 \\"cheap\\""',
        "WORKDIR /opt",
        "RUN make install",
        "COPY files/etc/app.conf /etc/app.conf",
        "COPY --chown=1000:1000 files/opt/outside.txt /opt/outside.txt",
        "WORKDIR /",
    ]
    assert plan.secrets_left_out == [{"path": "/root/.netrc", "reason": "netrc credentials"}]
    assert set(plan.files) == {"files/etc/app.conf", "files/opt/outside.txt"}
    reasons = {d["cmd"]: d["reason"] for d in plan.dropped}
    assert reasons["false"] == "failed (exit 1)" and reasons["vim /etc/app.conf"].startswith("editor session")
    assert reasons["cat /etc/app.conf"] == "changed nothing in the image"
    with_secrets = _plan(cmds, changes, fetch=lambda p: Fetched("f", contents[p]), include_secrets=True)
    assert "COPY files/root/.netrc /root/.netrc" in with_secrets.dockerfile


def test_base_version_env_follows_the_installed_package() -> None:
    base = BaseInfo("bit:5000/deepo_9", env={"TORCH_VERSION": "0.4.0", "CUDA_VERSION": "9.0.176",
                                             "CUDNN_VERSION": "7.1.2.21"})
    cmds = [_cmd(1, "pip install torch==1.0.0"), _cmd(2, "apt-get install -y libcudnn7=7.4.1.5-1+cuda9.0")]
    plan = _plan(cmds, [_during(1, "/usr/local/lib/python3.6/dist-packages/torch/__init__.py"),
                        _during(2, "/usr/lib/x86_64-linux-gnu/libcudnn.so.7")],
                 PackageSnapshot(pip={"torch": "0.4.0"}, dpkg={"libcudnn7": "7.1.2.21-1+cuda9.0"}),
                 PackageSnapshot(pip={"torch": "1.0.0"}, dpkg={"libcudnn7": "7.4.1.5-1+cuda9.0"}), base)
    assert plan.dockerfile.splitlines()[-1] == 'ENV TORCH_VERSION="1.0.0" CUDNN_VERSION="7.4.1.5"'
    assert "CUDA_VERSION" not in plan.dockerfile
    from imagesmith.core.profile import select_profile
    from imagesmith.services.lint import lint_text

    codes = {f.code for f in lint_text(plan.dockerfile, "Dockerfile", select_profile(None, None)).findings}
    assert "IS301" not in codes


def test_a_file_written_then_replaced_keeps_the_writer() -> None:
    cmds = [_cmd(1, "echo a > /etc/x.conf"), _cmd(2, "sed -i s/a/b/ /etc/x.conf")]
    plan = _plan(cmds, [_during(2, "/etc/x.conf")])
    assert _runs(plan.dockerfile) == ["RUN echo a > /etc/x.conf", "RUN sed -i s/a/b/ /etc/x.conf"]


def test_generated_dockerfile_lints_without_errors() -> None:
    from imagesmith.core.profile import select_profile
    from imagesmith.services.lint import lint_text

    cmds = [_cmd(1, "apt-get install -y tree"), _cmd(2, "pip install 'six>=1.10'"), _cmd(3, "cd /opt", after="/opt"),
            _cmd(4, "cat > a.txt <<'EOF'\nx\nEOF", cwd="/opt")]
    changes = [_during(1, "/usr/bin/tree"), _during(2, "/usr/lib/python3/dist-packages/six.py"), _during(4, "/opt/a.txt")]
    plan = _plan(cmds, changes, PackageSnapshot(), PackageSnapshot(dpkg={"tree": "2.1.0-1"}, pip={"six": "1.17.0"}),
                 BaseInfo("bit:5000/deepo_9", env={"CUDA_VERSION": "9.0.176"}))
    report = lint_text(plan.dockerfile, "Dockerfile", select_profile(None, None))
    assert not report.errors, [(f.code, f.message) for f in report.errors]
