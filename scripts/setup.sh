#!/usr/bin/env bash
# Create .venv with Python >= 3.12 and install Groundswell with its development tools.
# With --browser (the tests), also make sure Debian's chromium is present (installed when run as
# root) and .venv-peers holds the federation tests' peer server;
# with --bench, Debian's wrk, the load generator of bench/spike.py.
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {
    local candidate
    for candidate in "${PYTHON:-}" python3.12 python3.13 python3 \
        "$HOME"/.pyenv/versions/3.12*/bin/python3.12 /usr/local/bin/python3.12 /usr/bin/python3.12; do
        [ -n "$candidate" ] || continue
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then
    python=$(find_python) || {
        echo "Groundswell needs Python 3.12 or newer (Django 6.1); none was found." >&2
        echo "Install python3.12 (or set PYTHON=/path/to/python3.12) and run this again." >&2
        exit 1
    }
    echo "Creating .venv with $python ($("$python" --version))"
    rm -rf .venv
    "$python" -m venv .venv
fi

stamp=.venv/.installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "Installing Groundswell and its tools into .venv …"
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e ".[dev]"
    touch "$stamp"
fi

debian_package() {  # debian_package PACKAGE BINARY WHAT-NEEDS-IT
    [ -x "$2" ] && return 0
    if [ "$(id -u)" = 0 ]; then
        echo "Installing Debian's $1 for $3 …"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null
    else
        echo "$3 need $2: run 'sudo apt-get install $1'." >&2
        exit 1
    fi
}

# bovine-herd, the independent ActivityPub server that the secure-mode federation tests run on
# 127.0.0.1, pins cryptography below ours and brings Quart and Tortoise: it gets a virtualenv of
# its own beside .venv, used only by groundswell/federation/tests/test_secure_mode.py. What
# goes in is pyproject.toml's `test-peers` list.
peer_venv() {
    local PEER_PACKAGES
    PEER_PACKAGES=$(.venv/bin/python -c 'import tomllib; print(" ".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["test-peers"]))')
    local stamp=.venv-peers/.installed
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$PEER_PACKAGES" ]; then
        return 0
    fi
    echo "Installing the test peer ($PEER_PACKAGES) into .venv-peers …"
    [ -x .venv-peers/bin/python ] || .venv/bin/python -m venv .venv-peers
    .venv-peers/bin/python -m pip install --quiet $PEER_PACKAGES
    echo "$PEER_PACKAGES" >"$stamp"
}

case "${1:-}" in
    --browser)
        debian_package chromium /usr/bin/chromium "the browser tests"
        # pdftoppm and pdftotext: the monthly report's PDF is read back and drawn as PNG.
        debian_package poppler-utils /usr/bin/pdftoppm "the monthly report's tests"
        peer_venv
        ;;
    --bench) debian_package wrk /usr/bin/wrk "the benchmarks" ;;
esac
