"""The classic bugs of gmm_likelihood: a stable id, the mistake, and the hint that fixes it.

Their values on each public check's inputs are stored by the build
(``autograder/gmm_likelihood/expected.py``, computed in ``variants.py`` on the trusted side).
"""
from __future__ import annotations

from ..bugs import Bug, catalogue

P = "gmm_likelihood."

LOGLIK_FORMULA = ("log p(x_i) = logsumexp_k [log pi_k + log N(x_i | mu_k, sigma_k^2)] with "
                  "log pi = logits - logsumexp(logits) and log N(x | mu, sigma^2) = -log sigma "
                  "- log(2 pi)/2 - (x - mu)^2 / (2 sigma^2), sigma = exp(lsigmas)")
POSTERIOR_FORMULA = ("by Bayes' rule p(z_i = k | x_i) is proportional to pi_k N(x_i | mu_k, "
                     "sigma_k^2), so its logits are log pi_k + log N(x_i | mu_k, sigma_k^2) (any "
                     "constant per row may be added)")
MSTEP_FORMULA = ("with R_k = sum_i r_ik: pi_k = R_k / N (logits = log pi_k), mu_k = sum_i "
                 "r_ik x_i / R_k, sigma_k^2 = sum_i r_ik (x_i - mu_k)^2 / R_k, lsigmas = "
                 "log sigma_k")
GRAD_DERIVE = ("write log p(x_i) = logsumexp_k a_ik with a_ik = log pi_k + log N(x_i | mu_k, "
               "sigma_k^2); its derivative is sum_k r_ik * d a_ik, with the responsibilities "
               "r_ik = softmax_k(a_ik); then negate and sum over the points")
LOGSUMEXP = ("far from every component each exp(log pi_k + log N(x_i | mu_k, sigma_k^2)) "
             "underflows to 0 and log(0) = -inf (or 0/0 = nan): never leave log space; "
             "use scipy.special.logsumexp(log_joint, axis=1), or subtract each row's "
             "maximum before exponentiating")
ADAM = ("minimise: params -= learning_rate * m_hat / (sqrt(v_hat) + eps), with "
        "m = beta1 m + (1 - beta1) g, v = beta2 v + (1 - beta2) g^2, m_hat = m / "
        "(1 - beta1^t), v_hat = v / (1 - beta2^t), t counted from 1 (beta1 = 0.9, beta2 = "
        "0.999, eps = 1e-8); update all three parameter arrays every step with the gradient "
        "your nll_grad returns")
EM_STEP = ("each step: posterior = softmax(mixture_posterior_logits(x, logits, means, lsigmas), "
           "axis=1), then logits, means, lsigmas = mstep(x, posterior); record sum_i log p(x_i) "
           "(the log-likelihood) at each step; start from parameters drawn with rng, e.g. K "
           "distinct data points as means")
RNG = ("draw every random number from the rng argument (rng.choice, rng.normal, "
       "rng.standard_normal, ...), never from np.random.* (numpy's global generator) or a "
       "generator made inside the function")


def _likelihood(name, description, hint):
    return Bug(P + "mixture_likelihood." + name, description, f"{hint}; {LOGLIK_FORMULA}")


def _posterior(name, description, hint):
    return Bug(P + "mixture_posterior_logits." + name, description, f"{hint}; {POSTERIOR_FORMULA}")


def _mstep(name, description, hint):
    return Bug(P + "mstep." + name, description, f"{hint}; {MSTEP_FORMULA}")


def _grad(name, description, hint):
    return Bug(P + "nll_grad." + name, description, f"{hint}. In general: {GRAD_DERIVE}")


