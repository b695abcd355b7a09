#!/usr/bin/env bash
# Set up xinyi and open the terminal UI on a ready-made demo city
# (SQLite under ./data, in-process jobs: no server needed).
#   bash scripts/demo.sh            # builds the demo city on first run, then starts the app
#   bash scripts/demo.sh --reset    # throw the demo database away and build it again
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_setup.sh

setup_venv
export XINYI_CONFIG="$PWD/config/xinyi.toml"
if [[ "${1:-}" == "--reset" || ! -f data/xinyi.db ]]; then
    .venv/bin/xinyi demo --reset
fi
exec .venv/bin/xinyi
