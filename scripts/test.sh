#!/usr/bin/env bash
# Set up everything the test suite needs on a fresh machine, then run it.
#   bash scripts/test.sh [pytest args…]
#   bash scripts/test.sh --hypothesis-profile=deep tests/reliability   # opt-in: random, 10× examples
# Installs the package with its test extra into .venv, starts Redis if it is not
# running (installing it with apt when missing), uses PostgreSQL when one is
# reachable (XINYI_TEST_POSTGRES_URL), installs Chromium for the browser tests when missing,
# and runs pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_setup.sh

setup_venv test
ensure_redis
ensure_tmux
ensure_sshd
ensure_print_tools
ensure_browser
detect_postgres

echo "== pytest (Redis: $XINYI_TEST_REDIS_URL; PostgreSQL: ${XINYI_TEST_POSTGRES_URL:-not available})"
# Three test processes: much of the suite waits on subprocesses, terminals and servers, so even
# two cores are kept busy (each test has its own database file/schema and Redis namespace).
# XINYI_TEST_PROCESSES=0 runs in one process.
exec .venv/bin/python -m pytest -n "${XINYI_TEST_PROCESSES:-3}" "$@"
