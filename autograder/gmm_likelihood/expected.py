"""Records what the public checks of gmm_likelihood compare with: the reference's values on
their inputs, the classic bugs' values there, the data sets they use, and the
maximum-likelihood fits (with their densities on the figures' grid). Run by ``gmmkit build``."""
from pathlib import Path

import numpy as np
from scipy.special import softmax

from gmmkit.checks import load_module
from gmmkit.checks.gmm_likelihood import inputs

V = load_module(Path(__file__).with_name("variants.py"), "_gmmkit_variants_gmm_likelihood")


def record(ref, store) -> None:
    # The data sets drawn from mixtures (the package holds no sampler).
    lik_gt = V.draw(inputs.LIK_GT_DATA["n"], softmax(inputs.LIK_GT[0]), inputs.LIK_GT[1],
                    np.exp(inputs.LIK_GT[2]), inputs.LIK_GT_DATA["seed"])
    grad_x = V.draw_spec(inputs.GRAD_DATA)
    m = inputs.MSTEP_DATA
    mstep_x, mstep_post = V.mstep_inputs(m["seed"], m["n"], m["k"], m["sharpness"])
    fit_x, em_x = V.draw_spec(inputs.FIT_DATA), V.draw_spec(inputs.EM_DATA)
    for name, value in [("lik_gt", lik_gt), ("grad", grad_x), ("mstep_x", mstep_x),
                        ("mstep_posterior", mstep_post), ("fit", fit_x), ("em", em_x)]:
        store.value("input." + name, value)

    # mixture_likelihood
    for key, x, params in [("lik.gt", lik_gt, inputs.LIK_GT),
                           ("lik.mixed", inputs.lik_mixed_x(), inputs.LIK_MIXED),
                           ("lik.far", inputs.FAR_X, inputs.LIK_GT)]:
        expected = ref.mixture_likelihood(x, *params)
        store.value(key, expected)
        for bug_id, value in V.likelihood_bugs(x, *params, expected).items():
            store.bug(key, bug_id, value)

    # nll_grad: the reference's gradient, verified against finite differences first.
    logits, means, lsigmas = inputs.GRAD
    expected = tuple(np.asarray(g, dtype=float) for g in ref.nll_grad(grad_x, *inputs.GRAD))
    fd = V.finite_difference_grad(ref.mixture_likelihood, grad_x, *inputs.GRAD)
    for g, d in zip(expected, fd):
        if not np.allclose(g, d, rtol=1e-6, atol=1e-5):
            raise AssertionError(f"the reference's nll_grad {g} is not the finite difference {d}")
    store.value("grad", expected)
    whole, parts = V.gradient_bugs(grad_x, logits, lsigmas, expected)
    for bug_id, value in whole.items():
        store.bug("grad", bug_id, value)
    for part, bugs in parts.items():
        for bug_id, value in bugs.items():
            store.bug(f"grad.{part}", bug_id, value)

    # mixture_posterior_logits
    expected = softmax(ref.mixture_posterior_logits(inputs.POST_X, *inputs.POST), axis=1)
    store.value("post", expected)
    raw, soft = V.posterior_bugs(inputs.POST_X, *inputs.POST, expected)
    for bug_id, value in soft.items():
        store.bug("post", bug_id, value)
    for bug_id, value in raw.items():
        store.bug("post.raw", bug_id, value)

    # mstep
    logits, means, lsigmas = ref.mstep(mstep_x, mstep_post)
    expected = (softmax(logits), means, lsigmas)
    store.value("mstep", expected)
    store.value("mstep.curve", V.density_curve(ref, mstep_x, {"logits": logits, "means": means,
                                                              "lsigmas": lsigmas}))
    for part, bugs in V.mstep_bugs(mstep_x, mstep_post, expected).items():
        for bug_id, value in bugs.items():
            store.bug(f"mstep.{part}", bug_id, value)

    # The fits' optimum: scikit-learn's best of eight EM runs.
    for key, x in [("fit", fit_x), ("em", em_x)]:
        optimum = V.ml_fit(x, 2)
        store.value(f"{key}.optimum", optimum)
        store.value(f"{key}.curve", V.density_curve(ref, x, optimum))
