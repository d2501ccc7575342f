"""`gmmkit report`: counts equal what the test counts itself from the results files, planted
bugs are counted once per student, and the page renders."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from gmmkit import paths
from gmmkit.checks.core import AFTER_DUE, VISIBLE, CheckResult
from gmmkit.grading.results import Report, to_gradescope, write_atomic
from gmmkit.report import ReportError, report

CHECKS = [("estep: pmf", "gmm1d.estep.pmf", VISIBLE, 1.0), ("estep: values", "gmm1d.estep.values", VISIBLE, 1.5),
          ("mstep: values", "gmm1d.mstep.values", VISIBLE, 1.5), ("mstep: reference", "gmm1d.mstep.reference", AFTER_DUE, 2.0)]


def synthetic_class(folder, n=12, seed=3):
    """n students with random outcomes; failed value checks sometimes carry a planted bug id;
    one student crashes, one times out, one has nothing graded. Returns what was planted."""
    rng = np.random.default_rng(seed)
    planted = {}
    for s in range(n):
        results, bugs = [], set()
        for name, cid, vis, pts in CHECKS:
            ok = bool(rng.random() < 0.6)
            bug = "" if ok or "values" not in cid or rng.random() < 0.3 else \
                ("gmm1d.estep.axis0" if "estep" in cid else "gmm1d.mstep.old_means")
            error = "crash" if (s == 1 and not ok) else "timeout" if (s == 2 and not ok) else ""
            bugs |= {bug} - {""}
            results.append(CheckResult(name, "GMM1D", pts if ok else 0.0, pts, "" if ok else "wrong",
                                       vis, "passed" if ok else "failed", bug=bug, id=cid, error=error))
        if s == 3:
            results, bugs = [], set()
        planted[f"student{s:02d}"] = bugs
        write_atomic(folder / f"student{s:02d}" / "results.json",
                     to_gradescope(Report("gmm1d", results, [], "bwrap: test")))
    return planted


def test_counts_equal_the_results_files(tmp_path):
    planted = synthetic_class(tmp_path)
    data = report(tmp_path)
    files = {p.parent.name: json.loads(p.read_text()) for p in tmp_path.glob("*/results.json")}
    assert data["assignment"] == "gmm1d" and data["submissions"] == len(files) == 12
    scores = [f["score"] for f in files.values()]
    assert data["scores"]["median"] == pytest.approx(np.median(scores))
    assert data["scores"]["mean"] == pytest.approx(np.mean(scores))
    assert sum(data["scores"]["counts"]) == 12
    for entry in data["checks"]:
        graded = [t for f in files.values() for t in f["tests"] if t["name"] == entry["name"]]
        assert entry["graded"] == len(graded)
        assert entry["passed"] == sum(t["score"] >= t["max_score"] for t in graded)
        assert entry["visibility"] == graded[0]["visibility"]
    by_id = {b["id"]: b["count"] for b in data["bugs"]}
    for bug_id in ("gmm1d.estep.axis0", "gmm1d.mstep.old_means"):
        assert by_id.get(bug_id, 0) == sum(bug_id in bugs for bugs in planted.values())
    assert "student03" in data["nothing_graded"]
    assert data["crashed"] == (["student01"] if any(
        t.get("extra_data", {}).get("error") == "crash" for t in files["student01"]["tests"]) else [])
    looked = {x["student"] for x in data["needs_a_look"]}
    assert "student03" in looked and set(data["crashed"]) <= looked and set(data["timed_out"]) <= looked
    assert (tmp_path / "report.json").exists() and "<img" in (tmp_path / "report.html").read_text()


def test_unreadable_and_foreign_files_do_not_stop_the_report(tmp_path):
    synthetic_class(tmp_path, n=3)
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "results.json").write_text("{not json")
    (tmp_path / "evil<script>").mkdir()
    write_atomic(tmp_path / "evil<script>" / "results.json",
                 to_gradescope(Report("gmm1d", [], [], "none: reduced")))
    data = report(tmp_path)
    assert data["submissions"] == 5
    assert "broken" in data["nothing_graded"]
    page = (tmp_path / "report.html").read_text()
    assert "evil<script>" not in page and "evil&lt;script&gt;" in page


def test_nothing_to_report_is_a_clear_error(tmp_path):
    with pytest.raises(ReportError, match="no results.json"):
        report(tmp_path)
    run = subprocess.run([sys.executable, "-m", "gmmkit", "report", str(tmp_path)],
                         capture_output=True, text=True)
    assert run.returncode == 2 and "no results.json" in run.stderr


# A real class: the gmm1d reference with classic bugs planted in its text, graded by
# `gmmkit grade --jobs 2`; the report must count each planted bug once per student.
PLANTS = {
    "gmm1d.estep.axis0": ("logsumexp(log_joint, axis=1, keepdims=True)",
                          "logsumexp(log_joint, axis=0, keepdims=True)"),
    "gmm1d.mstep.priors_sums": ("self.priors[:] = counts / len(x)", "self.priors[:] = counts"),
}


def test_a_graded_class_reports_the_bugs_planted(tmp_path):
    reference = paths.solutions_file("gmm1d").read_text()
    folder = tmp_path / "class"
    folder.mkdir()
    planted = {"ada": None, "bea": "gmm1d.estep.axis0", "cem": "gmm1d.estep.axis0",
               "dov": "gmm1d.mstep.priors_sums"}
    for student, bug in planted.items():
        text = reference
        if bug:
            old, new = PLANTS[bug]
            assert old in text
            text = text.replace(old, new)
        (folder / f"{student}.py").write_text(text)
    (folder / "eve.py").write_text("this is not python\n")
    run = subprocess.run([sys.executable, "-m", "gmmkit", "grade", "gmm1d", str(folder),
                          "--jobs", "2"], capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-2000:]
    out = tmp_path / "class-results"
    run = subprocess.run([sys.executable, "-m", "gmmkit", "report", str(out)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    data = json.loads((out / "report.json").read_text())
    assert data["submissions"] == 5 and data["assignment"] == "gmm1d"
    counts = {b["id"]: b["count"] for b in data["bugs"]}
    for bug in set(filter(None, planted.values())):
        assert counts.get(bug) == list(planted.values()).count(bug), (bug, data["bugs"])
        described = next(b for b in data["bugs"] if b["id"] == bug)
        assert described["description"] != bug and described["hint"]   # from the catalogue
    assert max(data["scores"]["bins"]) == data["scores"]["max_possible"] > 0
    ada = json.loads((out / "ada" / "results.json").read_text())
    assert ada["score"] == data["scores"]["max"] == data["scores"]["max_possible"]
    assert "gmm1d" in run.stdout and "bug:" in run.stdout
    _renders_in_chromium(out / "report.html", tmp_path, planted)


def _renders_in_chromium(page, tmp_path, planted):
    """The page as an instructor sees it: both figures drawn, the bugs and the students named."""
    from helpers.browser import dump_dom, find_chromium, screenshot

    chromium = find_chromium()
    shot = tmp_path / "report.png"
    pixels = screenshot(chromium, page, shot, tmp_path / "profile", height=4000)
    blue = (np.abs(pixels - np.array([0x1f, 0x77, 0xb4]) / 255).max(axis=-1) < 0.05).sum()
    assert blue > 2000, "the histogram and the pass-rate bars were not drawn"
    dom = dump_dom(chromium, page, tmp_path / "p2")
    assert dom.count("<img") == 2 and "Classic bugs" in dom and "need a look" in dom
    for bug in filter(None, planted.values()):
        assert bug in dom
    assert "eve" in dom    # nothing of hers could be graded: she needs a look
    target = os.environ.get("GMMKIT_REPORT_SCREENSHOT")
    if target:  # keep it for the docs (docs/report/README.md)
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        Image.open(shot).convert("RGB").quantize(128).save(target, optimize=True)
