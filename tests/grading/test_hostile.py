"""Hostile submissions and broken files, graded through the real harness and through the
Gradescope bundle layout. For each: a valid results file, no score above what the honest part earns, no
text of the hidden material in the output, no process left behind, and the grader done in time.

The submissions are the gmm1d reference with hostile code added, so the honest part is known.
The course material the grader uses is a copy carrying a canary line that must never leak.
"""
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from helpers import gradescope_layout as layout

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
    trusted = [p for p in paths.hidden_checks_file("gmm1d").parent.glob("*.py")
               if p.name != "expected.py"]   # the hidden checks and the modules beside them
    for name, src in [(p.name, p) for p in trusted] + [("solutions.py", paths.solutions_file("gmm1d"))]:
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
    root = layout.gradescope_root(tmp / "autograder", bundle)
    for material_file in ("hidden_checks.py", "solutions.py"):
        with open(root / "source" / "material" / material_file, "a") as fh:
            fh.write(f"\n# {CANARY}\n")
    layout.submit(root, name, content)
    return layout.run_autograder(root, timeout=TIME_BOUND)


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


# ------------------------------------------------------------------------------------------
# Round two (issue 19): a bounded grading, no student able to cost another points, a sandbox
# with no races, output that is safe. Tests that need a worker user of its own (root: bwrap or
# setuid) skip in the reduced mode, which has none.
# ------------------------------------------------------------------------------------------
import resource  # noqa: E402
import threading  # noqa: E402

from gmmkit.grading import sandbox, worker_client  # noqa: E402
from gmmkit.grading.html_report import render  # noqa: E402
from gmmkit.grading.results import summary  # noqa: E402
from gmmkit.grading.submission import Submission  # noqa: E402
from gmmkit.grading.worker_client import WorkerStudent  # noqa: E402

own_user = pytest.mark.skipif(not probe().own_user, reason="the reduced isolation mode "
                              "runs the worker as the grader's own user: no user of its own")


def _grade_source(tmp_path, source, material, name="gmm1d.py", assignment="gmm1d"):
    path = tmp_path / name
    path.write_text(source) if isinstance(source, str) else path.write_bytes(source)
    started = time.monotonic()
    report = grade(assignment, path, material if assignment == "gmm1d" else None)
    return report, to_gradescope(report), time.monotonic() - started


def _notebook(*sources) -> str:
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": s}
        for s in sources]})


def _all_text(results: dict) -> str:
    return results["output"] + "\n".join(t["output"] for t in results["tests"])


@own_user
def test_every_grading_leases_a_worker_user_of_its_own():
    first, second = probe().lease(), probe().lease()
    try:
        assert first.uid != second.uid
        for uid in (first.uid, second.uid):
            with pytest.raises(KeyError):
                import pwd
                pwd.getpwuid(uid)  # never a real account
    finally:
        first.release()
        second.release()


FORK_TO_THE_LIMIT = (ESTEP, (
    "    import os, time\n    for _ in range(2000):\n        try:\n            pid = os.fork()\n"
    "        except OSError:\n            break\n        if pid == 0:\n            time.sleep(30)\n"
    "            os._exit(0)\n    return self._gammas_guess(X)"))


@own_user
def test_a_submission_at_the_process_limit_costs_a_concurrent_grading_nothing(material, honest_ceiling, tmp_path):
    ceiling, maximum = honest_ceiling
    hostile = tmp_path / "hostile"
    honest = tmp_path / "honest"
    hostile.mkdir()
    honest.mkdir()
    (hostile / "gmm1d.py").write_text(hostile_source_from(FORK_TO_THE_LIMIT))
    (honest / "gmm1d.py").write_text(REFERENCE)
    scores = {}

    def run(name, folder):
        scores[name] = grade("gmm1d", folder, material).score

    threads = [threading.Thread(target=run, args=a) for a in (("hostile", hostile), ("honest", honest))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIME_BOUND)
    assert scores["honest"] == maximum


def hostile_source_from(case: tuple) -> str:
    template, body = case
    src = REFERENCE + "\n_reference_estep = GMM1D.estep\n"
    src += "GMM1D._gammas_guess = lambda self, X: _reference_estep(self, X)\n"
    return src + template.format(body=body)


BURNERS_AT_LOAD = (
    "import os\nfor _ in range(4):\n    if os.fork() == 0:\n        os.setsid()\n"
    "        if os.fork() == 0:\n            while True:\n                pass\n        os._exit(0)\n"
    "    else:\n        os.wait()\n")


