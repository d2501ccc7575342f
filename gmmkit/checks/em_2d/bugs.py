"""The classic bugs of em_2d: a stable id, the mistake, and the hint that fixes it.

Their values on the public checks' inputs are stored by the build
(``autograder/em_2d/expected.py``); the code that computes them lives on the trusted side
(``autograder/em_2d/variants.py``), never here.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from ..bugs import Bug, catalogue, matches

P = "P = (K - 1) + K d + K d (d + 1) / 2"

STANDARDIZE = [
    Bug("em_2d.standardize.population_std", "divided by the population std (ddof=0)",
        "you divided by the population standard deviation (np.std's default ddof=0 divides by "
        "N); the sample standard deviation divides by N - 1: X.std(axis=0, ddof=1)"),
    Bug("em_2d.standardize.variance", "divided by the variance",
        "you divided by the variance: divide by the standard deviation, its square root"),
    Bug("em_2d.standardize.not_scaled", "centred, not scaled",
        "the columns are centred but not scaled: divide by their standard deviation"),
    Bug("em_2d.standardize.not_centred", "scaled, not centred",
        "the columns are scaled but not centred: subtract their mean first"),
    Bug("em_2d.standardize.rows", "standardised the rows (axis=1)",
        "you standardised each row (axis=1): standardise each column, axis=0"),
    Bug("em_2d.standardize.global", "one mean and std for the whole array",
        "you used one mean and one standard deviation for the whole array: standardise each "
        "column separately, axis=0"),
]

ESTEP = [
    Bug("em_2d.em_step.unnormalised", "E-step rows not normalised",
        "your rows are not normalised: divide each row of pi_k N(x_n | mu_k, Sigma_k) by its "
        "sum over the components (axis=1)"),
    Bug("em_2d.em_step.axis0", "E-step normalised over the points (axis=0)",
        "you normalised over the points (axis=0): responsibilities sum to one over the "
        "components, axis=1"),
    Bug("em_2d.em_step.no_weights", "E-step without the weights pi_k",
        "the weights pi_k are missing: r_nk is proportional to pi_k N(x_n | mu_k, Sigma_k)"),
    Bug("em_2d.em_step.no_logdet", "E-step without the normalising constant |2 pi Sigma_k|",
        "the normalising constant |2 pi Sigma_k|^(-1/2) is missing: it differs between "
        "components, so keep the log-determinant term"),
    Bug("em_2d.em_step.cov_not_inverted", "quadratic form with Sigma_k, not its inverse",
        "the quadratic form uses Sigma_k: it needs the inverse, (x - mu_k)^T Sigma_k^{-1} "
        "(x - mu_k)"),
    Bug("em_2d.em_step.no_half", "quadratic form without the factor 1/2",
        "the quadratic form needs a factor 1/2: log N = -0.5 * (d log 2 pi + log|Sigma_k| + "
        "(x - mu_k)^T Sigma_k^{-1} (x - mu_k))"),
    Bug("em_2d.em_step.sign", "log-density with the sign flipped",
        "the sign of the log-density is flipped: log N = -0.5 * (...)"),
    Bug("em_2d.em_step.log_r", "returned log-responsibilities",
        "these look like log-responsibilities: return r = np.exp(log r)"),
    Bug("em_2d.em_step.underflow", "E-step outside log space (0/0 far from every component)",
        "some points are far from every component, so every pi_k N(x_n | mu_k, Sigma_k) "
        "underflows to 0 and normalising gives 0/0: compute r in log space, log r = log_joint - "
        "logsumexp(log_joint, axis=1, keepdims=True)"),
]

MSTEP = [
    Bug("em_2d.em_step.pi_counts", "pi = N_k, not N_k / N",
        "pi_k = N_k / N: divide the soft counts N_k by the number of points N"),
    Bug("em_2d.em_step.pi_unchanged", "pi returned unchanged",
        "pi was returned unchanged: update it, pi_k = N_k / N"),
    Bug("em_2d.em_step.mu_over_n", "mean divided by N",
        "divide the weighted sum by N_k = sum_n r_nk, not by N"),
    Bug("em_2d.em_step.mu_not_divided", "mean not divided by N_k",
        "divide the weighted sum sum_n r_nk x_n by N_k = sum_n r_nk"),
    Bug("em_2d.em_step.mu_unweighted", "mean not weighted by r",
        "the mean is not weighted: mu_k = sum_n r_nk x_n / N_k"),
    Bug("em_2d.em_step.mu_unchanged", "mu returned unchanged", "mu was returned unchanged: "
        "update it"),
    Bug("em_2d.em_step.cov_not_centred", "covariance not centred",
        "the covariance is not centred: use the deviations x_n - mu_k, "
        "Sigma_k = sum_n r_nk (x_n - mu_k)(x_n - mu_k)^T / N_k"),
    Bug("em_2d.em_step.cov_old_mean", "covariance about the old mean",
        "the deviations are taken about the old mean (the mu you were given): compute the new "
        "mu_k first and centre on it"),
    Bug("em_2d.em_step.cov_over_n", "covariance divided by N",
        "divide by N_k = sum_n r_nk, not by N"),
    Bug("em_2d.em_step.cov_not_divided", "covariance not divided by N_k",
        "divide the weighted scatter by N_k = sum_n r_nk"),
    Bug("em_2d.em_step.cov_nk_minus_1", "covariance divided by N_k - 1",
        "the maximum-likelihood covariance divides by N_k, not N_k - 1"),
    Bug("em_2d.em_step.cov_unweighted", "covariance not weighted, over N",
        "the covariance is not weighted by r_nk"),
    Bug("em_2d.em_step.cov_unweighted_nk", "covariance not weighted, over N_k",
        "weight every deviation by r_nk: Sigma_k = sum_n r_nk (x_n - mu_k)(x_n - mu_k)^T / N_k"),
    Bug("em_2d.em_step.cov_diagonal", "only the variances",
        "only the diagonal (the variances) was computed: a full covariance has the "
        "off-diagonal covariances too, use the outer products (x_n - mu_k)(x_n - mu_k)^T"),
]

SAMPLE = [
    Bug("em_2d.sample_gmm.cov_itself", "noise multiplied by Sigma_k",
        "the noise was multiplied by the covariance Sigma_k itself, which gives covariance "
        "Sigma_k Sigma_k^T: multiply by a square root of it, the Cholesky factor "
        "L_k = np.linalg.cholesky(Sigma_k), x = mu_k + L_k @ eps"),
    Bug("em_2d.sample_gmm.cholesky_transposed", "Cholesky factor applied transposed",
        "the Cholesky factor was applied transposed (L_k.T @ eps, or eps @ L_k): use L_k @ eps "
        "for a column eps, or eps @ L_k.T for rows, so that Cov = L_k L_k^T"),
    Bug("em_2d.sample_gmm.entrywise_sqrt", "np.sqrt(Sigma_k) as a square root",
        "np.sqrt(Sigma_k) is the square root of each entry, not a matrix square root: use the "
        "Cholesky factor L_k = np.linalg.cholesky(Sigma_k)"),
    Bug("em_2d.sample_gmm.diagonal_only", "correlations lost",
        "the correlations (the off-diagonal entries of Sigma_k) were lost, as if each "
        "coordinate were drawn on its own: transform eps by the Cholesky factor of the full "
        "Sigma_k"),
    Bug("em_2d.sample_gmm.unscaled", "noise not scaled",
        "the noise was not scaled: x = mu_k + L_k @ eps with L_k the Cholesky factor of "
        "Sigma_k"),
    Bug("em_2d.sample_gmm.sqrt_std", "noise scaled by sqrt of the std",
        "the noise looks scaled by the standard deviations twice or by their square roots: use "
        "the Cholesky factor L_k of Sigma_k"),
    Bug("em_2d.sample_gmm.uniform_labels", "labels drawn uniformly",
        "the labels look uniform: draw them with the weights, rng.choice(K, size=n, p=pi)"),
    Bug("em_2d.sample_gmm.labels_mismatch", "labels do not match the points",
        "the points with label k do not look like component k, while the sample as a whole "
        "may: do your labels match your points? Return the z you used to pick each point's "
        "mean and covariance, in the same order as X (if you shuffle or sort X, apply the same "
        "permutation to the labels)"),
    Bug("em_2d.sample_gmm.rng_ignored", "sample does not depend on rng",
        "draw every random number from the rng argument (rng.choice, rng.standard_normal, "
        "rng.multivariate_normal): a sample that does not change with the generator is not "
        "random"),
    Bug("em_2d.sample_gmm.global_consulted", "draws from numpy's global generator",
        "draw every random number from the rng argument (rng.choice, rng.standard_normal, "
        "rng.multivariate_normal), never from np.random.* (numpy's global generator) or a new "
        "np.random.default_rng() made inside the function"),
    Bug("em_2d.sample_gmm.global_changed", "changes numpy's global generator",
        "leave numpy's global generator alone: no np.random.seed(...) and no np.random.* "
        "draws inside sample_gmm; the caller controls the randomness through rng"),
]

BIC = [
    Bug("em_2d.bic.weights_missing", "parameter count without the K - 1 weights",
        "the K - 1 free mixture weights are missing from the parameter count (K weights "
        f"summing to 1 have K - 1 free): {P}"),
    Bug("em_2d.bic.k_weights", "K weights counted instead of K - 1",
        f"the weights sum to 1, so only K - 1 of them are free, not K: {P}"),
    Bug("em_2d.bic.cov_d_squared", "covariance counted as d * d entries",
        f"a covariance matrix is symmetric: it has d (d + 1) / 2 free entries, not d * d: {P}"),
    Bug("em_2d.bic.cov_diagonal", "covariance counted as d entries",
        "a full covariance has d (d + 1) / 2 free entries (variances and covariances), not "
        f"d: {P}"),
    # The two commonest count slips give the same deficit, K d, on every input: name both.
    Bug("em_2d.bic.kd_short", "count K d short: means missing, or covariance as d (d - 1) / 2",
        "the parameter count is K d short, and two mistakes give exactly that: either the K d "
        "entries of the means are missing, or each covariance was counted with d (d - 1) / 2 "
        "entries (the off-diagonal ones only) instead of d (d + 1) / 2 (the variances too): "
        f"{P}"),
    Bug("em_2d.bic.sign", "log-likelihood term with the wrong sign",
        "the sign of the log-likelihood term is flipped: BIC = -2 log p(X | theta) + P log N"),
    Bug("em_2d.bic.no_factor_2", "log-likelihood term without the factor -2",
        "the log-likelihood term needs a factor -2: BIC = -2 log p(X | theta) + P log N"),
    Bug("em_2d.bic.half_penalty", "penalty P log N / 2",
        "the penalty is P log N, not P log N / 2 (that is the convention of -BIC/2)"),
    Bug("em_2d.bic.half", "half the BIC",
        "this is half the BIC: scikit-learn's convention is -2 log p(X | theta) + P log N"),
    Bug("em_2d.bic.mean_loglik", "mean log-likelihood instead of the sum",
        "use the total log-likelihood (a sum over the points), not its mean"),
    Bug("em_2d.bic.log10", "log10 N", "use the natural logarithm of N, np.log, not np.log10"),
    Bug("em_2d.bic.log2", "log2 N", "use the natural logarithm of N, np.log, not np.log2"),
    Bug("em_2d.bic.no_log_n", "penalty P instead of P log N",
        "the penalty is P log N: multiply the parameter count by np.log(N)"),
    Bug("em_2d.bic.aic", "the AIC", "this is the AIC (penalty 2P): the BIC's penalty is P log N"),
    Bug("em_2d.bic.underflow", "log-likelihood outside log space",
        "a density that underflows to 0 gives log 0 = -inf: compute the log-likelihood with "
        "logsumexp over log pi_k + log N(x_n | mu_k, Sigma_k)"),
]

CATALOGUE = catalogue(STANDARDIZE + ESTEP + MSTEP + SAMPLE + BIC)


def every_cause(got, bugs: dict, tol: Optional[dict] = None) -> Optional[Bug]:
    """The classic bug whose value (``bugs``: {id: value}, in the order tried) ``got`` matches;
    when several give that value on these inputs, one Bug whose hint names every one of them
    (recorded under the first one's id); None when none does. A stored number comes back as an
    array of one entry, and is compared as a number."""
    got = np.asarray(got)
    found = []
    for bug_id, value in bugs.items():
        value = np.asarray(value)
        if got.ndim == 0 and value.size == 1:
            value = value.reshape(())
        if matches(got, value, tol):
            found.append(CATALOGUE[bug_id])
    if len(found) <= 1:
        return found[0] if found else None
    causes = "; or ".join(f"({i}) {b.hint}" for i, b in enumerate(found, 1))
    return Bug(found[0].id, found[0].description,
               f"{len(found)} mistakes give exactly this value here: {causes}")
