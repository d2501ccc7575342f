"""The nbgrader course workflow end to end, for every registered assignment.

One course directory for the module (``gmmkit.course.hub.make_course``), then, per
assignment, the real nbgrader command line as an instructor runs it: ``generate_assignment``;
submissions placed in ``submitted/<student>/<a>/`` as ``nbgrader collect`` leaves them;
``autograde``; the gradebook read with ``nbgrader.api.Gradebook``; ``generate_feedback``.

Students, for a notebook assignment:
- ``ref``: the release with the source notebook (solutions, model answers) in its place;
- ``stub``: the release as students get it;
- ``tamper``: the release with every locked test cell's code replaced by ``pass`` (which would
  pass), the first test cell's points raised to 1000, and the last test cell deleted;
- ``cheat`` (first notebook assignment only): the release with ``check`` redefined in a cell of
  its own, the attack in-kernel grading cannot stop (the README says so) and the isolated
  grader does.
A ``.py`` lab (graded by its file, its notebook has no graded cells) goes through the same
course: nbgrader releases its stub and autogrades its notebook to 0 of 0 points, keeps the
student's file, and ``gmmkit grade`` grades the collected files.
"""
from __future__ import annotations

import ast
import csv
import filecmp
import re
from pathlib import Path

import nbformat
import pytest

from helpers import nbgrader_workflow as wf

from gmmkit import assignments, paths
from gmmkit.course import hub, manual_questions
from gmmkit.checks import load_module, public_checks

ROOT = paths.kit_root()
NAMES = list(assignments.ASSIGNMENTS)
NOTEBOOKS = [n for n in NAMES if assignments.get(n).kind == "notebook"]
MODULES = [n for n in NAMES if assignments.get(n).kind == "module"]
PRESENT = [n for n in NAMES if (ROOT / "source" / n).is_dir()]
CHEAT_IN = next((n for n in NOTEBOOKS if n in PRESENT), None)
CHEAT_CELL = "def check(*args, **kwargs):  # a student's own check(): every test cell passes\n    pass\n"


def _is_test_cell(cell) -> bool:
    meta = cell.metadata.get("nbgrader", {})
    return bool(meta.get("grade") and not meta.get("solution"))


def _source_nb(name: str):
    return nbformat.read(ROOT / "source" / name / assignments.get(name).submission, as_version=4)


def _tampered(release_nb: Path, out: Path) -> Path:
    nb = nbformat.read(release_nb, as_version=4)
    tests = [c for c in nb.cells if _is_test_cell(c)]
    for cell in tests:
        cell.source = "pass"
    tests[0].metadata["nbgrader"]["points"] = 1000
    if len(tests) > 1:
        nb.cells.remove(tests[-1])
    nbformat.write(nb, out)
    return out


def _cheating(release_nb: Path, out: Path) -> Path:
    nb = nbformat.read(release_nb, as_version=4)
    imports = next(i for i, c in enumerate(nb.cells) if "from gmmkit.checks import check" in c.source)
    nb.cells.insert(imports + 1, nbformat.v4.new_code_cell(CHEAT_CELL))
    nbformat.write(nb, out)
    return out


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return hub.make_course(tmp_path_factory.mktemp("course") / "course", PRESENT)


@pytest.fixture(scope="module")
def workflow(course, tmp_path_factory):
    """``workflow(name)``: the whole workflow of one assignment, run once, then cached."""
    done: dict[str, dict] = {}

    def run(name: str) -> dict:
        if name not in done:
            done[name] = _run(course, name, tmp_path_factory.mktemp(f"subs-{name}"))
        return done[name]

    return run


def _run(course: Path, name: str, scratch: Path) -> dict:
    if name not in PRESENT:
        pytest.fail(f"{name} is registered but the kit has no source/{name}/")
    spec = assignments.get(name)
    release = wf.generate_release(course, name)
    wf.submit(course, name, "stub", release)
    if spec.kind == "notebook":
        sub = release / spec.submission
        wf.submit(course, name, "ref", release, {spec.submission: ROOT / "source" / name / spec.submission})
        wf.submit(course, name, "tamper", release, {spec.submission: _tampered(sub, scratch / spec.submission)})
        students = ["ref", "stub", "tamper"]
        if name == CHEAT_IN:
            cheat = _cheating(sub, scratch / ("cheat-" + spec.submission))
            wf.submit(course, name, "cheat", release, {spec.submission: cheat})
            students.append("cheat")
    else:  # a .py lab: the reference is the kit's source file, with its solutions
        wf.submit(course, name, "ref", release, {spec.submission: ROOT / "source" / name / spec.submission})
        students = ["ref", "stub"]
    log = wf.autograde(course, name)
    feedback = wf.generate_feedback(course, name)
    return {"release": release, "log": log.stdout + log.stderr, "feedback": feedback,
            "scores": {s: wf.scores(course, name, s) for s in students}}


