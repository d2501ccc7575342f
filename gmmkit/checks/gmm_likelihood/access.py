"""The student's step functions as a composite check calls them.

In the grader every graded name of the submission can be called. Inside a notebook,
``check(..., em_fit)`` hands the checks ``em_fit`` alone, so the steps it calls are taken from
the notebook namespace em_fit itself runs in (its globals): both ways the replay calls the
very functions the composite calls."""
from __future__ import annotations

from ..runner import InKernelStudent


def with_steps(student, composite: str, names: tuple):
    if not isinstance(student, InKernelStudent):
        return student
    namespace = student.namespace
    missing = [n for n in names if n not in namespace]
    if not missing:
        return student
    scope = getattr(namespace.get(composite), "__globals__", {})
    extra = {n: scope[n] for n in missing if n in scope}
    if not extra:
        return student
    wider = InKernelStudent({**namespace, **extra})
    wider.timeout = student.timeout
    return wider
