"""Check cells as a student and nbgrader see them: ``check()`` in a notebook.

One report per cell (a line per check, under a failed one its message), no exception in a kernel and so
no traceback through the kit, correct plurals; the student's stderr and warnings kept off the
cell's stderr (nbgrader scores a test cell with stderr zero) and summarised in the report; the
hidden call's value is the function's points, which nbgrader takes as the cell's partial score.
The same in a real kernel, through nbclient, with the outputs nbgrader reads.
"""
from __future__ import annotations

import json
import warnings

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

from gmmkit.checks import check
from gmmkit.checks.expect import block
from gmmkit.checks.core import Check, CheckFailed
from gmmkit.checks.runner import Points, _run_and_report

A = "gmm_sampling"


def good_softmax(logits):
    logits = np.asarray(logits, dtype=float)
    e = np.exp(logits - logits.max())
    return e / e.sum()


def naive_softmax(logits):  # overflows at 1000: numpy warns, the stability checks fail
    e = np.exp(np.asarray(logits, dtype=float))
    return e / e.sum()


def noisy_softmax(logits):  # correct, but writes to stderr and warns
    import os
    import sys
    print("progress 1/1", file=sys.stderr)
    os.write(2, b"from C\n")
    warnings.warn("a student's own warning")
    return good_softmax(logits)


for _f in (good_softmax, naive_softmax, noisy_softmax):
    _f.__name__ = "softmax"  # check() finds a function's checks by its graded name


def test_a_failed_check_reports_once_and_raises_only_in_a_script(capsys):
    """Outside a kernel (a script) the failure raises after the report, with a summary only
    (no message twice); in a kernel it does not raise (the last test)."""
    with pytest.raises(CheckFailed) as info:
        check(A, naive_softmax)
    assert str(info.value) == "1 of 3 public checks of softmax failed: see the \u2718 lines above"
    out, err = capsys.readouterr()
    assert "\u2718 softmax: stable for logits of \u00b11000" in out
    assert "Hint: " in out and "Traceback" not in out + err
    assert "2 of 3 public checks of softmax passed: fix what the \u2718 lines say" in out
    assert "RuntimeWarning: overflow encountered in exp" in out  # shown in the report
    assert err == ""


def test_passing_checks_and_plurals(capsys):
    check(A, good_softmax)
    assert "All 3 public checks of softmax passed." in capsys.readouterr().out
    one = Check(name="f: fine", function="f", points=1.0, judge=lambda student, ref: None)
    _run_and_report(A, "f", lambda: None, [one], None, "hidden")
    out = capsys.readouterr().out
    assert "The hidden check of f passed." in out and "All 1" not in out
    with pytest.raises(TypeError):
        check(A, 42)  # not a function: a mistake in the cell, said at once


def test_the_hidden_call_returns_the_functions_points_for_nbgrader(capsys):
    with pytest.raises(CheckFailed):
        check(A, naive_softmax)
    points = check(A, naive_softmax, hidden=True)
    out = capsys.readouterr().out
    assert isinstance(points, Points) and isinstance(points, float)
    assert repr(points) == f"{float(points):g}"          # what nbgrader parses
    assert 0 < points < points.max_points
    assert f"softmax: {float(points):g} / {points.max_points:g} autograded points" in out
    assert "of softmax passed." in out
    full = check(A, good_softmax, hidden=True)  # without the public call first: run here too
    assert float(full) == full.max_points == points.max_points
    assert "All 3 public checks of softmax passed." in capsys.readouterr().out


def test_the_students_stderr_and_warnings_go_to_the_report(capfd):
    check(A, noisy_softmax)
    out, err = capfd.readouterr()
    assert err == ""
    assert "UserWarning: a student's own warning" in out
    assert "to stderr while the checks ran" in out and "progress 1/1" in out


def test_a_matrix_in_a_message_is_printed_row_by_row():
    text = block(np.arange(16.0).reshape(4, 4))
    assert text.startswith("\n") and len(text.strip().splitlines()) == 4
    assert block([0.25, 0.75]) == "[0.25, 0.75]"


def test_in_a_kernel_nbgrader_sees_no_stderr_and_the_points_as_the_cells_value(tmp_path):
    """What nbgrader's determine_grade reads: no stderr stream, and an execute_result whose
    text/plain is the cell's points."""
    from nbgrader.utils import determine_grade

    setup = ("import os, sys, warnings\nimport numpy as np\nfrom tqdm import tqdm\n"
             "from gmmkit.checks import check\n"
             "def softmax(logits):\n"
             "    for _ in tqdm(range(3)):\n        pass\n"
             "    e = np.exp(np.asarray(logits, dtype=float))\n    return e / e.sum()\n")
    cell = nbformat.v4.new_code_cell('check("gmm_sampling", softmax)\n'  # fails: no raise here
                                     'check("gmm_sampling", softmax, hidden=True)')
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True,
                                 "grade_id": "check_softmax", "points": 4, "schema_version": 3}
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(setup), cell])
    NotebookClient(nb, timeout=180, kernel_name="python3").execute()
    outputs = nb.cells[1].outputs
    assert not [o for o in outputs if o.output_type == "stream" and o.name == "stderr"], outputs
    (result,) = [o for o in outputs if o.output_type == "execute_result"]
    score, max_score = determine_grade(nb.cells[1])
    assert max_score == 4 and 0 < score < 4, json.dumps(outputs, default=str)[:2000]
    assert score == float(result.data["text/plain"])
