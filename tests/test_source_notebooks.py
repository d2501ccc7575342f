"""The source notebooks agree with the references and the checks (one source of truth).

- every function or class in a notebook's solution cell is the same code as in solutions/;
- a .py lab's source is its reference with the solution markers taken out;
- every check cell runs the checks of one graded name, and its nbgrader points equal the sum of
  those checks' points, so nbgrader and Gradescope give the same total.
"""
import ast
import re

import nbformat
import pytest

from gmmkit import assignments, paths
from gmmkit.checks import load_module, public_checks
from gmmkit.grading.submission import strip_ipython

ROOT = paths.kit_root()
NOTEBOOKS = [a for a in assignments.ASSIGNMENTS.values() if a.kind == "notebook"]
MODULES = [a for a in assignments.ASSIGNMENTS.values() if a.kind == "module"]
MARKER = re.compile(r"^\s*### (BEGIN|END) (SOLUTION|HIDDEN TESTS)\s*$", re.M)
CHECK_CALL = re.compile(r"""check\(\s*["'](\w+)["']\s*,\s*["']?(\w+)["']?\s*(,\s*hidden\s*=\s*True\s*)?\)""")


def definitions(tree: ast.AST) -> dict:
    return {node.name: ast.dump(node) for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.ClassDef))}


def source_notebook(spec):
    return nbformat.read(ROOT / "source" / spec.name / spec.submission, as_version=4)


def all_checks(name):
    hidden = load_module(paths.hidden_checks_file(name), f"_hidden_{name}").CHECKS
    return public_checks(name) + list(hidden)


@pytest.mark.parametrize("spec", NOTEBOOKS, ids=lambda a: a.name)
def test_solution_cells_are_the_reference_code(spec):
    reference = definitions(ast.parse(paths.solutions_file(spec.name).read_text()))
    seen = set()
    for cell in source_notebook(spec).cells:
        if cell.cell_type != "code" or not cell.metadata.get("nbgrader", {}).get("solution"):
            continue
        for name, dump in definitions(ast.parse(MARKER.sub("", cell.source))).items():
            assert name in reference, f"{name} is in the notebook but not in solutions/{spec.name}.py"
            assert dump == reference[name], f"{name} differs between the notebook and solutions/{spec.name}.py"
            seen.add(name)
    graded = {c.function for c in all_checks(spec.name)}
    missing = {n for n in graded if n in reference} - seen
    assert not missing, f"graded functions without a solution cell: {missing}"


@pytest.mark.parametrize("spec", NOTEBOOKS, ids=lambda a: a.name)
def test_given_helpers_are_the_reference_code(spec):
    """A helper the notebook gives (not graded, e.g. log_gaussian) that the reference defines
    too is the same code in both."""
    reference = definitions(ast.parse(paths.solutions_file(spec.name).read_text()))
    for cell in source_notebook(spec).cells:
        if cell.cell_type != "code" or cell.metadata.get("nbgrader", {}).get("solution"):
            continue
        for name, dump in definitions(ast.parse(strip_ipython(cell.source))).items():
            if name in reference:
                assert dump == reference[name], f"{name} differs between the notebook and solutions/"


@pytest.mark.parametrize("spec", MODULES, ids=lambda a: a.name)
def test_a_lab_source_is_its_reference_with_the_markers_removed(spec):
    source = (ROOT / "source" / spec.name / spec.submission).read_text()
    stripped = "".join(line for line in source.splitlines(True) if not MARKER.match(line))
    assert "### BEGIN SOLUTION" in source
    assert stripped == paths.solutions_file(spec.name).read_text()


@pytest.mark.parametrize("spec", NOTEBOOKS, ids=lambda a: a.name)
def test_check_cells_carry_the_points_of_their_checks(spec):
    points = {}
    for chk in all_checks(spec.name):
        points[chk.function] = points.get(chk.function, 0) + chk.points
    cells = {}
    for cell in source_notebook(spec).cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            calls = CHECK_CALL.findall(cell.source)
            assert calls, f"autograded cell {meta.get('grade_id')} calls no check()"
            assert {c[0] for c in calls} == {spec.name}
            names = {c[1] for c in calls}
            assert len(names) == 1, f"cell {meta['grade_id']} checks several functions"
            assert any(c[2] for c in calls), f"cell {meta['grade_id']} has no hidden checks"
            assert "### BEGIN HIDDEN TESTS" in cell.source and meta.get("locked")
            name = names.pop()
            # a graded function by itself, a graded variable by its name
            assert cell.source in [(f'check("{spec.name}", {arg})\n### BEGIN HIDDEN TESTS\n'
                                    f'check("{spec.name}", {arg}, hidden=True)\n'
                                    "### END HIDDEN TESTS") for arg in (name, f'"{name}"')], \
                f"cell {meta['grade_id']} is not the standard check cell"
            cells[name] = meta["points"]
    assert cells == pytest.approx(points)


@pytest.mark.parametrize("spec", NOTEBOOKS, ids=lambda a: a.name)
def test_written_answers_carry_points(spec):
    written = [c for c in source_notebook(spec).cells if c.cell_type == "markdown"
               and c.metadata.get("nbgrader", {}).get("grade")]
    assert written, f"{spec.name} has no written answer (the assignments ask for written parts)"
    assert all(c.metadata["nbgrader"]["points"] > 0 for c in written)
