"""Calling the graded functions as the checks do: the description of the call (``what``) for
messages, and the student's values as arrays, with a failure that says what came instead."""
from __future__ import annotations

from typing import Optional

import numpy as np

from ...wire.protocol import Rng, Unsupported
from ..core import Student, StudentError
from ..expect import as_array, as_float, as_tuple, fail


def fmt(a) -> str:
    return np.array2string(np.asarray(a, dtype=float), precision=4, separator=", ",
                           threshold=8, edgeitems=2)


def shape(a) -> str:
    return "x".join(str(s) for s in np.shape(a))


def call_log_prob(student, X, mu):
    what = f"bernoulli_log_prob(X of shape ({shape(X)}), mu of shape ({shape(mu)}))"
    out = as_array(student.call("bernoulli_log_prob", np.asarray(X), np.asarray(mu)), what,
                   "return the (n, k) array of log-probabilities")
    return out, what


def call_e_step(student, X, pi, mu):
    what = f"e_step(X of shape ({shape(X)}), pi={fmt(pi)}, mu of shape ({shape(mu)}))"
    return unpack_e_step(student.call("e_step", np.asarray(X), np.asarray(pi), np.asarray(mu)),
                         what)


def unpack_e_step(value, what):
    r, ll = as_tuple(value, 2, what, "r, loglik")
    r = as_array(r, f"the r of {what}", "r is the (n, k) array of responsibilities")
    ll = as_float(ll, f"the loglik of {what}", "loglik is ONE number, the total "
                  "log-likelihood sum_i log p(x_i): sum the per-image values")
    return r, ll, what


def m_step_what(X, r, smoothing: Optional[float] = None) -> str:
    args = f"X of shape ({shape(X)}), r of shape ({shape(r)})" + (
        "" if smoothing is None else f", smoothing={smoothing:g}")
    return f"m_step({args})"


def call_m_step(student, X, r, smoothing: Optional[float] = None):
    kwargs = {} if smoothing is None else {"smoothing": float(smoothing)}
    what = m_step_what(X, r, smoothing)
    return unpack_m_step(student.call("m_step", np.asarray(X), np.asarray(r), **kwargs), what)


def unpack_m_step(value, what):
    pi, mu = as_tuple(value, 2, what, "pi, mu")
    pi = as_array(pi, f"the pi of {what}", "pi is the (k,) array of mixture weights")
    mu = as_array(mu, f"the mu of {what}", "mu is the (k, d) array of pixel probabilities")
    return pi, mu, what


def fit_what(X, k: int, iters: int, seed: int) -> str:
    return (f"fit_bmm(X of shape ({shape(X)}), k={k}, iters={iters}, "
            f"rng=np.random.default_rng({seed}))")


def fit_call(X, k: int, iters: int, seed: int) -> dict:
    """The step of a ``student.run`` program that calls fit_bmm and returns its value."""
    return {"call": "fit_bmm", "args": [np.asarray(X), k, iters, Rng(seed)], "return": True}


def call_fit(student, X, k: int, iters: int, seed: int):
    (value,) = student.run([fit_call(X, k, iters, seed)])
    return unpack_fit(value, fit_what(X, k, iters, seed))


def unpack_fit(value, what):
    pi, mu, r, hist = as_tuple(value, 4, what, "pi, mu, r, objective_history")
    pi = as_array(pi, f"the pi of {what}")
    mu = as_array(mu, f"the mu of {what}")
    r = as_array(r, f"the r of {what}")
    if isinstance(hist, Unsupported) or hist is None:
        fail(f"the objective_history of {what} is {hist!r}, expected a list or array of numbers")
    hist = as_array(hist, f"the objective_history of {what}",
                    "objective_history is a list (or 1-D array) of numbers, one per iteration")
    if hist.ndim == 2 and 1 in hist.shape:
        hist = hist.reshape(-1)
    return pi, mu, r, hist, what


def call_update(student, X, assignments, n_clusters: int):
    what = (f"update_clusters(X of shape ({shape(X)}), assignments of shape "
            f"({shape(assignments)}), n_clusters={n_clusters})")
    got = as_array(student.call("update_clusters", np.asarray(X), np.asarray(assignments),
                                n_clusters), what, "return the new assignments, an int array (n,)")
    return got, what


def call_accuracy(student, labels, assignments):
    what = (f"cluster_accuracy(labels={fmt(labels)}, assignments={fmt(assignments)})"
            if len(labels) <= 12 else
            f"cluster_accuracy(labels of shape ({shape(labels)}), assignments of shape "
            f"({shape(assignments)}))")
    got = as_float(student.call("cluster_accuracy", np.asarray(labels), np.asarray(assignments)),
                   what, "return one number, the accuracy in [0, 1]")
    return got, what


class StepsSeenBy(Student):
    """The student's code, where a graded name is looked up as ``owner`` sees it (the globals
    of the module that defines it): the e_step and m_step a fit_bmm really calls. In the
    grader's worker these are the submission's names anyway; in a notebook's ``check()``, which
    hands the checks only the function checked, they are the notebook's. Falls back to the
    graded name itself when ``owner`` has no globals (not a plain function)."""

    def __init__(self, student, owner: str):
        self.student = student
        self.owner = owner

    def run(self, steps: list, timeout=None) -> list:
        return self.student.run(steps, timeout)

    def call(self, name: str, *args, **kwargs):
        program = [{"get": f"{self.owner}.__globals__", "as": "g"},
                   {"call": "$g.get", "args": [name], "as": "f"},
                   {"call": "$f", "args": list(args), "kwargs": kwargs, "return": True}]
        try:
            (value,) = self.student.run(program)
        except StudentError as exc:
            if exc.kind != "missing":
                raise
            return self.student.call(name, *args, **kwargs)
        return value
