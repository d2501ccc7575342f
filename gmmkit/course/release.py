"""``release/<assignment>/`` from ``source/<assignment>/`` with nbgrader's generate_assignment.

nbgrader runs for real, in a temporary course directory with its own gradebook. Python files
are not notebooks, so nbgrader copies them unchanged; their solution regions are then cleared by
nbgrader's own ``ClearSolutions`` preprocessor, applied to the file as a one-cell notebook.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
from nbgrader.preprocessors import ClearSolutions

CONFIG = """\
c = get_config()
c.CourseDirectory.root = {root!r}
c.CourseDirectory.course_id = "gmmkit"
c.CourseDirectory.db_url = "sqlite:///" + {db!r}
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "*.png"]
"""


class ReleaseError(RuntimeError):
    pass


def write_course_config(course: Path) -> None:
    (course / "nbgrader_config.py").write_text(
        CONFIG.format(root=str(course), db=str(course / "gradebook.db")))


def nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    bindir = Path(sys.executable).parent
    # nbgrader calls its helpers (alembic) by name: they live beside this interpreter.
    env = dict(os.environ, PATH=f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")
    run = subprocess.run([str(bindir / "nbgrader"), *args], cwd=course, capture_output=True,
                         text=True, env=env)
    if run.returncode != 0:
        raise ReleaseError(f"nbgrader {' '.join(args)} failed:\n{run.stdout[-3000:]}{run.stderr[-3000:]}")
    return run


def generate(source_dir: Path, release_dir: Path) -> None:
    """Regenerate ``release_dir`` (replacing it) from the nbgrader source folder ``source_dir``."""
    name = source_dir.name
    with tempfile.TemporaryDirectory(prefix="gmmkit-course-") as tmp:
        course = Path(tmp)
        write_course_config(course)
        shutil.copytree(source_dir, course / "source" / name,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.png"))
        nbgrader(course, "generate_assignment", name, "--force")
        out = course / "release" / name
        for py in sorted(out.rglob("*.py")):
            clear_python_solutions(py)
        if release_dir.exists():
            shutil.rmtree(release_dir)
        shutil.copytree(out, release_dir)


def clear_python_solutions(path: Path) -> None:
    text = path.read_text()
    if "### BEGIN SOLUTION" not in text:
        return
    cell = nbformat.v4.new_code_cell(text)
    if not ClearSolutions()._replace_solution_region(cell, "python"):
        raise ReleaseError(f"{path.name}: malformed solution markers")
    if "### BEGIN SOLUTION" in cell.source or "### END SOLUTION" in cell.source:
        raise ReleaseError(f"{path.name}: unmatched solution markers")
    path.write_text(cell.source.rstrip("\n") + "\n")
