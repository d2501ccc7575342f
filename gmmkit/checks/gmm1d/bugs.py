"""The classic bugs of ``GMM1D.estep`` and ``GMM1D.mstep``: ids, what the mistake is, the hint.

Their values on each public check's inputs are stored by the build
(``autograder/gmm1d/variants.py`` computes them on the trusted side).
"""
from __future__ import annotations

from ..bugs import Bug, catalogue

SQRT_SCALE = ("self.variances holds sigma squared, but norm.pdf's `scale` (and the sigma of "
              "the Gaussian's formula) is the standard deviation: pass np.sqrt(self.variances[j])"
              " as the scale")

ESTEP_UNNORMALISED = Bug(
    "gmm1d.estep.unnormalised", "estep returns pi_j N(x_i | mu_j, sigma_j^2) without dividing by p(x_i)",
    "your rows are pi_j * N(x_i | mu_j, sigma_j^2) but are not divided by their sum p(x_i): "
    "divide each row by its sum over the components (gammas / gammas.sum(axis=1, keepdims=True))")
ESTEP_AXIS0 = Bug(
    "gmm1d.estep.axis0", "estep normalises over the points (axis=0) instead of the components",
    "each COLUMN of your gammas sums to 1: you normalised over the points (axis=0). Normalise "
    "each row over the k components instead: gammas / gammas.sum(axis=1, keepdims=True)")
ESTEP_NO_PRIORS = Bug(
    "gmm1d.estep.no_priors", "estep leaves out the priors",
    "the priors are missing: multiply each density by its prior self.priors[j] before normalising")
ESTEP_VARIANCE_AS_SCALE = Bug(
    "gmm1d.estep.variance_as_scale", "estep passes the variance where the standard deviation goes "
    "(norm.pdf(x, mu, variances))", SQRT_SCALE)
ESTEP_VARIANCE_AS_SCALE_UNNORMALISED = Bug(
    "gmm1d.estep.variance_as_scale_unnormalised", "estep passes the variance as the standard "
    "deviation and does not normalise the rows", SQRT_SCALE + "; and divide each row by its sum")
ESTEP_NO_SQRT = Bug(
    "gmm1d.estep.no_sqrt", "estep's normalising constant lacks the square root",
    "the Gaussian's normalising constant is 1 / sqrt(2 * pi * variance); the square root seems "
    "to be missing")
TWO_ONLY = Bug(
    "gmm1d.two_only", "the code handles only the first two Gaussians",
    "this model has more than two Gaussians, but your code seems to handle only the first two "
    "(e.g. gammas[:, 0] and gammas[:, 1], or 1 - gamma0): use every component, "
    "j in range(self.num_gaussians)")

MSTEP_NOT_STORED = Bug(
    "gmm1d.mstep.not_stored", "mstep returns the new parameters instead of storing them",
    "mstep must store its results in self.priors, self.means and self.variances "
    "(returning them is not enough)")
MSTEP_PRIORS_SUMS = Bug(
    "gmm1d.mstep.priors_sums", "the priors are the column sums N_j, not N_j / n",
    "the priors are the MEANS of the responsibilities' columns, N_j / n (they sum to 1), not "
    "their sums N_j")
MSTEP_MEANS_UNNORMALISED = Bug(
    "gmm1d.mstep.means_unnormalised", "the means are not divided by N_j",
    "divide the weighted sum by N_j = sum_i gammas[i, j]")
MSTEP_MEANS_BY_N = Bug(
    "gmm1d.mstep.means_by_n", "the means are divided by n instead of N_j",
    "divide the weighted sum by N_j = sum_i gammas[i, j], not by the number of points n")
MSTEP_VARIANCE_OLD_MEANS = Bug(
    "gmm1d.mstep.variance_old_means", "the variances are taken about the old means",
    "the variance uses the old means: compute the new means first, then the variance about "
    "them, sum_i gammas[i, j] (x_i - new mu_j)^2 / N_j")
MSTEP_VARIANCE_SQRT = Bug(
    "gmm1d.mstep.variance_sqrt", "self.variances holds the standard deviation",
    "self.variances holds the variance sigma^2, not the standard deviation sigma: do not take "
    "the square root")
MSTEP_VARIANCE_SQRT_OLD_MEANS = Bug(
    "gmm1d.mstep.variance_sqrt_old_means", "the standard deviation, about the old means",
    "self.variances holds the variance sigma^2, not sigma (no square root), and it is taken "
    "about the NEW means")
MSTEP_VARIANCE_BY_N = Bug(
    "gmm1d.mstep.variance_by_n", "the variances are divided by n instead of N_j",
    "divide by N_j = sum_i gammas[i, j], not by n")
MSTEP_VARIANCE_UNNORMALISED = Bug(
    "gmm1d.mstep.variance_unnormalised", "the variances are not divided by N_j",
    "divide the weighted sum of squares by N_j = sum_i gammas[i, j]")
MSTEP_COLUMN_MEANS = Bug(
    "gmm1d.mstep.column_means", "the means are a (k, 1) column (gammas.T @ X)",
    "X has shape (n, 1), so gammas.T @ X has shape (k, 1): use the column as a vector, "
    "x = X[:, 0], or flatten the result")

CATALOGUE = catalogue([
    ESTEP_UNNORMALISED, ESTEP_AXIS0, ESTEP_NO_PRIORS, ESTEP_VARIANCE_AS_SCALE,
    ESTEP_VARIANCE_AS_SCALE_UNNORMALISED, ESTEP_NO_SQRT, TWO_ONLY, MSTEP_NOT_STORED,
    MSTEP_PRIORS_SUMS, MSTEP_MEANS_UNNORMALISED, MSTEP_MEANS_BY_N, MSTEP_VARIANCE_OLD_MEANS,
    MSTEP_VARIANCE_SQRT, MSTEP_VARIANCE_SQRT_OLD_MEANS, MSTEP_VARIANCE_BY_N,
    MSTEP_VARIANCE_UNNORMALISED, MSTEP_COLUMN_MEANS])

# The bugs of each method, in the order a diagnosis tries them.
ESTEP_BUGS = [ESTEP_UNNORMALISED.id, ESTEP_AXIS0.id, ESTEP_NO_PRIORS.id, ESTEP_VARIANCE_AS_SCALE.id,
              ESTEP_VARIANCE_AS_SCALE_UNNORMALISED.id, ESTEP_NO_SQRT.id]
MSTEP_BUGS = {"priors": [MSTEP_PRIORS_SUMS.id],
              "means": [MSTEP_MEANS_UNNORMALISED.id, MSTEP_MEANS_BY_N.id],
              "variances": [MSTEP_VARIANCE_OLD_MEANS.id, MSTEP_VARIANCE_SQRT.id,
                            MSTEP_VARIANCE_SQRT_OLD_MEANS.id, MSTEP_VARIANCE_BY_N.id,
                            MSTEP_VARIANCE_UNNORMALISED.id]}
