"""The randomness conventions of a graded function that takes ``rng``: the same rng gives the
same result, a different one may differ, and numpy's global generator is neither consulted nor
changed.

To look at numpy's global generator where the student's code runs (the grader's worker or the
notebook's kernel), the check's program imports numpy through the student function's own
``__builtins__`` (every Python function has them), seeds the global generator, calls the
function and reads the generator back. When that is impossible (a student callable that is not
a plain function), only "the same rng, the same result" is judged.
"""
from __future__ import annotations

import numpy as np

from ..core import CheckFailed, StudentError
from ..expect import as_array, fail
from .bugs import BUGS
from .calls import fit_call, fit_what

GLOBAL_SEEDS = (11, 12)


def _numpy_steps(name: str) -> list:
    return [{"call": f"{name}.__builtins__.get", "args": ["__import__"], "as": "imp"},
            {"call": "$imp", "args": ["numpy"], "as": "numpy"}]


def _arrays(value) -> list:
    try:
        return [as_array(v, "fit_bmm") for v in value]
    except (CheckFailed, TypeError):
        return []


def _same(a, b) -> bool:
    a, b = _arrays(a), _arrays(b)
    return len(a) == len(b) and all(x.shape == y.shape and np.array_equal(x, y, equal_nan=True)
                                    for x, y in zip(a, b))


def judge_rng(student, X, k: int, iters: int, seed: int = 7) -> None:
    what = fit_what(X, k, iters, seed)
    s1, s2 = GLOBAL_SEEDS
    program = _numpy_steps("fit_bmm") + [
        {"call": "$numpy.random.seed", "args": [s1]},
        fit_call(X, k, iters, seed),
        {"call": "$numpy.random.random_sample", "return": True},
        {"call": "$numpy.random.seed", "args": [s2]},
        fit_call(X, k, iters, seed),
        {"call": "$numpy.random.seed"},           # leave the global generator unpredictable
    ]
    try:
        first, after, second = student.run(program)
    except StudentError as exc:
        if exc.kind != "missing":
            raise
        first, second = (v for (v,) in (student.run([fit_call(X, k, iters, seed)]),
                                        student.run([fit_call(X, k, iters, seed)])))
        after = None
    changed = after is not None and float(after) != np.random.RandomState(s1).random_sample()
    consulted = not _same(first, second)
    if consulted and changed:
        fail(f"{what} draws from numpy's global generator: called twice with the same rng, "
             f"once after np.random.seed({s1}) and once after np.random.seed({s2}), it gave two "
             "different fits, and it moved the global generator on", BUGS[
                 "mnist_bmm.fit_bmm.global_rng"])
    if consulted:
        fail(f"two calls {what} with the same rng gave different fits"
             + ("" if after is None else f" (after np.random.seed({s1}) and "
                f"np.random.seed({s2}))") + ": the fit must depend on rng alone; it reads "
             "numpy's global generator, or a generator of its own made without rng",
             BUGS["mnist_bmm.fit_bmm.global_rng"])
    if changed:
        fail(f"{what} changed numpy's global generator: after np.random.seed({s1}) and the "
             "call, np.random.random_sample() is not what it is after np.random.seed("
             f"{s1}) alone", BUGS["mnist_bmm.fit_bmm.global_state_changed"])
