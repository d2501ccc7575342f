"""``release/<assignment>/`` from ``source/<assignment>/`` with nbgrader's generate_assignment.

nbgrader runs for real, in a temporary course directory with its own gradebook. Python files
are not notebooks, so nbgrader copies them unchanged; their solution regions are then cleared by
nbgrader's own ``ClearSolutions`` preprocessor, applied to the file as a one-cell notebook.
"""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import nbformat
from nbgrader.preprocessors import ClearSolutions

from .nbgrader import COURSE_ID, IGNORE, NbgraderError, nbgrader

CONFIG = """\
c = get_config()
c.CourseDirectory.root = {root!r}
c.CourseDirectory.course_id = {course_id!r}
c.CourseDirectory.db_url = "sqlite:///" + {db!r}
c.CourseDirectory.ignore = {ignore!r}
"""

ReleaseError = NbgraderError


def write_course_config(course: Path) -> None:
    (course / "nbgrader_config.py").write_text(CONFIG.format(
        root=str(course), course_id=COURSE_ID, db=str(course / "gradebook.db"), ignore=IGNORE))


def generate(source_dir: Path, release_dir: Path) -> None:
    """Regenerate ``release_dir`` (replacing it) from the nbgrader source folder ``source_dir``."""
    name = source_dir.name
    with tempfile.TemporaryDirectory(prefix="gmmkit-course-") as tmp:
        course = Path(tmp)
        write_course_config(course)
        shutil.copytree(source_dir, course / "source" / name,
                        ignore=shutil.ignore_patterns(*IGNORE))
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
