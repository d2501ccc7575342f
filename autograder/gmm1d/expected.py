"""Records the gmm1d public checks' inputs, expected values and classic-bug values (build time).

The data is drawn here, on the trusted side, with the seeds the checks always used; the public
checks read it back from ``gmmkit/checks/expected/gmm1d.npz``.
"""
from pathlib import Path

import numpy as np

from gmmkit.checks import load_module
from gmmkit.checks.gmm1d import inputs

V = load_module(Path(__file__).with_name("variants.py"), "_gmmkit_variants_gmm1d")
PARAMS = ("priors", "means", "variances")

PMF_MEANS = {3: [-2.0, 0.5, 3.0], 1: [0.7], 5: [-6.0, -2.5, 0.0, 1.5, 4.0]}
VALUE_PARAMS = {3: ([-2.0, 0.5, 3.0], [0.5, 2.0, 1.5], [0.2, 0.5, 0.3]),
                2: ([-1.0, 1.5], [0.25, 3.0], [0.6, 0.4]),
                5: ([-5.0, -2.0, 0.0, 2.5, 6.0], [1.0, 0.3, 2.0, 0.8, 4.0],
                    [0.1, 0.2, 0.3, 0.25, 0.15])}


def _estep(ref, k, X, means, variances, priors):
    return ref.GMM1D(k, means=means, variances=variances, priors=priors).estep(X)


def _mstep(ref, k, X, gammas, old):
    model = ref.GMM1D(k, means=old["means"], variances=old["variances"], priors=old["priors"])
    model.mstep(X, gammas)
    return {name: np.array(getattr(model, name), dtype=float) for name in PARAMS}


def _record_mstep(ref, store, key, k, case):
    old = {name: case[name] for name in PARAMS}
    want = _mstep(ref, k, case["X"], case["gammas"], old)
    store.value(key, want)
    for name, values in V.mstep_bugs(case["X"], case["gammas"], old, want).items():
        for bug_id, value in values.items():
            store.bug(f"{key}.{name}", bug_id, value)
    grid = V.figure_grid(case["X"], want)
    store.value(key + ".figure", {"grid": grid, "pdf": V.mixture_pdf(grid, want)})


def record(ref, store):
    rng = np.random.default_rng(20240)
    for k in inputs.ESTEP_PMF_KS:
        means = np.array(PMF_MEANS[k])
        variances = rng.uniform(0.3, 2.5, size=k)
        priors = rng.dirichlet(np.full(k, 3.0))
        X = V.sample_mixture(rng, 40, means, variances, priors)
        key = inputs.estep_pmf_key(k)
        store.value(key + ".input", {"X": X, "means": means, "variances": variances,
                                     "priors": priors})
        store.value(key, _estep(ref, k, X, means, variances, priors))

    rng = np.random.default_rng(7)
    for k in inputs.ESTEP_VALUE_KS:
        means, variances, priors = (np.array(a) for a in VALUE_PARAMS[k])
        X = V.sample_mixture(rng, 30, means, variances, priors)
        key = inputs.estep_values_key(k)
        store.value(key + ".input", {"X": X, "means": means, "variances": variances,
                                     "priors": priors})
        store.value(key, _estep(ref, k, X, means, variances, priors))
        for bug_id, value in V.estep_bugs(X, means, variances, priors).items():
            store.bug(key, bug_id, value)

    rng = np.random.default_rng(11)
    X = V.sample_mixture(rng, 50, [-2.0, 0.5, 3.0], [1.0, 0.5, 2.0], [.3, .3, .4])
    # responsibilities from the E-step at other parameters; the model starts from parameters
    # far from the answer, so that a variance about the old means is visibly wrong
    case = {"X": X, "gammas": _estep(ref, 3, X, [-1.5, 0.0, 2.0], [1.5, 1.0, 1.0], [0.3, 0.4, 0.3]),
            "priors": np.array([0.2, 0.5, 0.3]), "means": np.array([4.0, -4.0, 8.0]),
            "variances": np.array([0.5, 2.0, 3.0])}
    store.value(inputs.MSTEP_VALUES_KEY + ".input", case)
    _record_mstep(ref, store, inputs.MSTEP_VALUES_KEY, 3, case)

    for k in inputs.HARD_KS:
        _record_mstep(ref, store, inputs.mstep_hard_key(k), k, inputs.hard_case(k))
