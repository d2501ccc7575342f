"""Written answers on Gradescope, the instructor's side: the manually graded questions of each
assignment with their points, for Gradescope's outline.

``manual_questions(notebook)`` (in :mod:`gmmkit.answers`, shared with the students' export)
lists a source notebook's manually graded cells (nbgrader metadata ``grade`` and ``solution``
both true) with their points, titles and prompts, in notebook order. ``write(name, out_dir)``
writes them as ``<name>-manual-questions.json`` and a Markdown table
``<name>-manual-questions.md``, from which an instructor creates the Gradescope manual questions
(the build writes them to ``autograder/dist/``).
"""
from __future__ import annotations

import json
from pathlib import Path

from .. import assignments, paths
from ..answers import _is_autograded_test, _meta, _read, manual_questions  # noqa: F401

def autograded_points(source_notebook: Path) -> float:
    nb = _read(Path(source_notebook))
    return float(sum(_meta(c).get("points", 0) for c in nb.cells if _is_autograded_test(c)))


def source_notebooks(name: str, root: Path | None = None) -> list[Path]:
    """An assignment's source notebooks: the one students submit first, then any other
    (a ``.py`` lab's notebook)."""
    spec = assignments.get(name)
    folder = (root or paths.kit_root()) / "source" / name
    found = sorted(p for p in folder.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    return sorted(found, key=lambda p: (p.name != spec.submission, str(p)))


def summary(name: str, root: Path | None = None) -> dict:
    spec = assignments.get(name)
    questions, auto = [], 0.0
    for nb in source_notebooks(name, root):
        questions += manual_questions(nb)
        auto += autograded_points(nb)
    from ..checks import load_module, public_checks
    hidden = load_module(paths.hidden_checks_file(name, root), f"_hidden_{name}").CHECKS
    checks_points = float(sum(c.points for c in [*public_checks(name), *hidden]))
    for number, q in enumerate(questions, start=1):
        q["number"] = number
    return {
        "assignment": name,
        "title": spec.title,
        "submission": spec.submission,
        "manual_points": float(sum(q["points"] for q in questions)),
        # the Gradescope autograder's total: every check, public and hidden
        "autograder_points": checks_points,
        # nbgrader's autograded test cells (equal for a notebook; 0 for a .py lab's notebook)
        "nbgrader_autograded_points": auto,
        "questions": questions,
    }


def markdown_table(data: dict) -> str:
    name = data["assignment"]
    lines = [f"# {name}: manually graded questions", "", f"{data['title']}.", ""]
    if not data["questions"]:
        lines.append(f"No manually graded questions: the autograder's {data['autograder_points']:g} "
                     "points are the whole assignment.")
        return "\n".join(lines) + "\n"
    notebooks = sorted({q["notebook"] for q in data["questions"]})
    lines += [f"Create these as manual questions of the Gradescope assignment (Edit Outline), beside "
              f"the autograder's {data['autograder_points']:g} points. Students hand in their answers "
              f"as a PDF: `gmmkit export-answers {notebooks[0]}`, then print the page to PDF "
              "(one question per page).", ""]
    lines += ["| # | question | points | nbgrader cell |", "| --- | --- | --- | --- |"]
    for q in data["questions"]:
        title = q["title"].replace("|", "\\|")
        lines.append(f"| {q['number']} | {title} | {q['points']:g} | `{q['grade_id']}` ({q['notebook']}) |")
    lines.append(f"| | **total** | **{data['manual_points']:g}** | |")
    return "\n".join(lines) + "\n"


def write(name: str, out_dir: Path, root: Path | None = None) -> list[Path]:
    """Write ``<name>-manual-questions.json`` and ``.md`` into ``out_dir``; returns both paths."""
    data = summary(name, root)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    js = out_dir / f"{name}-manual-questions.json"
    md = out_dir / f"{name}-manual-questions.md"
    js.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    md.write_text(markdown_table(data))
    return [js, md]


