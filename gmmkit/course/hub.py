"""An nbgrader course directory for a JupyterHub, laid out from the kit, and the nbgrader workflow.

``make_course(dest, names)`` writes a course directory that an instructor copies onto a
JupyterHub (or uses in place): ``nbgrader_config.py`` (the course id, the kit's location for the
hidden tests, the exchange settings commented out), ``source/<a>/`` for every assignment, copied
from the kit's ``source/``, and a ``README.md`` walking through release, collection, autograding,
manual grading and feedback.

Two things differ from copying ``source/`` by hand, both so that nbgrader cannot leak or lose a
``.py`` lab's code:

* nbgrader copies non-notebook files into the release unchanged, so a lab's ``.py`` source would
  reach students with its solutions. The course's ``source/<a>/*.py`` therefore have their
  solution regions cleared (nbgrader's ``ClearSolutions``, as ``gmmkit build`` does for
  ``release/``); the reference stays in the kit's ``solutions/``, where ``gmmkit grade`` finds it.
* ``nbgrader autograde`` overwrites a submission's non-notebook files with the source's; for a lab
  that would replace the student's ``gmm1d.py``. The config excludes each lab's submitted file
  from that (``Autograde.exclude_overwriting``).

A ``.py`` lab has no autograded notebook cells (its notebook only runs the public checks); it is
graded by the kit's isolated grader on the collected files:
``gmmkit grade gmm1d submitted --jobs 2``.
"""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import Iterable

from .. import assignments, paths
from .nbgrader import COURSE_ID, IGNORE, NbgraderError, nbgrader
from .release import clear_python_solutions

CELL_TIMEOUT = 300  # seconds per cell in `nbgrader autograde`; every check has its own limit too


class CourseError(RuntimeError):
    """The course directory cannot be laid out as asked."""


CONFIG = '''\
# nbgrader configuration of the course {course_id!r}, written by `gmmkit nbgrader-course`.
# Run nbgrader from this folder (`nbgrader generate_assignment gmm_sampling`), or point the
# formgrader at it (see README.md).
import os

c = get_config()  # noqa: F821 (nbgrader provides it)

c.CourseDirectory.course_id = {course_id!r}
# The course lives beside this file, wherever it is copied to.
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.ignore = {ignore!r}

# The hidden test cells call check("<assignment>", f, hidden=True), which loads the hidden checks
# (autograder/<a>/hidden_checks.py) and the reference solutions (solutions/<a>.py) from a
# checkout of the kit. Set this to where that checkout is on the machine that autogrades; the
# kernels nbgrader starts inherit it. Students must never be able to read that folder.
os.environ.setdefault("GMMKIT_ROOT", {kit_root!r})

# Every test cell is locked and checksummed: a submission that edits one gets the original back
# at autograding. One that deletes a test cell gets it back too, instead of losing its points.
c.OverwriteCells.add_missing_cells = True

# A .py lab is graded by its file (`gmmkit grade`), not by notebook cells: keep the student's
# file in autograded/ instead of nbgrader's default of overwriting it with the source's.
c.Autograde.exclude_overwriting = {exclude!r}

# Time limit of one cell while autograding (nbgrader's default is 30 s); each check inside has
# its own, shorter limit.
c.Execute.timeout = {timeout}

# ---- Exchange: releasing and collecting on a JupyterHub -------------------------------------
# Uncomment on the hub. The exchange folder must exist and be writable by everyone
# (`sudo mkdir -p /srv/nbgrader/exchange && sudo chmod ugo+rw /srv/nbgrader/exchange`).
# c.Exchange.root = "/srv/nbgrader/exchange"
# With several courses on one hub, keep their files apart:
# c.Exchange.path_includes_course = True
# Deadlines and timestamps in the course's time zone:
# c.Exchange.timezone = "Europe/Berlin"
# With JupyterHub groups ("formgrade-{course_id}", "nbgrader-{course_id}") students only see
# their own courses:
# from nbgrader.auth import JupyterHubAuthPlugin
# c.Authenticator.plugin_class = JupyterHubAuthPlugin
'''


