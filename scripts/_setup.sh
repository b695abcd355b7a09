# Shared set-up steps for scripts/test.sh, scripts/demo.sh and .ci/run (sourced).

PYTHON=${PYTHON:-python3}

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }

apt_install() {
    command -v apt-get >/dev/null || { echo "apt-get not found: please install $* yourself" >&2; return 1; }
    if [[ -z "${_APT_UPDATED:-}" ]]; then as_root apt-get update -qq; _APT_UPDATED=1; fi
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

setup_venv() {  # setup_venv [extra]
    if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
        echo "xinyi needs Python 3.11 or newer ($PYTHON is $("$PYTHON" --version 2>&1))" >&2; exit 1
    fi
    [[ -x .venv/bin/python ]] || "$PYTHON" -m venv .venv
    local spec="."
    [[ -n "${1:-}" ]] && spec=".[$1]"
    .venv/bin/python -m pip install -q --disable-pip-version-check -e "$spec"
}

ensure_redis() {
    export XINYI_TEST_REDIS_URL=${XINYI_TEST_REDIS_URL:-redis://127.0.0.1:6379/15}
    local port
    port=$(.venv/bin/python -c "from urllib.parse import urlparse; print(urlparse('$XINYI_TEST_REDIS_URL').port or 6379)")
    if .venv/bin/python -c "import redis,sys; redis.Redis.from_url('$XINYI_TEST_REDIS_URL', socket_timeout=2).ping()" 2>/dev/null; then
        return 0
    fi
    command -v redis-server >/dev/null || apt_install redis-server
    echo "== starting redis-server on port $port"
    redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no \
        --dir /tmp --logfile /tmp/xinyi-test-redis.log
    for _ in $(seq 50); do
        .venv/bin/python -c "import redis; redis.Redis.from_url('$XINYI_TEST_REDIS_URL').ping()" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "Redis did not start (see /tmp/xinyi-test-redis.log)" >&2; exit 1
}

ensure_tmux() {
    command -v tmux >/dev/null || apt_install tmux || echo "tmux not available: the terminal smoke test will be skipped" >&2
}

ensure_sshd() {
    # OpenSSH server for the SSH deployment test (tests/reliability/test_ssh_deploy.py); it starts its
    # own sshd on a loopback port and never touches the system's sshd service. Never required.
    [[ -x /usr/sbin/sshd ]] || apt_install openssh-server \
        || echo "sshd not available: the SSH deployment test will be skipped" >&2
    command -v ssh-keygen >/dev/null && command -v ssh >/dev/null \
        || apt_install openssh-client || echo "ssh client not available: the SSH deployment test will be skipped" >&2
    return 0
}

detect_postgres() {
    # Use a reachable local PostgreSQL for the database tests; never required.
    if [[ -z "${XINYI_TEST_POSTGRES_URL:-}" ]]; then
        local url=postgresql://postgres@127.0.0.1:5432/test
        if .venv/bin/python -c "import psycopg2; psycopg2.connect('$url', connect_timeout=3).close()" 2>/dev/null; then
            export XINYI_TEST_POSTGRES_URL=$url
        fi
    fi
}

ensure_print_tools() {
    # Printing and PDF (tests/jobs/test_printing.py): LibreOffice headless with the CJK fonts the
    # forms' 宋体/仿宋/黑体 map to, CUPS with the cups-pdf virtual printer, poppler to read PDFs back,
    # lrzsz for ZMODEM downloads. Installed when missing; CUPS started when not running.
    local want=()
    command -v soffice >/dev/null || want+=(libreoffice-writer-nogui libreoffice-calc-nogui)
    fc-list 2>/dev/null | grep -q "Noto Serif CJK" || want+=(fonts-noto-cjk)
    command -v lp >/dev/null && command -v lpstat >/dev/null || want+=(cups cups-client cups-bsd)
    [[ -e /usr/lib/cups/backend/cups-pdf ]] || want+=(printer-driver-cups-pdf)
    command -v pdfinfo >/dev/null || want+=(poppler-utils)
    command -v sz >/dev/null || want+=(lrzsz)
    if (( ${#want[@]} )); then
        echo "== installing ${want[*]}"
        apt_install --no-install-recommends "${want[@]}" \
            || { echo "printing tools not available: the printing tests will be skipped" >&2; return 0; }
    fi
    if ! lpstat -r 2>/dev/null | grep -q "is running"; then
        echo "== starting cupsd"
        as_root cupsd 2>/dev/null || true
        for _ in $(seq 50); do lpstat -r 2>/dev/null | grep -q "is running" && break; sleep 0.1; done
    fi
    if lpstat -r 2>/dev/null | grep -q "is running" && command -v soffice >/dev/null; then
        export XINYI_TEST_REQUIRE_PRINT=1  # from here on a missing part is a failure, not a skip
    fi
}

ensure_browser() {
    # The browser tests (tests/tui/test_browser.py): `xinyi serve` opened in headless Chromium, driven
    # by Playwright (the `test` extra) with Debian's browser — Playwright downloads none of its own.
    local chromium
    chromium=$(command -v chromium || command -v chromium-browser || true)
    if [[ -z "$chromium" ]]; then
        echo "== installing chromium"
        apt_install --no-install-recommends chromium fonts-noto-cjk \
            || { echo "chromium not available: the browser tests will be skipped" >&2; return 0; }
        chromium=$(command -v chromium || true)
    fi
    if [[ -n "$chromium" ]]; then
        export XINYI_TEST_CHROMIUM=$chromium
        export XINYI_TEST_REQUIRE_BROWSER=1  # from here on a browser test that cannot run fails, not skips
    fi
}
