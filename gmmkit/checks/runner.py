"""Running checks: the shared judging loop, and the in-notebook entry point ``check()``."""
from __future__ import annotations

import html
import inspect
import io
import os
import signal
import sys
import tempfile
import threading
import warnings
from contextlib import contextmanager, redirect_stderr
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
            result = _result(chk, False, message, error=exc.kind)
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


def _result(chk: Check, passed: bool, output: str, figure=None, bug: str = "",
            error: str = "") -> CheckResult:
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
                       status="passed" if passed else "failed", figure=png, bug=bug, id=chk.id,
                       error=error)


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


class Points(float):
    """What a test cell's last ``check(..., hidden=True)`` returns: the points the function earned
    in all its checks, public and hidden.

    nbgrader takes a test cell's value (its ``execute_result``, parsed as a number) as the
    cell's partial score, so the cell scores what Gradescope and ``gmmkit grade`` award.
    Shown as a plain number (which nbgrader reads) and, in HTML, with its maximum.
    """

    def __new__(cls, value: float, max_points: float, name: str):
        self = super().__new__(cls, value)
        self.max_points = float(max_points)
        self.name = name
        return self

    def __repr__(self) -> str:
        return f"{float(self):g}"

    def _repr_pretty_(self, p, cycle) -> None:
        p.text(repr(self))

    def _repr_html_(self) -> str:
        return (f"<b>{html.escape(self.name)}: {float(self):g} / {self.max_points:g} "
                "autograded points</b>")


class _Captured:
    """What the student's code wrote to stderr (Python's or the process's) and the warnings it
    raised while its checks ran."""

    def __init__(self):
        self.text = ""
        self.warnings: list = []

    def summary(self) -> list[str]:
        lines = []
        if self.warnings:
            seen: dict[str, int] = {}
            for w in self.warnings:
                key = f"{w.category.__name__}: {str(w.message).strip()}"
                seen[key] = seen.get(key, 0) + 1
            shown = [f"{key}" + (f" ({n} times)" if n > 1 else "") for key, n in seen.items()]
            more = len(shown) - 3
            lines.append(f"Your code raised {_plural(len(seen), 'warning')} while the checks "
                         "ran (shown here, not on stderr):")
            lines += [f"    {s[:300]}" for s in shown[:3]]
            if more > 0:
                lines.append(f"    ... and {_plural(more, 'other kind')}")
        # a progress bar rewrites its line with \r: keep what it showed last
        written = [part.rsplit("\r", 1)[-1].rstrip() for part in self.text.splitlines()]
        written = [w for w in written if w.strip()]
        if written:
            lines.append(f"Your code wrote {_plural(len(written), 'line')} to stderr while the "
                         "checks ran (shown here, not on stderr):")
            lines += [f"    {t[:300]}" for t in written[:3]]
            if len(written) > 3:
                lines.append(f"    ... and {_plural(len(written) - 3, 'more line')}")
        return lines


@contextmanager
def _capture_student_output():
    """Keep the student's stderr and warnings out of the cell's stderr while checks run.

    nbgrader scores a test cell that writes anything to stderr as zero: a ``RuntimeWarning`` from
    the student's own 0/0, or a tqdm progress bar, would cost the whole cell. Python's
    ``sys.stderr``, the process's file descriptor 2 (C extensions) and the ``warnings`` module
    are all redirected; :meth:`_Captured.summary` says what was caught.
    """
    captured = _Captured()
    buffer = io.StringIO()
    saved_fd = None
    tmp = None
    try:
        try:
            sys.stderr.flush()
        except Exception:
            pass
        try:
            tmp = tempfile.TemporaryFile(mode="w+b")
            saved_fd = os.dup(2)
            os.dup2(tmp.fileno(), 2)
        except OSError:
            saved_fd = None
        with warnings.catch_warnings(record=True) as caught, redirect_stderr(buffer):
            warnings.simplefilter("default")  # each warning once per place: a loop cannot flood
            try:
                yield captured
            finally:
                captured.warnings = list(caught)
    finally:
        if saved_fd is not None:
            os.dup2(saved_fd, 2)
            os.close(saved_fd)
        raw = b""
        if tmp is not None:
            try:
                tmp.seek(0)
                raw = tmp.read(20_000)
            finally:
                tmp.close()
        captured.text = buffer.getvalue()[:20_000] + raw.decode("utf-8", "replace")


def _in_ipython() -> bool:
    """In a notebook's kernel (or IPython), where a raising check cell would score zero in
    nbgrader and show a traceback through the kit."""
    ipython = sys.modules.get("IPython")
    try:
        return ipython is not None and ipython.get_ipython() is not None
    except Exception:
        return False


def _plural(n: int, word: str) -> str:
    return f"{n:g} {word}" + ("" if n == 1 else "s")


