"""What a check is: a small, named, weighted judgement of one graded function.

A check's ``judge(student, ref)`` calls the student's code only through ``student`` (a
:class:`Student`), which returns plain data (arrays, numbers, tuples). It raises
:class:`CheckFailed` with a message a student can act on, or returns normally to pass. ``ref`` is
the reference solution module for hidden checks and ``None`` for public ones, which must judge
by properties, known values or an outside reference (scipy, scikit-learn).

The same check objects run in two places: in the grader, where ``student`` talks to an isolated
worker process, and inside a notebook (public checks, nbgrader's hidden test cells), where it
calls the function directly.
"""
from __future__ import annotations

import dataclasses
from typing import Callable, Optional

VISIBLE = "visible"
AFTER_DUE = "after_due_date"


class CheckFailed(AssertionError):
    """The student's answer is wrong; the message says how and what to try.

    ``figure`` (optional) is a matplotlib Figure drawn by the check on the grader's side, from the
    values the student's code returned, next to the reference's: never from student plotting code.
    ``bug`` (optional) is the stable id of the classic bug the answer matched
    (:mod:`gmmkit.checks.bugs`), recorded in the results for the class report.
    """

    def __init__(self, message: str, figure=None, bug: str = ""):
        super().__init__(message)
        self.figure = figure
        self.bug = bug


class StudentError(Exception):
    """The student's code raised, crashed, timed out or is missing; ``message`` says which."""

    def __init__(self, message: str, kind: str = "exception"):
        super().__init__(message)
        self.message = message
        self.kind = kind


@dataclasses.dataclass(frozen=True)
class Graded:
    """A graded function as its checks call it: the time limit of each call and what a timeout
    message suggests. Declared once per function; every check of that function uses it."""
    name: str                     # the graded name, e.g. "softmax" or "GMM1D"
    timeout: float = 20.0         # seconds for each call into student code
    slow_hint: str = "make it faster: vectorise with numpy instead of looping in Python"

    def check(self, id: str, name: str, points: float, judge: Callable,
              visibility: str = VISIBLE) -> "Check":
        return Check(name=name, function=self.name, points=points, judge=judge,
                     visibility=visibility, timeout=self.timeout, slow_hint=self.slow_hint, id=id)


@dataclasses.dataclass(frozen=True)
class Check:
    name: str                     # shown to the student, e.g. "softmax: sums to one"
    function: str                 # the graded name it judges, e.g. "softmax" or "GMM1D"
    points: float
    judge: Callable               # judge(student, ref) -> None, raises CheckFailed
    visibility: str = VISIBLE     # VISIBLE for public checks, AFTER_DUE for hidden ones
    timeout: float = 20.0         # seconds for each call into student code
    slow_hint: str = "make it faster: vectorise with numpy instead of looping in Python"
    id: str = ""                  # stable, e.g. "gmm1d.estep.values"; tests and reports use it

    @property
    def hidden(self) -> bool:
        return self.visibility != VISIBLE


@dataclasses.dataclass
class CheckResult:
    name: str
    function: str
    score: float
    max_score: float
    output: str
    visibility: str
    status: str                   # "passed" | "failed"
    figure: str = ""              # a PNG, base64-encoded, drawn by the check (see figures.py)
    bug: str = ""                 # the id of the classic bug the answer matched, if any
    id: str = ""                  # the check's stable id
    error: str = ""               # the StudentError kind when the code did not return a value

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    @property
    def hidden(self) -> bool:
        return self.visibility != VISIBLE


class Student:
    """The student's code as checks see it. Implementations: ``InKernelStudent`` and the worker
    client in :mod:`gmmkit.grading.worker_client`.

    ``run(steps)`` executes a tiny program and returns the values of the steps marked
    ``return``; a step is ``{"call": NAME, "args": [...], "kwargs": {...}, "as": VAR}``
    or ``{"get": "$VAR.attr"}``, or ``{"numpy_global_state": "mark" | "read", "return": True}``
    (a fingerprint of numpy's global generator, "mark" moving it to a fresh state first, to see
    whether graded code seeded or drew from it).
    ``NAME`` is a graded name or ``"$VAR.method"``.
    """

    timeout: float = 20.0

    def run(self, steps: list, timeout: Optional[float] = None) -> list:
        raise NotImplementedError

    def call(self, name: str, *args, **kwargs):
        """Call the graded function ``name`` on fresh copies of the inputs; plain data back."""
        (value,) = self.run([{"call": name, "args": list(args), "kwargs": kwargs, "return": True}])
        return value

    def method(self, ctor: str, ctor_args: tuple, ctor_kwargs: dict, method: str,
               args: tuple = (), kwargs: Optional[dict] = None, attrs: tuple = ()):
        """Build ``ctor(*ctor_args, **ctor_kwargs)``, call one method, then read attributes.

        Returns ``(method_result, {attr: value})``.
        """
        steps = [{"call": ctor, "args": list(ctor_args), "kwargs": dict(ctor_kwargs), "as": "obj"},
                 {"call": f"$obj.{method}", "args": list(args), "kwargs": dict(kwargs or {}),
                  "return": True}]
        steps += [{"get": f"$obj.{a}", "return": True} for a in attrs]
        values = self.run(steps)
        return values[0], dict(zip(attrs, values[1:]))
