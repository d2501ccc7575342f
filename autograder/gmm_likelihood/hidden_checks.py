"""Hidden checks of ``gmm_likelihood`` (shown after the due date).

Their judges receive ``ref``, the reference solution ``solutions/gmm_likelihood.py``: the
likelihood, gradient, posterior and M-step are compared with it on seeded mixtures the public
checks do not use (K = 1, 2, 5, 8, logits with a +1000 offset, far points, float32 inputs,
hard and single-component responsibilities), the classic bugs named with ``variants.py``.
fit_gradient's Adam steps are replayed with the student's own nll_grad from the student's own
start; the fits are judged on three clusters, the best of four seeds against the reference's
best EM optimum, where the student's steps pass their checks (else by the replay).
``expected_mean_density`` is judged here only, so that the public check does not give the
answer away.
"""
from pathlib import Path

import numpy as np
from scipy.special import softmax

from gmmkit.checks import AFTER_DUE, StudentError, figures, load_module
from gmmkit.wire.protocol import Rng
from gmmkit.checks.expect import expect_finite, fail, match_components
from gmmkit.checks.gmm_likelihood import (ADAM, EM_FIT, EM_STEP, EXPECTED_MEAN_DENSITY,
                                          FIT_GRADIENT, GT_LOGITS, GT_LSIGMAS, GT_MEANS,
                                          MIXTURE_LIKELIHOOD, MIXTURE_POSTERIOR_LOGITS, MSTEP,
                                          NLL_GRAD, bug, expect_gradient, expect_loglik,
                                          expect_mstep, expect_posterior, expect_replay,
                                          FIT_DATA, call_em_fit, call_fit_gradient, call_fits,
                                          describe_fit, diagnosis, failing_steps, get_number,
                                          grad_judges, history, history_matches, step_judges,
                                          with_steps)

V = load_module(Path(__file__).with_name("variants.py"), "_gmmkit_variants_gmm_likelihood")


def _random_mixture(rng, k, offset=0.0):
    logits = rng.standard_normal(k) + offset
    means = rng.uniform(-4, 4, size=k)
    lsigmas = rng.uniform(np.log(0.15), np.log(2.0), size=k)
    return logits, means, lsigmas


# --------------------------------------------------------------------------------------------
# mixture_likelihood
# --------------------------------------------------------------------------------------------
def _likelihood_random(student, ref):
    rng = np.random.default_rng(101)
    for k, n, offset in [(1, 50, 0.0), (2, 1, 3.0), (5, 200, -2.0), (8, 300, 1000.0)]:
        logits, means, lsigmas = _random_mixture(rng, k, offset)
        x = rng.uniform(-8, 8, size=(n, 1))
        expected = ref.mixture_likelihood(x, logits, means, lsigmas)
        expect_loglik(student, x, logits, means, lsigmas, expected,
                      V.likelihood_bugs(x, logits, means, lsigmas, expected))
    # float32 inputs: compared with a float32-sized tolerance.
    logits, means, lsigmas = _random_mixture(rng, 4)
    x = rng.uniform(-5, 5, size=(100, 1))
    args = [a.astype(np.float32) for a in (x, logits, means, lsigmas)]
    expected = ref.mixture_likelihood(x, logits, means, lsigmas)
    expect_loglik(student, *args, expected, V.likelihood_bugs(x, logits, means, lsigmas,
                                                              expected),
                  tol={"rtol": 1e-4, "atol": 1e-3})


# --------------------------------------------------------------------------------------------
# expected_mean_density
# --------------------------------------------------------------------------------------------
def _mean_density_value(student, ref):
    value = get_number(student, "expected_mean_density")
    grid = np.linspace(-5, 5, 1000)
    exact = float(np.mean(np.exp(ref.mixture_likelihood(grid[:, None], GT_LOGITS, GT_MEANS,
                                                        GT_LSIGMAS))))
    if abs(value - 0.1) <= 2e-3:   # 0.1, or the exact grid mean 0.0999
        return
    if abs(value - 1.0) < 0.05:
        hint = ("p(x) integrates to 1 over x, but a mean over the grid points is that integral "
                "divided by the width of the interval")
    elif abs(value - 1e-3) < 1e-4:
        hint = ("that is one over the number of grid points: the mean of a density over a "
                "uniform grid approximates its integral divided by the width of the interval")
    else:
        hint = ("a mean over a uniform grid on [a, b] approximates (1 / (b - a)) times the "
                "integral of p over [a, b]; how much of the mixture's mass lies in [-5, 5]?")
    fail(f"expected_mean_density is {value:.6g}; the mean of exp(log_px) over "
         f"np.linspace(-5, 5, 1000) is {exact:.4f}, about 1/10", hint)


