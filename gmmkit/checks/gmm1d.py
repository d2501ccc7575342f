"""Public checks of the GMM1D lab (assignment ``gmm1d``): ``GMM1D.estep`` and ``GMM1D.mstep``.

They judge by properties, known values and computations written out here with scipy.stats.norm;
never with the reference solution. Each check builds the model with fixed parameters, so the
components have a fixed order, and judges one method on inputs it computes itself (``mstep``
gets responsibilities from this module, never from the student's ``estep``).

The helpers below (the plain E- and M-step, the diagnosis of the classic bugs) are shared with
the hidden checks in ``autograder/gmm1d/hidden_checks.py``.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
from scipy.stats import norm

from . import expect, figures
from .core import VISIBLE, Check, CheckFailed, StudentError
from .expect import as_array, expect_close, expect_finite, expect_shape, fail, figure_on_failure

# Tolerances, loose enough for float32 arithmetic and for any order of summation.
GAMMA_TOL = {"rtol": 1e-5, "atol": 1e-7}
PARAM_TOL = {"rtol": 1e-5, "atol": 1e-8}
_MATCH = {"rtol": 1e-4, "atol": 1e-7}     # how close a wrong answer must be to a known bug

HINT_ESTEP = ("compute gammas[i, j] = priors[j] * norm.pdf(x_i, means[j], np.sqrt(variances[j])) "
              "for every point i and every component j, then divide each row by its sum")
HINT_AXIS = ("each COLUMN of your gammas sums to 1: you normalised over the points (axis=0). "
             "Normalise each row over the k components instead: "
             "gammas / gammas.sum(axis=1, keepdims=True)")
HINT_UNNORMALISED = ("your rows are pi_j * N(x_i | mu_j, sigma_j^2) but are not divided by their "
                     "sum p(x_i): divide each row by its sum over the components "
                     "(gammas / gammas.sum(axis=1, keepdims=True))")
HINT_NO_PRIORS = ("the priors are missing: multiply each density by its prior self.priors[j] "
                  "before normalising")
HINT_SCALE = ("self.variances holds sigma squared, but norm.pdf's `scale` is the standard "
              "deviation sigma: pass np.sqrt(self.variances[j]) as the scale")
HINT_NORMALISER = ("the Gaussian's normalising constant is 1 / sqrt(2 * pi * variance); "
                   "the square root seems to be missing")
HINT_MSTEP_STORE = ("mstep must store its results in self.priors, self.means and self.variances "
                    "(returning them is not enough)")


def two_only_hint(k: int) -> str:
    return (f"this model has k = {k} Gaussians, but your code seems to handle only the first two "
            "(e.g. gammas[:, 0] and gammas[:, 1], or 1 - gamma0): use every component, "
            "j in range(self.num_gaussians)")


# ---------------------------------------------------------------- computations of the lab
def plain_estep(X, means, variances, priors) -> np.ndarray:
    """The lab's E-step written out with scipy.stats.norm: gammas (n, k)."""
    x = np.asarray(X, dtype=float)[:, 0]
    means, variances, priors = (np.asarray(a, dtype=float) for a in (means, variances, priors))
    joint = np.empty((len(x), len(means)))
    for j in range(len(means)):
        joint[:, j] = priors[j] * norm.pdf(x, loc=means[j], scale=np.sqrt(variances[j]))
    return joint / joint.sum(axis=1, keepdims=True)


def plain_mstep(X, gammas) -> dict:
    """The lab's M-step written out, component by component: {priors, means, variances}."""
    x = np.asarray(X, dtype=float)[:, 0]
    gammas = np.asarray(gammas, dtype=float)
    n, k = gammas.shape
    priors, means, variances = np.empty(k), np.empty(k), np.empty(k)
    for j in range(k):
        N_j = gammas[:, j].sum()
        priors[j] = N_j / n
        means[j] = (gammas[:, j] * x).sum() / N_j
        variances[j] = (gammas[:, j] * (x - means[j]) ** 2).sum() / N_j
    return {"priors": priors, "means": means, "variances": variances}


