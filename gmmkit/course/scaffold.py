"""``gmmkit new NAME``: a minimal, working assignment in every place one needs, so that
``gmmkit build NAME`` passes at once (reference full marks, stub zero) and an instructor
grows it from there (docs/AUTHORING.md).

It writes, from ``templates/new/``: the nbgrader source notebook (one graded function, its check
cell, a written answer), the reference, the public checks (a package under ``gmmkit/checks/``),
the trusted hidden checks, the classic bugs' code and the recorder of the stored expected values
(``autograder/NAME/``), the tests, and the assignment's line in ``gmmkit/assignments.py``.
"""
from __future__ import annotations

import keyword
import re
from pathlib import Path

import nbformat

from .. import assignments, paths

TEMPLATES = Path(__file__).resolve().parent / "templates" / "new"
MARKER = "    # gmmkit new: assignments above this line"


class ScaffoldError(ValueError):
    """The name cannot be used, or there is no checkout to write into."""


def _validate(name: str, root: Path) -> None:
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name) or keyword.iskeyword(name):
        raise ScaffoldError(f"{name!r} is not a valid assignment name: use a lowercase Python "
                            "identifier, such as my_topic")
    if name in assignments.ASSIGNMENTS:
        raise ScaffoldError(f"assignment {name!r} exists already")
    taken = [p for p in (root / "source" / name, root / "solutions" / f"{name}.py",
                         root / "autograder" / name, root / "gmmkit" / "checks" / name,
                         root / "gmmkit" / "checks" / f"{name}.py") if p.exists()]
    if taken:
        raise ScaffoldError(f"{name!r} is taken: {', '.join(str(p.relative_to(root)) for p in taken)}")


def _fill(template: str, name: str, title: str) -> str:
    return (TEMPLATES / template).read_text().replace("@NAME@", name).replace("@TITLE@", title)


def _solution_cell(reference: str) -> str:
    """The graded function of the reference, its body between nbgrader's solution markers."""
    code = reference[reference.index("def posterior"):].rstrip("\n")
    end = code.index('    """\n') + len('    """\n')   # the docstring's closing line
    return (code[:end] + "    ### BEGIN SOLUTION\n" + code[end:]
            + "\n    ### END SOLUTION\n")


def notebook(name: str, title: str, reference: str) -> nbformat.NotebookNode:
    def meta(grade_id: str, grade=False, solution=False, locked=False, points=None):
        m = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
             "solution": solution, "task": False}
        if points is not None:
            m["points"] = points
        return {"nbgrader": m}

    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    cells = [
        md(f"# {title}\n\nAfter the E-step's numerator $\\log \\pi_j + \\log p(x_i \\mid j)$ comes "
           "its normalisation: the responsibilities\n\n"
           "$$r_{ij} = \\frac{\\exp(\\ell_{ij})}{\\sum_{l} \\exp(\\ell_{il})}"
           " = \\exp\\Big(\\ell_{ij} - \\operatorname{logsumexp}_l\\, \\ell_{il}\\Big).$$\n\n"
           "Computed naively, $\\exp(-1000)$ underflows to 0 and a row becomes 0 / 0; in log "
           "space it never does.", metadata=meta("intro", locked=True)),
        code("import numpy as np\nfrom scipy.special import logsumexp\n\n"
             "from gmmkit.checks import check", metadata=meta("imports", locked=True)),
        md("## The posterior\n\nWrite `posterior(log_joint)`; the cell after it checks it.",
           metadata=meta("task_posterior", locked=True)),
        code(_solution_cell(reference), metadata=meta("posterior", solution=True)),
        code(f'check("{name}", posterior)\n### BEGIN HIDDEN TESTS\n'
             f'check("{name}", posterior, hidden=True)\n### END HIDDEN TESTS',
             metadata=meta("check_posterior", grade=True, locked=True, points=4)),
        md("## Question (2 points)\n\nWhy does subtracting the row's logsumexp before "
           "exponentiating change nothing mathematically, yet everything numerically?",
           metadata=meta("question_logsumexp", locked=True)),
        md("Subtracting a constant from every logit of a row multiplies numerator and "
           "denominator by the same factor, so the ratio is unchanged; after it the largest "
           "entry is 0, so nothing overflows and at least one term of the sum is 1.",
           metadata=meta("answer_logsumexp", grade=True, solution=True, points=2)),
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    return nb


def new(name: str, title: str | None = None, root: Path | None = None) -> list[Path]:
    """Write assignment ``name`` into the checkout ``root``; returns the files written."""
    try:
        root = root or paths.kit_root()
    except FileNotFoundError as exc:
        raise ScaffoldError(f"gmmkit new writes into a checkout of the kit: {exc}") from None
    _validate(name, root)
    title = title or name.replace("_", " ").capitalize()
    reference = _fill("reference.py", name, title)
    files = {
        root / "solutions" / f"{name}.py": reference,
        root / "gmmkit" / "checks" / name / "__init__.py": _fill("checks.py", name, title),
        root / "autograder" / name / "hidden_checks.py": _fill("hidden_checks.py", name, title),
        root / "autograder" / name / "variants.py": _fill("variants.py", name, title),
        root / "autograder" / name / "expected.py": _fill("expected.py", name, title),
        root / "tests" / "checks" / f"test_{name}.py": _fill("test.py", name, title),
    }
    registry = root / "gmmkit" / "assignments.py"
    text = registry.read_text()
    if MARKER not in text:
        raise ScaffoldError(f"{registry} has lost its marker line {MARKER.strip()!r}")
    for path, content in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    source = root / "source" / name / f"{name}.ipynb"
    source.parent.mkdir(parents=True)
    nbformat.write(notebook(name, title, reference), source)
    line = f'    Assignment({name!r}, "notebook", "{name}.ipynb", {title!r}),\n'
    registry.write_text(text.replace(MARKER, line.rstrip("\n") + "\n" + MARKER, 1))
    return [source, *files, registry]
