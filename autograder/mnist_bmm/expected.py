"""What the public checks of ``mnist_bmm`` compare with: the reference's values on their own
inputs (``gmmkit.checks.mnist_bmm.inputs``) and the classic bugs' values there. Run by
``gmmkit build`` (``gmmkit.course.expected``), never shipped."""
from pathlib import Path

import numpy as np

from gmmkit.checks import load_module
from gmmkit.checks.mnist_bmm import inputs
from gmmkit.checks.mnist_bmm.m_step import smoothing_key
from gmmkit.checks.mnist_bmm.values import (ACCURACY_EXAMPLES, LOG_PROB_EXAMPLE, M_EXAMPLES,
                                            UPDATE_EXAMPLES)

V = load_module(Path(__file__).with_name("variants.py"), "_gmmkit_variants_mnist_bmm")


def record_log_prob(ref, store):
    X, mu, _ = LOG_PROB_EXAMPLE
    for bug, value in V.log_prob_bugs(X, mu).items():
        store.bug("log_prob.example", bug, value)
    for key, (X, mu) in (("log_prob.random", inputs.log_prob_random()),
                         ("log_prob.far", (inputs.far_images(), inputs.mnist_class_mu()))):
        store.value(key, ref.bernoulli_log_prob(X, mu))
        for bug, value in V.log_prob_bugs(X, mu).items():
            store.bug(key, bug, value)


def record_e_step(ref, store):
    cases = [(f"e_step.values{i}", c) for i, c in enumerate(inputs.e_step_values())]
    cases += [(f"e_step.far{i}", c) for i, c in enumerate(inputs.e_step_far())]
    for key, (X, pi, mu) in cases:
        r, ll = V.posterior_scipy(X, pi, mu)
        store.value(key, {"r": r, "loglik": ll})
        for bug, value in V.resp_bugs(X, pi, mu).items():
            store.bug(key, bug, {"r": value})
        for bug, value in V.loglik_bugs(X, pi, mu).items():
            store.bug(key, bug, {"loglik": value})


def record_m_step(ref, store):
    X, r = inputs.m_step_valid()
    cases = [("m_step.valid", X, r, 1.0)]
    for e, ((X, r), values) in enumerate(M_EXAMPLES):
        cases += [(f"m_step.example{e}.{smoothing_key(s)}", X, r, 1.0 if s is None else s)
                  for s in values]
    for key, X, r, s in cases:
        for bug, value in V.pi_bugs(X, r).items():
            store.bug(key, bug, {"pi": value})
        for bug, value in V.mu_bugs(X, r, s).items():
            store.bug(key, bug, {"mu": value})
    X, r = inputs.digit_responsibilities()
    # for the figure only: float32 keeps the file small
    store.value("m_step.digit_means", ref.m_step(X, r)[1].astype(np.float32))


def record_fit(ref, store):
    X, r, pi, mu = inputs.fit_steps_inputs()
    r_e, ll_e = ref.e_step(X, pi, mu)
    pi_m, mu_m = ref.m_step(X, r)
    store.value("fit.steps", {"r": r_e, "loglik": ll_e, "pi": pi_m, "mu": mu_m})
    X = inputs.fit_data()
    pi, mu, _, hist = ref.fit_bmm(X, inputs.FIT_K, inputs.FIT_ITERS,
                                  np.random.default_rng(inputs.FIT_SEED))
    ll, prior = V.loglik(X, pi, mu), V.log_prior(mu)
    store.value("fit.optimum", {"objective": float(hist[-1]), "pi": pi, "mu": mu,
                                "beta_constant": V.beta_log_normaliser(*mu.shape)})
    for bug, value in V.objective_bugs(ll, prior, len(X)).items():
        store.bug("fit.optimum", bug, value)


def record_update(ref, store):
    for e, (X, start, k, _, _) in enumerate(UPDATE_EXAMPLES):
        for bug, value in V.update_bugs(X, start, k).items():
            store.bug(f"update.example{e}", bug, value)
    X, start, k = inputs.update_mnist()
    store.value("update.mnist", V.cluster_log_lik(X, start, k))
    store.value("update.mnist_mu", V.smoothed_cluster_mu(X, start, k).astype(np.float32))
    for bug, value in V.update_bugs(X, start, k).items():
        store.bug("update.mnist", bug, value)


def record_accuracy(ref, store):
    for e, (labels, assignments, _) in enumerate(ACCURACY_EXAMPLES):
        for bug, value in V.accuracy_bugs(labels, assignments).items():
            store.bug(f"accuracy.example{e}", bug, value)


def record(ref, store):
    for part in (record_log_prob, record_e_step, record_m_step, record_fit, record_update,
                 record_accuracy):
        part(ref, store)
