"""The GMM1D lab: fit a mixture of k Gaussians to 1-D data with the EM algorithm.

A 1-D Gaussian mixture with k components has, for each component j = 0, ..., k-1,

    a prior       pi_j       (the priors are >= 0 and sum to 1)
    a mean        mu_j
    a variance    sigma_j^2  (sigma squared, not sigma)

and the density p(x) = sum_j pi_j * N(x | mu_j, sigma_j^2). EM alternates two steps:

  E-step: the responsibility of component j for point x_i (Bayes' rule)

      gamma_ij = pi_j N(x_i | mu_j, sigma_j^2) / sum_l pi_l N(x_i | mu_l, sigma_l^2)

  M-step: with N_j = sum_i gamma_ij (the soft count of component j) and n points,

      pi_j      = N_j / n                                  (the mean of column j)
      mu_j      = sum_i gamma_ij x_i / N_j                 (a weighted mean)
      sigma_j^2 = sum_i gamma_ij (x_i - mu_j)^2 / N_j      (a weighted variance,
                                                            about the NEW mu_j)

Your task: fill in ``GMM1D.estep`` and ``GMM1D.mstep``. Everything else in this file is given
and already works; read it, it shows how your two methods are used. Your code must work for any
number of Gaussians (k = 1, 2, 3, ...), not just two: ``two_gaussian_1dgm.py``, handed out with
this file, is a complete 2-Gaussian version of the same algorithm to learn from. A plain
implementation of the equations above (scipy.stats.norm.pdf or the formula, then normalise) is
all that is asked; loops are allowed, though numpy's vectorised operations are faster.

Shapes: the data X is a column of shape (n, 1); priors, means and variances have shape (k,);
the responsibilities ``gammas`` have shape (n, k), each row summing to 1.

Check yourself as you go: ``python check_gmm1d.py`` in this folder runs the public checks on
your file and saves a plot of your fit to gmm1d_fit.png. In Python or a notebook:

    from gmmkit.checks import check
    import gmm1d
    check("gmm1d", gmm1d.GMM1D)

Submit this file, gmm1d.py, to Gradescope. More checks run there after the deadline: they test
other numbers of Gaussians, other data, and a full fit.
"""
import numpy as np
from scipy.special import logsumexp
from scipy.stats import norm


class GMM1D:
    """A mixture of ``num_gaussians`` Gaussians in one dimension, fitted by EM.

    Attributes
    ----------
    num_gaussians : int
        k, the number of components.
    priors : np.ndarray, shape (k,)
        The mixing weights pi_j; non-negative, summing to 1.
    means : np.ndarray, shape (k,)
        The means mu_j.
    variances : np.ndarray, shape (k,)
        The variances sigma_j^2 (sigma squared).
    """

    def __init__(self, num_gaussians, means=None, variances=None, priors=None, seed=None):
        """A model with the given parameters, or a seeded random start for those left as None.

        The random start draws the means uniformly from [-2, 2] (sorted, so that component 0
        is the leftmost) with ``np.random.default_rng(seed)``, sets every variance to 1 and
        every prior to 1/k. It suits standardised data (mean 0, variance 1); for other data
        pass means and variances chosen from the data, e.g. ``means=np.quantile(X, [.2, .5, .8])``.
        """
        k = int(num_gaussians)
        if k < 1:
            raise ValueError(f"num_gaussians must be at least 1, got {num_gaussians}")
        self.num_gaussians = k
        rng = np.random.default_rng(seed)
        if means is None:
            means = np.sort(rng.uniform(-2.0, 2.0, size=k))
        if variances is None:
            variances = np.ones(k)
        if priors is None:
            priors = np.full(k, 1.0 / k)
        self.means = self._parameter(means, "means")
        self.variances = self._parameter(variances, "variances")
        self.priors = self._parameter(priors, "priors")
        if np.any(self.variances <= 0):
            raise ValueError(f"variances must be positive, got {self.variances}")
        if np.any(self.priors < 0) or not np.isclose(self.priors.sum(), 1.0):
            raise ValueError(f"priors must be non-negative and sum to 1, got {self.priors}")

    def _parameter(self, value, name):
        """A fresh float array of shape (k,), so the model never shares the caller's array."""
        array = np.array(value, dtype=float).reshape(-1)
        if array.shape != (self.num_gaussians,):
            raise ValueError(f"{name} must have {self.num_gaussians} entries (one per Gaussian), "
                             f"got {np.size(value)}")
        return array

    def estep(self, X):
        """The E-step: the responsibility of every component for every point.

        X: the data, shape (n, 1).
        Returns gammas, shape (n, k), where

            gammas[i, j] = pi_j N(x_i | mu_j, sigma_j^2) / sum_l pi_l N(x_i | mu_l, sigma_l^2)

        so that each row is a probability distribution over the k components (sums to 1).
        The parameters are self.priors, self.means and self.variances (sigma squared:
        scipy.stats.norm.pdf takes the standard deviation, sigma). Do not change them here.
        """
        # YOUR CODE HERE
        raise NotImplementedError()

    def mstep(self, X, gammas):
        """The M-step: new priors, means and variances from the responsibilities.

        X: the data, shape (n, 1). gammas: the responsibilities, shape (n, k), rows summing to 1.
        With N_j = sum_i gammas[i, j], set

            priors[j]    = N_j / n                                   (the mean of column j)
            means[j]     = sum_i gammas[i, j] * x_i / N_j
            variances[j] = sum_i gammas[i, j] * (x_i - means[j])**2 / N_j

        where means[j] in the last line is the NEW mean, just computed. Store the results in
        self.priors, self.means and self.variances, each of shape (k,) (assign new arrays or
        write into the existing ones). Nothing needs to be returned.
        """
        # YOUR CODE HERE
        raise NotImplementedError()

    def log_likelihood(self, X):
        """The log-likelihood of the data, sum_i log p(x_i), as a float. Given."""
        x = np.asarray(X, dtype=float).reshape(-1, 1)
        with np.errstate(divide="ignore"):
            log_joint = np.log(self.priors) + norm.logpdf(x, self.means, np.sqrt(self.variances))
        return float(logsumexp(log_joint, axis=1).sum())

    def fit(self, X, max_iters=100, tol=1e-6):
        """Run EM from the current parameters. Given.

        Each iteration runs the E-step, then the M-step, and records the log-likelihood of the
        new parameters. EM never decreases it; the loop stops after ``max_iters`` iterations or
        as soon as an iteration improves it by less than ``tol``.

        Returns the list of log-likelihoods, one per iteration.
        """
        history = []
        previous = -np.inf
        for _ in range(max_iters):
            gammas = self.estep(X)
            self.mstep(X, gammas)
            current = self.log_likelihood(X)
            history.append(current)
            if current - previous < tol:
                break
            previous = current
        return history
