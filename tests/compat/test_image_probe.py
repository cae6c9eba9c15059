"""The one in-image probe (compat/probe) against the real engine: compat and verify read the
same ImageFacts; Python 2.7 (nvidia-tensorflow-17.05's real interpreter, emulated on Debian
bullseye's python2.7), Python 3 and sh alone (busybox); dpkg Status; the loader's order."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from imagesmith.compat.imagestack import stack_from_image
from imagesmith.compat.probe import ImageFacts, parse_probe_output, probe_image
from imagesmith.core.profile import Profile
from imagesmith.services.verify import verify_image
from imagesmith.verify.probe import Prober
from imagesmith.verify.versions import check_versions
from tests.conftest import BUSYBOX, DEBIAN, DEEPO, DEEPO_9, NV_TF_1705


def build(engine, folder: Path, dockerfile: str) -> str:  # type: ignore[no-untyped-def]
    """A small image FROM the local Debian, built without network; removed with the session."""
    (folder / "Dockerfile").write_text(dockerfile)
    tag = f"imagesmith-test/probe-{uuid.uuid4().hex[:10]}:latest"
    events = list(engine.build(folder, tag=tag, network_mode="none", labels=engine.labels("test")))
    engine.track_image(tag)
    errors = [e.text for e in events if e.kind == "error"]
    assert not errors, errors
    return tag


@pytest.mark.parametrize("ref", [DEEPO_9, DEEPO, NV_TF_1705])
def test_compat_and_verify_read_the_same_facts(engine, profile: Profile, ref: str) -> None:  # type: ignore[no-untyped-def]
    image = profile.find_image(ref)
    assert image is not None
    from_compat = probe_image(engine, ref)
    from_verify = Prober(engine, ref, profile.jobs.job_uid).facts()
    assert from_compat == from_verify
    assert from_compat.errors == () and from_compat.unknown == {}
    assert (from_compat.cuda.version, from_compat.cudnn.version) == (image.cuda, image.cudnn)
    stack = stack_from_image(engine, ref)
    assert stack.cudnn == from_compat.cudnn.version
    assert stack.cudnn_source == from_compat.cudnn.source
    pip = from_compat.pip_packages
    for name, version in image.packages.items():
        if name.lower() not in ("pip", "setuptools", "wheel"):
            assert pip.get(name.lower().replace("_", "-")) == version, name
    assert check_versions(engine.image_env(ref), from_compat).passed


def test_python_27_image_is_probed_through_python_27(engine, profile: Profile) -> None:  # type: ignore[no-untyped-def]
    facts = probe_image(engine, NV_TF_1705)
    assert facts.python is not None
    assert facts.python.version.startswith("2.7."), facts.python
    assert facts.python.executable == "/usr/bin/python"
    assert "/usr/local/lib/python2.7/dist-packages" in facts.python.sys_path
    tf = facts.distribution("tensorflow")
    assert tf is not None and tf.version == "1.0.1" and tf.top_level == ("tensorflow",)
    # The job-uid half of verify (imports, getuser) runs under the same Python 2.7.
    report = verify_image(engine, NV_TF_1705, profile)
    checks = {c.name: c for c in report.checks}
    assert checks["versions"].passed, checks["versions"].details
    assert checks["imports"].passed, checks["imports"].details
    modules = {row["module"] for row in checks["imports"].data["imports"]}
    assert {"tensorflow", "numpy", "six"} <= modules


def test_image_without_python_is_probed_with_sh(engine) -> None:  # type: ignore[no-untyped-def]
    facts = probe_image(engine, BUSYBOX)
    assert facts.errors == ()
    assert facts.python is None and facts.distributions == ()
    assert "no python" in facts.unknown["python"] and "no Python" in facts.unknown["pip"]
    assert "dpkg" in facts.unknown  # busybox has no package database: unknown, not "none"
    assert facts.env["PATH"] == "/bin"
    assert facts.user is not None and facts.user.uid == 0
    assert facts.cudnn.version is None and "none found" in facts.cudnn.why


def test_dpkg_entries_not_installed_are_ignored(engine, scratch_dir: Path) -> None:  # type: ignore[no-untyped-def]
    stanzas = (
        "Package: libcudnn7\nStatus: deinstall ok config-files\nVersion: 7.6.5.32-1+cuda10.2\n\n"
        "Package: libnccl2\nStatus: hold ok installed\nVersion: 2.7.8-1+cuda10.2\n\n"
    )
    (scratch_dir / "extra-status").write_text(stanzas)
    tag = build(engine, scratch_dir, f"FROM {DEBIAN}\nCOPY extra-status /tmp/\n"
                "RUN cat /tmp/extra-status >> /var/lib/dpkg/status && rm /tmp/extra-status\n")
    facts = probe_image(engine, tag)
    assert "libcudnn7" not in facts.dpkg
    assert facts.dpkg["libnccl2"] == "2.7.8-1+cuda10.2"  # held, but installed
    assert facts.cudnn.version is None
    assert (facts.nccl.version, facts.nccl.source) == ("2.7.8", "dpkg libnccl2")
    assert stack_from_image(engine, tag).cudnn is None


def test_cudnn_on_ld_library_path_wins_over_a_header_elsewhere(engine, scratch_dir: Path, profile: Profile) -> None:  # type: ignore[no-untyped-def]
    (scratch_dir / "cudnn_version.h").write_text(
        "#define CUDNN_MAJOR 8\n#define CUDNN_MINOR 9\n#define CUDNN_PATCHLEVEL 7\n")
    # A real ELF file under cuDNN's name, so it is listed among the shared objects too.
    tag = build(engine, scratch_dir, f"""FROM {DEBIAN}