@own_user
def test_processes_started_at_load_are_killed_before_any_check_runs(tmp_path):
    cells = [{"label": "gmm1d.py", "source": BURNERS_AT_LOAD + "def f():\n    return 1\n"}]
    with WorkerStudent(Submission(cells, "__main__", [], "t.py"), probe(), cell_timeout=5) as w:
        w.start()
        assert w.strays_killed >= 4
        assert len(sandbox.user_processes(w.uid)) == 1  # the worker alone
        if probe().cgroups:  # the worker and all it starts share one control group
            assert w._proc.pid in w._group.pids()
        try:
            assert w.run([{"call": "f", "return": True}], timeout=3) == [1]
        except worker_client.StudentError:
            pytest.fail(f"bad reply {w.bad_reply}; worker said {w.worker_output()[-2000:]}")
        uid = w.uid
    deadline = time.monotonic() + 5
    while sandbox.user_processes(uid, zombies=True) and time.monotonic() < deadline:
        time.sleep(0.1)
    # not even zombies: under an init that never reaps, they would count against the process
    # limit of the next grading given this user
    assert not sandbox.user_processes(uid, zombies=True)


def test_a_crash_loop_is_not_reloaded_again_and_again(material, monkeypatch, tmp_path):
    monkeypatch.setattr(worker_client, "MAX_RELOADS", 1)
    report, results, elapsed = _grade_source(
        tmp_path, hostile_source_from((ESTEP, "    import os\n    os.kill(os.getppid(), 9)")), material)
    assert not report.internal_error
    assert "stopped restarting it" in _all_text(results)
    assert elapsed < TIME_BOUND


def test_cells_that_straddle_the_load_limit_stop_the_load_in_time(tmp_path):
    cells = [{"label": f"code cell {i}", "source": "import time\ntime.sleep(1.5)\n"} for i in range(8)]
    started = time.monotonic()
    with WorkerStudent(Submission(cells, "__main__", [], "t.ipynb"), probe(), cell_timeout=3,
                       load_timeout=5) as w:
        with pytest.raises(worker_client.StudentError, match="longer than 5 s"):
            w.start()
        assert not w.skip and not w.cell_errors  # no innocent cell blamed
    assert time.monotonic() - started < 12


def test_the_whole_grading_has_a_time_limit(material, monkeypatch, tmp_path):
    monkeypatch.setenv("GMMKIT_GRADING_TIMEOUT", "6")
    report, results, elapsed = _grade_source(
        tmp_path, hostile_source_from(CASES["infinite loop"]), material)
    assert not report.internal_error
    assert elapsed < 6 + 15  # the limit, and the judging of what came back
    assert "used up its time limit of 6 s" in _all_text(results)


@pytest.mark.skipif(os.geteuid() != 0, reason="the probe runs as root only in the bwrap and setuid modes")
def test_planted_probe_folders_change_nothing(tmp_path):
    secret = tmp_path / "secret"
    secret.mkdir(mode=0o700)
    for pid in range(os.getpid(), os.getpid() + 64):
        os.symlink(secret if pid % 2 else tmp_path / "nowhere", tmp_path / f"gmmkit-probe-{pid}")
    isolation = sandbox.Isolation(probe().mode, "")
    assert sandbox._works(isolation) is not None
    st = os.stat(secret)
    assert st.st_uid == 0 and (st.st_mode & 0o777) == 0o700
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("gmmkit-probe-") and not p.is_symlink()]


def test_the_folder_of_a_killed_grader_is_removed_by_the_next_one(tmp_path):
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = tmp_path / f"gmmkit-grade-{dead.pid}-abcd1234"
    (stale / "scratch1").mkdir(parents=True)
    lease = probe().lease()
    leftover = None
    if lease is not None:  # a process its worker user left, which the next grading must end
        (stale / "uid").write_text(f"{lease.uid} {probe().mode}")
        leftover = subprocess.Popen(["sleep", "300"], user=lease.uid, group=lease.uid, extra_groups=[])
        lease.release()
    if probe().cgroups:  # and the dead grader's control group
        from gmmkit.grading.cgroup import WorkerGroup
        WorkerGroup(f"gmmkit-{dead.pid}-1-1").add(leftover.pid if leftover else dead.pid)
    os.utime(stale, (time.time() - 60, time.time() - 60))
    with WorkerStudent(Submission([{"label": "c", "source": "x = 1\n"}], "__main__", [], "t.py"), probe()):
        pass
    assert not stale.exists()
    if probe().cgroups:
        assert not WorkerGroup.existing(f"gmmkit-{dead.pid}-").dirs
    if leftover is not None:  # killed (and reaped by the grader, so its status may read 0)
        leftover.wait(timeout=5)
        assert not os.path.exists(f"/proc/{leftover.pid}/cmdline") or \
            not Path(f"/proc/{leftover.pid}/cmdline").read_bytes().startswith(b"sleep")


