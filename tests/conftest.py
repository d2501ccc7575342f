"""Suite-wide: every Gradescope results file a test writes follows Gradescope's specification.

After each test, the JSON files that appeared or changed under pytest's temporary folder and
look like results (an object with ``tests``, or with ``score`` and ``output``) are validated
against :data:`gmmkit.grading.results_schema.SCHEMA`: those written by ``gmmkit grade``, by
``run_autograder`` in a subprocess, by batch grading. A file that breaks it fails the test that
wrote it (as an error in its teardown).
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from gmmkit.grading import results_schema

_SKIP_DIRS = {"site-packages", "__pycache__", ".ipynb_checkpoints", "node_modules", "dist-packages"}
_validated: dict[str, float] = {}


def _results_files(base: Path, since: float):
    for top, dirs, files in os.walk(base):
        if "pyvenv.cfg" in files:  # a virtual environment (the bundle's setup.sh test)
            dirs[:] = []
            continue
        dirs[:] = [d for d in dirs if d not in _SKIP_DIRS]
        for name in files:
            if not name.endswith(".json"):
                continue
            path = os.path.join(top, name)
            try:
                stat = os.stat(path)
            except OSError:
                continue
            if stat.st_mtime < since or _validated.get(path) == stat.st_mtime or stat.st_size > 2_000_000:
                continue
            _validated[path] = stat.st_mtime
            yield Path(path)


def looks_like_results(data) -> bool:
    return isinstance(data, dict) and ("tests" in data or {"score", "output"} <= set(data))


def invalid_results(base: Path, since: float = 0.0) -> list[str]:
    problems = []
    for path in _results_files(base, since):
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError, UnicodeDecodeError):
            continue
        if looks_like_results(data):
            problems += [f"{path}: {e}" for e in results_schema.errors(data)]
    return problems


@pytest.fixture(autouse=True)
def _results_follow_gradescopes_specification(tmp_path_factory):
    started = time.time() - 1
    yield
    problems = invalid_results(tmp_path_factory.getbasetemp(), started)
    if problems:
        pytest.fail("results.json not as Gradescope specifies:\n" + "\n".join(problems[:20]),
                    pytrace=False)