# --------------------------------------------------------------------------------------------
# nll_grad
# --------------------------------------------------------------------------------------------
def _grad_reference(student, ref):
    rng = np.random.default_rng(202)
    # One component: d_logits is exactly 0.
    x = V.draw(30, [1.0], [0.5], [1.2], 7)
    cases = [(x, np.array([0.3]), np.array([-0.2]), np.array([0.4]))]
    # The lecture's ground truth on its own data.
    x = V.draw(200, softmax(GT_LOGITS), GT_MEANS, np.exp(GT_LSIGMAS), 8)
    cases.append((x, GT_LOGITS, GT_MEANS, GT_LSIGMAS))
    # Components far from the data: responsibilities need log space.
    logits, means, lsigmas = _random_mixture(rng, 3, 2.0)
    x = V.draw(50, [0.5, 0.5], [-1.0, 1.0], [0.5, 0.5], 9)
    cases.append((x, logits, means + 15.0, np.log([0.3, 0.2, 0.25])))
    # float32 inputs.
    logits, means, lsigmas = _random_mixture(rng, 4)
    x = V.draw(60, [0.5, 0.5], [-2.0, 2.0], [0.7, 0.7], 10)
    cases.append(tuple(a.astype(np.float32) for a in (x, logits, means, lsigmas)))
    for x, logits, means, lsigmas in cases:
        args = [np.asarray(a, dtype=float) for a in (x, logits, means, lsigmas)]
        expected = tuple(np.asarray(g, dtype=float) for g in ref.nll_grad(*args))
        whole, parts = V.gradient_bugs(args[0], args[1], args[3], expected)
        expect_gradient(student, x, logits, means, lsigmas, expected,
                        "the reference solution's gradient", whole, parts)


# --------------------------------------------------------------------------------------------
# fit_gradient: the replay of Adam with the student's own nll_grad
# --------------------------------------------------------------------------------------------
REPLAY = dict(K=2, steps=5, learning_rate=0.05, seed=0)


def _stack(params):
    return np.stack([np.asarray(p, dtype=float) for p in params[:3]])


def _student_gradients(student, x):
    """points -> the student's nll_grad at each (3, K) point, in one program: (3, K) arrays,
    or None where it returned no usable gradient."""
    def gradients(points: list) -> list:
        steps = [{"call": "nll_grad", "args": [x, *p], "return": True} for p in points]
        out = []
        for value in student.run(steps):
            try:
                g = np.stack([np.asarray(v, dtype=float) for v in value])
                out.append(g if g.shape == points[0].shape else None)
            except (TypeError, ValueError):
                out.append(None)
        return out
    return gradients


def _reference_gradients(ref, x):
    return lambda points: [np.stack(ref.nll_grad(x, *p)) for p in points]


def adam_replay(gradients, points: list, lr: float, runs: list) -> tuple:
    """Replays Adam from each start the first step allows, with ``gradients``:
    (the start that replays every step, None) or (None, what differs)."""
    starts = []
    for still in (False, True):
        candidates = V.adam_start_candidates(points[0], lr, still)
        grads = gradients([c for c, _ in candidates])
        starts = [c for (c, s), g in zip(candidates, grads)
                  if g is not None and np.array_equal(np.sign(g), s)]
        if starts:
            break
    if not starts:
        return None, (f"{runs[0][0]} moved the parameters from its start in a way no Adam step "
                      "can: Adam's first step moves every parameter by exactly learning_rate, "
                      "against the sign of its derivative (its bias-corrected m_hat / "
                      "sqrt(v_hat) is g / |g|), and no start at that distance has your "
                      "nll_grad's signs there")
    problem = ""
    for start in starts:
        path = [start] + points
        g = gradients(path[:-1])
        if any(v is None for v in g):
            problem = "your nll_grad returned no usable gradient on fit_gradient's own parameters"
            continue
        predicted = V.adam_steps(start, g, lr, path)
        bad = [t for t in range(1, len(path))
               if not np.allclose(predicted[t - 1], path[t], rtol=1e-5, atol=1e-6)]
        if not bad:
            return start, None
        t = bad[0]
        problem = (f"{runs[t - 1][0]} returned {np.round(path[t], 5).tolist()}, but Adam step "
                   f"{t} with your nll_grad from the step before gives "
                   f"{np.round(predicted[t - 1], 5).tolist()} (rows: logits, means, lsigmas)")
    return None, problem


