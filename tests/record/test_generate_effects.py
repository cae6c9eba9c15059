"""Every effective change of a session is reproduced, and nothing secret is written: deletions
and uninstalls, unset variables, credentials in the environment (hand-made sessions, no engine)."""

from __future__ import annotations

from imagesmith.record.generate import BaseInfo, Fetched
from imagesmith.record.snapshots import PackageSnapshot
from tests.record.test_generate import _cmd, _during, _plan, _runs


def _deleted(i: int, path: str) -> object:
    from imagesmith.record.changes import PathChange

    return PathChange("D", path, "f", None, None, None, None, None, None)


def test_rm_is_kept_when_a_later_command_changes_the_same_folder() -> None:
    cmds = [_cmd(1, "rm -f /etc/motd"), _cmd(2, "echo hi > /etc/issue.net")]
    # /etc's change time is the second command's: the first shows no time of its own
    changes = [_deleted(1, "/etc/motd"), _during(2, "/etc/issue.net", kind="C"),
               _during(2, "/etc", kind="C", ftype="d")]
    plan = _plan(cmds, changes)
    assert _runs(plan.dockerfile) == ["RUN rm -f /etc/motd", "RUN echo hi > /etc/issue.net"]
    assert plan.dropped == []


def test_pip_uninstall_is_kept_by_the_end_state() -> None:
    cmds = [_cmd(1, "pip uninstall -y Theano"), _cmd(2, "pip install six")]
    site = "/usr/local/lib/python3.6/dist-packages"
    changes = [_deleted(1, f"{site}/Theano-1.0.1.dist-info/RECORD"), _deleted(1, f"{site}/theano/__init__.py"),
               _during(2, f"{site}/six.py"), _during(2, site, kind="C", ftype="d")]
    start = PackageSnapshot(pip={"Theano": "1.0.1"})
    end = PackageSnapshot(pip={"six": "1.16.0"})
    plan = _plan(cmds, changes, start, end)
    runs = _runs(plan.dockerfile)
    assert runs[0] == "RUN pip uninstall -y Theano"
    assert runs[1].startswith("RUN pip install --no-cache-dir six==1.16.0")
    assert not any("rm -rf" in r for r in runs)  # the uninstall explains its deletions


def test_apt_remove_is_kept_by_the_package_snapshots() -> None:
    cmds = [_cmd(1, "apt-get purge -y vim-tiny"), _cmd(2, "touch /var/lib/dpkg/x")]
    changes = [_deleted(1, "/usr/bin/vim.tiny"), _during(2, "/var/lib/dpkg/x"),
               _during(2, "/var/lib/dpkg", kind="C", ftype="d")]
    plan = _plan(cmds, changes, PackageSnapshot(dpkg={"vim-tiny": "2:9.0", "bash": "5.2"}),
                 PackageSnapshot(dpkg={"bash": "5.2"}))
    assert "RUN apt-get purge -y vim-tiny" in _runs(plan.dockerfile)
    assert plan.dropped == []


def test_a_removal_that_removed_nothing_is_still_dropped() -> None:
    cmds = [_cmd(1, "rm -f /tmp/never-there"), _cmd(2, "touch /opt/x")]
    plan = _plan(cmds, [_during(2, "/opt/x")])
    assert _runs(plan.dockerfile) == ["RUN touch /opt/x"]
    assert plan.dropped[0]["reason"] == "changed nothing in the image"


def test_export_then_unset_writes_no_empty_env() -> None:
    cmds = [_cmd(1, "export X=0", env={"X": "0"}), _cmd(2, "unset X", env={"X": None}),
            _cmd(3, "touch /opt/x")]
    plan = _plan(cmds, [_during(3, "/opt/x")])
    assert "X=" not in plan.dockerfile


def test_a_variable_used_then_unset_becomes_an_arg() -> None:
    cmds = [_cmd(1, "export PIP_INDEX_URL=https://mirror.example/simple",
                 env={"PIP_INDEX_URL": "https://mirror.example/simple"}),
            _cmd(2, "touch /opt/x"), _cmd(3, "unset PIP_INDEX_URL", env={"PIP_INDEX_URL": None})]
    plan = _plan(cmds, [_during(2, "/opt/x")])
    lines = plan.dockerfile.splitlines()
    assert 'ARG PIP_INDEX_URL="https://mirror.example/simple"' in lines
    assert lines.index('ARG PIP_INDEX_URL="https://mirror.example/simple"') < lines.index("RUN touch /opt/x")
    assert not any(line.startswith("ENV PIP_INDEX_URL") for line in lines)


