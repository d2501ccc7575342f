"""Records what the public checks of ``iris_em`` compare against (run by ``gmmkit build``).

The inputs come from the public package (``gmmkit.checks.iris_em``, its declared API), so
that the stored values belong to exactly the inputs the public checks use. Values: scipy's
responsibilities and log-likelihoods, numpy's weighted means and covariances, scikit-learn's and
the reference's fits; and, for each case, what the classic bugs give there (their hints name
the bug).
"""
from pathlib import Path

import numpy as np

from gmmkit.checks import load_module
from gmmkit.checks import iris_em as public
from gmmkit.checks.iris_em import FIT_DEFAULT_ITERS, FIT_ITERS

V = load_module(Path(__file__).with_name("variants.py"), "_gmmkit_variants_iris_em")
NAMES = ("pi", "mu", "cov")


def _bugs(store, key: str, values: dict) -> None:
    """A bug's value only has to be recognised (to rtol 1e-4): float32 is plenty, and half the
    size."""
    for bug_id, value in values.items():
        store.bug(key, bug_id, np.asarray(value, dtype=np.float32))


def record(ref, store) -> None:
    X, _ = public.iris()

    # E_step and negativeloglikelihood on Iris, and the classic bugs there
    pi, mu, cov = public.identical_components()
    _bugs(store, "E_step.identical", V.estep_bugs(X, pi, mu, cov))
    for i, (key, _label, pi, mu, cov) in enumerate(public.iris_cases()):
        store.value(f"E_step.{key}", V.resp(X, pi, mu, cov))
        if i < 2:   # every classic bug fails by the second case (k = 3): its hint is read there
            _bugs(store, f"E_step.{key}", V.estep_bugs(X, pi, mu, cov))
        store.value(f"negativeloglikelihood.{key}", np.float64(V.nll(X, pi, mu, cov)))
        _bugs(store, f"negativeloglikelihood.{key}", V.nll_bugs(X, pi, mu, cov))

    # M_step on the known-value inputs (the guards' inputs need no stored value)
    for key, r in (("uniform", public.uniform_r()), ("onehot", public.onehot_r())):
        params = V.weighted_params(r, X)
        store.value(f"M_step.{key}", dict(zip(NAMES, params)))
        for name, values in V.mstep_bugs(r, X).items():
            _bugs(store, f"M_step.{key}.{name}", values)
        # the NLL's known values are stated at these parameters
        _bugs(store, f"negativeloglikelihood.{key}", V.nll_bugs(X, *params))

    # fit from the fixed Iris start
    start = public.iris_start()
    for t, step in enumerate(V.first_steps(ref, X, start)):
        store.value(f"fit.step{t}", step)
    store.value(f"fit.nll_iters={FIT_DEFAULT_ITERS}",
                V.reference_trajectory(ref, X, start, FIT_DEFAULT_ITERS)["nll"][:-1])
    for t in (FIT_ITERS - 1, FIT_ITERS, FIT_ITERS + 1):
        store.value(f"fit.sklearn_iters={t}", dict(zip(NAMES, V.sklearn_fit(X, *start, t))))