def _describe_fit(x, k, steps, lr, seed) -> str:
    return (f"fit_gradient(x of shape {x.shape}, K={k}, steps={steps}, learning_rate={lr}, "
            f"rng=np.random.default_rng({seed}))")


def expect_adam_replay(student, ref, x, k, steps, lr, seed) -> None:
    """fit_gradient(x, k, s, lr, rng(seed)) for s = 1..steps against Adam steps with the
    student's own nll_grad (or, for a fit_gradient that computes its gradient itself, the
    reference's), from the start its first step implies."""
    student = with_steps(student, "fit_gradient", ("nll_grad", "mixture_likelihood"))
    calls = [(_describe_fit(x, k, s, lr, seed), (x, k, s, lr, Rng(seed)))
             for s in [*range(1, steps + 1), 1]]
    *runs, (what_again, again) = call_fits(student, "fit_gradient", calls, k,
                                          "logits, means, lsigmas, loss_history")
    if not np.allclose(_stack(again), _stack(runs[0][1]), rtol=1e-12, atol=0):
        fail(f"two calls of {what_again} gave different parameters, so fit_gradient's steps "
             "cannot be replayed from the same start", bug("fit_gradient.global_rng"))
    hist = history(runs[-1][1][3], steps, runs[-1][0], "loss_history")
    points = [_stack(p) for _, p in runs]                      # after 1..steps steps
    expect_finite(np.concatenate([p.ravel() for p in points]),
                  f"the parameters returned by {runs[-1][0]}", bug("fit_gradient.not_adam"))
    start, problem = None, ""
    for gradients in (_student_gradients(student, x), _reference_gradients(ref, x)):
        try:
            start, found = adam_replay(gradients, points, lr, runs)
        except StudentError as exc:
            start, found = None, exc.message
        problem = problem or found
        if start is not None:
            break
    if start is None:
        fail(problem, bug("fit_gradient.not_adam"))
    path = [start] + points
    sources = []
    for loglik in (lambda p: student.call("mixture_likelihood", x, *p),
                   lambda p: ref.mixture_likelihood(x, *p)):
        try:
            sources.append([-float(np.sum(np.asarray(loglik(p), dtype=float))) for p in path])
        except (StudentError, TypeError, ValueError):
            pass
    if any(history_matches(hist, levels, len(x)) for levels in sources):
        return
    levels = sources[-1]
    fail(f"the loss_history of {runs[-1][0]} is {np.round(hist, 4).tolist()}, but the NLL of "
         f"the parameters before each step is {np.round(levels[:-1], 4).tolist()}: record "
         "-sum_i log p(x_i) once per step, before (or after) the update",
         bug("fit_gradient.records_loglik") if any(history_matches(-hist, lv, len(x))
                                                   for lv in sources) else ADAM)


def _fit_gradient_replay(student, ref):
    a = REPLAY
    expect_adam_replay(student, ref, V.draw_spec(FIT_DATA), a["K"], a["steps"],
                       a["learning_rate"], a["seed"])


# --------------------------------------------------------------------------------------------
# Fits: three clusters, the best of four seeds against the reference's best EM optimum
# --------------------------------------------------------------------------------------------
THREE = dict(n=600, weights=[0.3, 0.3, 0.4], means=[-3.0, 0.0, 2.5], sigmas=[0.4, 0.6, 0.5],
             seed=12)
# Three clusters have local optima (two components sharing a cluster, one spanning two): a
# correct fit from an unlucky start may stop in one, so the best of four seeds is judged.
SEEDS = (11, 12, 13, 14)
FIT_NLL_TOL = 0.01     # nats per point above the optimum, for the Adam fit
EM_NLL_TOL = 2e-3      # nats per point above the optimum, for EM
PARAM_TOL = {"means": 0.1, "lsigmas": 0.1, "weights": 0.05}


def _three_clusters():
    return V.draw_spec(THREE)


def mean_loglik(ref, x, params) -> float:
    with np.errstate(all="ignore"):
        ll = float(np.mean(ref.mixture_likelihood(x, *(np.asarray(p, dtype=float)
                                                       for p in params[:3]))))
    return ll if np.isfinite(ll) else -np.inf


