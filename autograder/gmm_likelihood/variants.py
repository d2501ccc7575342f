"""Trusted side of gmm_likelihood: what the classic bugs compute, the checks' data, the
maximum-likelihood fits and the replay of Adam. Used by ``expected.py`` (to record the public
checks' expected values) and by the hidden checks; never part of the student package.

Conventions: x is (N, 1); logits, means, lsigmas are (K,).
"""
from __future__ import annotations

import numpy as np
from scipy.special import log_softmax, logsumexp, softmax
from scipy.stats import norm

LOG_2PI = float(np.log(2 * np.pi))


def f64(a) -> np.ndarray:
    return np.asarray(a, dtype=float)


# ------------------------------------------------------------------------------ data
def draw(n: int, weights, means, sigmas, seed: int) -> np.ndarray:
    """n points (n, 1) from the mixture, seeded."""
    rng = np.random.default_rng(seed)
    z = rng.choice(len(weights), size=n, p=f64(weights))
    return (f64(means)[z] + f64(sigmas)[z] * rng.standard_normal(n))[:, None]


def draw_spec(spec: dict) -> np.ndarray:
    return draw(spec["n"], spec["weights"], spec["means"], spec["sigmas"], spec["seed"])


def mstep_inputs(seed: int, n: int = 30, k: int = 3, sharpness: float = 4.0) -> tuple:
    """Points (n, 1) in k clusters far from the data mean, and soft responsibilities (n, k)
    leaning to each point's own cluster (rows sum to 1)."""
    rng = np.random.default_rng(seed)
    centres = np.linspace(-4.0, 4.0, k) + 1.5
    label = np.arange(n) % k
    x = (centres[label] + 0.5 * rng.standard_normal(n))[:, None]
    scores = sharpness * np.eye(k)[label] + rng.standard_normal((n, k))
    return x, softmax(scores, axis=1)


# ------------------------------------------------------------------------------ bugs
def _keep(values: dict, expected, shape) -> dict:
    """The bug values worth storing: finite, of the expected shape, and not the answer."""
    out = {}
    expected = f64(expected)
    for bug_id, value in values.items():
        value = f64(value)
        if value.shape == tuple(shape) and np.all(np.isfinite(value)) and not (
                value.shape == expected.shape and np.allclose(value, expected, rtol=1e-6,
                                                              atol=1e-9)):
            out[bug_id] = value
    return out


P = "gmm_likelihood."


def likelihood_bugs(x, logits, means, lsigmas, expected) -> dict:
    """{bug id: log p(x_i) as that bug computes it}, shape (N,)."""
    x, logits, means, lsigmas = map(f64, (x, logits, means, lsigmas))
    sig, log_pi, d2 = np.exp(lsigmas), log_softmax(logits), (x - means) ** 2
    b = P + "mixture_likelihood."
    with np.errstate(all="ignore"):
        values = {
            b + "no_log_weights": logsumexp(norm.logpdf(x, means, sig), axis=1),
            b + "raw_logits": logsumexp(logits + norm.logpdf(x, means, sig), axis=1),
            b + "pi_not_log_pi": logsumexp(softmax(logits) + norm.logpdf(x, means, sig), axis=1),
            b + "variance_normaliser": logsumexp(log_pi - 2 * lsigmas - 0.5 * LOG_2PI
                                                 - d2 / (2 * sig ** 2), axis=1),
            b + "half_lsigma": logsumexp(log_pi - 0.5 * lsigmas - 0.5 * LOG_2PI
                                         - d2 / (2 * sig ** 2), axis=1),
            b + "exponent_sigma": logsumexp(log_pi - lsigmas - 0.5 * LOG_2PI - d2 / (2 * sig),
                                            axis=1),
            b + "exponent_no_sigma": logsumexp(log_pi - lsigmas - 0.5 * LOG_2PI - d2 / 2, axis=1),
            b + "no_2pi": logsumexp(log_pi - lsigmas - d2 / (2 * sig ** 2), axis=1),
            b + "full_2pi": logsumexp(log_pi - lsigmas - LOG_2PI - d2 / (2 * sig ** 2), axis=1),
            b + "max": np.max(log_pi - lsigmas - 0.5 * LOG_2PI - d2 / (2 * sig ** 2), axis=1),
        }
    return _keep(values, expected, (len(x),))


