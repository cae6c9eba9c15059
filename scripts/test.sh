#!/usr/bin/env bash
# The full test suite on a fresh machine: install, bring up the real engine/registry/images, test.
set -uo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q -e '.[test]' || { echo "pip install failed" >&2; exit 1; }
# Static checks first (seconds): the ruff rules and the layer contracts in pyproject.toml.
python3 -m ruff check imagesmith || { echo "ruff check imagesmith failed: fix the findings above" >&2; exit 1; }
lint-imports || { echo "lint-imports failed: an import breaks a layer contract ([tool.importlinter] in pyproject.toml)" >&2; exit 1; }
bash scripts/test-env.sh || { echo "test environment set-up failed" >&2; exit 1; }
python3 -m pytest "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests: treating as a failure" >&2
  exit 1
fi
exit "$rc"
