"""Hostile submissions and broken files, graded through the real harness and through the
Gradescope bundle layout. For each: a valid results file, no score above what the honest part earns, no
text of the hidden material in the output, no process left behind, and the grader done in time.

The submissions are the gmm1d reference with hostile code added, so the honest part is known.
The course material the grader uses is a copy carrying a canary line that must never leak.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from pathlib import Path

import pytest

from gmmkit import paths
from gmmkit.course.bundle import build_bundle
from gmmkit.grading.grade import Material, grade
from gmmkit.grading.results import to_gradescope
from gmmkit.grading.sandbox import probe

CANARY = f"CANARY-{uuid.uuid4().hex}"
SECRET_ENV = f"SECRET-{uuid.uuid4().hex}"
REFERENCE = paths.solutions_file("gmm1d").read_text()
TIME_BOUND = 120  # seconds for one grading, hostile or not

# Replaces GMM1D.estep with the hostile body; mstep stays honest.
ESTEP = "\ndef _hostile(self, X):\n{body}\nGMM1D.estep = _hostile\n"
TOP = "\n{body}\n"

CASES = {
    "infinite loop": (ESTEP, "    while True:\n        pass"),
    "sleep of days": (ESTEP, "    import time\n    time.sleep(3 * 86400)"),
    "sys.exit at import": (TOP, "import sys\nsys.exit(0)"),
    "os._exit in a graded function": (ESTEP, "    import os\n    os._exit(0)"),
    "memory hog": (ESTEP, "    hog = []\n    while True:\n        hog.append(bytearray(1 << 28))"),
    "forked children that outlive grading": (ESTEP, (
        "    import os, time\n    for _ in range(300):\n        try:\n            pid = os.fork()\n"
        "        except OSError:\n            break\n        if pid == 0:\n            os.setsid()\n"
        "            time.sleep(3600)\n            os._exit(0)\n    return self._gammas_guess(X)")),
    "50 MB printed": (TOP, "import sys\nsys.stdout.write('x' * 50_000_000)\nprint('y' * 50_000_000, file=sys.stderr)"),
    "numpy and builtins patched to agree": (TOP, (
        "import builtins, numpy\nnumpy.allclose = lambda *a, **k: True\n"
        "numpy.isclose = lambda a, b, *x, **k: numpy.ones(numpy.shape(a), bool)\n"
        "numpy.array_equal = lambda *a, **k: True\nnumpy.testing.assert_allclose = lambda *a, **k: None\n"
        "builtins.abs = lambda x: 0\nbuiltins.isinstance = lambda *a: True\n"
        "GMM1D.estep = lambda self, X: numpy.zeros((len(X), self.num_gaussians))")),
    "ndarray subclass that lies and pickles code": (ESTEP, (
        "    import numpy as np, os\n    class Liar(np.ndarray):\n"
        "        def __eq__(self, other):\n            return True\n"
        "        def __reduce__(self):\n            return (os.system, ('touch PWNED_MARKER',))\n"
        "    return np.zeros((len(X), self.num_gaussians)).view(Liar)")),
    "reads every file and the environment into its error": (ESTEP, (
        "    import os\n    found = [repr(dict(os.environ))]\n    seen = 0\n"
        "    for top, dirs, files in os.walk('/'):\n"
        "        dirs[:] = [d for d in dirs if d not in ('proc', 'sys', 'dev')]\n"
        "        for f in files:\n            seen += 1\n            if seen > 60000:\n                break\n"
        "            try:\n                with open(os.path.join(top, f), 'rb') as fh:\n"
        "                    data = fh.read(200000)\n            except Exception:\n                continue\n"
        "            if b'CANARY' in data or b'hidden' in data:\n"
        "                found.append(os.path.join(top, f) + ': ' + data.decode('latin1')[:3000])\n"
        "    raise RuntimeError('\\n'.join(found))")),
    "writes a full-score results.json wherever it can": (TOP, (
        "import os, json\nfake = json.dumps({'score': 1000, 'tests': []})\n"
        "targets = ['/autograder/results/results.json', 'results.json', '/tmp/results.json']\n"
        "root = os.environ.get('AUTOGRADER_ROOT')\nif root:\n    targets.append(root + '/results/results.json')\n"
        "for top, dirs, files in os.walk('/'):\n    dirs[:] = [d for d in dirs if d not in ('proc', 'sys', 'dev')]\n"
        "    if 'results' in top:\n        targets.append(os.path.join(top, 'results.json'))\n"
        "for t in targets:\n    try:\n        open(t, 'w').write(fake)\n    except Exception:\n        pass")),
    "kills its parent": (ESTEP, "    import os, signal\n    os.kill(os.getppid(), signal.SIGKILL)\n    return None"),
    "inputs mutated in place": (ESTEP, (
        "    g = _reference_estep(self, X)\n    X[:] = 0\n    return g")),
}


# Cases whose graded functions still compute the right answer after (or beside) their mischief:
# their honest part is everything, so full marks are allowed; the rest must not beat the ceiling.
HONEST_CASES = {"sys.exit at import", "50 MB printed", "inputs mutated in place",
                "writes a full-score results.json wherever it can",
                "forked children that outlive grading"}


def hostile_source(case: str) -> str:
    template, body = CASES[case]
    # _reference_estep: the honest estep, kept under another name for the cases that use it.
    src = REFERENCE + "\n_reference_estep = GMM1D.estep\n"
    src += "GMM1D._gammas_guess = lambda self, X: _reference_estep(self, X)\n"
    return src + template.format(body=body)


HONEST_ONLY = REFERENCE + "\ndef _stub(self, X):\n    raise NotImplementedError()\nGMM1D.estep = _stub\n"


@pytest.fixture(scope="module")
def material(tmp_path_factory):
    """A copy of the course material with a canary that must never reach the output."""
    folder = tmp_path_factory.mktemp("material")
    for name, src in (("hidden_checks.py", paths.hidden_checks_file("gmm1d")),
                      ("solutions.py", paths.solutions_file("gmm1d"))):
        (folder / name).write_text(src.read_text() + f"\n# {CANARY}\n")
    return Material(folder / "hidden_checks.py", folder / "solutions.py")


@pytest.fixture(autouse=True)
def quick_limits(monkeypatch, tmp_path):
    # the grader's scratch folders go under this test's own folder: that tags its workers
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setenv("GMMKIT_MAX_CALL_TIMEOUT", "3")
    monkeypatch.setenv("GMMKIT_CELL_TIMEOUT", "5")
    monkeypatch.setenv("GMMKIT_TEST_SECRET", SECRET_ENV)


@pytest.fixture(scope="module")
def honest_ceiling(material, tmp_path_factory):
    os.environ["GMMKIT_MAX_CALL_TIMEOUT"] = "3"
    path = tmp_path_factory.mktemp("honest") / "gmm1d.py"
    path.write_text(HONEST_ONLY)
    full = tmp_path_factory.mktemp("full") / "gmm1d.py"
    full.write_text(REFERENCE)
    ceiling, maximum = grade("gmm1d", path, material).score, grade("gmm1d", full, material).score
    del os.environ["GMMKIT_MAX_CALL_TIMEOUT"]
    assert 0 < ceiling < maximum
    return ceiling, maximum


def worker_pids(tag: Path) -> set:
    """Live processes of workers whose scratch folder is under ``tag`` (this test's folder),
    whatever other graders run on the machine at the same time."""
    pids = set()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
            if b"gmmkit.grading.worker" not in cmdline:
                continue
            if str(tag).encode() in cmdline or os.readlink(proc / "cwd").startswith(str(tag)):
                pids.add(int(proc.name))
        except OSError:
            pass
    return pids


def assert_contained(results: dict, started: float, tmp: Path):
    text = json.dumps(results)
    assert time.monotonic() - started < TIME_BOUND
    assert SECRET_ENV not in text, "the grader's environment reached the student"
    if not probe().reduced:  # the reduced mode cannot hide files, and says so in the results
        assert CANARY not in text, "hidden material leaked into the results"
    else:
        assert "reduced isolation" in text
    assert len(text) < 1_000_000
    assert not list(tmp.rglob("PWNED_MARKER")) and not Path("PWNED_MARKER").exists()
    deadline = time.monotonic() + 5
    while worker_pids(tmp) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not worker_pids(tmp), "worker processes were left behind"


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_submission_through_the_harness(case, material, honest_ceiling, tmp_path):
    ceiling, maximum = honest_ceiling
    path = tmp_path / "gmm1d.py"
    path.write_text(hostile_source(case))
    started = time.monotonic()
    report = grade("gmm1d", path, material)
    results = to_gradescope(report)
    assert not report.internal_error, report.internal_error
    limit = maximum if case in HONEST_CASES else ceiling
    assert report.score <= limit
    if case == "inputs mutated in place":
        # every call gets fresh copies, so the checks of estep and mstep judge them fairly; only
        # fit, which then runs the M-step on zeroed data, really is broken
        direct = [r for r in report.results if r.name.startswith(("estep", "mstep"))]
        assert direct and all(r.passed for r in direct)
    assert_contained(results, started, tmp_path)


def run_in_gradescope_layout(bundle: Path, tmp: Path, name: str, content: bytes) -> dict:
    """Gradescope's layout under ``tmp`` (the bundle's material carrying the canary), the
    submission saved as ``name``, then ``run_autograder``: its results.json."""
    root = tmp / "autograder"
    with zipfile.ZipFile(bundle) as zf:
        zf.extractall(root / "source")
    for material_file in ("hidden_checks.py", "solutions.py"):
        with open(root / "source" / "material" / material_file, "a") as fh:
            fh.write(f"\n# {CANARY}\n")
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir()
    (root / "submission" / name).write_bytes(content)
    env = dict(os.environ, AUTOGRADER_ROOT=str(root), GMMKIT_PYTHON=sys.executable)
    run = subprocess.run(["bash", str(root / "run_autograder")], env=env, capture_output=True,
                         timeout=TIME_BOUND)
    assert run.returncode == 0
    return json.loads((root / "results" / "results.json").read_text())


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    return build_bundle("gmm1d", tmp_path_factory.mktemp("dist"))


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_submission_through_the_gradescope_layout(case, bundle, honest_ceiling, tmp_path):
    ceiling, maximum = honest_ceiling
    started = time.monotonic()
    results = run_in_gradescope_layout(bundle, tmp_path, "gmm1d.py",
                                       hostile_source(case).encode())
    assert results["score"] <= maximum
    assert results["score"] <= ceiling or case in HONEST_CASES
    assert "Internal grader error" not in json.dumps(results)
    assert_contained(results, started, tmp_path)


# ------------------------------------------------------------------------------------------
# Broken files: what arrives is not a working submission at all, or not under the right name.
# (assignment, file name, content, the most it may score, words its results must show)
# ------------------------------------------------------------------------------------------
BAD_JSON = b'{"cells": [{"cell_type": "code", "source": "x = 1"'
BROKEN = {
    "a syntax error": ("gmm1d", "gmm1d.py", b"import numpy as np\n\nclass GMM1D(:\n    pass\n",
                       "zero", ["SyntaxError", "line 3"]),
    "a notebook that is not valid JSON": ("gmm_sampling", "gmm_sampling.ipynb", BAD_JSON, "zero",
                                          ["not a valid notebook"]),
    "an empty file": ("gmm1d", "gmm1d.py", b"", "zero", ["empty"]),
    "a binary file": ("gmm1d", "gmm1d.py", b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8,
                      "zero", ["not a text file"]),
    "a missing function": ("gmm1d", "gmm1d.py", (REFERENCE + "\ndel GMM1D.estep\n").encode(),
                           "ceiling", ["estep"]),
    "a wrong file name": ("gmm1d", "my final lab (2).py", REFERENCE.encode(), "full",
                          ["expected a file named gmm1d.py"]),
}


def _broken_limit(kind: str, honest_ceiling) -> float:
    ceiling, maximum = honest_ceiling
    return {"zero": 0.0, "ceiling": ceiling, "full": maximum}[kind]


def _shows(results: dict, words: list) -> None:
    text = results["output"] + "\n".join(t["output"] for t in results["tests"])
    for word in words:
        assert word in text, f"{word!r} not in the results: {text[:3000]}"


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_file_through_the_harness(case, material, honest_ceiling, tmp_path):
    assignment, name, content, kind, words = BROKEN[case]
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / name).write_bytes(content)
    started = time.monotonic()
    report = grade(assignment, folder, material if assignment == "gmm1d" else None)
    results = to_gradescope(report)
    assert not report.internal_error, report.internal_error
    assert report.score <= _broken_limit(kind, honest_ceiling)
    if kind == "full":  # a correct file under another name is graded, with a note
        assert report.score == report.max_score
    _shows(results, words)
    assert_contained(results, started, tmp_path)


@pytest.fixture(scope="module")
def bundles(tmp_path_factory):
    dist = tmp_path_factory.mktemp("broken-dist")
    return {a: build_bundle(a, dist) for a in {case[0] for case in BROKEN.values()}}


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_file_through_the_gradescope_layout(case, bundles, honest_ceiling, tmp_path):
    assignment, name, content, kind, words = BROKEN[case]
    started = time.monotonic()
    results = run_in_gradescope_layout(bundles[assignment], tmp_path, name, content)
    assert "Internal grader error" not in json.dumps(results)
    if assignment == "gmm1d":
        assert results["score"] <= _broken_limit(kind, honest_ceiling)
    else:
        assert results["score"] == 0
    _shows(results, words)
    assert_contained(results, started, tmp_path)