README = """\
# nbgrader course `{course_id}`

Laid out by `gmmkit nbgrader-course` from the gmmkit checkout at `{kit_root}`.
Assignments: {names}.

| path | what it is |
| --- | --- |
| `nbgrader_config.py` | course id, where the kit is (`GMMKIT_ROOT`, for the hidden tests), the exchange (commented) |
| `source/<a>/` | the instructor's notebooks, with solutions and hidden tests. Never give them out |
| `release/<a>/` | what students get, written by `nbgrader generate_assignment` |
| `submitted/<student>/<a>/` | collected submissions (`nbgrader collect`) |
| `autograded/`, `feedback/` | written by `nbgrader autograde` and `nbgrader generate_feedback` |
| `gradebook.db` | nbgrader's gradebook |

## Setting up the hub
1. The kit (`pip install` of the checkout) in the environment of the students' kernels and of
   the instructor's, so that `from gmmkit.checks import check` works.
2. The checkout itself (with `solutions/` and `autograder/`) only where the instructor's
   nbgrader runs, readable by the instructor and **not by students**; `GMMKIT_ROOT` in
   `nbgrader_config.py` names it.
3. The exchange: uncomment its lines in `nbgrader_config.py`. The formgrader finds this course
   when `c.CourseDirectory.root` in the instructor's `~/.jupyter/nbgrader_config.py` names this
   folder (or the hub's formgrader service runs here).

## One assignment, from release to feedback
```sh
cd {course_dir}
nbgrader generate_assignment gmm_sampling      # release/gmm_sampling/, and the gradebook entry
nbgrader release_assignment gmm_sampling       # to the exchange; students fetch it in Jupyter
# ... students work, and submit from the Assignments tab ...
nbgrader collect gmm_sampling                  # into submitted/<student>/gmm_sampling/
nbgrader autograde gmm_sampling                # runs the hidden test cells: autograded/
# grade the written answers in the formgrader ("Manual Grading"), then:
nbgrader generate_feedback gmm_sampling        # feedback/<student>/gmm_sampling/*.html
nbgrader release_feedback gmm_sampling         # students fetch it in Jupyter
nbgrader export                                # grades.csv for your records
```
Without an exchange (submissions from elsewhere), put each student's files in
`submitted/<student>/<a>/` yourself, then run `nbgrader autograde <a>` as above.

What autograding does: every test cell is locked and checksummed; nbgrader puts the original
back (with its hidden tests) in any submission that edited or deleted one, and runs the
notebook's cells in order in a fresh kernel. Each test cell calls the kit's
`check("<a>", function)` and, hidden, `check("<a>", function, hidden=True)`: the very checks
Gradescope runs, with the same points. The hidden call's value is the points of all the
function's checks, which nbgrader takes as the cell's partial score; the student's stderr and
warnings are kept out of the cell's stderr (nbgrader would score the cell zero) and shown in its
report. A failing check does not raise, so `nbgrader validate` passes a notebook whose checks
fail: the ✘ lines say what lost points.

`Attribute 'checksum' for cell ... has changed!` in autograde's log, for every test cell of
every submission, is nbgrader's behaviour with hidden tests (jupyter/nbgrader#1961: the
gradebook's checksum is the source cell's, taken before the hidden tests are removed); the
source cell is put back, as for a real edit. It is not a sign of tampering.

## What in-kernel autograding cannot isolate
The hidden tests run **inside the student's own kernel**, after the student's code, with the
instructor's permissions. Student code there can read and write anything the instructor can
(`solutions/`, the gradebook, other submissions), patch `numpy` or the checks, or redefine
`check` itself; a loop without end holds the cell until `c.Execute.timeout`. nbgrader's checksums protect the test cells' text, not what
runs before them. For grades that matter, re-grade the collected submissions with the kit's
isolated grader (a sandboxed worker; only data crosses back; judged outside) and compare:
```sh
gmmkit grade gmm_sampling submitted --jobs 2 --out isolated-gmm_sampling
# isolated-gmm_sampling/gradebook.csv: one row per student, the same points as nbgrader's
```
(A student who did not submit that assignment gets a row saying there was nothing to grade.)

## The `.py` lab{lab_note}
"""

LAB_NOTE = """
{labs}: students submit the `.py` file; its notebook has no graded cells (it runs the public
checks and plots the fit), so nbgrader autogrades it to 0 of 0 points. Grade the collected files
with the kit's grader:
```sh
gmmkit grade {first} submitted --jobs 2 --out isolated-{first}
```
The course's `source/` holds the lab's stub (solutions cleared), so that nbgrader cannot release
them; the reference stays in the kit."""


def config_text(course_id: str, kit_root: Path, names: Iterable[str]) -> str:
    names = list(names)
    exclude = {n: [assignments.get(n).submission] for n in names
               if assignments.get(n).kind == "module"}
    return CONFIG.format(course_id=course_id, kit_root=str(kit_root), ignore=IGNORE,
                         exclude=exclude, timeout=CELL_TIMEOUT)


def make_course(dest: Path, names: Iterable[str] | None = None, course_id: str = COURSE_ID,
                kit_root: Path | None = None) -> Path:
    """Lay out an nbgrader course directory at ``dest`` (new or empty) with the given
    assignments (default: every registered one); returns ``dest``."""
    root = Path(kit_root) if kit_root else paths.kit_root()
    names = list(names) if names else list(assignments.ASSIGNMENTS)
    for name in names:
        assignments.get(name)
        if not (root / "source" / name).is_dir():
            raise CourseError(f"{name}: no source/{name}/ in the kit at {root}")
    dest = Path(dest).resolve()
    if dest.exists() and any(dest.iterdir()):
        raise CourseError(f"{dest} is not empty: give a new or empty folder")
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "nbgrader_config.py").write_text(config_text(course_id, root, names))
    for name in names:
        copy_source(root / "source" / name, dest / "source" / name)
    labs = [n for n in names if assignments.get(n).kind == "module"]
    lab_note = (LAB_NOTE.format(labs=", ".join(f"`{n}`" for n in labs), first=labs[0])
                if labs else "\n(None in this course.)")
    (dest / "README.md").write_text(README.format(
        course_id=course_id, kit_root=root, names=", ".join(f"`{n}`" for n in names),
        course_dir=dest, lab_note=lab_note))
    return dest


def copy_source(src: Path, dest: Path) -> None:
    """Copy one assignment's source folder; clear the solutions of its ``.py`` files (nbgrader
    would release them as they are)."""
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns(*IGNORE))
    for py in sorted(dest.rglob("*.py")):
        clear_python_solutions(py)


def generate_release(course: Path, name: str) -> Path:
    nbgrader(course, "generate_assignment", name, "--force")
    return course / "release" / name


# ---- command line -------------------------------------------------------------------------------

def run(args: argparse.Namespace) -> int:
    try:
        course = make_course(args.dir, args.assignments or None, args.course_id)
        if args.release:
            for name in args.assignments or list(assignments.ASSIGNMENTS):
                generate_release(course, name)
    except (CourseError, NbgraderError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"nbgrader course written to {course}; start with {course / 'README.md'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """``gmmkit nbgrader-course ARGS``."""
    from ..cli import main as gmmkit_main
    return gmmkit_main(["nbgrader-course", *(argv if argv is not None else sys.argv[1:])])


if __name__ == "__main__":
    sys.exit(main())
