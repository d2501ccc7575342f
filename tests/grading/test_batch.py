"""A whole class at once, and grading that is deterministic."""
import csv
import json
import shutil
import subprocess
import sys

from gmmkit import assignments, paths

ROOT = paths.kit_root()


def gmmkit(*args):
    return subprocess.run([sys.executable, "-m", "gmmkit", *args], capture_output=True,
                          text=True, timeout=600)


def test_a_class_is_graded_in_parallel_into_results_and_a_gradebook(tmp_path):
    cls = tmp_path / "class"
    cls.mkdir()
    shutil.copy(assignments.get("gmm1d").reference_submission(ROOT), cls / "ada.py")
    shutil.copy(assignments.get("gmm1d").stub_submission(ROOT), cls / "bob.py")
    (cls / "cyd").mkdir()
    shutil.copy(assignments.get("gmm1d").reference_submission(ROOT), cls / "cyd" / "gmm1d.py")
    (cls / "dan.py").write_bytes(b"\x00\x01binary")
    (cls / "eve; rm -rf ~.py").write_text("def nope(:\n")  # hostile name and a syntax error
    run = gmmkit("grade", "gmm1d", str(cls), "--jobs", "2", "--out", str(tmp_path / "out"))
    assert run.returncode == 0, run.stderr[-2000:]
    with open(tmp_path / "out" / "gradebook.csv") as fh:
        rows = {r["student"]: r for r in csv.DictReader(fh)}
    assert set(rows) == {"ada", "bob", "cyd", "dan", "eve__rm_-rf__"}
    full = float(rows["ada"]["max"])
    assert float(rows["ada"]["score"]) == float(rows["cyd"]["score"]) == full > 0
    assert float(rows["bob"]["score"]) == float(rows["dan"]["score"]) == float(rows["eve__rm_-rf__"]["score"]) == 0
    check_columns = [c for c in rows["ada"] if c not in ("student", "score", "max", "submitted as", "note")]
    assert sum(float(rows["ada"][c]) for c in check_columns) == full
    for student in rows:
        assert json.loads((tmp_path / "out" / student / "results.json").read_text())["tests"]


def test_the_same_submission_graded_twice_gives_the_same_results(tmp_path):
    # partly right, partly wrong: the failure messages quote numbers, which must not vary
    sub = tmp_path / "gmm1d.py"
    sub.write_text(paths.solutions_file("gmm1d").read_text() + "\n"
                   "def _wrong(self, X, gammas):\n    self.variances = self.variances * 1.1\n"
                   "GMM1D.mstep = _wrong\n")
    outs = []
    for i in range(2):
        out = tmp_path / f"r{i}.json"
        assert gmmkit("grade", "gmm1d", str(sub), "--out", str(out)).returncode == 0
        data = json.loads(out.read_text())
        data.pop("execution_time")
        outs.append(data)
    assert 0 < outs[0]["score"] < sum(t["max_score"] for t in outs[0]["tests"])
    assert outs[0] == outs[1]