def test_unsetting_a_base_variable_is_reported() -> None:
    cmds = [_cmd(1, "unset LANG", env={"LANG": None}), _cmd(2, "touch /opt/x")]
    base = BaseInfo("imagesmith/debian:bookworm", env={"LANG": "C.UTF-8"})
    from imagesmith.record.journal import Journal
    from imagesmith.record.generate import build_plan

    journal = Journal(None, cmds, start={"type": "start", "env": {"HOME": "/root", "LANG": "C.UTF-8"}})
    plan = build_plan(journal, base, changes=[_during(2, "/opt/x")], start=None, end=None)
    assert "LANG" not in plan.dockerfile
    assert any("unset LANG, which the base image sets" in w for w in plan.warnings)


def test_credentials_in_the_environment_are_left_out() -> None:
    token = "hf_" + "a1B2c3D4" * 5
    cmds = [_cmd(1, f"export HF_TOKEN={token}", env={"HF_TOKEN": token}),
            _cmd(2, "export TOKENIZERS_PARALLELISM=false", env={"TOKENIZERS_PARALLELISM": "false"}),
            _cmd(3, "export PIP_INDEX_URL=https://bob:s3cret@pypi.example/simple",
                 env={"PIP_INDEX_URL": "https://bob:s3cret@pypi.example/simple"}),
            _cmd(4, "touch /opt/x")]
    plan = _plan(cmds, [_during(4, "/opt/x")])
    assert token not in plan.dockerfile and "s3cret" not in plan.dockerfile
    assert 'ENV TOKENIZERS_PARALLELISM="false"' in plan.dockerfile
    left = {s["path"]: s for s in plan.secrets_left_out}
    assert set(left) == {"ENV HF_TOKEN", "ENV PIP_INDEX_URL"}
    assert left["ENV HF_TOKEN"]["source"] == "#1" and "docker run -e HF_TOKEN" in left["ENV HF_TOKEN"]["supply"]
    plan = _plan(cmds, [_during(4, "/opt/x")], include_secrets=True)
    assert token in plan.dockerfile and plan.secrets_left_out == []


def test_verify_compares_the_environment() -> None:
    from imagesmith.record.compare import compare_env

    expected = {"PATH": "/usr/bin", "GREETING": "hello world"}
    assert compare_env({"PATH": "/usr/bin", "GREETING": "hello world"}, expected, set()) is None
    group = compare_env({"PATH": "/usr/bin", "GREETING": "", "X": "0"}, expected, set())
    assert group is not None and group.items == [
        "GREETING: session 'hello world', rebuilt ''", "X: session 'unset', rebuilt '0'"]
    # credentials left out and version ENV brought up to date differ on purpose
    assert compare_env({"PATH": "/usr/bin"}, {**expected, "HF_TOKEN": "t"}, {"GREETING", "HF_TOKEN"}) is None


def test_plan_carries_the_final_environment() -> None:
    cmds = [_cmd(1, "export A=1", env={"A": "1"}), _cmd(2, "export T=0 && unset T", env={}),
            _cmd(3, "export GITHUB_TOKEN=x", env={"GITHUB_TOKEN": "x"}), _cmd(4, "touch /opt/x")]
    plan = _plan(cmds, [_during(4, "/opt/x")], base=BaseInfo("b", env={"PATH": "/bin"}))
    assert plan.expected_env == {"PATH": "/bin", "A": "1", "GITHUB_TOKEN": "x"}
    assert plan.env_on_purpose == {"GITHUB_TOKEN"}


