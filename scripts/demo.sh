#!/usr/bin/env bash
# Install imagesmith and run its main job, `imagesmith demo`, on the bundled example request.
# The Docker engine part of the demo needs root (it installs and starts dockerd); without
# root the demo still runs everything that needs no engine.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q .
if [ "$(id -u)" = 0 ]; then
  bash scripts/test-env.sh
fi
exec imagesmith demo "$@"