def sample_mixture(rng: np.random.Generator, n: int, means, variances, priors) -> np.ndarray:
    """n points (n, 1) drawn from the mixture."""
    z = rng.choice(len(priors), size=n, p=np.asarray(priors) / np.sum(priors))
    x = np.asarray(means)[z] + np.sqrt(np.asarray(variances))[z] * rng.standard_normal(n)
    return x[:, None]


def _matches(got: np.ndarray, candidate: np.ndarray) -> bool:
    with np.errstate(all="ignore"):
        return got.shape == candidate.shape and bool(np.allclose(got, candidate, **_MATCH))


# ---------------------------------------------------------------- judging the E-step
def diagnose_estep(got: np.ndarray, X, means, variances, priors) -> str:
    """The classic bug that explains a wrong ``gammas``, as a hint."""
    x = np.asarray(X, dtype=float)[:, 0][:, None]
    means, variances, priors = (np.asarray(a, dtype=float) for a in (means, variances, priors))
    k = len(means)
    with np.errstate(all="ignore"):
        dens = norm.pdf(x, means, np.sqrt(variances))
        joint = priors * dens
        by_variance = priors * norm.pdf(x, means, variances)
        no_sqrt = priors * np.exp(-(x - means) ** 2 / (2 * variances)) / (2 * np.pi * variances)
        candidates = [
            (joint, HINT_UNNORMALISED),
            (joint / joint.sum(axis=0), HINT_AXIS),
            (dens / dens.sum(axis=1, keepdims=True), HINT_NO_PRIORS),
            (by_variance / by_variance.sum(axis=1, keepdims=True), HINT_SCALE),
            (by_variance, HINT_SCALE + "; and divide each row by its sum"),
            (no_sqrt / no_sqrt.sum(axis=1, keepdims=True), HINT_NORMALISER),
        ]
    for candidate, hint in candidates:
        if _matches(got, candidate):
            return hint
    if got.ndim == 2 and got.shape[0] == len(x) and got.shape[1] == k:
        if np.allclose(got.sum(axis=0), 1, atol=1e-6) and not np.allclose(got.sum(axis=1), 1, atol=1e-6):
            return HINT_AXIS
        if k > 2 and np.allclose(got[:, 2:], 0, atol=1e-12):
            return two_only_hint(k)
    return HINT_ESTEP


def estep_shape_hint(got: np.ndarray, n: int, k: int) -> str:
    if got.shape == (k, n):
        return "you returned the transpose: rows are points, columns are components"
    if got.ndim == 2 and got.shape[0] == n and got.shape[1] == 2 and k != 2:
        return two_only_hint(k)
    if got.shape == (n,) or got.shape == (n, 1):
        return "return one column per component: gammas has shape (n, k)"
    return "gammas has one row per point and one column per component: shape (n, k)"


def _model_kwargs(means, variances, priors) -> dict:
    return {"means": np.asarray(means, dtype=float), "variances": np.asarray(variances, dtype=float),
            "priors": np.asarray(priors, dtype=float)}


def _in_case(exc: StudentError, k: int, method: str, n: int) -> StudentError:
    """The student's error, saying which call raised it."""
    if "not implemented yet" in exc.message:
        return exc
    return StudentError(f"{exc.message}\n  (in GMM1D({k}, means=..., variances=..., priors=...)"
                        f".{method} with k = {k} Gaussians and n = {n} points)", exc.kind)


def run_estep(student, k: int, X, means, variances, priors) -> np.ndarray:
    """The student's ``GMM1D(k, means=..., variances=..., priors=...).estep(X)`` as an array."""
    X = np.asarray(X, dtype=float)
    try:
        gammas, _ = student.method("GMM1D", (k,), _model_kwargs(means, variances, priors),
                                   "estep", (X,))
    except StudentError as exc:
        raise _in_case(exc, k, "estep(X)", len(X)) from None
    return as_array(gammas, "estep(X)", "estep must return the responsibilities, an array of "
                    "shape (n, k)")