def test_consecutive_runs_merge_into_few_layers_with_the_same_meaning() -> None:
    from imagesmith.record.generate import MAX_JOINED, merge_runs

    merged = merge_runs(["RUN a && b", "RUN c; d", "RUN cd /x && make", "ENV A=1", "RUN e",
                         'RUN ["/bin/bash", "-c", "cat <<EOF\\nx\\nEOF\\n"]', "RUN f"])
    assert merged == ["RUN a && b \\\n && ( c; d ) \\\n && ( cd /x && make )", "ENV A=1", "RUN e",
                      'RUN ["/bin/bash", "-c", "cat <<EOF\\nx\\nEOF\\n"]', "RUN f"]
    many = merge_runs([f"RUN touch /f{i}" for i in range(300)])
    assert len(many) == 300 // MAX_JOINED


def test_a_trailing_cd_is_left_to_workdir() -> None:
    cmds = [_cmd(1, "mkdir -p /opt/app && cd /opt/app", after="/opt/app"),
            _cmd(2, "touch x", cwd="/opt/app")]
    plan = _plan(cmds, [_during(1, "/opt/app", ftype="d"), _during(2, "/opt/app/x")])
    lines = plan.dockerfile.splitlines()
    assert "RUN mkdir -p /opt/app" in lines and "cd /opt/app" not in plan.dockerfile
    assert lines.index("WORKDIR /opt/app") > lines.index("RUN mkdir -p /opt/app")


def test_a_base_package_replaced_by_a_dependency_is_reported() -> None:
    site = "/usr/local/lib/python3.6/dist-packages"
    cmds = [_cmd(1, "pip install opencv-python")]
    changes = [_during(1, f"{site}/cv2/__init__.py"),
               _during(1, f"{site}/numpy-2.0.1.dist-info", ftype="d")]
    start = PackageSnapshot(pip={"numpy": "1.14.3", "scipy": "1.1.0"})
    end = PackageSnapshot(pip={"numpy": "2.0.1", "scipy": "1.1.0", "opencv-python": "4.10.0.84"})
    plan = _plan(cmds, changes, start, end)
    [warning] = [w for w in plan.warnings if "numpy" in w]
    assert "the base image's 1.14.3 became 2.0.1 (by #1 pip install opencv-python)" in warning
    assert "numpy==2.0.1" in plan.dockerfile  # still reproduced as the session had it
    # named by the user: a deliberate upgrade, no warning
    plan = _plan([_cmd(1, "pip install -U numpy")], changes, start, end)
    assert not [w for w in plan.warnings if "numpy" in w]


def test_cluster_mode_pins_dependencies_from_the_end_snapshot() -> None:
    cmds = [_cmd(1, "pip install requests"), _cmd(2, "pip install tqdm")]
    start = PackageSnapshot(pip={"six": "1.16.0"})
    end = PackageSnapshot(pip={"six": "1.16.0", "requests": "2.31.0", "urllib3": "2.0.7",
                               "idna": "3.6", "tqdm": "4.66.1"})
    plan = _plan(cmds, None, start, end)  # no file changes: a journal from the hook
    runs = _runs(plan.dockerfile)
    assert runs == ["RUN pip install --no-cache-dir requests==2.31.0",
                    "RUN pip install --no-cache-dir tqdm==4.66.1 idna==3.6 urllib3==2.0.7"]
    assert any("2 pip package(s) new at the end of the shell" in w for w in plan.warnings)


def test_cluster_mode_names_editor_edits_with_the_cp_to_make() -> None:
    cmds = [_cmd(1, "nano app.conf", cwd="/opt/app"), _cmd(2, "python3 train.py --epochs 3"),
            _cmd(3, "python3 setup.py install"), _cmd(4, "ls > /dev/null")]
    plan = _plan(cmds, None)
    assert "COPY files/opt/app/app.conf /opt/app/app.conf" in plan.dockerfile
    [note] = [w for w in plan.warnings if "nano" in w]
    assert "mkdir -p files/opt/app && cp /opt/app/app.conf files/opt/app/app.conf" in note
    reasons = {d["cmd"]: d["reason"] for d in plan.dropped}
    assert reasons["python3 train.py --epochs 3"].startswith("runs train.py: without file changes")
    assert reasons["ls > /dev/null"] == "looks read-only"
    assert "RUN python3 setup.py install" in _runs(plan.dockerfile)