def test_a_reply_larger_than_the_limit_is_refused_before_it_is_read(material, tmp_path):
    report, results, elapsed = _grade_source(tmp_path, hostile_source_from(
        (ESTEP, "    import numpy as np\n    return np.ones(10_000_000)")), material)
    assert not report.internal_error
    assert "more data than the grader accepts" in _all_text(results)


def test_a_huge_submission_file_is_not_read(material, tmp_path):
    path = tmp_path / "gmm1d.py"
    with open(path, "wb") as fh:  # sparse: 3 GB long, no room taken
        fh.truncate(3 << 30)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    report = grade("gmm1d", path, material)
    assert time.monotonic() - started < 30
    assert "larger than 50 MB" in _all_text(to_gradescope(report))
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200_000  # kB


BIG_MSTEP = ("\ndef _big(self, X, gammas):\n    import numpy as np\n    n = 250_000\n"
             "    self.priors = np.full(n, 1.0 / n)\n    self.means = np.linspace(-3, 3, n)\n"
             "    self.variances = np.ones(n)\nGMM1D.mstep = _big\n")


def test_the_graders_memory_stays_bounded_when_replies_are_huge(material, tmp_path):
    """An mstep storing 250,000 components: the grader (a `gmmkit grade` process) must stay
    far below what drawing or judging them naively takes (4 GB before this fix)."""
    (tmp_path / "gmm1d.py").write_text(REFERENCE + BIG_MSTEP)
    # the grader alone (RUSAGE_SELF of a fresh grading process), not its worker
    code = ("import json, resource, sys\nfrom gmmkit.grading.grade import grade\n"
            "from gmmkit.grading.results import to_gradescope\n"
            "data = to_gradescope(grade('gmm1d', sys.argv[1]))\n"
            "print(len(data['tests']), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    run = subprocess.run([sys.executable, "-c", code, str(tmp_path / "gmm1d.py")],
                         capture_output=True, text=True, timeout=TIME_BOUND,
                         env=dict(os.environ, GMMKIT_ROOT=str(paths.kit_root())))
    tests, peak_kb = (int(x) for x in run.stdout.split()[-2:])
    assert tests > 1
    assert peak_kb < 1_000_000, f"the grader peaked at {peak_kb // 1024} MB"


ESCAPES = "\x1b[2J\x1b[H\x1b]52;c;cHduZWQ=\x07\x1b]8;;http://evil/\x1b\\link\x1b]8;;\x1b\\\rScore: 10 / 10\u202e\ud800"


def test_student_text_cannot_drive_the_terminal_or_break_the_output(material, tmp_path):
    path = tmp_path / "gmm1d.py"
    path.write_text(hostile_source_from((ESTEP, f"    raise RuntimeError({ESCAPES!r})")),
                    encoding="utf-8", errors="surrogatepass")
    run = subprocess.run([sys.executable, "-m", "gmmkit", "grade", "gmm1d", str(path), "--out",
                          str(tmp_path / "r.json"), "--html", str(tmp_path / "r.html")],
                         capture_output=True, timeout=TIME_BOUND,
                         env=dict(os.environ, GMMKIT_ROOT=str(paths.kit_root())))
    assert run.returncode == 0, run.stderr[-2000:]
    for text in (run.stdout, (tmp_path / "r.json").read_bytes(), (tmp_path / "r.html").read_bytes()):
        assert b"\x1b" not in text and b"\r" not in text and b"\x07" not in text
        assert "\u202e".encode() not in text
        text.decode("utf-8")  # strictly: no lone surrogate made it through
    assert "\ud800" not in json.dumps(json.loads((tmp_path / "r.json").read_text()), ensure_ascii=False)
    assert "RuntimeError" in run.stdout.decode()


def test_printing_a_lot_in_a_graded_function_costs_nothing(material, honest_ceiling, tmp_path):
    ceiling, maximum = honest_ceiling
    report, results, _ = _grade_source(tmp_path, hostile_source_from((ESTEP, (
        "    import sys\n    sys.stdout.write('x' * 20_000_000)\n    sys.stdout.flush()\n"
        "    return _reference_estep(self, X)"))), material)
    assert report.score == maximum, _all_text(results)[:3000]