def _indent(text: str, by: str = "    ") -> str:
    return "\n".join(by + line if line else line for line in text.splitlines())


# The public checks' results of the latest check() of each function: a test cell calls
# check(a, f) then check(a, f, hidden=True), whose value is the points of both.
_LAST_PUBLIC: dict = {}


def check(assignment: str, obj, hidden: bool = False) -> Optional[Points]:
    """Run the checks of one graded function or class (or, given as a string, the name of a
    graded variable) inside a notebook, and print one report: a line per check, under each
    failed one what was expected, what came and what to try.

    In a notebook a failed check does not raise: nbgrader would score the whole cell zero, and
    the ✘ lines already say what to fix. In a plain script (the lab's ``check_gmm1d.py``) a failed
    public check raises ``CheckFailed`` after the report, so that the script can tell.
    ``hidden=True`` (nbgrader's hidden test cells; it needs the course material, instructors
    only) runs the hidden checks as well and returns the points of all the function's checks
    (a :class:`Points`), which nbgrader takes as the cell's partial score. What the student's
    code writes to stderr or warns while its checks run is shown in the report, never on the
    cell's stderr (which nbgrader scores zero).
    """
    if os.environ.get(IN_WORKER):
        return None
    from . import load_module, public_checks
    from .. import paths

    caller = inspect.currentframe().f_back.f_globals   # the notebook check() was called in
    if isinstance(obj, str):  # a graded variable, looked up where check() was called
        name = obj
        if name not in caller:
            print(f"\u2718 `{name}` is not defined yet: run the cell that defines it first")
            return Points(0.0, 0.0, name) if hidden else None
        obj = caller[name]
    else:
        name = getattr(obj, "__name__", None)
    if name is None:
        raise TypeError("check() takes the function or class itself, e.g. check('gmm_sampling', softmax), "
                        "or the name of a graded variable as a string")
    public = [c for c in public_checks(assignment) if c.function == name]
    ref = None
    checks = public
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
    if not checks and not (hidden and public):
        raise LookupError(f"{assignment} has no checks for {name!r}; is the name spelled as in the assignment?")
    earlier = []
    if hidden:  # the points of the public checks go with the cell too: reuse the cell's run
        last = _LAST_PUBLIC.get((assignment, name))
        if last is not None and last[0] is obj:
            earlier = last[1]
        elif public:
            earlier = _run_and_report(assignment, name, obj, public, None, "public", caller)
    results = _run_and_report(assignment, name, obj, checks, ref, "hidden" if hidden else "public",
                              caller)
    if not hidden:
        _LAST_PUBLIC[(assignment, name)] = (obj, results)
        failed = sum(not r.passed for r in results)
        if failed and not _in_ipython():  # a script (check_gmm1d.py) learns it from the raise
            raise CheckFailed(f"{failed} of {_plural(len(results), 'public check')} of {name} "
                              "failed: see the \u2718 lines above")
        return None
    every = earlier + results
    points = Points(sum(r.score for r in every), sum(r.max_score for r in every), name)
    print(f"{name}: {float(points):g} / {points.max_points:g} autograded points "
          f"({sum(r.passed for r in every)} of {_plural(len(every), 'check')} passed).")
    return points


def _graded_namespace(assignment: str, name: str, obj, scope: dict) -> dict:
    """``obj`` and the assignment's other graded names from the notebook ``scope`` check() was
    called in, so that the check of a composite (``em_fit``) can replay the student's own
    steps, as the grader does with the whole notebook."""
    from . import public_checks

    graded = {c.function for c in public_checks(assignment)}
    # where obj was defined first (a notebook: the same namespace), then where check() was called
    own = getattr(obj, "__globals__", {})
    namespace = {n: own.get(n, scope.get(n)) for n in graded if n in own or n in scope}
    namespace[name] = obj
    return namespace


def _run_and_report(assignment: str, name: str, obj, checks: list, ref, kind: str,
                    scope: Optional[dict] = None) -> list:
    with _capture_student_output() as captured:
        results = run_checks(checks, InKernelStudent(_graded_namespace(
            assignment, name, obj, scope if scope is not None else getattr(obj, "__globals__", {}))), ref)
    for r in results:
        mark = "\u2714" if r.passed else "\u2718"
        print(f"{mark} {r.name}  ({r.score:g}/{r.max_score:g})")
        if not r.passed and r.output:
            print(_indent(r.output))
        if r.figure:
            _show_inline(r.figure)
    for line in captured.summary():
        print(line)
    failed = [r for r in results if not r.passed]
    n = len(results)
    if not failed:
        print(f"All {n} {kind} checks of {name} passed." if n != 1 else
              f"The {kind} check of {name} passed.")
    else:
        advice = ": fix what the \u2718 lines say and run this cell again" if kind == "public" else ""
        print(f"{n - len(failed)} of {_plural(n, kind + ' check')} of {name} passed{advice}.")
    return results
