"""Running nbgrader's own command line: one runner, one ignore list, shared by ``gmmkit build``
(a temporary course per release) and ``gmmkit nbgrader-course`` (a course for a JupyterHub)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

COURSE_ID = "gmmkit"
# what nbgrader never copies from source/ (figures are regenerated, caches are local)
IGNORE = [".ipynb_checkpoints", "*.pyc", "__pycache__", "*.png"]


class NbgraderError(RuntimeError):
    """nbgrader failed; the message carries the end of its log."""


def nbgrader_env(kit_root: Path | None = None) -> dict:
    """This interpreter's scripts first on PATH (nbgrader calls ``alembic`` by name) and, when
    given, ``GMMKIT_ROOT`` naming the kit for the hidden test cells."""
    bindir = Path(sys.executable).parent
    env = dict(os.environ, PATH=f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")
    if kit_root is not None:
        env["GMMKIT_ROOT"] = str(kit_root)
    return env


def nbgrader(course: Path, *args: str, kit_root: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``nbgrader ARGS`` in the course directory; raise NbgraderError on failure."""
    exe = Path(sys.executable).parent / "nbgrader"
    command = [str(exe) if exe.exists() else "nbgrader", *args]
    run = subprocess.run(command, cwd=course, capture_output=True, text=True,
                         env=nbgrader_env(kit_root))
    if run.returncode != 0:
        raise NbgraderError(f"nbgrader {' '.join(args)} failed:\n{run.stdout[-4000:]}"
                            f"{run.stderr[-4000:]}")
    return run
