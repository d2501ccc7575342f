"""Records what the public em_2d checks compare with (``gmmkit/checks/expected/em_2d.npz``):
on the public checks' own inputs (imported from the public package), the reference's or
scikit-learn's values and what each classic bug gives. Run by ``gmmkit build``."""
from pathlib import Path

import numpy as np

from gmmkit.checks import load_module
from gmmkit.checks.em_2d import inputs
from gmmkit.checks.em_2d.em_step import usable_posterior

V = load_module(Path(__file__).with_name("variants.py"), "_gmmkit_variants_em_2d")


def _differing(bugs: dict, correct) -> dict:
    """The bugs whose value differs from the correct one (the others cannot be told apart)."""
    return {b: v for b, v in bugs.items()
            if np.shape(v) != np.shape(correct) or not np.allclose(v, correct, rtol=1e-9,
                                                                   atol=1e-12, equal_nan=False)}


def _bugs(store, key, bugs: dict, correct) -> None:
    for bug_id, value in _differing(bugs, correct).items():
        store.bug(key, bug_id, value)


def record(ref, store) -> None:
    raw = inputs.faithful()
    Xstd = np.asarray(ref.standardize(raw), dtype=float)
    store.value("faithful_std", Xstd)     # the em_step and bic checks' data
    _bugs(store, "standardize.faithful_row0",
          {b: v[0] for b, v in V.standardize_bugs(raw).items()}, Xstd[0])
    for key, Xs in inputs.standardize_cases().items():
        Z = ref.standardize(Xs)
        store.value(key, Z)
        _bugs(store, key, V.standardize_bugs(Xs), Z)

    for key, (_label, which, pi, mu, cov) in inputs.EM_STATES.items():
        X = {"std": Xstd, "raw": raw}[which]
        r = V.sklearn_posterior(X, pi, mu, cov)
        params = V.sklearn_mstep(X, r)
        store.value(f"em_step.{key}", {"r": r, **params})
        r_bugs = _differing(V.estep_bugs(X, pi, mu, cov), r)
        for bug_id, value in r_bugs.items():
            store.bug(f"em_step.{key}.r", bug_id, value)
        for field, bugs in V.mstep_bugs(X, r, mu, pi).items():
            _bugs(store, f"em_step.{key}.{field}", bugs, params[field])
        # the M-step a correct M-step makes of a classic E-step bug's (valid) posterior
        for bug_id, value in r_bugs.items():
            if usable_posterior(value):
                store.bug(f"em_step.{key}.mstep_of", bug_id, V.sklearn_mstep(X, value))

    for bug_id, value in V.sample_cov_bugs(inputs.SAMPLE_COV).items():
        store.bug("sample_gmm.cov", bug_id, value)
    # what a failed sampling check shows beside the student's sample
    X, labels = ref.sample_gmm(1500, inputs.SAMPLE_PI, inputs.SAMPLE_MU, inputs.SAMPLE_COV,
                               np.random.default_rng(0))
    store.value("sample_gmm.figure_sample", {"X": X, "labels": np.asarray(labels)})

    for key, (_label, Xb, pi, mu, cov) in inputs.bic_cases(Xstd).items():
        expected = V.sklearn_bic(Xb, pi, mu, cov)
        store.value(key, expected)
        _bugs(store, key, V.bic_bugs(Xb, pi, mu, cov), expected)
