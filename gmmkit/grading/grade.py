"""Grade one submission: read it, load it in a worker, run every check, build the report; and
``grade_to_file``, the one way every entry point (the CLI, Gradescope, a batch) grades and
always leaves a valid results file.

Whatever the submission does, ``grade`` returns a report; a problem in the harness itself becomes
an ``internal_error`` that keeps the points already awarded and nothing more.
"""
from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Optional

from .. import assignments, paths
from ..assignments import Assignment
from ..checks import load_module
from ..checks.core import Check, CheckResult, StudentError
from ..checks.runner import run_checks
from . import submission as submissions
from .results import Report, to_gradescope, write_atomic
from .sandbox import Isolation, probe
from .worker_client import WorkerStudent


@dataclasses.dataclass(frozen=True)
class Material:
    """The trusted course material for one assignment: hidden checks and the reference."""
    hidden_checks: Path
    solutions: Path

    @classmethod
    def from_checkout(cls, assignment: Assignment, root: Optional[Path] = None) -> "Material":
        root = root or paths.kit_root()
        return cls(assignment.hidden_checks(root), assignment.reference(root))

    def load(self, assignment: Assignment):
        hidden = load_module(self.hidden_checks, f"_gmmkit_hidden_{assignment.name}").CHECKS
        ref = load_module(self.solutions, f"_gmmkit_ref_{assignment.name}")
        return assignment.public_checks() + list(hidden), ref


def _failed(chk: Check, message: str) -> CheckResult:
    return CheckResult(chk.name, chk.function, 0.0, chk.points, message, chk.visibility, "failed",
                       id=chk.id)


def grade(assignment: Assignment | str, path: Path, material: Optional[Material] = None,
          isolation: Optional[Isolation] = None) -> Report:
    started = time.monotonic()
    spec = assignments.get(assignment)
    isolation = isolation or probe()
    report = Report(spec.name, [], [], f"{isolation.mode}: {isolation.detail}")
    checks: list[Check] = []
    material = material or Material.from_checkout(spec)
    try:
        try:
            sub = submissions.read(spec, Path(path))
        except (submissions.SubmissionError, OSError) as exc:
            message = str(exc) if isinstance(exc, submissions.SubmissionError) else \
                "the submission could not be read"
            checks, _ = material.load(spec)
            report.notes.append(message)
            report.results = [_failed(c, message) for c in checks]
            return report
        report.notes += sub.notes
        with WorkerStudent(sub, isolation) as student:
            student.begin()  # the worker loads the submission while the checks load here
            checks, ref = material.load(spec)
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


def failure_report(assignment: Assignment | str, why: str) -> Report:
    """A report that awards nothing, for when grading itself could not run."""
    name = getattr(assignment, "name", str(assignment))
    return Report(name, [], [], "unknown", internal_error=why[:2000])


def grade_to_file(assignment: Assignment | str, path: Path, out: Path,
                  material: Optional[Material] = None,
                  isolation: Optional[Isolation] = None) -> Report:
    """Grade ``path`` and write Gradescope's results.json to ``out``, atomically, whatever
    happens: a failure of the grader itself still leaves a valid file that awards nothing more
    than the checks did."""
    try:
        report = grade(assignment, path, material, isolation)
    except BaseException as exc:  # noqa: B902 (even KeyboardInterrupt leaves a results file)
        report = failure_report(assignment, f"{type(exc).__name__}: {exc}")
        write_atomic(out, to_gradescope(report))
        if not isinstance(exc, Exception):
            raise
        return report
    write_atomic(out, to_gradescope(report))
    return report
