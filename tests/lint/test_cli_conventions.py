"""Command-line conventions users bring from other tools: --version, --fail-on none/--no-fail,
--color/--no-color, NO_COLOR, FORCE_COLOR, TERM=dumb."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pexpect

import imagesmith
from tests.conftest import run_cli

FAILING = "FROM bit:5000/deepo_9\nRUN apt-get install curl\n"
ESC = "\x1b["


def _dockerfile(tmp_path: Path) -> Path:
    path = tmp_path / "Dockerfile"
    path.write_text(FAILING)
    return path


def test_version() -> None:
    for flag in ("--version", "-V"):
        res = run_cli(flag)
        assert res.exit_code == 0 and res.stdout.startswith(f"imagesmith {imagesmith.__version__} ")


def test_fail_on_none_and_no_fail(tmp_path: Path) -> None:
    path = str(_dockerfile(tmp_path))
    assert run_cli("lint", path).exit_code == 1
    for extra in (["--fail-on", "none"], ["--no-fail"]):
        res = run_cli("lint", *extra, path)
        assert res.exit_code == 0 and "IS601" in res.stdout
    assert run_cli("lint", "--fail-on", "nonsense", path).exit_code == 2


def test_colour_is_asked_for_or_off(tmp_path: Path) -> None:
    path = str(_dockerfile(tmp_path))
    assert ESC not in run_cli("lint", path).stdout  # a pipe: no colour
    assert ESC in run_cli("lint", "--color", "always", path).stdout
    assert ESC in run_cli("lint", path, env={"FORCE_COLOR": "1"}).stdout
    assert ESC not in run_cli("lint", "--no-color", path, env={"FORCE_COLOR": "1"}).stdout
    assert ESC not in run_cli("lint", path, env={"FORCE_COLOR": "1", "NO_COLOR": "1"}).stdout


def _on_a_terminal(args: list[str], env: dict[str, str]) -> str:
    child = pexpect.spawn(sys.executable, ["-m", "imagesmith", *args], encoding="utf-8",
                          env={**os.environ, **env}, timeout=60, dimensions=(40, 200))
    child.expect(pexpect.EOF)
    child.close()
    return child.before


def test_a_terminal_gets_colour_unless_no_color_or_dumb(tmp_path: Path) -> None:
    path = str(_dockerfile(tmp_path))
    assert ESC in _on_a_terminal(["lint", path], {"TERM": "xterm"})
    assert ESC not in _on_a_terminal(["lint", path], {"TERM": "xterm", "NO_COLOR": "1"})
    assert ESC not in _on_a_terminal(["lint", path], {"TERM": "dumb"})


def test_explain_reaches_hadolint_and_shellcheck_rules() -> None:
    res = run_cli("explain", "DL3013")
    assert res.exit_code == 0 and "https://github.com/hadolint/hadolint/wiki/DL3013" in res.stdout
    res = run_cli("explain", "sc2086")
    assert res.exit_code == 0 and "https://www.shellcheck.net/wiki/SC2086" in res.stdout
    assert run_cli("explain", "IS999").exit_code == 2


def test_a_misspelled_pragma_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text("FROM bit:5000/deepo_9\n# imagesmith: ignroe=IS504\nRUN true\n")
    res = run_cli("lint", "--format", "json", str(path))
    import json

    found = {f["code"]: f for r in json.loads(res.stdout)["results"] for f in r["findings"]}
    assert "did you mean `ignore=`?" in found["IS005"]["message"] and "IS504" in found


def test_help_texts_show_no_markup_escapes_or_none_defaults() -> None:
    from imagesmith.cli.commands import COMMAND_MODULES

    for name in ["lint", "compat", "new", "build", "verify", "package", "review", "record",
                 "dockerfile", "hook", "explain", "rules"]:
        res = run_cli(name, "--help")
        assert res.exit_code == 0, name
        assert "\\[" not in res.stdout and "[default: None]" not in res.stdout, (name, res.stdout)
    assert COMMAND_MODULES


def test_file_names_and_lines_cannot_write_to_the_terminal(tmp_path: Path) -> None:
    folder = tmp_path / "a\nverdict: ACCEPT"
    folder.mkdir()
    path = folder / "Dockerfile"
    path.write_text("FROM bit:5000/deepo_9\nRUN apt-get install \x1b[2Jcurl\n")
    res = run_cli("lint", str(path))
    assert res.exit_code == 1
    assert "\x1b" not in res.stdout and "\\x1b" in res.stdout
    assert not any(line.startswith("verdict") for line in res.stdout.splitlines())
    assert "a\\x0averdict: ACCEPT" in res.stdout


def test_config_errors_name_keys_as_written(tmp_path: Path) -> None:
    (tmp_path / "imagesmith.toml").write_text('[lint]\nfial-on = "error"\n')
    path = _dockerfile(tmp_path)
    res = run_cli("lint", str(path))
    assert res.exit_code == 2 and "did you mean fail-on?" in res.stderr and "fail_on" not in res.stderr


def test_compat_reads_a_dockerfile_from_stdin() -> None:
    res = run_cli("compat", "-", "--format", "json",
                  input="FROM bit:5000/deepo_9\nRUN pip install tensorflow-gpu==1.12.0\n")
    import json

    assert res.exit_code == 1, res.stderr
    doc = json.loads(res.stdout)
    assert doc["target"] == "-" and {g["verdict"] for g in doc["groups"]} == {"fails"}


def test_pragma_reasons_need_their_dashes_and_prose_is_no_pragma() -> None:
    from imagesmith.parse.pragmas import malformed_pragma, parse_pragma

    assert parse_pragma(1, "# imagesmith: ignore=IS105 is fine here") is None  # not IS, FINE...
    assert malformed_pragma("# imagesmith: ignore=IS105 is fine here")
    assert parse_pragma(1, "# imagesmith: ignore=IS105 DL3008").codes == ("IS105", "DL3008")  # type: ignore[union-attr]
    for prose in ("# imagesmith generated this file", "# imagesmith.yaml configures the lint",
                  "# hadolint ignore is used below because", "# hadolint shell=bash"):
        assert malformed_pragma(prose) is None, prose


def test_buildkit_output_without_an_image_line_is_a_build(tmp_path: Path) -> None:
    from imagesmith.engine.buildkit import _events

    class Client:
        def __init__(self, lines: list[str], rc: int) -> None:
            self.stdout, self.rc = iter(lines), rc

        def wait(self) -> int:
            return self.rc

    kinds = [e.kind for e in _events(Client(["#5 [1/2] FROM x", "#6 [2/2] RUN a",
                                             "#7 exporting manifest sha256:ab", "#7 naming to x done"], 0))]  # type: ignore[arg-type]
    assert kinds == ["step", "step", "done"]


def test_buildkit_steps_map_to_their_own_stage() -> None:
    from imagesmith.core.profile import load_profile
    from imagesmith.model import model_for
    from imagesmith.services.build import _instruction_by_text, _stage_index

    parsed = model_for("FROM python AS unused\nRUN echo a\nFROM debian\nRUN echo a\n", "Dockerfile",
                       load_profile("default"))
    stage = _stage_index(parsed, "", None)
    assert _instruction_by_text(parsed, "FROM docker.io/library/debian", set(), stage).line == 3  # type: ignore[union-attr]
    assert _instruction_by_text(parsed, "RUN echo a", set(), stage).line == 4  # type: ignore[union-attr]
