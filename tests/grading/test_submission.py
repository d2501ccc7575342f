import json

import pytest

from gmmkit.assignments import Assignment
from gmmkit.grading.submission import SubmissionError, locate, read, strip_ipython

NB = Assignment("demo", "notebook", "demo.ipynb", "Demo")
PY = Assignment("lab", "module", "lab.py", "Lab")


def notebook(*sources, markdown="# title"):
    cells = [{"cell_type": "markdown", "source": markdown, "metadata": {}}]
    cells += [{"cell_type": "code", "source": s, "metadata": {}, "outputs": [],
               "execution_count": None} for s in sources]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def test_a_folder_is_searched_for_the_expected_name_first(tmp_path):
    (tmp_path / "notes.ipynb").write_text(notebook("x = 1"))
    (tmp_path / "demo.ipynb").write_text(notebook("x = 2"))
    assert locate(NB, tmp_path) == (tmp_path / "demo.ipynb", [])


def test_a_single_file_with_another_name_is_graded_with_a_note(tmp_path):
    (tmp_path / "demo (1).ipynb").write_text(notebook("x = 1"))
    (tmp_path / ".ipynb_checkpoints").mkdir()
    (tmp_path / ".ipynb_checkpoints" / "demo-checkpoint.ipynb").write_text(notebook("x = 0"))
    found, notes = locate(NB, tmp_path)
    assert found.name == "demo (1).ipynb"
    assert "expected a file named demo.ipynb" in notes[0]


@pytest.mark.parametrize("content, message", [
    (b"", "is empty"),
    (b"{not json", "not a valid notebook"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "not a text file"),
    (b'{"cells": 3}', "not a Jupyter notebook"),
])
def test_broken_notebooks_get_a_message_the_student_can_act_on(tmp_path, content, message):
    path = tmp_path / "demo.ipynb"
    path.write_bytes(content)
    with pytest.raises(SubmissionError, match=message):
        read(NB, path)


def test_no_file_of_the_right_kind(tmp_path):
    (tmp_path / "report.pdf").write_bytes(b"%PDF")
    with pytest.raises(SubmissionError, match=r"no \.py file to grade: submit lab\.py"):
        read(PY, tmp_path)


def test_a_module_is_one_cell_named_after_the_expected_module(tmp_path):
    (tmp_path / "lab.py").write_text("def f():\n    return 1\n")
    sub = read(PY, tmp_path)
    assert sub.module_name == "lab" and sub.cells[0]["label"] == "lab.py"


def test_notebook_code_cells_in_order_with_ipython_lines_neutralised(tmp_path):
    path = tmp_path / "demo.ipynb"
    path.write_text(notebook("%matplotlib inline\nimport numpy as np", ["a = 1\n", "b = 2"],
                             "%%bash\nrm -rf /", ""))
    sub = read(NB, path)
    assert [c["label"] for c in sub.cells] == ["code cell 1", "code cell 2"]
    assert sub.cells[0]["source"].splitlines()[0].startswith("pass")
    assert sub.cells[1]["source"] == "a = 1\nb = 2\n"


def test_strip_ipython_keeps_indentation_and_timing_cells():
    assert strip_ipython("for i in range(2):\n    !ls\n") == \
        "for i in range(2):\n    pass  # IPython command skipped by the grader\n"
    assert strip_ipython("%%time\nx = 1") == "x = 1\n"
