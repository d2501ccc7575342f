"""Hidden checks of the GMM1D lab (assignment ``gmm1d``), shown after the deadline.

``ref`` is the reference module ``solutions/gmm1d.py``; these checks compare the student's
``estep`` and ``mstep`` with ``ref.GMM1D`` on seeded inputs over many numbers of Gaussians and
scales of data, and run a whole fit. The data is always well scaled (drawn from the mixture
itself), so a direct, non-log-space implementation of the lab's equations earns full marks.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from gmmkit.checks import AFTER_DUE, StudentError, figures, load_module
from gmmkit.checks.core import Graded
from gmmkit.checks.expect import as_array, expect_finite, fail, match_components
from gmmkit.checks.gmm1d import ESTEP, MSTEP, bugs, judge_gammas, judge_mstep, run_estep, run_mstep

V = load_module(Path(__file__).with_name("variants.py"), "_gmmkit_variants_gmm1d")
sample_mixture, mixture_pdf = V.sample_mixture, V.mixture_pdf

# (k, scale): every k from 1 to 6, at unit scale and at scales from 0.01 to 100; the usual
# case (k = 3) first, so that its diagnosis is the one a student reads
CASES = [(3, 1.0), (1, 1.0), (2, 1.0), (4, 1.0), (3, 10.0), (5, 0.01), (6, 100.0), (4, 0.2)]


def _params(rng: np.random.Generator, k: int, scale: float):
    means = scale * np.sort(rng.uniform(-6.0, 6.0, size=k))
    variances = scale ** 2 * rng.uniform(0.2, 2.5, size=k)
    priors = rng.dirichlet(np.full(k, 3.0))
    return means, variances, priors


def _case(k: int, scale: float) -> str:
    return f"with k = {k}" + ("" if scale == 1.0 else f" on data of scale {scale:g}")


def check_estep_reference(student, ref) -> None:
    rng = np.random.default_rng(1001)
    for k, scale in CASES:
        means, variances, priors = _params(rng, k, scale)
        X = sample_mixture(rng, 150, means, variances, priors)
        # evaluate at parameters a little off the truth, as during a fit
        means = means + scale * rng.normal(0.0, 0.5, size=k)
        expected = ref.GMM1D(k, means=means, variances=variances, priors=priors).estep(X)
        got = run_estep(student, k, X, means, variances, priors)
        judge_gammas(got, expected, X, _case(k, scale), V.estep_bugs(X, means, variances, priors))


def check_mstep_reference(student, ref) -> None:
    rng = np.random.default_rng(2002)
    for k, scale in CASES:
        means, variances, priors = _params(rng, k, scale)
        X = sample_mixture(rng, 150, means, variances, priors)
        old = {"means": means + scale * rng.normal(0.0, 1.5, size=k),
               "variances": variances * rng.uniform(0.5, 2.0, size=k),
               "priors": rng.dirichlet(np.full(k, 3.0))}
        # responsibilities from the reference's E-step at parameters near the truth
        gammas = ref.GMM1D(k, means=means + scale * rng.normal(0.0, 0.3, size=k),
                           variances=variances, priors=priors).estep(X)
        model = ref.GMM1D(k, means=old["means"], variances=old["variances"], priors=old["priors"])
        model.mstep(X, gammas)
        expected = {"priors": model.priors, "means": model.means, "variances": model.variances}
        got = run_mstep(student, k, X, gammas, old["means"], old["variances"], old["priors"])
        judge_mstep(got, expected, old, _case(k, scale), V.mstep_bugs(X, gammas, old, expected),
                    lambda: _mstep_figure(X, got, expected, _case(k, scale)))


def _mstep_figure(X, got, expected, case):
    """The mixture density of the student's new parameters next to the expected one."""
    grid = V.figure_grid(X, expected)
    try:
        mine = mixture_pdf(grid, got)
    except Exception:
        mine = None
    return figures.density(grid, mine, mixture_pdf(grid, expected), samples=X[:, 0], bins=30,
                           samples_label="the data X", title=f"mstep(X, gammas) {case}: the "
                           "mixture of your new parameters vs the expected one")