def test_a_notebook_nested_100000_deep_is_refused_with_a_message(tmp_path):
    report, results, _ = _grade_source(tmp_path, '{"cells": ' + "[" * 100_000 + "]" * 100_000 + "}",
                                       None, "gmm_sampling.ipynb", "gmm_sampling")
    assert not report.internal_error and report.score == 0
    assert "nested too deeply" in _all_text(results)


FORGED = ("import os\nfrom gmmkit.wire.protocol import encode\n"
          "for fd in range(3, 40):\n    try:\n        os.write(fd, encode({'event': 'cell_start', 'index': 10**9}))\n"
          "    except OSError:\n        pass\n")


def test_a_forged_cell_index_is_a_broken_worker_not_a_broken_grader(material, tmp_path):
    report, results, _ = _grade_source(tmp_path, REFERENCE + "\n" + FORGED, material)
    assert not report.internal_error, report.internal_error


def test_ten_thousand_failing_cells_make_a_short_report(tmp_path):
    nb = _notebook(*["1 / 0\n"] * 10_000)
    report, results, elapsed = _grade_source(tmp_path, nb, None, "gmm_sampling.ipynb", "gmm_sampling")
    assert not report.internal_error
    assert len(report.notes) <= worker_client.MAX_CELL_ERRORS + 2
    assert "more failing cells" in report.notes[-1]
    assert len(summary(report)) < 100_000 and len(render(report)) < 1_000_000
    assert len(json.dumps(results)) < 1_000_000


@pytest.mark.skipif(probe().mode != "bwrap", reason="only bubblewrap can hide the kit's own "
                    "package from the worker (setuid and reduced modes run the installed package)")
def test_the_worker_sees_check_and_datasets_but_no_judging_code(worker):
    w = worker("from gmmkit.checks import check, CheckFailed\nfrom gmmkit.datasets import load_iris\n"
               "X, y = load_iris()\nn = len(X)\nnone = check('iris_em', len) is None\n",
               "import gmmkit.checks.gmm1d\n", "import gmmkit.checks.core\n",
               "import gmmkit.grading.grade\n", "import gmmkit.course\n",
               "import os, gmmkit\nlisting = sorted(os.listdir(os.path.dirname(gmmkit.__file__)))\n")
    assert w.run([{"get": "n", "return": True}, {"get": "none", "return": True}]) == [150, True]
    for index in (1, 2, 3, 4):
        assert "ModuleNotFoundError" in w.cell_errors[index], w.cell_errors
    listing = w.run([{"get": "listing", "return": True}])[0]
    assert "cli.py" not in listing and "course" not in listing


@pytest.mark.skipif(probe().reduced, reason="the reduced mode cannot cut the network nor tell "
                    "the worker's files from the grader's")
def test_no_network_and_nothing_left_in_the_shared_temporary_folders(material, tmp_path):
    import socket
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.settimeout(0.1)
    port = listener.getsockname()[1]
    tag = uuid.uuid4().hex
    leftovers = [Path(d) / f"gmmkit-test-{tag}" for d in ("/tmp", "/var/tmp", "/dev/shm")]
    top = ("import socket\ntry:\n    socket.create_connection(('127.0.0.1', %d), timeout=2).sendall(b'leak')\n"
           "except OSError:\n    pass\n" % port)
    top += "".join(f"try:\n    open({str(p)!r}, 'w').write('x')\nexcept OSError:\n    pass\n"
                   for p in leftovers)
    key = 0x6D6B0000 + os.getpid() % 0xFFFF  # a System V shared memory segment, and its key
    top += f"import ctypes\nctypes.CDLL(None).shmget({key}, 4096, 0o1600)\n"
    report, results, _ = _grade_source(tmp_path, REFERENCE + "\n" + top, material)
    assert report.score == report.max_score > 0, _all_text(results)[:2000]  # the code above ran
    try:
        conn, _ = listener.accept()
        pytest.fail("the worker reached a listener on 127.0.0.1")
    except socket.timeout:
        pass
    finally:
        listener.close()
    assert not [p for p in leftovers if p.exists()]
    keys = [int(line.split()[0]) for line in Path("/proc/sysvipc/shm").read_text().splitlines()[1:]]
    assert key not in keys, "a System V segment outlived the grading"
    if probe().mode == "setuid":
        assert "network cut by a seccomp filter" in report.isolation