def gammas_figure(X, got, expected, case: str):
    """Your responsibilities against x, stacked over the components, next to the expected."""
    return figures.responsibilities_1d(X, got, expected, title=f"estep(X) {case}: each point's "
                                       "responsibilities, stacked (they must fill 0 to 1)")


def judge_gammas(got: np.ndarray, expected: np.ndarray, X, means, variances, priors,
                 case: str) -> None:
    """Shape, finiteness and values of the responsibilities, with the bug named in the hint."""
    n, k = expected.shape
    what = f"estep(X) {case}"
    expect_shape(got, (n, k), what, estep_shape_hint(got, n, k))
    with figure_on_failure(lambda: gammas_figure(X, got, expected, case)):
        expect_finite(got, what, "a NaN usually comes from 0 / 0: divide each row by its sum "
                      "over the components, which is positive for well-scaled data")
        expect_close(got, expected, what, **GAMMA_TOL,
                     hint=diagnose_estep(got, X, means, variances, priors))


def expect_pmf_rows(got: np.ndarray, what: str) -> None:
    """Every entry in [0, 1] and every row summing to 1."""
    expect.expect_pmf_rows(
        got, what, tol=1e-6, meaning="each row is the distribution of one point over the "
        "components", negative_hint="responsibilities are probabilities: densities times "
        "priors are never negative", axis_hint=HINT_AXIS, normalise_hint="divide each row by "
        "its sum over the components: gammas / gammas.sum(axis=1, keepdims=True)")


# ---------------------------------------------------------------- judging the M-step
def run_mstep(student, k: int, X, gammas, means, variances, priors) -> dict:
    """Build the student's model with the given (old) parameters, call ``mstep(X, gammas)``
    and read back its parameters as arrays."""
    X = np.asarray(X, dtype=float)
    try:
        _, attrs = student.method("GMM1D", (k,), _model_kwargs(means, variances, priors),
                                  "mstep", (X, np.asarray(gammas, dtype=float)),
                                  attrs=("priors", "means", "variances"))
    except StudentError as exc:
        raise _in_case(exc, k, "mstep(X, gammas)", len(X)) from None
    return {name: as_array(value, f"self.{name} after mstep",
                           f"store self.{name} as a numpy array of shape (k,)")
            for name, value in attrs.items()}


def _param_hint(name: str, got: np.ndarray, expected: dict, X, gammas, old: dict) -> str:
    """The classic bug that explains a wrong parameter after the M-step, as a hint."""
    x = np.asarray(X, dtype=float)[:, 0]
    g = np.asarray(gammas, dtype=float)
    n, k = g.shape
    counts = g.sum(axis=0)
    want = expected[name]
    if _matches(got, old[name]) and not _matches(want, old[name]):
        return f"self.{name} did not change: " + HINT_MSTEP_STORE
    with np.errstate(all="ignore"):
        if name == "priors":
            candidates = [(counts, "the priors are the MEANS of the responsibilities' columns, "
                                   "N_j / n (they sum to 1), not their sums N_j")]
        elif name == "means":
            candidates = [(x @ g, "divide the weighted sum by N_j = sum_i gammas[i, j]"),
                          ((x @ g) / n, "divide the weighted sum by N_j = sum_i gammas[i, j], "
                                        "not by the number of points n")]
        else:
            about_old = (g * (x[:, None] - old["means"]) ** 2).sum(axis=0) / counts
            candidates = [
                (about_old, "the variance uses the old means: compute the new means first, then "
                            "the variance about them, sum_i gammas[i, j] (x_i - new mu_j)^2 / N_j"),
                (np.sqrt(want), "self.variances holds the variance sigma^2, not the standard "
                                "deviation sigma: do not take the square root"),
                (np.sqrt(about_old), "self.variances holds the variance sigma^2, not sigma (no "
                                     "square root), and it is taken about the NEW means"),
                (want * counts / n, "divide by N_j = sum_i gammas[i, j], not by n"),
                (want * counts, "divide the weighted sum of squares by N_j = sum_i gammas[i, j]"),
            ]
    for candidate, hint in candidates:
        if _matches(got, candidate):
            return hint
    if (k > 2 and got.shape == want.shape and _matches(got[:2], want[:2])
            and not _matches(got[2:], want[2:])):
        return two_only_hint(k)
    if name == "means" and got.shape == (k, 1):
        return ("X has shape (n, 1), so gammas.T @ X has shape (k, 1): use the column as a "
                "vector, x = X[:, 0], or flatten the result")
    return {"priors": "priors[j] = N_j / n, the mean of column j of gammas",
            "means": "means[j] = sum_i gammas[i, j] * x_i / N_j, a weighted mean",
            "variances": "variances[j] = sum_i gammas[i, j] * (x_i - means[j])**2 / N_j, "
                         "about the NEW means[j]"}[name]


