"""Reference solution of ``gmm_likelihood``: the log-likelihood of a 1-D Gaussian mixture with
logsumexp, and the mixture fitted two ways (Adam on the negative log-likelihood, then EM).

Never reaches students. The source notebook's solution cells hold the same functions (a test
compares their syntax trees), and the hidden checks compare students' work with this module.

Conventions (ASSIGNMENTS.md): x is a column (N, 1); logits, means, lsigmas are (K,) with
pi = softmax(logits) and sigma = exp(lsigmas). Broadcasting x (N, 1) against a (K,) array gives
the (N, K) table of every point against every component.
"""
import matplotlib.pyplot as plt
import numpy as np
from scipy.special import logsumexp, softmax
from tqdm.auto import tqdm

# The ground truth mixture of the lecture: K = 5 components.
gt_logits = np.log([1 / 4, 1 / 4, 1 / 6, 1 / 6, 1 / 6])
gt_means = np.array([1.0, -0.5, -2, .5, 3])
gt_lsigmas = np.log([.5, 1.0, .2, .1, .5])

LOG_2PI = np.log(2 * np.pi)

# Side question: np.mean(np.exp(log_px)) over np.linspace(-5, 5, 1000) is about
# (1 / 10) * (the mass of the mixture inside [-5, 5]) = 0.1 (0.0999 exactly on that grid).
expected_mean_density = 0.1


def mixture_likelihood(x, logits, means, lsigmas):
    """The log-likelihood of every data point under the mixture, log p(x_i).

    log p(x_i) = logsumexp_k [ log pi_k + log N(x_i | mu_k, sigma_k^2) ], with
    log pi = logits - logsumexp(logits) and
    log N(x | mu, sigma^2) = -log sigma - log(2 pi) / 2 - (x - mu)^2 / (2 sigma^2).

    Args:
        x: array of shape (N, 1), the data points.
        logits: array of shape (K,), the mixture weights are pi = softmax(logits).
        means: array of shape (K,), the component means mu_k.
        lsigmas: array of shape (K,), log standard deviations: sigma_k = exp(lsigmas[k]).

    Returns:
        log_px: array of shape (N,), log p(x_i), finite even far from every component.
    """
    log_pi = logits - logsumexp(logits)                                      # (K,)
    z = (x - means) / np.exp(lsigmas)                                        # (N, K)
    log_joint = log_pi - lsigmas - 0.5 * LOG_2PI - 0.5 * z ** 2              # (N, K)
    return logsumexp(log_joint, axis=1)                                      # (N,)


def plot_density(logits, means, lsigmas):
    """Plot the mixture density p(x) over np.linspace(-5, 5, 1000) on the current axes.

    Args:
        logits: array of shape (K,), the mixture weights are pi = softmax(logits).
        means: array of shape (K,), the component means.
        lsigmas: array of shape (K,), log standard deviations.

    Returns:
        log_px: array of shape (1000,), log p(x) at the grid points.
    """
    grid = np.linspace(-5, 5, 1000)                                          # (1000,)
    log_px = mixture_likelihood(grid[:, None], logits, means, lsigmas)       # (1000,)
    plt.plot(grid, np.exp(log_px), label="mixture density p(x)")
    return log_px


def mixture_posterior_logits(x, logits, means, lsigmas):
    """The logits of the posterior p(z_i = k | x_i): log pi_k + log N(x_i | mu_k, sigma_k^2).

    By Bayes' rule p(z_i = k | x_i) is proportional to pi_k N(x_i | mu_k, sigma_k^2), so these
    logits (the log joint log p(x_i, z_i = k)) give the responsibilities after a softmax over
    the components of each row. Any constant per row may be added.

    Args:
        x: array of shape (N, 1), the data points.
        logits: array of shape (K,), the mixture weights are pi = softmax(logits).
        means: array of shape (K,), the component means.
        lsigmas: array of shape (K,), log standard deviations.

    Returns:
        log_joint: array of shape (N, K), finite even far from every component.
    """
    log_pi = logits - logsumexp(logits)                                      # (K,)
    z = (x - means) / np.exp(lsigmas)                                        # (N, K)
    return log_pi - lsigmas - 0.5 * LOG_2PI - 0.5 * z ** 2                   # (N, K)


