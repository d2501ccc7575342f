"""Written answers for Gradescope: the manual questions of every assignment, and the students'
export of their answers."""
from __future__ import annotations

import json

import nbformat
import pytest

from gmmkit import assignments, paths
from gmmkit import answers
from gmmkit.course import manual_questions as mq
from gmmkit.checks import load_module, public_checks

ROOT = paths.kit_root()
NAMES = list(assignments.ASSIGNMENTS)
NOTEBOOKS = [n for n in NAMES if assignments.get(n).kind == "notebook"]


def _notebook(name, where="source"):
    return ROOT / where / name / assignments.get(name).submission


def _answer_cells(path):
    nb = nbformat.read(path, as_version=4)
    return [c for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("grade") and c.metadata["nbgrader"].get("solution")]


@pytest.mark.parametrize("name", NAMES)
def test_the_build_writes_the_manual_questions_with_their_points(name, tmp_path):
    js, md = mq.write(name, tmp_path)
    assert js == tmp_path / f"{name}-manual-questions.json" and md.suffix == ".md"
    data = json.loads(js.read_text())
    expected = [(c.metadata.nbgrader["grade_id"], float(c.metadata.nbgrader["points"]))
                for nb in mq.source_notebooks(name) for c in _answer_cells(nb)]
    assert [(q["grade_id"], q["points"]) for q in data["questions"]] == expected
    assert [q["number"] for q in data["questions"]] == list(range(1, len(expected) + 1))
    assert data["manual_points"] == pytest.approx(sum(p for _, p in expected))
    hidden = load_module(paths.hidden_checks_file(name), f"_hidden_{name}").CHECKS
    assert data["autograder_points"] == pytest.approx(sum(c.points for c in [*public_checks(name), *hidden]))
    table = md.read_text()
    for q in data["questions"]:
        assert f"`{q['grade_id']}`" in table and q["title"].replace("|", "\\|") in table
    if not expected:
        assert "No manually graded questions" in table


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_written_question_is_asked_above_its_answer_with_the_points_it_states(name):
    """A grader on Gradescope sees the title and the prompt: each answer cell has its question
    right above it, and a title that announces points announces the cell's points."""
    questions = mq.manual_questions(_notebook(name))
    for q in questions:
        assert q["prompt"].strip(), f"{q['grade_id']} has no question above it"
        stated = answers.stated_points(q["prompt"])
        assert stated is None or stated == q["points"], \
            f"{q['grade_id']}: the prompt says {stated:g} points, the cell carries {q['points']:g}"
    # nbgrader's autograded points are the Gradescope autograder's: one total, two platforms
    data = mq.summary(name)
    assert data["nbgrader_autograded_points"] == pytest.approx(data["autograder_points"])


def test_titles_come_from_the_question_not_the_section():
    assert answers.title_of("## 6. Written questions\n\n**Question 1 (2 points).** Why?", "x") == "Question 1 (2 points)"
    assert answers.title_of("### Question 2 (written, 4 points): the M-step\n\nDerive it.", "x") == \
        "Question 2 (written, 4 points): the M-step"
    assert answers.title_of("## Discussion\n\nWhat did you see?", "x") == "Discussion"
    assert answers.title_of("What did you see?", "answer_1") == "answer_1"
    assert answers.stated_points("**Question 3 (1.5 points).** Explain.") == 1.5
    assert answers.stated_points("## Discussion (why 2 points matter)") is None


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_students_export_only_their_answers_one_question_per_page(name, tmp_path):
    questions = mq.manual_questions(_notebook(name))
    assert questions, f"{name} has no written question (ASSIGNMENTS.md asks for written parts)"
    model = [c.source for c in _answer_cells(_notebook(name))]
    code = [c.source for c in nbformat.read(_notebook(name), as_version=4).cells
            if c.cell_type == "code" and c.source not in model]
    # the release as handed out: every question unanswered, no model answer, no code
    release = nbformat.read(_notebook(name, "release"), as_version=4)
    exported, count = answers.answers_notebook(release, "x.ipynb")
    assert count == len(questions)
    sources = [c.source for c in exported.cells]
    assert not set(sources) & (set(model) | set(code))
    page = answers.export_answers(_notebook(name, "release"), tmp_path / "stub.html").read_text()
    assert page.count("(not answered yet)") == len(questions)
    assert page.count("break-before: page") == len(questions) - 1
    for q in questions:
        assert q["grade_id"] in page
    # the reference, answered: each answer, unchanged, right after its own prompt
    exported, _ = answers.answers_notebook(nbformat.read(_notebook(name), as_version=4), "x.ipynb")
    sources = [c.source for c in exported.cells]
    for q, answer in zip(questions, model):
        assert sources.index(answer) == sources.index(q["prompt"]) + 2  # prompt, "Answer:", answer
    assert not set(sources) & set(code)
    page = answers.export_answers(_notebook(name), tmp_path / "ref.html").read_text()
    assert "(not answered yet)" not in page and page.count("break-before: page") == len(questions) - 1


def test_an_answer_that_keeps_the_placeholder_is_still_exported(tmp_path):
    name = next(n for n in NOTEBOOKS if (ROOT / "release" / n).is_dir() and mq.manual_questions(_notebook(n)))
    nb = nbformat.read(_notebook(name, "release"), as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")
                and c.metadata["nbgrader"].get("grade"))
    cell.source = "YOUR ANSWER HERE\n\nBecause the weights are a pmf, $\\sum_k \\pi_k = 1$."
    path = tmp_path / assignments.get(name).submission
    nbformat.write(nb, path)
    page = answers.export_answers(path).read_text()
    assert path.with_name(path.stem + "-answers.html").exists()
    assert "Because the weights are a pmf" in page


def test_the_command_exports_the_whole_notebook_or_refuses_one_without_answers(tmp_path, capsys):
    name = next(n for n in NOTEBOOKS if (ROOT / "release" / n).is_dir())
    full = tmp_path / "full.html"
    assert answers.main([str(_notebook(name, "release")), "--all", "--out", str(full)]) == 0
    assert "YOUR CODE HERE" in full.read_text()  # the code cells too
    lab = ROOT / "source" / "gmm1d" / "gmm1d_lab.ipynb"
    if lab.exists():  # a notebook without written answers
        assert answers.main([str(lab), "--out", str(tmp_path / "lab.html")]) == 1
        assert "no written-answer cells" in capsys.readouterr().err
    assert answers.main([str(tmp_path / "missing.ipynb")]) == 1