# Seeded data from three known components, and a fixed start near (not at) them.
TRUE = {"priors": np.array([0.3, 0.45, 0.25]), "means": np.array([-4.0, 0.0, 5.0]),
        "variances": np.array([0.5, 1.0, 2.0])}
START = {"means": np.array([-3.0, 1.0, 4.0]), "variances": np.ones(3), "priors": np.full(3, 1 / 3)}
FIT_N = 600
FIT_ITERS = 200
# How far the maximum-likelihood fit may land from the truth (the groups overlap a little), and
# from the reference's fit from the same start (both stop when an iteration gains < 1e-6).
TRUTH_TOL = {"priors": 0.04, "means": 0.2, "variances": 0.25}       # variances: relative
REF_TOL = 1e-3
# EM never decreases the log-likelihood; float32 arithmetic may, by about 1e-7 of it, at the end.
DROP_RTOL = 1e-6


def fit_data() -> np.ndarray:
    """FIT_N points (FIT_N, 1), shuffled: priors * FIT_N from each true Gaussian, each group
    standardised so that its sample mean and variance are exactly the true ones."""
    rng = np.random.default_rng(3003)
    counts = np.round(TRUE["priors"] * FIT_N).astype(int)
    groups = []
    for m, v, c in zip(TRUE["means"], TRUE["variances"], counts):
        z = rng.standard_normal(c)
        groups.append(m + np.sqrt(v) * (z - z.mean()) / z.std())
    return rng.permutation(np.concatenate(groups))[:, None]


def _fit_figure(X, got, want, title):
    """The student's fitted density over the data, next to the expected fit."""
    grid = np.linspace(X.min() - 1, X.max() + 1, 400)
    try:
        mine = mixture_pdf(grid, got)
    except (ValueError, TypeError):
        mine = None
    return figures.density(grid, mine, mixture_pdf(grid, want), samples=X, title=title,
                           samples_label="the data X")


