"""init_params: any valid start for EM (KMeans is suggested), decided by ``random_state`` only.

Judged by properties (shapes, a distribution pi > 0, distinct means, symmetric positive definite
covariances) and by the randomness conventions: the same random_state gives the same start, a
different one may give another, and numpy's global generator plays no part.
"""
from __future__ import annotations

import numpy as np

from ..expect import as_array, as_tuple, expect_finite, expect_shape, fail
from . import bugs as B
from .graded import INIT_PARAMS
from .inputs import iris
from .values import K
from .views import fmt


def judge_start(value, X, k: int, what: str) -> tuple:
    """A valid start for EM: shapes, a distribution pi > 0, distinct finite means, symmetric
    positive definite covariances. Returns (pi (k,), mu (k, d), cov (k, d, d))."""
    X = np.asarray(X, dtype=float)
    d = X.shape[1]
    pi, mu, cov = as_tuple(value, 3, what, "pi, mu, cov")
    pi = as_array(pi, f"pi of {what}")
    mu = as_array(mu, f"mu of {what}")
    cov = as_array(cov, f"cov of {what}")
    expect_shape(pi, (k,), f"pi of {what}", "pi has one weight per component, shape (k,)")
    expect_shape(mu, (k, d), f"mu of {what}", "mu has one row per component, shape (k, d)")
    expect_shape(cov, (k, d, d), f"cov of {what}", "cov holds one d x d matrix per component")
    for name, arr in (("pi", pi), ("mu", mu), ("cov", cov)):
        expect_finite(arr, f"{name} of {what}")
    if (pi <= 0).any():
        j = int(np.argmax(pi <= 0))
        fail(f"pi of {what} is {fmt(pi, 4)}: component {j} has weight {pi[j]:.3g}; EM never "
             "revives a component of weight 0 (log 0 = -inf)", "give every component a "
             "positive weight, e.g. the share of the points k-means gives it, or 1/k")
    if abs(pi.sum() - 1) > 1e-6:
        fail(f"pi of {what} sums to {pi.sum():.6g}, not 1: {fmt(pi, 4)}",
             "normalise the weights: pi / pi.sum()")
    scale = float(np.abs(X - X.mean(0)).max()) or 1.0
    gaps = np.where(np.eye(k, dtype=bool), np.inf,
                    np.linalg.norm(mu[:, None, :] - mu[None, :, :], axis=-1))
    if k > 1 and gaps.min() <= 1e-6 * scale:
        i, j = np.unravel_index(int(np.argmin(gaps)), gaps.shape)
        fail(f"mu of {what} has two equal means, mu[{i}] = mu[{j}] = {fmt(mu[i])}",
             B.INIT_EQUAL_MEANS)
    for j in range(k):
        c = cov[j]
        if not np.allclose(c, c.T, rtol=1e-8, atol=1e-12 * max(1.0, float(np.abs(c).max()))):
            fail(f"cov[{j}] of {what} is not symmetric: {fmt(c, 4)}",
                 "a covariance is symmetric: build it as diff.T @ diff / m (or np.cov)")
        smallest = float(np.linalg.eigvalsh((c + c.T) / 2).min())
        if not smallest > 0:
            fail(f"cov[{j}] of {what} is not positive definite (its smallest eigenvalue is "
                 f"{smallest:.3g}): {fmt(c, 4)}",
                 "a cluster with fewer than d + 1 points has a singular covariance: add a "
                 "small ridge, cov[j] + 1e-6 * np.eye(d), or start from the data's covariance")
    return pi, mu, cov


def _init_params_iris(student, ref) -> None:
    X, _ = iris()
    judge_start(student.call("init_params", X, K), X, K, "init_params(X_iris, 3)")
    judge_start(student.call("init_params", X, K, random_state=0), X, K,
                "init_params(X_iris, 3, random_state=0)")


def _same(a: tuple, b: tuple) -> bool:
    return all(np.shape(x) == np.shape(y) and np.allclose(x, y, rtol=1e-9, atol=1e-12)
               for x, y in zip(a, b))


def judge_random_state(student, X, k: int, label: str) -> None:
    """Same random_state, same start, however often and in whatever order init_params runs; a
    different random_state may give another start.

    The calls run one after the other in the same process, so a start drawn from numpy's global
    generator (np.random.*, KMeans(random_state=None), an unseeded default_rng()) changes from
    one call to the next, whatever state that generator was left in.
    """
    # None: the default random_state. A start that depends on numpy's global generator may
    # repeat by chance (k-means often finds the same clusters, in one of k! orders): five
    # comparisons make that unlikely.
    seeds = [0, 0, 1, 0, None, None, 0, 0]
    steps = [{"numpy_global_state": "mark", "return": True}] + [{"call": "init_params", "args": [X, k],
                        "kwargs": {} if s is None else {"random_state": s}, "return": True}
                       for s in seeds] + [{"numpy_global_state": "read", "return": True}]
    before, *values, after = student.run(steps)
    calls = [f"init_params({label}, {k}" + ("" if s is None else f", random_state={s}") + ")"
             for s in seeds]
    starts = [judge_start(v, X, k, what) for v, what in zip(values, calls)]
    for a, b, how in [(0, 1, "init_params(..., random_state=0) twice in a row"),
                      (0, 3, "init_params(..., random_state=0), then random_state=1, then "
                             "random_state=0 again"),
                      (4, 5, "init_params(...) twice in a row with the default random_state"),
                      (0, 6, "init_params(..., random_state=0) a fourth time"),
                      (0, 7, "init_params(..., random_state=0) a fifth time")]:
        if not _same(starts[a], starts[b]):
            name, x, y = next((n, x, y) for n, x, y in zip(("pi", "mu", "cov"), starts[a],
                                                          starts[b])
                              if not np.allclose(x, y, rtol=1e-9, atol=1e-12))
            fail(f"{how} gave different starts on {label}: {name} was {fmt(x)} and then "
                 f"{fmt(y)}; the same random_state must give the same start. Yours depends on "
                 f"something besides random_state: numpy's global generator (its state moves "
                 f"on with every draw) or a generator seeded from the clock", B.INIT_GLOBAL_RNG)
    if not np.array_equal(np.asarray(before), np.asarray(after)):
        fail(f"init_params({label}, {k}, random_state=...) changed the state of numpy's global "
             "generator (np.random.seed, or a draw from np.random.* or from KMeans without "
             "random_state): graded code draws only from what it is given",
             B.INIT_GLOBAL_RNG)


def _init_params_random_state(student, ref) -> None:
    X, _ = iris()
    judge_random_state(student, X, K, "X_iris")


CHECKS = [
    INIT_PARAMS.check("iris_em.init_params.valid", "init_params: a valid start on Iris (k = 3)",
                      1, _init_params_iris),
    INIT_PARAMS.check("iris_em.init_params.random_state", "init_params: the same random_state "
                      "gives the same start (randomness only from random_state, never numpy's "
                      "global generator)", 0.5, _init_params_random_state),
]
