"""`gmmkit new NAME` in a copy of the checkout: the scaffold builds at once (reference full marks,
stub zero), its own tests pass, and bad or taken names are refused with a clear message."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gmmkit import paths

ROOT = paths.kit_root()


@pytest.fixture(scope="module")
def checkout(tmp_path_factory):
    """The files of this checkout (tracked, and new ones git does not ignore), copied: `gmmkit new` writes into it, not into ours."""
    dest = tmp_path_factory.mktemp("kit") / "kit"
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT, capture_output=True,
                           check=True).stdout.decode().split("\0")
    for rel in filter(None, files):
        if (ROOT / rel).is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, dest / rel)
    return dest


def gmmkit(checkout: Path, *args: str) -> subprocess.CompletedProcess:
    # the copy's own package first on the path; the grader's worker needs nothing of it
    env = dict(os.environ, PYTHONPATH=str(checkout), GMMKIT_ISOLATION="none")
    env.pop("GMMKIT_ROOT", None)
    return subprocess.run([sys.executable, "-m", "gmmkit", *args], cwd=checkout, env=env,
                          capture_output=True, text=True, timeout=600)


def test_a_new_assignment_builds_at_once_and_its_tests_pass(checkout):
    made = gmmkit(checkout, "new", "my_topic", "--title", "Responsibilities in log space")
    assert made.returncode == 0, made.stderr
    for rel in ("source/my_topic/my_topic.ipynb", "solutions/my_topic.py",
                "gmmkit/checks/my_topic/__init__.py", "autograder/my_topic/hidden_checks.py",
                "autograder/my_topic/expected.py", "tests/checks/test_my_topic.py"):
        assert (checkout / rel).is_file(), rel
    built = gmmkit(checkout, "build", "my_topic")
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    row = next(line.split() for line in built.stdout.splitlines() if line.startswith("my_topic"))
    checks, points, reference, stub = row[1:5]
    assert reference == points and float(points) > 0 and stub == "0", built.stdout
    assert (checkout / "release" / "my_topic" / "my_topic.ipynb").is_file()
    assert (checkout / "gmmkit" / "checks" / "expected" / "my_topic.npz").is_file()
    env = dict(os.environ, PYTHONPATH=str(checkout), GMMKIT_ISOLATION="none")
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                            "tests/checks/test_my_topic.py", "tests/test_source_notebooks.py",
                            "tests/course/test_expected.py", "-k", "my_topic"],
                           cwd=checkout, env=env, capture_output=True, text=True, timeout=600)
    assert tests.returncode == 0, tests.stdout[-3000:]
    assert " passed" in tests.stdout and " failed" not in tests.stdout


@pytest.mark.parametrize("name, words", [("gmm1d", "exists already"), ("1abc", "not a valid"),
                                         ("My-Topic", "not a valid"), ("class", "not a valid")])
def test_bad_or_taken_names_are_refused(checkout, name, words):
    run = gmmkit(checkout, "new", name)
    assert run.returncode == 2 and words in run.stderr