LIKELIHOOD = [
    _likelihood("no_log_weights", "log pi_k left out",
                "the log weights are missing: add log pi_k = logits_k - logsumexp(logits) to "
                "each component's log density before the logsumexp"),
    _likelihood("raw_logits", "logits used as log weights",
                "the logits were used as log weights without normalising them: log pi = "
                "logits - logsumexp(logits) (logits are only defined up to a constant)"),
    _likelihood("pi_not_log_pi", "pi added in log space",
                "pi was added instead of log pi: in log space the weights enter as log pi_k"),
    _likelihood("variance_normaliser", "-log sigma^2 in the normaliser",
                "the normaliser uses the variance: a Gaussian's log density has -log sigma = "
                "-lsigmas (from 1 / (sigma sqrt(2 pi))), not -log sigma^2"),
    _likelihood("half_lsigma", "-lsigmas / 2 in the normaliser",
                "the normaliser has -lsigmas / 2, as if lsigmas were log variances: lsigmas is "
                "log sigma, so the log density has -lsigmas"),
    _likelihood("exponent_sigma", "(x - mu)^2 / (2 sigma)",
                "the exponent divides by sigma, not by the variance: -(x - mu)^2 / (2 sigma^2)"),
    _likelihood("exponent_no_sigma", "(x - mu)^2 / 2",
                "the exponent ignores sigma: -(x - mu)^2 / (2 sigma^2)"),
    _likelihood("no_2pi", "-log(2 pi) / 2 left out",
                "the constant -log(2 pi) / 2 of the Gaussian's log density is missing"),
    _likelihood("full_2pi", "-log(2 pi) instead of -log(2 pi) / 2",
                "the constant is -log(2 pi) / 2, not -log(2 pi)"),
    _likelihood("max", "max over components instead of logsumexp",
                "this is the max over components (the best single component): sum the "
                "components' probabilities, i.e. logsumexp over axis=1, not max"),
    Bug(P + "mixture_likelihood.underflow", "log(sum(exp(...))) outside log space", LOGSUMEXP),
    Bug(P + "mixture_likelihood.keepdims", "shape (N, 1) instead of (N,)",
        "return one log-likelihood per data point, shape (N,): a logsumexp over the "
        "components, axis=1 (no keepdims), and no sum over the points"),
]

POSTERIOR = [
    _posterior("probabilities", "returns the posterior probabilities, not logits",
               "you returned the posterior probabilities themselves; return their LOGITS (the "
               "checks apply a softmax to each row): log pi_k + log N(x_i | mu_k, sigma_k^2), "
               "before normalising"),
    _posterior("columns", "probabilities normalised over the points (axis=0)",
               "each COLUMN of your result sums to 1: you normalised over the data points "
               "(axis=0). Return logits (the log joint), whose softmax over axis=1, the "
               "components, gives the posterior"),
    _posterior("axis0", "logits normalised over the points (axis=0)",
               "you normalised over the data points (axis=0): the posterior of each point is "
               "normalised over the components, axis=1"),
    _posterior("no_log_weights", "log pi_k left out",
               "the log weights are missing: add log pi_k to each component's log density"),
    _posterior("pi_not_log_pi", "pi added in log space", "pi was added instead of log pi"),
    _posterior("variance_normaliser", "-log sigma^2 in the normaliser",
               "the normaliser uses the variance: log N has -log sigma = -lsigmas, not -log "
               "sigma^2"),
    _posterior("half_lsigma", "-lsigmas / 2 in the normaliser",
               "the normaliser has -lsigmas / 2: lsigmas is log sigma, so log N has -lsigmas"),
    _posterior("no_normaliser", "-log sigma left out",
               "the normaliser -log sigma is missing: components with different sigmas need it"),
    _posterior("exponent_sigma", "(x - mu)^2 / (2 sigma)",
               "the exponent divides by sigma, not by the variance: -(x - mu)^2 / (2 sigma^2)"),
    Bug(P + "mixture_posterior_logits.underflow", "probabilities computed outside log space",
        LOGSUMEXP),
]

GRADIENT = [
    _grad("loglik", "the gradient of the log-likelihood (sign)",
          "every component has the wrong sign: this is the gradient of the log-likelihood; "
          "nll_grad returns the gradient of the NEGATIVE log-likelihood"),
    _grad("mean", "the gradient of the mean NLL",
          "your gradient is N times too small: it is the gradient of the mean NLL; nll_grad "
          "returns the gradient of the TOTAL NLL, -sum_i log p(x_i)"),
    _grad("mean_loglik", "the gradient of the mean log-likelihood",
          "your gradient is -1/N times the expected one: the gradient of the mean "
          "log-likelihood; nll_grad returns that of the total NEGATIVE log-likelihood"),
    _grad("logits_sign", "d_logits with the wrong sign",
          "d_logits has the wrong sign (the other parts may be right)"),
    _grad("means_sign", "d_means with the wrong sign",
          "d_means has the wrong sign (the other parts may be right)"),
    _grad("lsigmas_sign", "d_lsigmas with the wrong sign",
          "d_lsigmas has the wrong sign (the other parts may be right)"),
    _grad("no_softmax_term", "d_logits without the N pi_k term",
          "d_logits is -R_k: the term N pi_k is missing; pi = softmax(logits) couples the "
          "logits, so d log pi_j / d logits_k = [j == k] - pi_k"),
    _grad("wrt_sigma", "d_lsigmas is the derivative in sigma",
          "d_lsigmas looks like the derivative with respect to sigma: the parameter is lsigmas "
          "= log sigma, so the chain rule multiplies it by d sigma / d lsigmas = sigma"),
    _grad("half_lsigmas", "d_lsigmas halved",
          "d_lsigmas is half the expected value: with sigma = exp(lsigmas) the variance is "
          "exp(2 * lsigmas)"),
]