COPY cudnn_version.h /usr/include/cudnn_version.h
RUN mkdir -p /opt/cudnn/lib && cp /usr/lib/x86_64-linux-gnu/libz.so.1 /opt/cudnn/lib/libcudnn.so.8.2.4 \\
 && ln -s libcudnn.so.8.2.4 /opt/cudnn/lib/libcudnn.so.8 \\
 && touch /usr/lib/x86_64-linux-gnu/libcudnn.so.8.9.7
ENV LD_LIBRARY_PATH=/opt/cudnn/lib CUDNN_VERSION=8.2.4
""")
    facts = probe_image(engine, tag)
    assert (facts.cudnn.version, facts.cudnn.source) == ("8.2.4", "/opt/cudnn/lib/libcudnn.so.8.2.4")
    assert "LD_LIBRARY_PATH" in facts.cudnn.why
    assert [c.source for c in facts.cudnn.candidates] == [
        "/opt/cudnn/lib/libcudnn.so.8.2.4", "/lib/x86_64-linux-gnu/libcudnn.so.8.9.7",
        "/usr/include/cudnn_version.h"]
    assert facts.library_dirs[0].path == "/opt/cudnn/lib"
    objects = {o.path: o for o in facts.shared_objects}
    assert objects["/opt/cudnn/lib/libcudnn.so.8.2.4"].size > 0
    assert "/lib/x86_64-linux-gnu/libcudnn.so.8.9.7" not in objects  # empty file: not ELF
    assert stack_from_image(engine, tag).cudnn == "8.2.4"
    assert check_versions(engine.image_env(tag), facts).passed
    assert not check_versions({"CUDNN_VERSION": "8.9.7"}, facts).passed


def _facts(text: str) -> ImageFacts:
    return parse_probe_output("@@probe 1\n" + text)


def test_parser_on_saved_text() -> None:
    facts = _facts(
        "@@environ -\nA=1\x1eB=two\x1flines\x1eHOSTNAME=abc\x1eLD_LIBRARY_PATH=/x:/y\n"
        "@@ldconf /etc/ld.so.conf.d/a.conf\n/z\n"
        "@@libdir /y\t/y\nlibcudnn.so.7.6.5\t\t100\t1\n"
        "@@libdir /z\t/z\nlibcudnn.so.8\t\t100\t1\n"
        "@@header /usr/include/cudnn.h\n#define CUDNN_MAJOR 8\n#define CUDNN_MINOR 0\n"
        "@@dpkg /var/lib/dpkg/status\nPackage: a\nStatus: install ok installed\nVersion: 1\n"
        "Package: b\nStatus: purge ok not-installed\n"
        "@@unknown python\nno python on PATH\n"
    )
    assert facts.env == {"A": "1", "B": "two\nlines", "LD_LIBRARY_PATH": "/x:/y"}
    assert [d.path for d in facts.library_dirs] == ["/y", "/z"]  # /x does not exist
    assert facts.cudnn.version == "7.6.5" and facts.cudnn.source == "/y/libcudnn.so.7.6.5"
    assert facts.dpkg == {"a": "1"}
    assert facts.unknown["pip"].startswith("no Python to ask")
    assert _facts("").cudnn.version is None
    assert parse_probe_output("garbage").errors  # no probe output at all: an error, not "none"
