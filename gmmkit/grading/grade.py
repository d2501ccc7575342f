"""Grade one submission: read it, load it in a worker, run every check, build the report.

Whatever the submission does, this returns a report; a problem in the harness itself becomes an
``internal_error`` that keeps the points already awarded and nothing more.
"""
from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Optional

from .. import assignments, paths
from ..checks import load_module, public_checks
from ..checks.core import Check, CheckResult, StudentError
from ..checks.runner import run_checks
from . import submission as submissions
from .results import Report
from .sandbox import Isolation, probe
from .worker_client import WorkerStudent


@dataclasses.dataclass(frozen=True)
class Material:
    """The trusted course material for one assignment: hidden checks and the reference."""
    hidden_checks: Path
    solutions: Path

    @classmethod
    def from_checkout(cls, assignment: str) -> "Material":
        return cls(paths.hidden_checks_file(assignment), paths.solutions_file(assignment))

    def load(self, assignment: str):
        hidden = load_module(self.hidden_checks, f"_gmmkit_hidden_{assignment}").CHECKS
        ref = load_module(self.solutions, f"_gmmkit_ref_{assignment}")
        return public_checks(assignment) + list(hidden), ref


def _failed(chk: Check, message: str) -> CheckResult:
    return CheckResult(chk.name, chk.function, 0.0, chk.points, message, chk.visibility, "failed")


def grade(assignment: str, path: Path, material: Optional[Material] = None,
          isolation: Optional[Isolation] = None) -> Report:
    started = time.monotonic()
    spec = assignments.get(assignment)
    isolation = isolation or probe()
    report = Report(assignment, [], [], f"{isolation.mode}: {isolation.detail}")
    checks: list[Check] = []
    material = material or Material.from_checkout(assignment)
    try:
        try:
            sub = submissions.read(spec, Path(path))
        except (submissions.SubmissionError, OSError) as exc:
            message = str(exc) if isinstance(exc, submissions.SubmissionError) else \
                "the submission could not be read"
            checks, _ = material.load(assignment)
            report.notes.append(message)
            report.results = [_failed(c, message) for c in checks]
            return report
        report.notes += sub.notes
        with WorkerStudent(sub, isolation) as student:
            student.begin()  # the worker loads the submission while the checks load here
            checks, ref = material.load(assignment)
            try:
                student.start()
            except StudentError as exc:
                report.results = [_failed(c, exc.message) for c in checks]
                return report
            finally:
                report.notes += [student.cell_errors[i] for i in sorted(student.cell_errors)]
            run_checks(checks, student, ref, on_result=report.results.append)
    except Exception as exc:  # the harness itself: report it, award nothing more
        report.internal_error = f"{type(exc).__name__}: {exc}"[:2000]
        done = {r.name for r in report.results}
        report.results += [_failed(c, "not graded: the grader met an internal problem")
                           for c in checks if c.name not in done]
    finally:
        report.execution_time = time.monotonic() - started
    return report
