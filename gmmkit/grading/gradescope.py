"""The entry point inside a Gradescope container (``run_autograder`` calls it).

Gradescope's layout: the bundle is in ``$ROOT/source``, the submission in ``$ROOT/submission``,
and results go to ``$ROOT/results/results.json``. As root, everything but the worker's own scratch
folder is made unreadable to other users before any student code runs.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from .grade import Material, failure_report, grade_to_file
from .results import summary, to_gradescope, write_atomic


def lock_down(root: Path) -> None:
    """Hidden checks, solutions, the bundle and the results: owner (root) only."""
    if os.geteuid() != 0:
        return
    for sub in ("source", "submission", "results"):
        path = root / sub
        if path.exists():
            os.chmod(path, 0o700)
    os.chmod(root, 0o711)


def main(assignment: str, root: Path) -> int:
    results_file = root / "results" / "results.json"
    try:
        (root / "results").mkdir(parents=True, exist_ok=True)
        lock_down(root)
    except OSError as exc:  # never run student code next to readable hidden material
        report = failure_report(assignment, f"could not lock down {root}: {exc}")
        write_atomic(results_file, to_gradescope(report))
    else:
        material = Material(root / "source" / "material" / "hidden_checks.py",
                            root / "source" / "material" / "solutions.py")
        report = grade_to_file(assignment, root / "submission", results_file, material)
    print(summary(report), file=sys.stdout)
    return 0