def check_fit(student, ref) -> None:
    X = fit_data()
    steps = [{"call": "GMM1D", "args": [3], "kwargs": dict(START), "as": "g"},
             {"call": "$g.fit", "args": [X], "kwargs": {"max_iters": FIT_ITERS}, "return": True}]
    steps += [{"get": f"$g.{name}", "return": True} for name in ("priors", "means", "variances")]
    try:
        history, *values = student.run(steps)
    except StudentError as exc:
        raise StudentError(exc.message + f"\n  (in GMM1D(3, ...).fit(X) on {FIT_N} points; fit is "
                           "given and calls your estep and mstep: run the public checks to see "
                           "which one fails)", exc.kind) from None

    history = as_array(history, "fit(X)", "fit returns the list of log-likelihoods, one per "
                       "iteration (it is given: restore the original if you changed it)")
    if history.ndim != 1 or len(history) == 0:
        fail(f"fit(X) returned an array of shape {history.shape}, expected a non-empty list of "
             "log-likelihoods", "fit is given: restore the original if you changed it")
    expect_finite(history, "the log-likelihood returned by fit",
                  "a NaN or infinity means a parameter became invalid (a zero or negative "
                  "variance, priors not summing to 1): check estep and mstep with the public checks")
    drops = np.diff(history) < -DROP_RTOL * (1.0 + np.abs(history[:-1]))
    if drops.any():
        t = int(np.argmax(drops)) + 1
        fail(f"the log-likelihood decreased at iteration {t + 1} of fit, from {history[t - 1]:.10g} "
             f"to {history[t]:.10g} (more than the relative rounding allowance {DROP_RTOL:g}); "
             "EM never decreases it, so estep or mstep is not the lab's",
             figure=figures.curves(history, ylabel="log-likelihood",
                                   title="your fit's log-likelihood per iteration"),
             hint="check each step against its equations: in estep, norm.pdf's scale is the "
             "standard deviation np.sqrt(self.variances) (not the variance) and rows of gammas "
             "sum to 1; in mstep, the variance about the NEW means and the priors as the means "
             "of the responsibilities")

    got = {name: as_array(v, f"self.{name} after fit", f"store self.{name} as an array of "
                          "shape (3,)") for name, v in zip(("priors", "means", "variances"), values)}
    for name, value in got.items():
        if value.shape != (3,):
            fail(f"self.{name} after fit has shape {value.shape}, expected (3,)",
                 "mstep must leave each parameter as an array of shape (k,)")
        expect_finite(value, f"self.{name} after fit")
    total = got["priors"].sum()
    if not np.isclose(total, 1.0, atol=1e-6):
        fail(f"after fit the priors sum to {total:.6g}, not 1: {got['priors']}",
             "the priors are the means of the responsibilities' columns, N_j / n, not their sums"
             if np.isclose(total, FIT_N, rtol=1e-6) else
             "mstep must update the prior of every component (all k of them) to N_j / n")
    if all(np.allclose(got[name], START[name]) for name in START):
        fail("the parameters did not change during fit: they are still the start "
             + ", ".join(f"{name} {START[name].round(3)}" for name in START),
             bugs.MSTEP_NOT_STORED)

    # components have no order: match them to the truth by their means
    perm = match_components(got["means"], TRUE["means"])
    fitted = {name: value[perm] for name, value in got.items()}
    off = {"priors": np.abs(fitted["priors"] - TRUE["priors"]),
           "means": np.abs(fitted["means"] - TRUE["means"]),
           "variances": np.abs(fitted["variances"] / TRUE["variances"] - 1)}
    for name in ("priors", "means", "variances"):
        if (off[name] > TRUTH_TOL[name]).any():
            j = int(np.argmax(off[name] > TRUTH_TOL[name]))
            allowed = (f"allowed: {TRUTH_TOL[name]:g} relative" if name == "variances" else
                       f"allowed: {TRUTH_TOL[name]:g}")
            fail(f"after fit({FIT_N} points from 3 known Gaussians) from a start near them, "
                 f"component {j} has {name[:-1]} {fitted[name][j]:.4g} where the truth is "
                 f"{TRUE[name][j]:.4g} ({allowed})\nfitted (in the order of the truth): "
                 + ", ".join(f"{n} {np.round(fitted[n], 3)}" for n in fitted)
                 + "\ntruth: " + ", ".join(f"{n} {TRUE[n]}" for n in TRUE),
                 "EM did not find the components: check estep and mstep with the public checks "
                 "(variances are sigma squared, about the new means; norm.pdf's scale is their "
                 "square root)",
                 figure=_fit_figure(X, got, TRUE, "your fitted density vs the truth"))

    # the same start fixes the order of the components: compare them as they are
    model = ref.GMM1D(3, **{name: value.copy() for name, value in START.items()})
    model.fit(X, max_iters=FIT_ITERS)
    for name in ("priors", "means", "variances"):
        want = getattr(model, name)
        close = np.isclose(got[name], want, rtol=REF_TOL, atol=REF_TOL)
        if not close.all():
            j = int(np.argmin(close))
            fail(f"after fit from the same start, self.{name} = {np.round(got[name], 5)} but EM "
                 f"with the lab's steps reaches {np.round(want, 5)}: they first differ at index "
                 f"{j}, {got[name][j]:.6g} where {want[j]:.6g} is expected (tolerance "
                 f"rtol=atol={REF_TOL:g})",
                 "fit converges to a slightly different answer: check estep and mstep against "
                 "their equations (e.g. the variance about the new means)",
                 figure=_fit_figure(X, got, {n: getattr(model, n) for n in got},
                                    "your fitted density vs the lab's EM"))


FIT = Graded("GMM1D", timeout=60.0,
             slow_hint=f"fit runs estep and mstep up to {FIT_ITERS} times on {FIT_N} points: "
                       "compute the densities of all points at once with numpy instead of calling "
                       "norm.pdf point by point")

CHECKS = [
    ESTEP.check("gmm1d.estep.reference", "estep: agrees with the reference for k = 1 to 6 and "
                "data at several scales", 1.5, check_estep_reference, AFTER_DUE),
    MSTEP.check("gmm1d.mstep.reference", "mstep: agrees with the reference for k = 1 to 6 and "
                "data at several scales", 1.5, check_mstep_reference, AFTER_DUE),
    FIT.check("gmm1d.fit.recovers", "fit: the log-likelihood never decreases and 3 known "
              "Gaussians are recovered", 2.0, check_fit, AFTER_DUE),
]
