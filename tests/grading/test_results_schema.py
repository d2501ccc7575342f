"""results.json as Gradescope specifies it: a JSON schema of the specification
(gmmkit/grading/results_schema.py) that accepts what the kit writes and refuses what Gradescope
would not understand; no hidden test (Gradescope would hide the total from students); every
output says how it is rendered, so that a message about `<lambda>` keeps the word."""
import copy
import json
from pathlib import Path

import pytest

from gmmkit.checks import load_module
from gmmkit.checks.core import CheckResult
from gmmkit.grading import results_schema
from gmmkit.grading.results import Report, to_gradescope, write_atomic

CONFTEST = load_module(Path(__file__).parents[1] / "conftest.py", "_gmmkit_tests_conftest")


def report(internal_error: str = "") -> Report:
    return Report("demo", [
        CheckResult("f: shape", "f", 2.0, 2.0, "", "visible", "passed", id="demo.f.shape"),
        CheckResult("f: values <lambda>", "f", 0.0, 3.0,
                    "your f returned <lambda> at 0x7f, expected an array", "after_due_date",
                    "failed", bug="lambda", id="demo.f.values"),
        CheckResult("f: drawn", "f", 0.0, 1.0, "a < b & c", "visible", "failed", figure="iVBORw0K"),
    ], ["a note"], "setuid: test", execution_time=0.5, internal_error=internal_error)


@pytest.mark.parametrize("internal_error", ["", "RuntimeError: the worker vanished <oops>"])
def test_what_the_kit_writes_follows_the_specification(internal_error):
    data = to_gradescope(report(internal_error))
    assert results_schema.errors(data) == []
    assert all(t["visibility"] in ("visible", "after_due_date") for t in data["tests"])
    assert len(data["tests"]) == 3  # the checks, and nothing for instructors only
    # every output has a format: plain text at the top and by default for tests, HTML (escaped
    # message) only for a test with a figure
    assert data["output_format"] == data["test_output_format"] == data["test_name_format"] == "text"
    plain = data["tests"][1]
    assert "output_format" not in plain and "<lambda>" in plain["output"]
    drawn = data["tests"][2]
    assert drawn["output_format"] == "html" and "a &lt; b &amp; c" in drawn["output"]
    if internal_error:
        assert data["extra_data"]["internal_error"].startswith("RuntimeError")
        assert "oops" not in data["output"]  # students see that something failed, not what


BROKEN = {
    "a misspelt visibility": lambda d: d["tests"][0].update(visibility="hiden"),
    "a status Gradescope does not know": lambda d: d["tests"][0].update(status="ok"),
    "an unknown output format": lambda d: d.update(output_format="rich"),
    "a score as text": lambda d: d.update(score="2"),
    "a key outside the specification": lambda d: d["tests"][0].update(points=2),
    "no score anywhere": lambda d: (d.pop("score"), d["tests"][0].pop("score")),
    "tests not a list": lambda d: d.update(tests={}),
}


@pytest.mark.parametrize("case", BROKEN)
def test_the_schema_refuses_what_gradescope_would_not_understand(case):
    data = copy.deepcopy(to_gradescope(report()))
    BROKEN[case](data)
    assert results_schema.errors(data), case


def test_the_suite_wide_check_finds_a_broken_results_file(tmp_path):
    good = tmp_path / "good" / "results.json"
    write_atomic(good, to_gradescope(report()))
    bad = to_gradescope(report())
    bad["tests"][0]["visibility"] = "students"
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    (tmp_path / "other.json").write_text(json.dumps({"cells": []}))  # not results: ignored
    problems = CONFTEST.invalid_results(tmp_path)
    assert len(problems) == 1 and "bad.json" in problems[0] and "students" in problems[0]
    # the suite's own hook must not fail this test for the broken file it wrote on purpose
    bad_path = tmp_path / "bad.json"
    bad_path.unlink()