def posterior_bugs(x, logits, means, lsigmas, expected) -> tuple:
    """({bug id: returned values}, {bug id: their row softmax}) for the classic bugs."""
    x, logits, means, lsigmas = map(f64, (x, logits, means, lsigmas))
    sig = np.exp(lsigmas)
    joint = log_softmax(logits) + norm.logpdf(x, means, sig)
    b = P + "mixture_posterior_logits."
    shape = (len(x), len(logits))
    with np.errstate(all="ignore"):
        raw = {b + "probabilities": softmax(joint, axis=1),
               b + "columns": softmax(joint, axis=0)}
        soft = {
            b + "axis0": softmax(joint - logsumexp(joint, axis=0), axis=1),
            b + "no_log_weights": softmax(norm.logpdf(x, means, sig), axis=1),
            b + "pi_not_log_pi": softmax(softmax(logits) + norm.logpdf(x, means, sig), axis=1),
            b + "variance_normaliser": softmax(joint - lsigmas, axis=1),
            b + "half_lsigma": softmax(joint + 0.5 * lsigmas, axis=1),
            b + "no_normaliser": softmax(joint + lsigmas, axis=1),
            b + "exponent_sigma": softmax(log_softmax(logits) - lsigmas
                                          - (x - means) ** 2 / (2 * sig), axis=1),
        }
    # Returned probabilities are judged as they come (the raw values), so the expected
    # posterior itself is one of them: keep it even though it equals ``expected``.
    raw = {k: v for k, v in raw.items() if np.all(np.isfinite(v))}
    return raw, _keep(soft, expected, shape)


GRAD_NAMES = ("d_logits", "d_means", "d_lsigmas")


def gradient_bugs(x, logits, lsigmas, expected: tuple) -> tuple:
    """(whole, parts): the classic bugs of nll_grad given its right value ``expected``;
    ``whole`` maps bug ids to the three parts concatenated, ``parts`` each part's name to
    {bug id: that part}."""
    e0, e1, e2 = (f64(e) for e in expected)
    n, b = len(x), P + "nll_grad."
    whole = {b + "loglik": np.concatenate([-e0, -e1, -e2]),
             b + "mean": np.concatenate([e0, e1, e2]) / n,
             b + "mean_loglik": -np.concatenate([e0, e1, e2]) / n}
    parts = {
        "d_logits": {b + "logits_sign": -e0,
                     b + "no_softmax_term": e0 - n * softmax(f64(logits))},
        "d_means": {b + "means_sign": -e1},
        "d_lsigmas": {b + "lsigmas_sign": -e2, b + "wrt_sigma": e2 / np.exp(f64(lsigmas)),
                      b + "half_lsigmas": e2 / 2},
    }
    return whole, {k: _keep(v, expected[i], expected[i].shape)
                   for i, (k, v) in enumerate(parts.items())}


def finite_difference_grad(loglik, x, logits, means, lsigmas, h: float = 1e-5) -> tuple:
    """Central finite differences of -sum(loglik(x, ...)) in every parameter: three (K,)."""
    params = np.stack([f64(logits), f64(means), f64(lsigmas)])
    grad = np.zeros_like(params)
    for j in range(3):
        for k in range(params.shape[1]):
            up, down = params.copy(), params.copy()
            up[j, k] += h
            down[j, k] -= h
            grad[j, k] = (-loglik(x, *up).sum() + loglik(x, *down).sum()) / (2 * h)
    return grad[0], grad[1], grad[2]


def weighted_moments(x, posterior) -> tuple:
    """(pi, means, variances) from np.average and np.cov with the responsibilities as weights."""
    xs, post = f64(x)[:, 0], f64(posterior)
    means = np.array([np.average(xs, weights=w) for w in post.T])
    variances = np.array([np.cov(xs, aweights=w, bias=True) for w in post.T])
    return post.mean(axis=0), means, variances


def mstep_bugs(x, posterior, expected: tuple) -> dict:
    """{part: {bug id: what that bug returns for the part}} (logits as returned)."""
    pi, means, variances = weighted_moments(x, posterior)
    xs, post = f64(x)[:, 0], f64(posterior)
    nk = post.sum(0)
    b = P + "mstep."
    with np.errstate(all="ignore"):
        about_data_mean = (post * (xs[:, None] - xs.mean()) ** 2).sum(0) / nk
        parts = {
            "logits": {b + "weights_as_logits": pi, b + "counts_as_logits": nk},
            "means": {b + "means_over_n": (post * xs[:, None]).sum(0) / len(xs),
                      b + "means_data_mean": np.full(len(nk), xs.mean())},
            "lsigmas": {b + "variance_about_data_mean": 0.5 * np.log(about_data_mean),
                        b + "log_variance": np.log(variances), b + "variance": variances,
                        b + "std": np.sqrt(variances),
                        b + "unbiased": 0.5 * np.log(variances * nk / (nk - 1)),
                        b + "variance_over_n": 0.5 * np.log(
                            (post * (xs[:, None] - means) ** 2).sum(0) / len(xs))},
        }
    logits_expected = np.log(expected[0])
    return {"logits": _keep(parts["logits"], logits_expected, nk.shape),
            "means": _keep(parts["means"], expected[1], nk.shape),
            "lsigmas": _keep(parts["lsigmas"], expected[2], nk.shape)}