def nll_grad(x, logits, means, lsigmas):
    """The gradient of the negative total log-likelihood NLL = -sum_i log p(x_i) (a sum over
    the points, not a mean), as derived in Question 2 with the responsibilities r_ik.

    Args:
        x: array of shape (N, 1), the data points.
        logits: array of shape (K,).
        means: array of shape (K,).
        lsigmas: array of shape (K,).

    Returns:
        (d_logits, d_means, d_lsigmas): three arrays of shape (K,), the derivatives of the NLL
        with respect to logits_k, mu_k and lsigmas_k.
    """
    # With R_k = sum_i r_ik and z_ik = (x_i - mu_k) / sigma_k: dNLL/dlogits_k = N pi_k - R_k,
    # dNLL/dmu_k = -sum_i r_ik z_ik / sigma_k, dNLL/dlsigmas_k = R_k - sum_i r_ik z_ik^2.
    log_joint = mixture_posterior_logits(x, logits, means, lsigmas)          # (N, K)
    resp = softmax(log_joint, axis=1)                                        # (N, K)
    nk = resp.sum(axis=0)                                                    # (K,)
    sigmas = np.exp(lsigmas)                                                 # (K,)
    z = (x - means) / sigmas                                                 # (N, K)
    d_logits = len(x) * softmax(logits) - nk                                 # (K,)
    d_means = -(resp * z).sum(axis=0) / sigmas                               # (K,)
    d_lsigmas = nk - (resp * z ** 2).sum(axis=0)                             # (K,)
    return d_logits, d_means, d_lsigmas


def fit_gradient(x, K, steps, learning_rate, rng):
    """Fit a K-component mixture to x by minimising the NLL with Adam.

    All parameters start near zero with a spread of 0.1 (drawn from rng), so that the
    components differ; each step records the NLL, then takes one Adam step (beta1 = 0.9,
    beta2 = 0.999, eps = 1e-8, with bias correction).

    Args:
        x: array of shape (N, 1), the data points.
        K: number of components (int).
        steps: number of Adam steps (int).
        learning_rate: Adam's step size (float).
        rng: a numpy.random.Generator, the only source of randomness.

    Returns:
        (logits, means, lsigmas, loss_history): three arrays of shape (K,), and loss_history, a
        list or an array of shape (steps,): the NLL -sum_i log p(x_i) before each step.
    """
    params = 0.1 * rng.standard_normal((3, K))               # (3, K): logits, means, lsigmas
    m = np.zeros_like(params)                                # (3, K) first moment
    v = np.zeros_like(params)                                # (3, K) second moment
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    loss_history = np.empty(steps)                           # (steps,)
    for t in tqdm(range(1, steps + 1), desc="Adam", leave=False):
        logits, means, lsigmas = params
        loss_history[t - 1] = -mixture_likelihood(x, logits, means, lsigmas).sum()
        grad = np.stack(nll_grad(x, logits, means, lsigmas))    # (3, K)
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad ** 2
        m_hat = m / (1 - beta1 ** t)
        v_hat = v / (1 - beta2 ** t)
        params = params - learning_rate * m_hat / (np.sqrt(v_hat) + eps)
    logits, means, lsigmas = params
    return logits, means, lsigmas, loss_history


def mstep(x, posterior):
    """The M-step: the parameters that maximise the expected complete-data log-likelihood.

    With R_k = sum_i r_ik: pi_k = R_k / N, mu_k = sum_i r_ik x_i / R_k and
    sigma_k^2 = sum_i r_ik (x_i - mu_k)^2 / R_k, about the new mean mu_k.

    Args:
        x: array of shape (N, 1), the data points.
        posterior: array of shape (N, K), the responsibilities r_ik; each row sums to 1.

    Returns:
        (logits, means, lsigmas): three arrays of shape (K,), with logits = log pi and
        lsigmas = log sigma.
    """
    nk = posterior.sum(axis=0)                                               # (K,)
    logits = np.log(nk / len(x))                                             # (K,)
    means = (posterior.T @ x)[:, 0] / nk                                     # (K,)
    variances = (posterior * (x - means) ** 2).sum(axis=0) / nk              # (K,)
    lsigmas = 0.5 * np.log(variances)                                        # (K,)
    return logits, means, lsigmas


def em_fit(x, K, steps, rng):
    """Fit a K-component mixture to x with EM.

    Starts from K distinct data points drawn with rng as means, the data's standard deviation
    for every component and equal weights; each step records the log-likelihood, then does an
    E-step (the responsibilities) and an M-step.

    Args:
        x: array of shape (N, 1), the data points.
        K: number of components (int).
        steps: number of EM iterations (int).
        rng: a numpy.random.Generator, the only source of randomness.

    Returns:
        (logits, means, lsigmas, loglik_history): three arrays of shape (K,), and
        loglik_history, a list or an array of shape (steps,): the log-likelihood
        sum_i log p(x_i) before each M-step (never decreasing).
    """
    logits = np.zeros(K)                                                     # (K,)
    means = rng.choice(x[:, 0], size=K, replace=False)                       # (K,)
    lsigmas = np.full(K, np.log(x.std()))                                    # (K,)
    loglik_history = np.empty(steps)                                         # (steps,)
    for step in tqdm(range(steps), desc="EM", leave=False):
        log_joint = mixture_posterior_logits(x, logits, means, lsigmas)      # (N, K)
        log_px = logsumexp(log_joint, axis=1, keepdims=True)                 # (N, 1)
        loglik_history[step] = log_px.sum()
        posterior = np.exp(log_joint - log_px)                               # (N, K)
        logits, means, lsigmas = mstep(x, posterior)
    return logits, means, lsigmas, loglik_history
