"""Gradescope's layout, for tests: a bundle unzipped into ``ROOT/source``, ``run_autograder``
beside it, the submission in ``ROOT/submission``; then the real ``run_autograder``."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path


def gradescope_root(root: Path, bundle: Path) -> Path:
    """Lay the bundle out under ``root`` (once) and return ``root``."""
    if not (root / "source").exists():
        with zipfile.ZipFile(bundle) as zf:
            zf.extractall(root / "source")
        shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir(exist_ok=True)
    return root


def submit(root: Path, filename: str, content: bytes) -> None:
    """Replace whatever was submitted before (and its results) with one file."""
    for sub in ("submission", "results"):
        shutil.rmtree(root / sub, ignore_errors=True)
    (root / "submission").mkdir()
    (root / "submission" / filename).write_bytes(content)


def run_autograder(root: Path, python: str = sys.executable, timeout: float = 600,
                   **env) -> dict:
    """``run_autograder`` as Gradescope calls it; its results.json."""
    env = dict(os.environ, AUTOGRADER_ROOT=str(root), GMMKIT_PYTHON=python, **env)
    run = subprocess.run(["bash", str(root / "run_autograder")], env=env, capture_output=True,
                         text=True, timeout=timeout)
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads((root / "results" / "results.json").read_text())
