"""A worked example for the GMM1D lab: EM for a mixture of exactly TWO Gaussians in 1-D.

This file is complete and runs as it is (``python two_gaussian_1dgm.py``). It spells out every
step with separate variables for the two Gaussians (pi1, mu1, var1 and pi2, mu2, var2) so that
each equation of the lab can be read off the code.

Your GMM1D class in gmm1d.py must do the same for ANY number k of Gaussians. When you adapt this
code, replace "component 1, then component 2" by "every component j = 0, ..., k-1" (a loop over
range(self.num_gaussians), or numpy arrays with one column per component), and note:
  - the responsibilities are normalised by the sum over ALL k components, for each point;
    with two Gaussians gamma2 = 1 - gamma1, but that shortcut does not generalise;
  - the priors are the MEANS of the responsibilities (they sum to 1), not their sums;
  - each variance is taken about the NEW mean, so compute the means first;
  - var1 and var2 are variances (sigma squared): scipy.stats.norm.pdf wants the standard
    deviation, np.sqrt(var).
"""
import numpy as np
from scipy.stats import norm


def gaussian_pdf(x, mu, var):
    """The density N(x | mu, var) of a Gaussian with mean mu and VARIANCE var, at every x."""
    return np.exp(-(x - mu) ** 2 / (2 * var)) / np.sqrt(2 * np.pi * var)
    # the same as: norm.pdf(x, loc=mu, scale=np.sqrt(var))


def e_step(x, pi1, mu1, var1, pi2, mu2, var2):
    """Responsibilities of the two Gaussians for each point of x (a 1-D array of n points).

    By Bayes' rule, gamma1[i] = p(z_i = 1 | x_i) = pi1 N(x_i | mu1, var1) / p(x_i), where
    p(x_i) = pi1 N(x_i | mu1, var1) + pi2 N(x_i | mu2, var2). Likewise gamma2.
    """
    joint1 = pi1 * gaussian_pdf(x, mu1, var1)    # pi_1 N(x_i | mu_1, var_1), one per point
    joint2 = pi2 * gaussian_pdf(x, mu2, var2)
    total = joint1 + joint2                      # p(x_i): the sum over the components
    gamma1 = joint1 / total
    gamma2 = joint2 / total                      # gamma1 + gamma2 = 1 for every point
    return gamma1, gamma2


def m_step(x, gamma1, gamma2):
    """New parameters of both Gaussians from the responsibilities (each a 1-D array of n)."""
    n = len(x)
    N1 = np.sum(gamma1)                          # soft number of points in Gaussian 1
    N2 = np.sum(gamma2)

    pi1 = N1 / n                                 # = np.mean(gamma1)
    pi2 = N2 / n

    mu1 = np.sum(gamma1 * x) / N1                # weighted mean
    mu2 = np.sum(gamma2 * x) / N2

    var1 = np.sum(gamma1 * (x - mu1) ** 2) / N1  # weighted variance about the NEW mean
    var2 = np.sum(gamma2 * (x - mu2) ** 2) / N2
    return pi1, mu1, var1, pi2, mu2, var2


def log_likelihood(x, pi1, mu1, var1, pi2, mu2, var2):
    """sum_i log p(x_i): EM never decreases it."""
    px = pi1 * gaussian_pdf(x, mu1, var1) + pi2 * gaussian_pdf(x, mu2, var2)
    return np.sum(np.log(px))


def fit_two_gaussians(x, mu1, mu2, var1=1.0, var2=1.0, pi1=0.5, pi2=0.5, max_iters=100,
                      tol=1e-6):
    """EM from the given start. Returns the fitted (pi1, mu1, var1, pi2, mu2, var2) and the
    log-likelihood after each iteration."""
    history = []
    previous = -np.inf
    for _ in range(max_iters):
        gamma1, gamma2 = e_step(x, pi1, mu1, var1, pi2, mu2, var2)
        pi1, mu1, var1, pi2, mu2, var2 = m_step(x, gamma1, gamma2)
        current = log_likelihood(x, pi1, mu1, var1, pi2, mu2, var2)
        history.append(current)
        if current - previous < tol:
            break
        previous = current
    return (pi1, mu1, var1, pi2, mu2, var2), history


def main():
    # Synthetic data: 40% of the points from N(-2, 0.5^2), 60% from N(3, 1.5^2).
    rng = np.random.default_rng(0)
    n = 1000
    from_first = rng.random(n) < 0.4
    x = np.where(from_first, rng.normal(-2.0, 0.5, n), rng.normal(3.0, 1.5, n))

    (pi1, mu1, var1, pi2, mu2, var2), history = fit_two_gaussians(x, mu1=-1.0, mu2=1.0)

    print(f"EM ran {len(history)} iterations; log-likelihood {history[0]:.3f} -> {history[-1]:.3f}")
    print("              prior    mean   variance")
    print("truth 1       0.400  -2.000      0.250")
    print(f"fitted 1     {pi1:6.3f}  {mu1:6.3f}  {var1:9.3f}")
    print("truth 2       0.600   3.000      2.250")
    print(f"fitted 2     {pi2:6.3f}  {mu2:6.3f}  {var2:9.3f}")
    same = np.isclose(gaussian_pdf(0.3, mu1, var1), norm.pdf(0.3, mu1, np.sqrt(var1)))
    print(f"gaussian_pdf agrees with scipy.stats.norm.pdf (scale = sqrt(variance)): {same}")


if __name__ == "__main__":
    main()
