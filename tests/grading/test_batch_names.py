"""Batch grading keeps students apart: names that collide, a folder named like the gradebook,
names that a spreadsheet would run as formulas, and nbgrader's submitted/<student>/<assignment>/."""
import csv
import json
import shutil
import subprocess
import sys

from gmmkit import assignments, paths
from gmmkit.grading.batch import result_names, verbatim

ROOT = paths.kit_root()


def gmmkit(*args):
    return subprocess.run([sys.executable, "-m", "gmmkit", *args], capture_output=True,
                          text=True, timeout=600)


def test_names_that_collide_get_results_of_their_own(tmp_path):
    entries = []
    for name in ("alice smith", "alice_smith", "Alice_Smith", "gradebook.csv", "bob"):
        (tmp_path / name).mkdir()
        entries.append(tmp_path / name)
    names, notes = result_names(entries)
    assert len(set(n.lower() for n in names.values())) == len(entries)
    assert names[tmp_path / "bob"] == "bob" and tmp_path / "bob" not in notes
    assert names[tmp_path / "gradebook.csv"].lower() != "gradebook.csv"
    assert "alice smith" in notes[tmp_path / "alice_smith"]
    assert verbatim("=HYPERLINK(1)") == "'=HYPERLINK(1)" and verbatim("alice smith") == "alice smith"


def test_a_class_with_hostile_names_keeps_every_row(tmp_path):
    cls = tmp_path / "class"
    for name in ("alice smith", "alice_smith", "gradebook.csv", "=cmd|' -C calc'!A0"):
        (cls / name).mkdir(parents=True)
    shutil.copy(assignments.get("gmm1d").reference_submission(ROOT), cls / "alice smith" / "gmm1d.py")
    shutil.copy(assignments.get("gmm1d").stub_submission(ROOT), cls / "alice_smith" / "gmm1d.py")
    shutil.copy(assignments.get("gmm1d").stub_submission(ROOT), cls / "gradebook.csv" / "gmm1d.py")
    shutil.copy(assignments.get("gmm1d").stub_submission(ROOT), cls / "=cmd|' -C calc'!A0" / "gmm1d.py")
    out = tmp_path / "out"
    run = gmmkit("grade", "gmm1d", str(cls), "--jobs", "2", "--out", str(out))
    assert run.returncode == 0, run.stderr[-2000:]
    with open(out / "gradebook.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    by_name = {r["submitted as"]: r for r in rows}
    assert set(by_name) == {"alice smith", "alice_smith", "gradebook.csv", "'=cmd|' -C calc'!A0"}
    full = float(by_name["alice smith"]["max"])
    assert float(by_name["alice smith"]["score"]) == full > 0   # not mixed up with alice_smith
    assert float(by_name["alice_smith"]["score"]) == 0
    for row in rows:
        assert not row["student"].startswith(("=", "+", "-", "@"))
        assert json.loads((out / row["student"] / "results.json").read_text())["tests"]


def test_nbgrader_submitted_layout_grades_the_named_assignment(tmp_path):
    submitted = tmp_path / "course" / "submitted"
    ref = assignments.get("gmm_sampling").reference_submission(ROOT)
    (submitted / "ada" / "gmm_sampling").mkdir(parents=True)
    shutil.copy(ref, submitted / "ada" / "gmm_sampling" / ref.name)
    (submitted / "bob" / "gmm_sampling").mkdir(parents=True)      # bob submitted another one
    shutil.copy(ref, submitted / "bob" / "gmm_sampling" / ref.name)
    (submitted / "cyd" / "gmm1d").mkdir(parents=True)
    shutil.copy(assignments.get("gmm1d").reference_submission(ROOT), submitted / "cyd" / "gmm1d" / "gmm1d.py")
    out = tmp_path / "out"
    run = gmmkit("grade", "gmm1d", str(submitted), "--jobs", "2", "--out", str(out))
    assert run.returncode == 0, run.stderr[-2000:]
    with open(out / "gradebook.csv", encoding="utf-8") as fh:
        rows = {r["student"]: r for r in csv.DictReader(fh)}
    assert set(rows) == {"ada", "bob", "cyd"}
    assert float(rows["cyd"]["score"]) == float(rows["cyd"]["max"]) > 0
    for student in ("ada", "bob"):
        assert rows[student]["note"] == "nothing submitted"
        assert float(rows[student]["score"]) == 0
        assert "Nothing was submitted" in json.loads((out / student / "results.json").read_text())["output"]
