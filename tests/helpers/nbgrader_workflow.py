"""nbgrader's workflow as an instructor runs it (release, submit, autograde, feedback) and the
grades its gradebook holds, for the kit's tests: through nbgrader's own command line."""
from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

from gmmkit import paths
from gmmkit.course.hub import generate_release  # noqa: F401  (part of the workflow)
from gmmkit.course.nbgrader import COURSE_ID, IGNORE, nbgrader
from gmmkit.grading.batch import grade_class


def submit(course: Path, name: str, student: str, folder: Path,
           replace: dict[str, Path] | None = None) -> Path:
    """Place a submission as ``nbgrader collect`` would: ``folder``'s files (e.g. the release),
    with the files of ``replace`` ({relative path: file}) put in their place."""
    dest = course / "submitted" / student / name
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(folder, dest, ignore=shutil.ignore_patterns(*IGNORE))
    for rel, src in (replace or {}).items():
        shutil.copyfile(src, dest / rel)
    return dest


def autograde(course: Path, name: str, student: str | None = None) -> subprocess.CompletedProcess:
    args = ["autograde", name, "--force"]
    if student:
        args.append(f"--student={student}")
    return nbgrader(course, *args, kit_root=paths.kit_root())


def generate_feedback(course: Path, name: str, student: str | None = None) -> list[Path]:
    args = ["generate_feedback", name, "--force"]
    if student:
        args.append(f"--student={student}")
    nbgrader(course, *args, kit_root=paths.kit_root())
    base = course / "feedback" / (student or "*") / name
    return sorted(course.glob(str(base.relative_to(course)) + "/*.html"))


@dataclasses.dataclass
class CellGrade:
    notebook: str
    grade_id: str
    autograded: bool         # a test cell (False: a manually graded answer)
    auto_score: float | None
    max_score: float


@dataclasses.dataclass
class Scores:
    student: str
    assignment: str
    cells: list[CellGrade]

    @property
    def auto_score(self) -> float:
        return sum(c.auto_score or 0.0 for c in self.cells if c.autograded)

    @property
    def max_auto_score(self) -> float:
        return sum(c.max_score for c in self.cells if c.autograded)

    @property
    def max_manual_score(self) -> float:
        return sum(c.max_score for c in self.cells if not c.autograded)


def db_url(course: Path) -> str:
    return "sqlite:///" + str(Path(course).resolve() / "gradebook.db")


def scores(course: Path, name: str, student: str, course_id: str = COURSE_ID) -> Scores:
    """The grades nbgrader's gradebook holds for one submission, cell by cell."""
    from nbgrader.api import Gradebook

    cells = []
    with Gradebook(db_url(course), course_id) as gb:
        submission = gb.find_submission(name, student)
        for nb in submission.notebooks:
            answers = {c.name for c in nb.notebook.solution_cells}
            for grade in nb.grades:
                if grade.cell.__class__.__name__ != "GradeCell":
                    continue  # task cells: none in this kit
                cells.append(CellGrade(nb.name, grade.name, grade.name not in answers,
                                       grade.auto_score, float(grade.max_score)))
    return Scores(student, name, cells)


def grade_isolated(course: Path, name: str, out: Path, jobs: int = 1) -> Path:
    """``gmmkit grade NAME COURSE/submitted --jobs N`` on nbgrader's layout: the isolated grader
    on the collected submissions (how a ``.py`` lab is graded in an nbgrader course, and how a
    notebook's nbgrader scores are cross-checked outside the student's kernel); returns the
    gradebook CSV."""
    return grade_class(name, Path(course) / "submitted", Path(out), jobs)