def mixture_pdf(grid, params: dict) -> np.ndarray:
    """The density of a 1-D mixture {priors, means, variances} on a grid (NaN where invalid)."""
    var = np.asarray(params["variances"], dtype=float)
    with np.errstate(all="ignore"):
        sd = np.where(var > 0, np.sqrt(np.abs(var)), np.nan)
        return (np.asarray(params["priors"], dtype=float)
                * norm.pdf(np.asarray(grid, dtype=float)[:, None], params["means"], sd)).sum(1)


def mstep_figure(X, got: dict, expected: dict, title: str):
    """The mixture density of your new parameters next to the expected one, over the data."""
    x = np.asarray(X, dtype=float)[:, 0]
    spread = np.sqrt(np.max(np.asarray(expected["variances"], dtype=float)))
    grid = np.linspace(x.min() - 2 * spread, x.max() + 2 * spread, 400)
    try:
        mine = mixture_pdf(grid, got)
    except Exception:
        mine = None
    return figures.density(grid, mine, mixture_pdf(grid, expected), samples=x, bins=30,
                           samples_label="the data X", title=title)


def judge_mstep(got: dict, expected: dict, X, gammas, old: dict, case: str,
                tol: Optional[dict] = None) -> None:
    """Compare priors, means and variances; one message that names every wrong parameter."""
    problems = []
    for name in ("priors", "means", "variances"):
        try:
            expect_close(got[name], expected[name], f"self.{name} after mstep {case}",
                         **(tol or PARAM_TOL),
                         hint=_param_hint(name, got[name], expected, X, gammas, old))
        except CheckFailed as exc:
            problems.append(str(exc))
    if problems:
        raise CheckFailed("\n\n".join(problems), figure=mstep_figure(
            X, got, expected, f"mstep(X, gammas) {case}: the mixture of your new parameters "
            "vs the expected one"))


# ---------------------------------------------------------------- the public checks
def _estep_cases():
    """(case, k, X, means, variances, priors): fixed, well-scaled inputs."""
    rng = np.random.default_rng(20240)
    cases = []
    for k, means in [(3, [-2.0, 0.5, 3.0]), (1, [0.7]), (5, [-6.0, -2.5, 0.0, 1.5, 4.0])]:
        variances = rng.uniform(0.3, 2.5, size=k)
        priors = rng.dirichlet(np.full(k, 3.0))
        X = sample_mixture(rng, 40, means, variances, priors)
        cases.append((f"with k = {k}", k, X, np.array(means), variances, priors))
    return cases


def check_estep_pmf(student, ref) -> None:
    for case, k, X, means, variances, priors in _estep_cases():
        got = run_estep(student, k, X, means, variances, priors)
        what = f"estep(X) {case}"
        n = len(X)
        expect_shape(got, (n, k), what, estep_shape_hint(got, n, k))
        with figure_on_failure(lambda: gammas_figure(
                X, got, plain_estep(X, means, variances, priors), case)):
            expect_finite(got, what, "a NaN usually comes from 0 / 0: divide each row by its "
                          "sum over the components")
            expect_pmf_rows(got, what)


