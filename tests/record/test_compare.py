"""compare_images against the real engine, and the grouping of differences by cause."""

from __future__ import annotations

from imagesmith.record.compare import FileEntry, Manifest, compare_images, compare_manifests
from tests.conftest import DEBIAN


def test_compare_image_with_changed_container(engine) -> None:
    same = compare_images(engine, DEBIAN, DEBIAN)
    assert same.reproduced and same.files_compared > 1000 and same.packages_compared["dpkg"] > 50
    script = ("echo x > /etc/added; chmod 600 /etc/issue; rm /etc/debian_version; "
              "mkdir -p /root/.cache/pip && echo c > /root/.cache/pip/n; echo l > /var/log/n.log")
    cid = engine.create(DEBIAN, ["sh", "-c", script])
    engine.start(cid)
    engine.api.wait(cid)
    result = compare_images(engine, DEBIAN, cid)
    assert not result.reproduced
    groups = {g.cause: g.items for g in result.differences}
    assert [i.split(" ")[0] for i in groups["missing from the rebuilt image"]] == ["/etc/added"]
    assert [i.split(" ")[0] for i in groups["only in the rebuilt image"]] == ["/etc/debian_version"]
    assert [i.split(" ")[0] for i in groups["mode or owner differs"]] == ["/etc/issue"]
    assert "NOT reproduced" in result.render_text() and result.to_dict()["reproduced"] is False


def test_file_differences_are_grouped_under_the_package_that_differs() -> None:
    def manifest(version: str, digest: str) -> Manifest:
        m = Manifest()
        m.files["/usr/bin/jq"] = FileEntry("f", 0o755, 0, 0, 10, digest)
        m.files["/etc/app.conf"] = FileEntry("f", 0o644, 0, 0, 3, digest)
        m.packages["dpkg"]["jq"] = version
        m.owners["/usr/bin/jq"] = "jq"
        return m

    result = compare_manifests(manifest("1.7", "b"), manifest("1.6", "a"))
    groups = {g.cause: g.items for g in result.differences}
    assert groups["dpkg packages differ"] == ["jq: session 1.6, rebuilt 1.7"]
    assert [i.split(" ")[0] for i in groups["files of dpkg package jq"]] == ["/usr/bin/jq"]
    assert [i.split(" ")[0] for i in groups["content differs"]] == ["/etc/app.conf"]
