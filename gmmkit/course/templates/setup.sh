#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
set -euo pipefail
cd "$(dirname "$0")"
# bubblewrap gives the strongest isolation; where the container forbids namespaces the grader
# falls back to running student code as user nobody (it probes at start).
if command -v apt-get >/dev/null; then
  (apt-get update -qq && apt-get install -y -qq bubblewrap) || echo "bubblewrap not installed; falling back"
fi
python3 -m pip install --no-cache-dir -r requirements.txt
python3 -m pip install --no-cache-dir --no-deps ./kit