def check_estep_values(student, ref) -> None:
    rng = np.random.default_rng(7)
    for k, means, variances, priors in [
            (3, [-2.0, 0.5, 3.0], [0.5, 2.0, 1.5], [0.2, 0.5, 0.3]),
            (2, [-1.0, 1.5], [0.25, 3.0], [0.6, 0.4]),
            (5, [-5.0, -2.0, 0.0, 2.5, 6.0], [1.0, 0.3, 2.0, 0.8, 4.0], [0.1, 0.2, 0.3, 0.25, 0.15])]:
        X = sample_mixture(rng, 30, means, variances, priors)
        expected = plain_estep(X, means, variances, priors)
        got = run_estep(student, k, X, means, variances, priors)
        judge_gammas(got, expected, X, means, variances, priors, f"with k = {k}")


def check_mstep_values(student, ref) -> None:
    rng = np.random.default_rng(11)
    means, variances, priors = np.array([-2.0, 0.5, 3.0]), np.array([1.0, 0.5, 2.0]), np.array([.3, .3, .4])
    X = sample_mixture(rng, 50, means, variances, priors)
    # responsibilities from the E-step at other parameters; the model starts from parameters
    # far from the answer, so that a variance about the old means is visibly wrong
    gammas = plain_estep(X, [-1.5, 0.0, 2.0], [1.5, 1.0, 1.0], [0.3, 0.4, 0.3])
    old = {"priors": np.array([0.2, 0.5, 0.3]), "means": np.array([4.0, -4.0, 8.0]),
           "variances": np.array([0.5, 2.0, 3.0])}
    got = run_mstep(student, 3, X, gammas, old["means"], old["variances"], old["priors"])
    judge_mstep(got, plain_mstep(X, gammas), X, gammas, old, "with k = 3")


# Hard assignments: each point belongs to one group, so the M-step gives each group's share of
# the points, its mean and its (biased, 1/N) variance; worked out by hand.
GROUPS = [([0.0, 1.0, 2.0, 3.0], 1.5, 1.25),
          ([10.0, 14.0], 12.0, 4.0),
          ([-3.0, -1.0, -2.0], -2.0, 2.0 / 3.0),
          ([6.0, 7.0, 8.0, 9.0, 10.0, 11.0], 8.5, 35.0 / 12.0),
          ([-10.0, -6.0], -8.0, 4.0)]


def check_mstep_hard(student, ref) -> None:
    rng = np.random.default_rng(3)
    for k in (3, 5):
        groups = GROUPS[:k]
        x = np.concatenate([g[0] for g in groups])
        labels = np.concatenate([np.full(len(g[0]), j) for j, g in enumerate(groups)])
        order = rng.permutation(len(x))                 # the points in no particular order
        x, labels = x[order], labels[order]
        X, gammas = x[:, None], np.eye(k)[labels]
        expected = {"priors": np.array([len(g[0]) for g in groups]) / len(x),
                    "means": np.array([g[1] for g in groups]),
                    "variances": np.array([g[2] for g in groups])}
        old = {"priors": np.full(k, 1.0 / k), "means": np.zeros(k), "variances": np.ones(k)}
        got = run_mstep(student, k, X, gammas, old["means"], old["variances"], old["priors"])
        judge_mstep(got, expected, X, gammas, old,
                    f"with k = {k} and one-hot responsibilities (hard assignments)")


CHECKS = [
    Check(name="estep: shape (n, k), each row a distribution over the components",
          function="GMM1D", points=1.0, judge=check_estep_pmf, visibility=VISIBLE,
          slow_hint="compute the densities of all points at once with numpy"),
    Check(name="estep: Bayes' rule, compared with scipy.stats.norm (k = 3, 2, 5)",
          function="GMM1D", points=1.5, judge=check_estep_values, visibility=VISIBLE,
          slow_hint="compute the densities of all points at once with numpy"),
    Check(name="mstep: priors, means and variances from given responsibilities (k = 3)",
          function="GMM1D", points=1.5, judge=check_mstep_values, visibility=VISIBLE,
          slow_hint="use numpy sums over the points instead of Python loops"),
    Check(name="mstep: hard assignments give each group's share, mean and variance (k = 3, 5)",
          function="GMM1D", points=1.0, judge=check_mstep_hard, visibility=VISIBLE,
          slow_hint="use numpy sums over the points instead of Python loops"),
]
