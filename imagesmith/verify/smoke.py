"""Check 5: the request's own acceptance tests, `[[tests]]` in the build folder's
imagesmith.toml, run as the job uid:

    [[tests]]
    name = "tqdm imports"
    run = "python -c 'import tqdm; print(tqdm.__version__)'"
    expect_exit = 0            # default 0
    expect_stdout = "4."       # optional: stdout must contain this text
    timeout = 60               # optional, seconds
"""

from __future__ import annotations

import time
from pathlib import Path

from imagesmith.core.errors import ConfigError
from imagesmith.core.smoke_tests import SmokeTest, smoke_tests_from
from imagesmith.core.typed_load import LoadError
from imagesmith.verify.model import Check
from imagesmith.verify.probe import Prober

__all__ = ["SmokeTest", "load_tests", "run_smoke"]


def load_tests(source: Path) -> list[SmokeTest]:
    """[[tests]] of a config file, or of the project config found from a build folder upward
    (imagesmith.toml, .imagesmith.toml, [tool.imagesmith] in pyproject.toml). A bundle's
    tests are read by services.verify (bundle is not a layer verify may import)."""
    from imagesmith.core.config import find_project_config, read_config_file

    found = read_config_file(source) if source.is_file() else find_project_config(source)
    if found is None:
        raise ConfigError("no imagesmith.toml with [[tests]] here", where=source,
                          hint="pass the build folder or the toml file with --tests")
    path, data = found.path, found.data
    items = data.get("tests", [])
    if not isinstance(items, list):
        raise ConfigError("`tests` must be an array of tables ([[tests]])", where=path)
    try:
        return smoke_tests_from(items)
    except LoadError as exc:
        raise ConfigError(exc.message, where=f"{path}: {exc.path}") from None


def run_smoke(prober: Prober, test: SmokeTest) -> Check:
    start = time.monotonic()
    res = prober.run_as_job([test.run], shell=True, timeout=test.timeout)
    problems = []
    if res.timed_out:
        problems.append(f"did not finish within {test.timeout:.0f}s")
    elif res.exit_code != test.expect_exit:
        problems.append(f"exit code {res.exit_code}, expected {test.expect_exit}")
    if test.expect_stdout is not None and test.expect_stdout not in res.stdout:
        problems.append(f"stdout does not contain {test.expect_stdout!r}")
    if problems:
        problems += [f"stdout: {line}" for line in res.stdout.strip().splitlines()[-10:]]
        problems += [f"stderr: {line}" for line in res.stderr.strip().splitlines()[-10:]]
    summary = f"`{test.run}` " + ("behaves as expected" if not problems else problems[0])
    return Check(f"smoke: {test.name}", not problems, "error", summary, problems,
                 {"run": test.run, "exit_code": res.exit_code, "stdout": res.stdout[-4000:]},
                 duration=round(time.monotonic() - start, 3))