def expect_best_near_optimum(ref, function, x, fits, tol, hint, best) -> None:
    """The best seed's fit within ``tol`` nats per point of ``best`` and its components close."""
    what, params = max(fits, key=lambda f: mean_loglik(ref, x, f[1]))
    what += f" (the best of {len(fits)} seeds)"
    expect_finite(np.concatenate([np.asarray(p, dtype=float) for p in params[:3]]),
                  f"the parameters returned by {what}", "the fit diverged: " + hint)
    ll = mean_loglik(ref, x, params)
    if not ll >= best["ll"] - tol:
        fail(f"{what} ends with an NLL of {-ll:.5g} per point, but the maximum-likelihood fit "
             f"reaches {-best['ll']:.5g} (allowed: {tol:g} more). Your fit: "
             f"{describe_fit(*params[:3])}; the best fit: "
             f"{describe_fit(best['logits'], best['means'], best['lsigmas'])}",
             diagnosis(function, params, best, PARAM_TOL) or hint)
    order = match_components(params[1], best["means"])
    got = {"means": np.asarray(params[1], dtype=float)[order],
           "lsigmas": np.asarray(params[2], dtype=float)[order],
           "weights": softmax(np.asarray(params[0], dtype=float))[order]}
    want = {"means": best["means"], "lsigmas": best["lsigmas"], "weights": softmax(best["logits"])}
    for name in ("means", "lsigmas", "weights"):
        gap = np.abs(got[name] - want[name])
        if gap.max() > PARAM_TOL[name]:
            i = int(np.argmax(gap))
            fail(f"{what}: after matching components by their means, the {name} of component "
                 f"{i} is {got[name][i]:.4g}, the maximum-likelihood fit's {want[name][i]:.4g} "
                 f"(allowed difference {PARAM_TOL[name]:g})", hint)


def _with_ref(judges: dict, ref) -> dict:
    """The judges with ``ref`` bound (the public ones ignore it)."""
    return {name: (lambda j: lambda student, _: j(student, ref))(j) for name, j in judges.items()}


def _fit_gradient_three(student, ref):
    x = _three_clusters()
    student = with_steps(student, "fit_gradient", ("nll_grad", "mixture_likelihood"))
    judges = {**grad_judges(), "nll_grad (hidden)": _grad_reference}
    if failing_steps(student, _with_ref(judges, ref)):
        # The fit says nothing about fit_gradient then: its Adam steps must replay (with two
        # components, whose starts the replay can enumerate).
        a = REPLAY
        expect_adam_replay(student, ref, x, a["K"], a["steps"], a["learning_rate"], a["seed"])
        return
    fits = [call_fit_gradient(student, x, 3, 800, 0.05, seed) for seed in SEEDS]
    expect_best_near_optimum(ref, "fit_gradient", x, fits, FIT_NLL_TOL, ADAM,
                             V.ref_optimum(ref, x, 3))


def _reference_step(ref):
    """One EM step of the reference, and the log-likelihood before it (trusted side)."""
    def step(x, params):
        params = [np.asarray(p, dtype=float) for p in params]
        logits = ref.mixture_posterior_logits(x, *params)
        return (ref.mstep(x, softmax(logits, axis=1)),
                float(ref.mixture_likelihood(x, *params).sum()))
    return step


def _em_fit_three(student, ref):
    x = _three_clusters()
    student = with_steps(student, "em_fit", ("mixture_posterior_logits", "mstep",
                                             "mixture_likelihood"))
    judges = {**step_judges(), "mixture_posterior_logits (hidden)": _posterior_reference,
              "mstep (hidden)": _mstep_reference}
    if failing_steps(student, _with_ref(judges, ref)):
        expect_replay(student, x, 3, SEEDS[0], trusted_step=_reference_step(ref))
        return
    fits = [call_em_fit(student, x, 3, 300, seed) for seed in SEEDS]
    expect_best_near_optimum(ref, "em_fit", x, fits, EM_NLL_TOL, EM_STEP,
                             V.ref_optimum(ref, x, 3))


# --------------------------------------------------------------------------------------------
# mixture_posterior_logits
# --------------------------------------------------------------------------------------------
def _posterior_reference(student, ref):
    rng = np.random.default_rng(303)
    for k, n, offset in [(1, 10, 0.0), (2, 40, 1000.0), (6, 150, -3.0)]:
        logits, means, lsigmas = _random_mixture(rng, k, offset)
        x = np.concatenate([rng.uniform(-6, 6, n), [-1e4, 1e4]])[:, None]
        expected = softmax(ref.mixture_posterior_logits(x, logits, means, lsigmas), axis=1)
        raw, soft = V.posterior_bugs(x, logits, means, lsigmas, expected)
        expect_posterior(student, x, logits, means, lsigmas, expected, raw, soft)