# ------------------------------------------------------------------------------ fits
def ml_fit(x, k: int) -> dict:
    """The maximum-likelihood fit (best of 8 EM runs of scikit-learn): logits, means, lsigmas
    and ll, the mean log-likelihood per point."""
    from sklearn.mixture import GaussianMixture
    gm = GaussianMixture(k, n_init=8, tol=1e-10, max_iter=2000, reg_covar=0.0,
                         random_state=0).fit(f64(x))
    order = np.argsort(gm.means_[:, 0])
    return {"logits": np.log(gm.weights_[order]), "means": gm.means_[order, 0],
            "lsigmas": 0.5 * np.log(gm.covariances_[order, 0, 0]),
            "ll": np.float64(gm.score(f64(x)))}


def density_curve(ref, x, params: dict) -> dict:
    """The density of ``params`` on the figures' grid (400 points around the data)."""
    grid = np.linspace(float(np.min(x)) - 1, float(np.max(x)) + 1, 400)
    return {"grid": grid, "pdf": np.exp(ref.mixture_likelihood(grid[:, None], params["logits"],
                                                               params["means"],
                                                               params["lsigmas"]))}


def ref_optimum(ref, x, k, starts=5, iterations=300) -> dict:
    """The best of five EM runs made of the reference's E-step and M-step, from distinct data
    points as means. (Not ``ref.em_fit`` itself, whose progress bar would print on the
    grader's side.)"""
    best = None
    for seed in range(starts):
        rng = np.random.default_rng(seed)
        logits, means = np.zeros(k), rng.choice(x[:, 0], size=k, replace=False)
        lsigmas = np.full(k, np.log(x.std()))
        for _ in range(iterations):
            posterior = softmax(ref.mixture_posterior_logits(x, logits, means, lsigmas), axis=1)
            logits, means, lsigmas = ref.mstep(x, posterior)
        ll = float(ref.mixture_likelihood(x, logits, means, lsigmas).mean())
        if best is None or ll > best["ll"]:
            best = {"logits": logits, "means": means, "lsigmas": lsigmas, "ll": ll}
    return best


# ------------------------------------------------------------------------------ Adam
BETA1, BETA2, EPS = 0.9, 0.999, 1e-8


def adam_steps(start: np.ndarray, grads: list, lr: float, path: list) -> list:
    """One Adam step from each point of ``path`` (3, K): [p_1', p_2', ...], where p_t' is the
    step from path[t - 1] with the moments of the gradients g_0 .. g_{t-1} (g_t taken at
    path[t]); ``start`` is path[0]. Comparing p_t' with path[t] replays every step on its own."""
    m = np.zeros_like(start)
    v = np.zeros_like(start)
    out = []
    for t, g in enumerate(grads, start=1):
        m = BETA1 * m + (1 - BETA1) * g
        v = BETA2 * v + (1 - BETA2) * g ** 2
        out.append(path[t - 1] - lr * (m / (1 - BETA1 ** t)) / (np.sqrt(v / (1 - BETA2 ** t))
                                                                + EPS))
    return out


def adam_start_candidates(p1: np.ndarray, lr: float, still: bool = False) -> list:
    """Adam's first step moves each parameter by -learning_rate * sign(g_0) (its bias-corrected
    m / sqrt(v) is g_0 / |g_0|), and not at all where g_0 = 0: the starts p_1 + lr * s, with
    s the sign pattern the student's gradient must have there, for every s in {-1, 1}^n (and
    with ``still``, in {-1, 0, 1}^n, for starts where some derivative is exactly 0, such as
    identical components)."""
    n = p1.size
    values = (-1, 0, 1) if still else (-1, 1)
    digits = np.arange(len(values) ** n)[:, None] // len(values) ** np.arange(n) % len(values)
    signs = np.array(values)[digits]
    if still:
        signs = signs[(signs == 0).any(axis=1)]     # the others were tried without ``still``
    return [(p1 + lr * s.reshape(p1.shape), s.reshape(p1.shape)) for s in signs]
