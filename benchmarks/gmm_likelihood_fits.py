"""gmm_likelihood: the reference's two fits of the lecture's mixture on N = 10,000 samples, Adam
(1000 steps, learning rate 0.05) and EM (300 iterations), as in the notebook: their final NLL per
point against scikit-learn's best EM fit (10 starts), and their wall time (median of repeats;
the machine is shared, so the spread is reported).

    .venv/bin/python -m benchmarks.gmm_likelihood_fits
"""
from __future__ import annotations

import numpy as np
from scipy.special import softmax
from sklearn.mixture import GaussianMixture

from gmmkit import paths
from gmmkit.checks import load_module

from .timing import measure, row

N, K = 10_000, 5
ADAM_STEPS, LEARNING_RATE, EM_STEPS = 1000, 0.05, 300
DATA_SEED, FIT_SEED = 0, 1          # as in the notebook


def _data(ref) -> np.ndarray:
    rng = np.random.default_rng(DATA_SEED)
    z = rng.choice(K, size=N, p=softmax(ref.gt_logits))
    return (ref.gt_means[z] + np.exp(ref.gt_lsigmas[z]) * rng.standard_normal(N)).reshape(N, 1)


def run(repeats: int = 3) -> list[dict]:
    ref = load_module(paths.solutions_file("gmm_likelihood"), "_bench_gmm_likelihood")
    x = _data(ref)
    best = -GaussianMixture(K, n_init=10, tol=1e-10, max_iter=3000, reg_covar=0.0,
                            random_state=0).fit(x).score(x)
    truth = -float(ref.mixture_likelihood(x, ref.gt_logits, ref.gt_means, ref.gt_lsigmas).mean())
    rows = []
    for label, steps, fit in [
            ("Adam", ADAM_STEPS,
             lambda: ref.fit_gradient(x, K, ADAM_STEPS, LEARNING_RATE,
                                      np.random.default_rng(FIT_SEED))),
            ("EM", EM_STEPS, lambda: ref.em_fit(x, K, EM_STEPS, np.random.default_rng(FIT_SEED)))]:
        logits, means, lsigmas, _ = fit()
        nll = -float(ref.mixture_likelihood(x, logits, means, lsigmas).mean())
        timing = measure(fit, repeats=repeats, warmup=0)
        rows.append(row(f"gmm_likelihood {label} fit, {steps} steps: final NLL per point", nll,
                        "nats", detail=f"{nll:.6f}; sklearn's best {best:.6f}, the ground "
                        f"truth {truth:.6f}"))
        rows.append(row(f"gmm_likelihood {label} fit, {steps} steps: seconds", timing["median"],
                        "s", detail=f"N = {N}, K = {K}, {1e3 * timing['median'] / steps:.2f} "
                        "ms per step", spread=(timing["min"], timing["max"])))
    return rows


if __name__ == "__main__":
    from .report import machine, print_table
    print(f"machine: {machine()}")
    print_table(run())