MSTEP = [
    _mstep("weights_as_logits", "returns pi instead of log pi",
           "these are the weights pi themselves: return logits = log pi (softmax(log pi) = pi)"),
    _mstep("counts_as_logits", "returns R_k instead of log R_k",
           "these are the counts R_k: return their log, log(R_k / N)"),
    _mstep("means_over_n", "weighted sum divided by N", "the weighted sum is divided by N: "
           "divide by R_k = sum_i r_ik"),
    _mstep("means_data_mean", "every mean is the data mean", "every mean is the data mean: "
           "weight the points by the responsibilities r_ik"),
    _mstep("variance_about_data_mean", "variance about the data mean",
           "the variance is taken about the data mean; it must be about the new component "
           "mean mu_k: sum_i r_ik (x_i - mu_k)^2 / R_k"),
    _mstep("log_variance", "lsigmas = log variance",
           "these are log variances: lsigmas = log sigma = 0.5 * log(variance)"),
    _mstep("variance", "returns the variances", "these are the variances: return lsigmas = "
           "0.5 * log(variance)"),
    _mstep("std", "returns the standard deviations", "these are the standard deviations: "
           "return their log, lsigmas = log sigma"),
    _mstep("unbiased", "variance divided by R_k - 1", "the variance is divided by R_k - 1: the "
           "maximum-likelihood M-step divides by R_k"),
    _mstep("variance_over_n", "weighted sum of squares divided by N",
           "the weighted sum of squares is divided by N: divide by R_k"),
]

FITS = [
    Bug(P + "fit_gradient.records_loglik", "loss_history holds the log-likelihood",
        "record the loss you minimise, the negative log-likelihood -sum_i log p(x_i)"),
    Bug(P + "fit_gradient.not_adam", "the update is not Adam's", ADAM),
    Bug(P + "fit_gradient.returns_sigmas", "returns sigma instead of log sigma",
        "your lsigmas look like the standard deviations themselves: return lsigmas = log sigma"),
    Bug(P + "fit_gradient.returns_weights", "returns pi instead of logits",
        "your logits look like the weights pi themselves: return logits = log pi"),
    Bug(P + "fit_gradient.identical", "identical components",
        "all your components are identical. Either they started identical (draw the initial "
        "values from rng so that they differ: components that start equal get equal gradients "
        "and stay equal forever), or the updates made them equal: fit_gradient moves the "
        "parameters by Adam with the gradient your nll_grad returns (its checks say whether "
        "it is right; the hidden replay check whether your Adam step is)"),
    Bug(P + "fit_gradient.global_rng", "draws from numpy's global generator", RNG),
    Bug(P + "em_fit.records_nll", "loglik_history holds the NLL",
        "your history is positive and decreasing: it looks like the negative log-likelihood; "
        "record the log-likelihood sum_i log p(x_i), which EM never decreases"),
    Bug(P + "em_fit.returns_sigmas", "returns sigma instead of log sigma",
        "your lsigmas look like the standard deviations themselves: return lsigmas = log sigma"),
    Bug(P + "em_fit.returns_weights", "returns pi instead of logits",
        "your logits look like the weights pi themselves: return logits = log pi"),
    Bug(P + "em_fit.identical", "identical components",
        "all your components are identical. Either they started identical (draw the initial "
        "means from rng, e.g. K distinct data points: components that start equal get equal "
        "responsibilities and stay equal forever), or a step made them equal: em_fit's step is "
        "mstep(x, softmax(mixture_posterior_logits(x, ...), axis=1)); the replay check says "
        "whether yours is, and the mixture_posterior_logits and mstep checks whether those are "
        "right on their own inputs"),
    Bug(P + "em_fit.global_rng", "draws from numpy's global generator", RNG),
]

CATALOGUE = catalogue(LIKELIHOOD + POSTERIOR + GRADIENT + MSTEP + FITS)


def bug(name: str) -> Bug:
    """The bug ``gmm_likelihood.<name>``."""
    return CATALOGUE[P + name]
