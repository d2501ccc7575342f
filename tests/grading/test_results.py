import json

from gmmkit.checks.core import CheckResult
from gmmkit.grading.results import Report, summary, to_gradescope, write_atomic


def report():
    return Report("demo", [
        CheckResult("f: shape", "f", 2.0, 2.0, "", "visible", "passed"),
        CheckResult("f: values", "f", 0.0, 3.0, "x" * 10_000, "after_due_date", "failed"),
    ], ["a note"], "bwrap: test", execution_time=1.23456)


def test_gradescope_json_has_the_required_fields_and_no_hidden_test():
    data = to_gradescope(report())
    assert data["score"] == 2.0 and data["execution_time"] == 1.235
    assert [t["name"] for t in data["tests"]] == ["f: shape", "f: values"]
    for test in data["tests"]:
        assert {"name", "score", "max_score", "output", "visibility"} <= set(test)
    assert data["tests"][1]["visibility"] == "after_due_date"
    assert len(data["tests"][1]["output"]) < 5000  # clipped
    # the isolation is for instructors: in extra_data (and stdout), never a hidden test, which
    # would hide the student's total
    assert all(t["visibility"] != "hidden" for t in data["tests"])
    assert data["extra_data"]["isolation"] == "bwrap: test"
    assert "a note" in data["output"]


def test_write_atomic_replaces_the_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "results" / "results.json"
    write_atomic(target, {"score": 1})
    write_atomic(target, to_gradescope(report()))
    assert json.loads(target.read_text())["score"] == 2.0
    assert [p.name for p in target.parent.iterdir()] == ["results.json"]


def test_summary_lists_failures_with_their_message_and_the_total():
    text = summary(report())
    assert "FAIL  f: values" in text and "PASS  f: shape" in text
    assert "Score: 2 / 5" in text
