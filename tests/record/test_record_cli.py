"""`imagesmith record` / `hook` input handling: one clear line, exit 2, nothing left behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from imagesmith.core.errors import UserInputError
from imagesmith.services.record import parse_run_args


def test_run_args_map_to_engine_options() -> None:
    args = parse_run_args(["--gpus=all", "-v /data:/data:ro", "--ipc=host", "-e A=1", "--shm-size 1g"])
    assert args["network_mode"] == "host"  # apt and pip need it; overridable
    assert args["volumes"] == {"/data": {"bind": "/data", "mode": "ro"}}
    assert args["environment"] == {"A": "1"}
    assert args["extra_host_config"] == {"device_requests": [{"Driver": "", "Capabilities": [["gpu"]], "Count": -1}],
                                         "ipc_mode": "host", "shm_size": "1g"}
    assert parse_run_args(["--network=none"])["network_mode"] == "none"
    with pytest.raises(UserInputError, match="unsupported --run-arg: --rm"):
        parse_run_args(["--rm"])


def test_bad_run_arg_and_unknown_image(cli, tmp_path: Path, test_env: None) -> None:
    bad = cli("record", "imagesmith/debian:bookworm", "--run-arg=--pid=host", "-o", str(tmp_path / "a"))
    assert bad.exit_code == 2 and "unsupported --run-arg: --pid=host" in bad.stderr
    missing = cli("record", "imagesmith/no-such:image", "-o", str(tmp_path / "b"))
    assert missing.exit_code == 2 and "image not found" in missing.stderr
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
    assert "Traceback" not in bad.stderr + missing.stderr


def test_hook_prints_a_sourceable_snippet(cli) -> None:
    result = cli("hook", "--journal", "/ghome/me/my journal.jsonl")
    assert result.exit_code == 0
    assert "export IMAGESMITH_JOURNAL='/ghome/me/my journal.jsonl'" in result.stdout
    assert "PROMPT_COMMAND=" in result.stdout and "### dpkg" in result.stdout
