#!/usr/bin/env bash
# Set up everything the test suite needs on a fresh machine, then run it.
#   bash scripts/test.sh [pytest args…]
# Installs the package with its test extra into .venv, starts Redis if it is not
# running (installing it with apt when missing), uses PostgreSQL when one is
# reachable (XINYI_TEST_POSTGRES_URL), and runs pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_setup.sh

setup_venv test
ensure_redis
ensure_tmux
detect_postgres

echo "== pytest (Redis: $XINYI_TEST_REDIS_URL; PostgreSQL: ${XINYI_TEST_POSTGRES_URL:-not available})"
exec .venv/bin/python -m pytest "$@"