def _autograded(course: Path, student: str, name: str):
    path = course / "autograded" / student / name / assignments.get(name).submission
    return nbformat.read(path, as_version=4)


def _all_checks(name: str) -> list:
    hidden = load_module(paths.hidden_checks_file(name), f"_hidden_{name}").CHECKS
    return public_checks(name) + list(hidden)


# ---- every assignment --------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_the_course_releases_every_file_and_no_solution(name, course, workflow):
    """nbgrader, run in the course, releases what the kit's source holds, with every solution
    and hidden test taken out: also a lab's .py files, which nbgrader itself copies unchanged.
    (That the kit's committed release/ is this output is tests/build/test_release.py's job.)"""
    release = workflow(name)["release"]
    source = ROOT / "source" / name
    listed = lambda d: sorted(p.relative_to(d) for p in d.rglob("*") if p.is_file()  # noqa: E731
                              and not {"__pycache__", ".ipynb_checkpoints"} & set(p.parts)
                              and p.suffix not in (".pyc", ".png"))
    assert listed(release) == listed(source)
    for rel in listed(release):
        text = (release / rel).read_text()
        assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text, f"release/{name}/{rel}"
        assert "hidden=True" not in text
        if rel.suffix == ".py" and "BEGIN SOLUTION" in (source / rel).read_text():
            assert "raise NotImplementedError()" in text
        if rel.suffix == ".ipynb":
            for cell in nbformat.read(release / rel, as_version=4).cells:
                if _is_test_cell(cell):
                    assert cell.metadata.nbgrader["locked"] and cell.metadata.nbgrader["checksum"]


# ---- notebook assignments ----------------------------------------------------------------------

@pytest.mark.parametrize("name", NOTEBOOKS)
def test_the_reference_scores_full_autograded_points_and_the_stub_zero(name, workflow):
    scores = workflow(name)["scores"]
    ref, stub = scores["ref"], scores["stub"]
    points = sum(c.points for c in _all_checks(name))
    assert ref.max_auto_score == pytest.approx(points) and points > 0  # nbgrader = Gradescope
    for cell in ref.cells:
        if cell.autograded:
            assert cell.auto_score == cell.max_score, f"the reference loses points in {cell.grade_id}"
    assert ref.auto_score == pytest.approx(ref.max_auto_score)
    assert stub.auto_score == 0 and stub.max_auto_score == ref.max_auto_score
    written = manual_questions.summary(name)["manual_points"]
    assert ref.max_manual_score == pytest.approx(written)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_the_hidden_tests_run_inside_the_kernel_with_the_kit_found(name, course, workflow):
    workflow(name)
    nb = _autograded(course, "ref", name)
    tests = [c for c in nb.cells if _is_test_cell(c)]
    assert tests
    for cell in tests:
        assert "hidden=True" in cell.source
        text = "".join(o.get("text", "") for o in cell.outputs)
        assert re.search(r"(All \d+ hidden checks|The hidden check) of \w+ passed", text), \
            f"{cell.metadata.nbgrader['grade_id']}: hidden checks did not run:\n{text[-1500:]}"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_the_test_cells_only_call_the_kits_check(name, course, workflow):
    """One definition per check: a test cell holds calls of check() and nothing else, and
    check is the kit's, imported in a locked cell."""
    workflow(name)
    nb = _autograded(course, "ref", name)
    imports = [c for c in nb.cells if c.cell_type == "code"
               and re.search(r"^from gmmkit\.checks import .*\bcheck\b", c.source, re.M)]
    assert imports and all(c.metadata.get("nbgrader", {}).get("locked") for c in imports)
    for cell in (c for c in nb.cells if _is_test_cell(c)):
        body = ast.parse(cell.source).body
        assert body
        for stmt in body:
            assert isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call), ast.dump(stmt)
            call = stmt.value
            assert isinstance(call.func, ast.Name) and call.func.id == "check", cell.source
            assert isinstance(call.args[0], ast.Constant) and call.args[0].value == name
            assert len(call.args) == 2
            assert all(k.arg == "hidden" and getattr(k.value, "value", None) is True
                       for k in call.keywords)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_feedback_is_html_with_the_score(name, course, workflow):
    result = workflow(name)
    for student in ("ref", "stub"):
        s = result["scores"][student]
        html_file = course / "feedback" / student / name / f"{Path(assignments.get(name).submission).stem}.html"
        assert html_file in result["feedback"]
        text = html_file.read_text()
        total = s.max_auto_score + s.max_manual_score
        assert f"Score: {s.auto_score:.1f} / {total:.1f}" in text
        for cell in s.cells:
            if cell.autograded:
                assert cell.grade_id in text


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_edited_or_deleted_test_cells_are_restored_from_the_source(name, course, workflow):
    result = workflow(name)
    tampered = result["scores"]["tamper"]
    assert tampered.auto_score == 0, "a test cell replaced by `pass` counted"
    assert tampered.max_auto_score == result["scores"]["ref"].max_auto_score  # points=1000 undone
    assert "Attribute 'checksum'" in result["log"] and "Attribute 'points'" in result["log"]
    original = {c.metadata.nbgrader["grade_id"]: c.source for c in _source_nb(name).cells if _is_test_cell(c)}
    graded = {c.metadata.nbgrader["grade_id"]: c.source for c in _autograded(course, "tamper", name).cells
              if _is_test_cell(c)}
    assert graded.keys() == original.keys(), "a deleted test cell was not put back"
    for grade_id, source in original.items():
        assert graded[grade_id].endswith(source), f"{grade_id} was not restored"
        assert "hidden=True" in graded[grade_id]