def test_commands_that_make_or_hold_credentials_are_left_out() -> None:
    token = "ghp_" + "A1b2C3d4" * 5
    cmds = [_cmd(1, "echo 'machine pypi.example login bob password s3cret' > /root/.netrc"),
            _cmd(2, f"git clone https://{token}@github.com/me/repo /opt/repo"),
            _cmd(3, "ssh-keygen -q -N '' -f /root/.ssh/id_ed25519"),
            _cmd(4, "touch /opt/fine")]
    changes = [_during(1, "/root/.netrc"), _during(2, "/opt/repo/README"),
               _during(3, "/root/.ssh/id_ed25519"), _during(3, "/root/.ssh/id_ed25519.pub"),
               _during(4, "/opt/fine")]
    fetched = {"/root/.netrc": Fetched("f", b"machine x password s3cret\n")}
    plan = _plan(cmds, changes, fetch=lambda p: fetched.get(p))
    assert _runs(plan.dockerfile) == ["RUN touch /opt/fine"]
    assert "s3cret" not in plan.dockerfile and token not in plan.dockerfile and "netrc" not in plan.dockerfile
    left = {s["source"]: s for s in plan.secrets_left_out}
    assert set(left) == {"#1", "#2", "#3"}
    assert left["#1"]["path"] == "/root/.netrc" and "docker run -v <file>:/root/.netrc:ro" in left["#1"]["supply"]
    assert left["#2"]["reason"] == "holds a token, key or password on its command line"
    reasons = {d["n"]: d["reason"] for d in plan.dropped}
    assert reasons[3].startswith("left out: it makes /root/.ssh/id_ed25519")
    assert plan.files == {}


def test_commands_with_comments_or_background_jobs_keep_their_own_run() -> None:
    from imagesmith.record.generate import merge_runs

    assert merge_runs(["RUN make # build it", "RUN touch b"]) == ["RUN make # build it", "RUN touch b"]
    assert merge_runs(["RUN a", "RUN sleep 9 &", "RUN b"]) == ["RUN a", "RUN sleep 9 &", "RUN b"]
    assert merge_runs(["RUN eval 'cd /tmp'", "RUN touch x"]) == ["RUN ( eval 'cd /tmp' ) \\\n && touch x"]


def test_package_files_are_no_credentials() -> None:
    site = "/usr/local/lib/python3.6/dist-packages"
    cmds = [_cmd(1, "pip install transformers certifi")]
    changes = [_during(1, f"{site}/transformers/tokenization_utils.py"),
               _during(1, f"{site}/certifi/cacert.pem")]
    plan = _plan(cmds, changes)
    assert plan.secrets_left_out == [] and _runs(plan.dockerfile)[0].startswith("RUN pip install")


def test_pipelines_and_substitutions_are_not_read_only() -> None:
    from imagesmith.record.commands import looks_read_only

    for cmd in ("cat requirements.txt | xargs pip install", "echo y | apt-get install vim",
                "cat get-pip.py | python", "echo $(rm -rf /x)", "ls `rm x`"):
        assert not looks_read_only(cmd), cmd
    for cmd in ("cat f | grep x", "ls | wc -l", "ls > /dev/null"):
        assert looks_read_only(cmd), cmd


def test_a_deletion_with_no_known_time_comes_last() -> None:
    cmds = [_cmd(1, "cp /root/data/f /opt/f")]
    plan = _plan(cmds, [_during(1, "/opt/f"), _deleted(9, "/root/data")])
    runs = _runs(plan.dockerfile)
    assert runs == ["RUN cp /root/data/f /opt/f", "RUN rm -rf /root/data"]


def test_location_variables_are_no_credentials() -> None:
    from imagesmith.record.secrets import secret_env_reason

    for name, value in (("PASSWD_FILE", "/etc/passwd"), ("HF_TOKEN_PATH", "/x"),
                        ("SSH_AUTH_SOCK", "/tmp/agent"), ("PWD", "/x"), ("NO_AUTH", "1")):
        assert secret_env_reason(name, value) is None, name
    for name, value in (("PGPASSWORD", "x"), ("MYSQL_PWD", "x"), ("DB_PASS", "x"),
                        ("REDIS_URL", "redis://:pw@h:6379")):
        assert secret_env_reason(name, value), name