# --------------------------------------------------------------------------------------------
# mstep
# --------------------------------------------------------------------------------------------
def _mstep_reference(student, ref):
    cases = []
    x, posterior = V.mstep_inputs(41, n=50, k=4, sharpness=2.0)
    cases.append((x, posterior))
    # Hard (one-hot) responsibilities.
    x, posterior = V.mstep_inputs(42, n=24, k=3)
    cases.append((x, np.eye(3)[np.argmax(posterior, axis=1)]))
    # One component: the data's own mean and (biased) standard deviation.
    cases.append((x, np.ones((len(x), 1))))
    # float32 responsibilities.
    x, posterior = V.mstep_inputs(43, n=40, k=2)
    cases.append((x.astype(np.float32), posterior.astype(np.float32)))
    for x, posterior in cases:
        x64, p64 = x.astype(float), posterior.astype(float)
        logits, means, lsigmas = ref.mstep(x64, p64)
        expected = (softmax(logits), means, lsigmas)
        expect_mstep(student, x, posterior, expected, V.mstep_bugs(x64, p64, expected),
                     _mstep_figure(ref, x64, (logits, means, lsigmas)))


def _mstep_figure(ref, x, expected):
    """Draws the mixture of the student's mstep parameters next to the reference's, with the
    reference's likelihood (trusted side)."""
    def draw(arrays):
        grid = np.linspace(x.min() - 1, x.max() + 1, 400)
        with np.errstate(all="ignore"):
            mine = np.exp(ref.mixture_likelihood(grid[:, None], *(np.asarray(arrays[n], dtype=float)
                                                                  for n in ("logits", "means",
                                                                            "lsigmas"))))
        return figures.density(grid, mine if np.all(np.isfinite(mine)) else None,
                               np.exp(ref.mixture_likelihood(grid[:, None], *expected)),
                               samples=x[:, 0], bins=30, samples_label="the data x",
                               title="the mixture of your mstep's parameters vs the expected one")
    return draw


CHECKS = [
    MIXTURE_LIKELIHOOD.check("gmm_likelihood.mixture_likelihood.reference",
                             "mixture_likelihood: agrees with the reference (K = 1 to 8, N = 1, "
                             "logits + 1000, float32)", 1, _likelihood_random, AFTER_DUE),
    EXPECTED_MEAN_DENSITY.check("gmm_likelihood.expected_mean_density.value",
                                "expected_mean_density: about 0.1", 1, _mean_density_value,
                                AFTER_DUE),
    NLL_GRAD.check("gmm_likelihood.nll_grad.reference",
                   "nll_grad: agrees with the reference (K = 1, the lecture's mixture, far "
                   "components, float32)", 1, _grad_reference, AFTER_DUE),
    FIT_GRADIENT.check("gmm_likelihood.fit_gradient.replay",
                       "fit_gradient: each step is Adam with your nll_grad, and the history "
                       "the NLL (replayed from the same rng)", 1, _fit_gradient_replay,
                       AFTER_DUE),
    FIT_GRADIENT.check("gmm_likelihood.fit_gradient.three",
                       "fit_gradient: reaches the maximum-likelihood fit of three clusters "
                       "(judged where your nll_grad passes its checks)", 0.5,
                       _fit_gradient_three, AFTER_DUE),
    MIXTURE_POSTERIOR_LOGITS.check("gmm_likelihood.mixture_posterior_logits.reference",
                                   "mixture_posterior_logits: agrees with the reference (K = 1, "
                                   "2, 6, logits + 1000, x = ±1e4)", 1, _posterior_reference,
                                   AFTER_DUE),
    MSTEP.check("gmm_likelihood.mstep.reference",
                "mstep: agrees with the reference (soft, hard and single-component "
                "responsibilities, float32)", 1, _mstep_reference, AFTER_DUE),
    EM_FIT.check("gmm_likelihood.em_fit.three",
                 "em_fit: reaches the maximum-likelihood fit of three clusters (judged where "
                 "your mixture_posterior_logits and mstep pass their checks)", 1, _em_fit_three,
                 AFTER_DUE),
]