@pytest.mark.skipif(CHEAT_IN is None, reason="no notebook assignment")
def test_in_kernel_grading_cannot_stop_a_redefined_check_and_the_isolated_grader_does(course, workflow, tmp_path):
    """The limit the README states: nbgrader runs the test cells in the student's kernel, so a
    student's own ``check`` passes them all. Re-grading the collected submissions with the kit's
    grader, as the README advises, scores the same notebook zero and agrees on the others."""
    name = CHEAT_IN
    scores = workflow(name)["scores"]
    assert scores["cheat"].auto_score == scores["cheat"].max_auto_score > 0
    book = wf.grade_isolated(course, name, tmp_path / "isolated", jobs=2)
    rows = {r["student"]: r for r in csv.DictReader(book.open())}
    assert float(rows["cheat"]["score"]) == 0
    assert float(rows["stub"]["score"]) == 0 and float(rows["tamper"]["score"]) == 0
    assert float(rows["ref"]["score"]) == pytest.approx(scores["ref"].auto_score)
    assert float(rows["ref"]["max"]) == pytest.approx(scores["ref"].max_auto_score)


# ---- .py labs --------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", MODULES)
def test_a_lab_is_autograded_by_nbgrader_to_nothing_and_keeps_the_students_file(name, course, workflow):
    result = workflow(name)
    submission = assignments.get(name).submission
    for student, s in result["scores"].items():
        assert s.max_auto_score == 0 and s.auto_score == 0  # no graded notebook cells
        kept = course / "autograded" / student / name / submission
        assert filecmp.cmp(kept, course / "submitted" / student / name / submission, shallow=False), \
            "nbgrader overwrote the student's lab file with the course's"
    assert "BEGIN SOLUTION" not in (course / "source" / name / submission).read_text()


@pytest.mark.parametrize("name", MODULES)
def test_a_labs_collected_files_are_graded_by_the_isolated_grader(name, course, workflow, tmp_path):
    workflow(name)
    book = wf.grade_isolated(course, name, tmp_path / "isolated", jobs=2)
    rows = {r["student"]: r for r in csv.DictReader(book.open())}
    points = sum(c.points for c in _all_checks(name))
    assert float(rows["ref"]["score"]) == pytest.approx(points) == pytest.approx(float(rows["ref"]["max"]))
    assert float(rows["stub"]["score"]) == 0


# ---- the course directory, without nbgrader runs ---------------------------------------------------

def test_the_course_directory_is_ready_for_a_hub(course):
    config = (course / "nbgrader_config.py").read_text()
    compile(config, "nbgrader_config.py", "exec")
    assert 'c.CourseDirectory.course_id = ' in config
    assert f'os.environ.setdefault("GMMKIT_ROOT", {str(ROOT)!r})' in config
    assert "# c.Exchange.root = " in config  # the exchange, commented for the hub
    assert "c.OverwriteCells.add_missing_cells = True" in config
    for name in MODULES:
        assert repr(assignments.get(name).submission) in config  # Autograde.exclude_overwriting
    for name in PRESENT:
        assert (course / "source" / name).is_dir()
    readme = (course / "README.md").read_text()
    for words in ("nbgrader autograde", "nbgrader generate_feedback", "inside the student's own kernel",
                  "gmmkit grade"):
        assert words in readme


def test_make_course_refuses_a_folder_in_use_and_the_command_line_works(tmp_path, capsys):
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "notes.txt").write_text("mine")
    with pytest.raises(hub.CourseError):
        hub.make_course(tmp_path / "used", PRESENT[:1])
    assert hub.main([str(tmp_path / "used"), *PRESENT[:1]]) == 1
    assert hub.main([str(tmp_path / "new"), *PRESENT[:1], "--course-id", "em101"]) == 0
    assert "course_id = 'em101'" in (tmp_path / "new" / "nbgrader_config.py").read_text()
    assert sorted(p.name for p in (tmp_path / "new" / "source").iterdir()) == PRESENT[:1]
