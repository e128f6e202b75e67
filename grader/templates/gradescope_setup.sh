#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
# It installs Python 3.11 or newer and, from the archive in this bundle, the grader
# (dlgrade) with its dependencies into /autograder/venv. Only the dependencies come
# from the network (PyPI); the grader itself is the copy in this zip.
set -euo pipefail
cd "$(dirname "$0")"
ARCHIVE="__ARCHIVE__"
VENV=/autograder/venv

apt_install() {
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
}

find_python() {
    for candidate in python3.13 python3.12 python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 \
            && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

if ! PYTHON=$(find_python); then
    # Ubuntu 22.04 (Gradescope's default image) ships 3.10; 3.11 is in its archive
    apt_install python3.11 python3.11-venv
    PYTHON=python3.11
fi
if ! "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null; then
    apt_install "$(basename "$PYTHON")-venv"
fi

"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --no-cache-dir --upgrade pip
"$VENV/bin/python" -m pip install --no-cache-dir "./$ARCHIVE"
"$VENV/bin/python" -m grader --version
