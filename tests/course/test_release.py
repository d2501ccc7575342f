"""release/ is what nbgrader generates from source/ today (never edited by hand)."""
import filecmp

import nbformat
import pytest

from gmmkit import assignments, paths
from gmmkit.course.release import ReleaseError, clear_python_solutions, generate

ROOT = paths.kit_root()


def tree(path):
    return sorted(p.relative_to(path) for p in path.rglob("*") if p.is_file())


@pytest.mark.parametrize("name", list(assignments.ASSIGNMENTS))
def test_the_committed_release_is_up_to_date(name, tmp_path):
    fresh = tmp_path / name
    generate(ROOT / "source" / name, fresh)
    committed = ROOT / "release" / name
    assert tree(fresh) == tree(committed), "run `gmmkit build` and commit release/"
    for rel in tree(fresh):
        assert filecmp.cmp(fresh / rel, committed / rel, shallow=False), \
            f"release/{name}/{rel} is stale: run `gmmkit build` and commit release/"


@pytest.mark.parametrize("name", list(assignments.ASSIGNMENTS))
def test_the_release_holds_no_solution_and_no_hidden_test(name):
    for path in (ROOT / "release" / name).rglob("*"):
        if path.suffix not in (".py", ".ipynb"):
            continue
        text = path.read_text()
        assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text
        assert "hidden=True" not in text
        if path.suffix == ".ipynb":
            nb = nbformat.read(path, as_version=4)
            for cell in nb.cells:
                meta = cell.metadata.get("nbgrader", {})
                if meta.get("grade") and not meta.get("solution"):
                    assert meta.get("locked") and "checksum" in meta


def test_python_solutions_are_cleared_by_nbgrader_and_bad_markers_fail_loudly(tmp_path):
    good = tmp_path / "lab.py"
    good.write_text("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n")
    clear_python_solutions(good)
    assert good.read_text() == "def f():\n    # YOUR CODE HERE\n    raise NotImplementedError()\n"
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    ### BEGIN SOLUTION\n    return 1\n")
    with pytest.raises((ReleaseError, RuntimeError)):
        clear_python_solutions(bad)
