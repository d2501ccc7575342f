"""Running checks: the shared judging loop, and the in-notebook entry point ``check()``."""
from __future__ import annotations

import inspect
import os
import signal
import threading
from contextlib import contextmanager
from typing import Optional

from ..wire.protocol import roundtrip
from ..wire.steps import StepError, run_steps
from ..wire import IN_WORKER
from .core import Check, CheckFailed, CheckResult, Student, StudentError


def run_checks(checks: list[Check], student: Student, ref=None, on_result=None) -> list[CheckResult]:
    """Judge every check; one failing, crashing or slow function never stops the others."""
    results = []
    for chk in checks:
        student.timeout = chk.timeout
        try:
            chk.judge(student, ref)
        except CheckFailed as exc:
            result = _result(chk, False, str(exc), exc.figure, getattr(exc, "bug", ""))
        except StudentError as exc:
            message = exc.message
            if exc.kind == "timeout":
                message += f"\nHint: {chk.slow_hint}."
            result = _result(chk, False, message)
        except Exception as exc:  # the student's value broke the judge (wrong type or shape)
            result = _result(chk, False, "the check could not use what your function returned "
                             f"({type(exc).__name__}: {str(exc)[:300]}); compare the types and "
                             "shapes you return with the docstring")
        else:
            result = _result(chk, True, "")
        results.append(result)
        if on_result:
            on_result(result)
    return results


def _result(chk: Check, passed: bool, output: str, figure=None, bug: str = "") -> CheckResult:
    png = ""
    if figure is not None:
        from .figures import png_base64
        try:
            png = png_base64(figure)
        except Exception:  # a figure is a bonus: its failure never changes a verdict
            png = ""
    return CheckResult(name=chk.name, function=chk.function,
                       score=chk.points if passed else 0.0, max_score=chk.points,
                       output=output, visibility=chk.visibility,
                       status="passed" if passed else "failed", figure=png, bug=bug, id=chk.id)


class InKernelStudent(Student):
    """Calls the student's objects directly (notebook checks, nbgrader's hidden test cells).

    Values still go through the wire format, so checks see exactly what the grader would.
    """

    def __init__(self, namespace: dict):
        self.namespace = namespace

    def run(self, steps: list, timeout: Optional[float] = None) -> list:
        try:
            with _alarm(timeout or self.timeout):
                values = run_steps(self.namespace, roundtrip(steps))
            return roundtrip(values)
        except StepError as exc:
            raise StudentError(exc.message, exc.kind) from None
        except _Timeout:
            raise StudentError(f"your code took longer than {timeout or self.timeout:g} s",
                               "timeout") from None
        except ValueError as exc:  # not returnable as data
            raise StudentError(f"your function returned something that is not data: {exc}")


def _show_inline(png_b64: str) -> None:
    """Show a check's figure in the notebook, when there is one to show it in."""
    try:
        import base64
        from IPython import get_ipython
        from IPython.display import Image, display
        if get_ipython() is not None:
            display(Image(data=base64.b64decode(png_b64)))
    except Exception:
        pass


class _Timeout(BaseException):
    pass


@contextmanager
def _alarm(seconds: float):
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def fire(signum, frame):
        raise _Timeout()

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def check(assignment: str, obj, hidden: bool = False) -> None:
    """Run the checks of one graded function or class (or, given as a string, the name of a
    graded variable) inside a notebook.

    Prints one line per check, and raises ``CheckFailed`` (an ``AssertionError``) listing what to
    fix when any fails, so nbgrader counts the cell as failed. ``hidden=True`` runs the hidden
    checks as well; it needs the course material (instructors only).
    """
    if os.environ.get(IN_WORKER):
        return None
    from . import load_module, public_checks
    from .. import paths

    if isinstance(obj, str):  # a graded variable, looked up where check() was called
        name = obj
        caller = inspect.currentframe().f_back.f_globals
        if name not in caller:
            raise NameError(f"`{name}` is not defined yet: run the cell that defines it first")
        obj = caller[name]
    else:
        name = getattr(obj, "__name__", None)
    if name is None:
        raise TypeError("check() takes the function or class itself, e.g. check('gmm_sampling', softmax), "
                        "or the name of a graded variable as a string")
    checks = [c for c in public_checks(assignment) if c.function == name]
    ref = None
    if hidden:
        try:
            paths.kit_root()
        except paths.NoCourseMaterial:
            raise paths.NoCourseMaterial(
                "check(..., hidden=True) runs the hidden checks, which are the graders' and not "
                "part of the student package: call check() without hidden=True (the hidden checks "
                "run when your submission is graded)") from None
        hidden_mod = load_module(paths.hidden_checks_file(assignment), f"_hidden_{assignment}")
        checks = [c for c in hidden_mod.CHECKS if c.function == name]
        ref = load_module(paths.solutions_file(assignment), f"_solution_{assignment}")
    if not checks:
        raise LookupError(f"{assignment} has no checks for {name!r}; is the name spelled as in the assignment?")
    results = run_checks(checks, InKernelStudent({name: obj}), ref)
    for r in results:
        mark = "\u2714" if r.passed else "\u2718"
        print(f"{mark} {r.name}  ({r.score:g}/{r.max_score:g})")
        if r.figure:
            _show_inline(r.figure)
    failed = [r for r in results if not r.passed]
    if failed:
        raise CheckFailed("\n\n".join(f"{r.name}:\n{r.output}" for r in failed))
    print(f"All {len(results)} {'hidden' if hidden else 'public'} checks of {name} passed.")
