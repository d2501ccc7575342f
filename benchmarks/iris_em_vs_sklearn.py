"""The iris_em reference against scikit-learn: time per EM iteration, same data, same start.

    .venv/bin/python -m benchmarks.iris_em_vs_sklearn [repeats]

Both sides run full-covariance EM from the same start (weights, means, and the precisions as
scikit-learn's ``precisions_init``), with the same ridge (1e-6), ``tol=0`` (no early stop) and
the same number of iterations, on

- Iris: 150 points in 4-D, k = 3, from the reference's k-means start;
- 100,000 points of the lecture's 2-D mixture (means [[1,1],[0,0],[-.5,1],[.5,1.5]], isotropic
  variances [.1,.01,.05,.05], weights [.4,.25,.25,.1]), k = 4, from a start near the truth.

A fit has fixed costs besides its iterations (scikit-learn validates its input, runs its own
initialisation before replacing it with the given start, and ends with an extra E-step), so the
time per iteration is measured as the difference between two runs of ``lo`` and ``hi``
iterations, divided by ``hi - lo``. The reference and scikit-learn alternate within each repeat,
so that a busy machine slows both alike. The figure is the ratio of the medians over the repeats
(target: at most 1.0, the reference no slower); the detail gives the medians and the spread
(smallest and largest of the repeats) of both, and checks that both ended on the same
log-likelihood.
"""
from __future__ import annotations

import sys
import time
import warnings

import numpy as np

from gmmkit import paths
from gmmkit.checks import load_module
from gmmkit.checks.iris_em import LECTURE_MEANS, LECTURE_VARIANCES, iris, sample_lecture_mixture

REF = load_module(paths.solutions_file("iris_em"), "ref_iris_em_bench")
REG = 1e-6


def _sklearn(X, pi, mu, cov, iters):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.mixture import GaussianMixture
    gm = GaussianMixture(len(pi), covariance_type="full", tol=0.0, max_iter=iters, reg_covar=REG,
                         weights_init=pi, means_init=mu, precisions_init=np.linalg.inv(cov),
                         init_params="random_from_data", random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return gm.fit(X)


def _seconds(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def _cases():
    X, _ = iris()
    yield ("Iris (150 x 4, k = 3)", X, REF.init_params(X, 3), 10, 110)
    X, _ = sample_lecture_mixture(100_000, np.random.default_rng(0))
    start = (np.full(4, 0.25), LECTURE_MEANS + 0.15,
             np.stack([2 * v * np.eye(2) for v in LECTURE_VARIANCES]))
    yield ("the lecture's 2-D mixture (100,000 x 2, k = 4)", X, start, 2, 12)


def _blas() -> str:
    try:
        from threadpoolctl import threadpool_info
        info = [f"{i.get('internal_api')} {i.get('num_threads')} threads"
                for i in threadpool_info() if i.get("user_api") == "blas"]
        return ", ".join(info) or "unknown BLAS"
    except Exception:  # threadpoolctl missing or failing: the figure does not depend on it
        return "unknown BLAS"


def run(repeats: int = 5) -> list[dict]:
    rows = []
    for label, X, (pi, mu, cov), lo, hi in _cases():
        ref_t, sk_t = [], []
        REF.fit(X, pi, mu, cov, lo)                  # warm up both (imports, caches)
        _sklearn(X, pi, mu, cov, lo)
        for _ in range(repeats):
            t_ref = [_seconds(lambda i=i: REF.fit(X, pi, mu, cov, i)) for i in (lo, hi)]
            t_sk = [_seconds(lambda i=i: _sklearn(X, pi, mu, cov, i)) for i in (lo, hi)]
            ref_t.append((t_ref[1] - t_ref[0]) / (hi - lo))
            sk_t.append((t_sk[1] - t_sk[0]) / (hi - lo))
        ref_med, sk_med = float(np.median(ref_t)), float(np.median(sk_t))
        fitted = REF.fit(X, pi, mu, cov, hi)
        gap = abs(-REF.negativeloglikelihood(X, *fitted[:3]) / len(X)
                  - _sklearn(X, pi, mu, cov, hi).score(X))
        rows.append({
            "figure": f"iris_em reference / scikit-learn, time per EM iteration, {label}",
            "value": ref_med / sk_med,
            "unit": "x",
            "target": 1.0,
            "meets_target": ref_med / sk_med <= 1.0,
            "detail": (f"reference {ref_med * 1e3:.3f} ms/iteration (range "
                       f"{min(ref_t) * 1e3:.3f}-{max(ref_t) * 1e3:.3f}), scikit-learn "
                       f"{sk_med * 1e3:.3f} ms/iteration (range {min(sk_t) * 1e3:.3f}-"
                       f"{max(sk_t) * 1e3:.3f}); medians of {repeats} repeats of "
                       f"({hi} - {lo} iterations); log-likelihood per point equal to "
                       f"{gap:.1e}; {_blas()}"),
        })
    return rows


def main(argv: list[str]) -> int:
    repeats = int(argv[0]) if argv else 5
    for row in run(repeats):
        met = "meets" if row["value"] <= row["target"] else "MISSES"
        print(f"{row['figure']}: {row['value']:.2f}{row['unit']} ({met} the target "
              f"<= {row['target']:g}{row['unit']})\n    {row['detail']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
