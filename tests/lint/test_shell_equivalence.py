"""The plain-list fast path of the shell layer gives exactly bashlex's commands."""

from __future__ import annotations

import pytest

from imagesmith.model import build_model
from imagesmith.parse.shell import _bashlex_commands, _token_commands, is_plain_list
from tests.lint.helpers import shared_dir

SAMPLES = [
    "apt-get update && apt-get install -y a=1 'b c' \"d $X\" ; echo ok | tee -a /root/.bashrc",
    "pip install --no-cache-dir tensorflow-gpu==${TF_VERSION} 2>&1 > /tmp/log",
    "X=1 Y='2 3' make -j${N} install && rm -rf /var/lib/apt/lists/*",
    "echo a\\ b >> ~/.profile || true",
]


def _shape(commands: list) -> list[tuple]:
    return [(c.argv, c.assignments, c.redirects) for c in commands]


@pytest.mark.parametrize("script", SAMPLES)
def test_fast_path_matches_bashlex(script: str) -> None:
    assert is_plain_list(script)
    assert _shape(_token_commands(script, exact=True)) == _shape(_bashlex_commands(script))


def test_not_plain_goes_to_bashlex() -> None:
    for script in (
        "if [ x ]; then a; fi",
        "echo $(ls)",
        "a `b`",
        "cat <<EOF\nx\nEOF",
        "f() { a; }",
        "a # comment",
        "for i in 1 2; do echo $i; done",
        "a && \\\n b",
    ):
        assert not is_plain_list(script), script


CORPUS = shared_dir() / "corpus" / "files"


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
def test_fast_path_matches_bashlex_on_the_corpus() -> None:
    checked = 0
    for path in sorted(CORPUS.iterdir()):
        try:
            parsed = build_model(path.read_text(encoding="utf-8", errors="replace"), str(path))
        except Exception:  # noqa: BLE001 - IS001 files
            continue
        for ins in parsed.of("RUN"):
            script = ins.shell_script
            if not script or not is_plain_list(script) or "\\" in script:
                continue  # bashlex drops backslashes inside double quotes; POSIX keeps them
            try:
                expected = _shape(_bashlex_commands(script))
            except Exception:  # noqa: BLE001 - bashlex cannot parse it either
                continue
            if any("'" in w or '"' in w for argv, _, _ in expected for w in argv):
                continue  # bashlex leaves quotes inside mixed words ('a'"$B"'c'); shlex removes them
            assert _shape(_token_commands(script, exact=True)) == expected, (
                f"{path.name}:{ins.line}"
            )
            checked += 1
    assert checked > 100
