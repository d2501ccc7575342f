"""Grading real submissions through the isolated harness: the reference, the stub, and a student's
notebook that was rearranged, as students do."""
import json
import subprocess
import sys

import nbformat
import pytest

from gmmkit import assignments, paths
from gmmkit.grading.grade import grade

ROOT = paths.kit_root()
NAMES = list(assignments.ASSIGNMENTS)


@pytest.mark.parametrize("name", NAMES)
def test_the_reference_scores_full_marks_and_the_release_stub_zero(name):
    ref = grade(name, assignments.get(name).reference_submission(ROOT))
    assert ref.score == ref.max_score > 0, [r.output for r in ref.results if not r.passed]
    stub = grade(name, assignments.get(name).stub_submission(ROOT))
    assert stub.score == 0 and stub.max_score == ref.max_score
    assert any("not implemented yet" in r.output for r in stub.results)
    assert not ref.internal_error and not stub.internal_error


def test_a_rearranged_notebook_with_a_failing_cell_is_graded_by_what_it_defines(tmp_path):
    nb = nbformat.read(assignments.get("gmm_sampling").reference_submission(ROOT), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    code.reverse()  # definitions after the cells that use them: those cells fail, grading goes on
    code.insert(0, nbformat.v4.new_code_cell("raise RuntimeError('oops')"))
    nb.cells = [nbformat.v4.new_markdown_cell("my notes")] + code
    path = tmp_path / "gmm_sampling.ipynb"
    nbformat.write(nb, path)
    report = grade("gmm_sampling", path)
    assert any("code cell 1 raised RuntimeError: oops" in n for n in report.notes)
    # make_data is defined before softmax now, but only called when graded: everything passes
    assert report.score == report.max_score


def test_gmmkit_grade_writes_results_and_exits_zero_for_a_missing_submission(tmp_path):
    out = tmp_path / "r.json"
    run = subprocess.run([sys.executable, "-m", "gmmkit", "grade", "gmm1d",
                          str(tmp_path / "nothing-here"), "--out", str(out)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    results = json.loads(out.read_text())
    assert results["score"] == 0 and "does not exist" in results["output"]
    assert "Score: 0 /" in run.stdout
