#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image (Ubuntu 22.04 or
# 24.04). It builds the grader's own virtual environment in $AUTOGRADER_ROOT/venv (default
# /autograder/venv), which run_autograder uses: the image's Python may be "externally managed"
# (PEP 668, Ubuntu 24.04, Debian 12), where pip refuses to install into it.
set -euo pipefail
cd "$(dirname "$0")"
AUTOGRADER_ROOT="${AUTOGRADER_ROOT:-/autograder}"
VENV="$AUTOGRADER_ROOT/venv"
PYTHON="${GMMKIT_SETUP_PYTHON:-python3}"
export DEBIAN_FRONTEND=noninteractive

updated=""
apt_install() {  # apt_install PACKAGE...: with apt-get, once its lists are fresh
  command -v apt-get >/dev/null || return 1
  if [ -z "$updated" ]; then apt-get update -qq && updated=1 || return 1; fi
  apt-get install -y -qq --no-install-recommends "$@"
}

if ! command -v "$PYTHON" >/dev/null; then
  apt_install python3 python3-venv python3-pip || { echo "setup.sh: no $PYTHON and no apt-get to install it" >&2; exit 1; }
fi
"$PYTHON" - <<'PY' || { echo "setup.sh: the grader needs Python 3.10 or newer" >&2; exit 1; }
import sys
sys.exit(sys.version_info < (3, 10))
PY
# Debian and Ubuntu ship venv's pip bootstrap (ensurepip) in python3-venv / python3.X-venv.
if ! "$PYTHON" -c "import ensurepip, venv" 2>/dev/null; then
  version="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  apt_install "python$version-venv" || apt_install python3-venv || true
fi
"$PYTHON" -m venv --clear "$VENV" || {
  echo "setup.sh: $PYTHON -m venv failed; install python3-venv (apt-get install python3-venv)" >&2; exit 1; }
chmod 755 "$VENV"

# bubblewrap gives the strongest isolation; where the container forbids namespaces the grader
# falls back to running student code as user nobody (it probes at start).
if ! command -v bwrap >/dev/null; then
  apt_install bubblewrap || echo "setup.sh: bubblewrap not installed; the grader will fall back to user nobody"
fi

"$VENV/bin/python" -m pip install --quiet --no-cache-dir -r requirements.txt
"$VENV/bin/python" -m pip install --quiet --no-cache-dir --no-deps ./kit
"$VENV/bin/python" -c "import gmmkit.grading.gradescope" && echo "setup.sh: the grader is ready in $VENV"
