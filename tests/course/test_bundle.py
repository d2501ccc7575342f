"""The Gradescope bundle, unzipped into a root laid out like Gradescope's, grades for real."""
import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from gmmkit import assignments, paths
from gmmkit.course.build import reference_submission
from gmmkit.course.bundle import build_bundle, requirements

ROOT = paths.kit_root()
NAMES = list(assignments.ASSIGNMENTS)


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    return {name: build_bundle(name, out) for name in NAMES}


def gradescope_root(tmp_path: Path, bundle: Path) -> Path:
    root = tmp_path / "autograder"
    with zipfile.ZipFile(bundle) as zf:
        zf.extractall(root / "source")
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir()
    return root


def run_autograder(root: Path, python: str = sys.executable) -> dict:
    env = dict(os.environ, AUTOGRADER_ROOT=str(root), GMMKIT_PYTHON=python)
    run = subprocess.run(["bash", str(root / "run_autograder")], env=env, capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads((root / "results" / "results.json").read_text())


@pytest.mark.parametrize("name", NAMES)
def test_the_bundle_has_gradescope_files_at_its_top(dist, name):
    with zipfile.ZipFile(dist[name]) as zf:
        infos = {i.filename: i for i in zf.infolist()}
    for script in ("setup.sh", "run_autograder"):
        assert script in infos
        assert (infos[script].external_attr >> 16) & stat.S_IXUSR
    assert "material/hidden_checks.py" in infos and "material/solutions.py" in infos
    assert "kit/gmmkit/grading/worker.py" in infos and "kit/pyproject.toml" in infos
    assert not any("__pycache__" in n for n in infos)
    reqs = zipfile.ZipFile(dist[name]).read("requirements.txt").decode().split()
    assert reqs == requirements() and any(r.startswith("numpy") for r in reqs)


@pytest.mark.parametrize("name", NAMES)
def test_run_autograder_gives_the_reference_full_marks(dist, name, tmp_path):
    root = gradescope_root(tmp_path, dist[name])
    spec = assignments.get(name)
    shutil.copy(reference_submission(name, ROOT), root / "submission" / spec.submission)
    results = run_autograder(root)
    graded = [t for t in results["tests"] if t["visibility"] != "hidden"]
    assert results["score"] == sum(t["max_score"] for t in graded) > 0
    assert all(t["status"] == "passed" for t in graded)


def test_a_broken_submission_still_gets_a_valid_results_file(dist, tmp_path):
    root = gradescope_root(tmp_path, dist["gmm_sampling"])
    (root / "submission" / "gmm_sampling.ipynb").write_text("{ this is not json")
    results = run_autograder(root)
    assert results["score"] == 0
    assert "not a valid notebook" in results["output"]
    assert all(t["score"] == 0 for t in results["tests"])


def test_run_autograder_writes_results_even_when_python_cannot_start(dist, tmp_path):
    root = gradescope_root(tmp_path, dist["gmm1d"])
    results = run_autograder(root, python="/bin/false")
    assert results["score"] == 0 and "could not run" in results["output"]


def test_the_bundle_is_reproducible(dist, tmp_path):
    again = build_bundle("gmm1d", tmp_path)
    assert again.read_bytes() == dist["gmm1d"].read_bytes()
