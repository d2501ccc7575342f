"""What the assignment states and what the checks allow: known values, tolerances, and the
formulas a hint falls back on when no classic bug explains an answer."""
from __future__ import annotations

import numpy as np

# ASSIGNMENTS.md: the first Old Faithful row, standardised with the sample standard deviation.
FAITHFUL_FIRST_ROW = np.array([0.098318, 0.596025])
FIRST_ROW_ATOL = 2e-6                # the stated value has six decimals

STANDARDIZE_RTOL, STANDARDIZE_ATOL = 1e-5, 1e-6
RTOL, ATOL = 1e-4, 1e-6              # em_step: float32 work passes, every classic bug is far off
BUG_TOL = {"rtol": 1e-3, "atol": 1e-5}   # how close an answer must be to a classic bug's value
BIC_RTOL = 1e-6
BIC_BUG_TOL = {"rtol": 1e-6, "atol": 1e-6}
N_LARGE = 40_000                     # points for judging a sampler's distribution
Z_MAX = 7.0                          # standard errors allowed for a sampled statistic

STANDARDIZE_FORMULA = ("z_nj = (x_nj - mean_j) / s_j for every column j, with s_j the sample "
                       "standard deviation: (X - X.mean(axis=0)) / X.std(axis=0, ddof=1)")
ESTEP_FORMULA = ("r_nk = pi_k N(x_n | mu_k, Sigma_k) / sum_j pi_j N(x_n | mu_j, Sigma_j), "
                 "computed in log space: log r = log_joint - logsumexp(log_joint, axis=1, "
                 "keepdims=True)")
MSTEP_FORMULA = ("with N_k = r[:, k].sum(): pi_k = N_k / N, mu_k = sum_n r_nk x_n / N_k, "
                 "Sigma_k = sum_n r_nk (x_n - mu_k)(x_n - mu_k)^T / N_k about the NEW mu_k")
SAMPLE_RECIPE = ("draw labels z_i ~ Categorical(pi) (rng.choice(K, size=n, p=pi)), then "
                 "x_i = mu[z_i] + L[z_i] @ eps_i with eps_i ~ N(0, I) and L_k = "
                 "np.linalg.cholesky(cov[k]), so that Cov(x_i | z_i = k) = L_k L_k^T = Sigma_k")
RNG_HINT = ("draw every random number from the rng argument (rng.choice, rng.standard_normal, "
            "rng.multivariate_normal), never from np.random.* (numpy's global generator) or a "
            "new np.random.default_rng() made inside the function")
BIC_FORMULA = ("BIC = -2 log p(X | theta) + P log N with the total log-likelihood "
               "log p(X | theta) = sum_n logsumexp_k(log pi_k + log N(x_n | mu_k, Sigma_k)) and "
               "P = (K - 1) + K d + K d (d + 1) / 2 free parameters")


def fmt(a, precision=4) -> str:
    """An array on one line (a message names its inputs without breaking the sentence)."""
    return np.array2string(np.asarray(a, dtype=float), precision=precision, separator=", ",
                           threshold=12, edgeitems=3, suppress_small=True,
                           max_line_width=10_000).replace("\n", "")
