"""The classic bugs of ``iris_em``: a stable id, the mistake, and the hint that fixes it.

Only words live here. What each bug gives on a public check's inputs is stored by the build
(``gmmkit/checks/expected/iris_em.npz``); the code that computes it is on the trusted side
(``autograder/iris_em/variants.py``).
"""
from __future__ import annotations

from ..bugs import Bug, catalogue

REG_HINT = ("if you add a ridge to the covariances against singular ones, keep it tiny: "
            "1e-6 * np.eye(d)")

# --- E_step --------------------------------------------------------------------------------
ESTEP_AXIS0 = Bug("iris_em.E_step.axis0", "responsibilities normalised over the points",
                  "each COLUMN of your r sums to 1: you normalised over the points (axis=0). "
                  "Normalise each row over the k components: r / r.sum(axis=1, keepdims=True), "
                  "or subtract logsumexp(a, axis=1, keepdims=True) in log space")
ESTEP_UNNORMALISED = Bug("iris_em.E_step.unnormalised", "pi_j N(x_i | j) not divided by p(x_i)",
                         "your rows are pi_j N(x_i | mu_j, cov_j), not divided by their sum "
                         "p(x_i): divide each row by its sum over the components (axis=1)")
ESTEP_NO_PI = Bug("iris_em.E_step.no_pi", "the weights pi left out of Bayes' rule",
                  "the weights are missing: multiply each density by pi_j (add log pi_j in log "
                  "space)")
ESTEP_LOG_R = Bug("iris_em.E_step.log_r", "log-responsibilities returned",
                  "you returned log r (the log-responsibilities): exponentiate them, "
                  "r = np.exp(log_r)")
ESTEP_PRECISION = Bug("iris_em.E_step.precision", "the inverse of cov used as the covariance",
                      "the densities look computed with the inverse of cov_j: cov[j] is the "
                      "covariance itself; pass it as it is (multivariate_normal.pdf(x, mu[j], "
                      "cov[j]))")
ESTEP_NO_DET = Bug("iris_em.E_step.no_det", "the |cov_j|^(-1/2) factor left out",
                   "the factor |cov_j|^(-1/2) of the Gaussian density is missing: it differs "
                   "from component to component, so it does not cancel in the normalisation")
ESTEP_TRANSPOSED = Bug("iris_em.E_step.transposed", "r returned as (k, n)",
                       "you returned the transpose: r has one row per point and one column per "
                       "component")
ESTEP_BUGS = [ESTEP_AXIS0, ESTEP_UNNORMALISED, ESTEP_NO_PI, ESTEP_LOG_R, ESTEP_PRECISION,
              ESTEP_NO_DET]

# --- M_step --------------------------------------------------------------------------------
PI_COUNTS = Bug("iris_em.M_step.pi_counts", "pi = R_j, not R_j / n",
                "pi holds the sums R_j of the columns of r: divide them by n, pi = R_j / n, so "
                "that pi sums to 1")
PI_UNIFORM = Bug("iris_em.M_step.pi_uniform", "pi = 1/k whatever r",
                 "pi is 1/k for every component: compute it from the responsibilities, "
                 "pi = R_j / n")
MU_UNNORMALISED = Bug("iris_em.M_step.mu_unnormalised", "means not divided by R_j",
                      "the means are not normalised: divide the weighted sum r.T @ X by R_j, "
                      "i.e. by r.sum(axis=0)[:, None]")
MU_BY_N = Bug("iris_em.M_step.mu_by_n", "means divided by n instead of R_j",
              "divide the weighted sum by R_j = sum_i r[i, j], the effective number of points "
              "of component j, not by n")
MU_PLAIN = Bug("iris_em.M_step.mu_plain", "every mean the plain mean of X",
               "every mean is the plain mean of X: weight the points by r[:, j]")
COV_UNCENTRED = Bug("iris_em.M_step.cov_uncentred", "covariance of x_i, not x_i - mu_j",
                    "the covariance is not centred: use the deviations x_i - mu[j] from the NEW "
                    "mean of component j, not x_i itself")
COV_DATA_MEAN = Bug("iris_em.M_step.cov_data_mean", "covariance centred on the data's mean",
                    "the covariance is centred on the mean of all the data: centre each "
                    "component on its own new mean, x_i - mu[j]")
COV_BY_N = Bug("iris_em.M_step.cov_by_n", "covariance divided by n instead of R_j",
               "divide the weighted sum of outer products by R_j = sum_i r[i, j], not by n")
COV_UNBIASED = Bug("iris_em.M_step.cov_unbiased", "covariance divided by R_j - 1",
                   "this is the unbiased covariance (1 / (R_j - 1), np.cov's default ddof=1): "
                   "the M-step's maximum-likelihood covariance divides by R_j "
                   "(np.cov(..., aweights=r[:, j], bias=True))")
COV_UNNORMALISED = Bug("iris_em.M_step.cov_unnormalised", "covariance not divided at all",
                       "the covariance is not normalised: divide by R_j = sum_i r[i, j]")
COV_R_SQUARED = Bug("iris_em.M_step.cov_r_squared", "outer products weighted by r squared",
                    "each outer product is weighted by r[i, j] squared (e.g. (r[:, j, None] * "
                    "diff).T @ (r[:, j, None] * diff)): weight it by r[i, j] once, "
                    "(r[:, j, None] * diff).T @ diff")
COV_PLAIN = Bug("iris_em.M_step.cov_plain", "every covariance the plain covariance of X",
                "every covariance is the plain covariance of X: weight the points by r[:, j]")
COV_RIDGE = Bug("iris_em.M_step.ridge_large", "a ridge far above 1e-6 on every covariance",
                "your covariances are the expected ones plus a constant times I: the ridge is "
                "too large; " + REG_HINT)
ARGS_SWAPPED = Bug("iris_em.M_step.args_swapped", "M_step(X, r) instead of M_step(r, X)",
                   "note the order of the arguments: M_step(r, X), the responsibilities first")
NO_EMPTY_GUARD = Bug("iris_em.M_step.no_empty_guard", "0 / 0 for an empty component",
                     "an empty component has R_j = sum_i r[i, j] = 0, so mu[j] = 0 / 0 = nan: "
                     "guard the division, e.g. R = r.sum(axis=0) + 10 * np.finfo(float).eps "
                     "(scikit-learn's way) or np.maximum(R, 1e-12); the empty component then "
                     "gets weight 0 and stays finite")
NO_RIDGE = Bug("iris_em.M_step.no_ridge", "no ridge: a one-point component is singular",
               "a component that owns a single point (or fewer than d + 1 points) has a "
               "singular covariance, and the next E-step cannot evaluate its density (division "
               "by a zero determinant): add a small ridge to every covariance, "
               "cov[j] += 1e-6 * np.eye(d), as scikit-learn's reg_covar does")
MSTEP_BUGS = {"pi": [PI_COUNTS, PI_UNIFORM], "mu": [MU_UNNORMALISED, MU_BY_N, MU_PLAIN],
              "cov": [COV_UNCENTRED, COV_DATA_MEAN, COV_BY_N, COV_UNBIASED, COV_UNNORMALISED,
                      COV_R_SQUARED, COV_PLAIN]}

# --- negativeloglikelihood -------------------------------------------------------------------
NLL_SIGN = Bug("iris_em.nll.sign", "the log-likelihood returned, not its negative",
               "the sign is wrong: return the NEGATIVE log-likelihood, -sum_i log p(x_i)")
NLL_MEAN = Bug("iris_em.nll.mean", "the mean over the points",
               "this is the mean over the points: return the sum, -sum_i log p(x_i)")
NLL_MEAN_LL = Bug("iris_em.nll.mean_ll", "the mean log-likelihood",
                  "this is the mean log-likelihood: return the negative SUM, -sum_i log p(x_i)")
NLL_LOG10 = Bug("iris_em.nll.log10", "log10 instead of the natural log",
                "use the natural logarithm (np.log), not log10")
NLL_NO_PI = Bug("iris_em.nll.no_pi", "the weights left out",
                "the weights are missing: p(x_i) = sum_j pi_j N(x_i | mu_j, cov_j)")
NLL_SUM_OF_LOGS = Bug("iris_em.nll.sum_of_logs", "sum of the logs instead of log of the sum",
                      "the log of the sum is not the sum of the logs: take log sum_j pi_j "
                      "N(x_i | mu_j, cov_j) per point (logsumexp over axis=1)")
NLL_COMPLETE = Bug("iris_em.nll.complete", "the expected complete-data log-likelihood",
                   "this is the expected complete-data log-likelihood (weighted by r), not the "
                   "log-likelihood: -sum_i log sum_j pi_j N")
NLL_MAX_ONLY = Bug("iris_em.nll.max_only", "only the best component of each point",
                   "only the best component of each point is counted: sum the weighted "
                   "densities over all components")
NLL_BUGS = [NLL_SIGN, NLL_MEAN, NLL_MEAN_LL, NLL_LOG10, NLL_NO_PI, NLL_SUM_OF_LOGS, NLL_COMPLETE,
            NLL_MAX_ONLY]

# --- init_params ---------------------------------------------------------------------------
INIT_EQUAL_MEANS = Bug("iris_em.init_params.equal_means", "two components start identical",
                       "components that start identical stay identical under EM (the E-step "
                       "splits the points equally between them): start them at different "
                       "places, e.g. k-means centres or k distinct data points")
INIT_GLOBAL_RNG = Bug("iris_em.init_params.global_rng", "randomness not from random_state",
                      "draw every random number from random_state: pass it on "
                      "(KMeans(..., random_state=random_state), or rng = "
                      "np.random.default_rng(random_state) and rng.choice(...)); never use "
                      "np.random.* (numpy's global generator), np.random.seed, "
                      "KMeans(random_state=None) or an unseeded np.random.default_rng()")

# --- fit -----------------------------------------------------------------------------------
FIT_LOG_LIKELIHOOD = Bug("iris_em.fit.log_likelihood", "the log-likelihood recorded",
                         "your loss increases steadily and is negative: it looks like the "
                         "log-likelihood; record the NEGATIVE log-likelihood")
FIT_START_RETURNED = Bug("iris_em.fit.start_returned", "the start returned unchanged",
                         "fit returned its start unchanged: assign the M-step's results to pi, "
                         "mu, cov inside the loop (pi, mu, cov = M_step(r, X))")
FIT_ITERS_OFF = Bug("iris_em.fit.iters_off_by_one", "one iteration too few or too many",
                    "run exactly `iters` E-step/M-step pairs, and return the parameters after "
                    "the last M-step")
FIT_HIST_LENGTH = Bug("iris_em.fit.hist_length", "loss_hist of the wrong length",
                      "record one loss per iteration: loss_hist[t] for t in range(iters)")
FIT_NOT_OWN_STEPS = Bug("iris_em.fit.not_own_steps", "fit does not follow E_step and M_step",
                        "each iteration of fit is r = E_step(X, pi, mu, cov), then pi, mu, cov = "
                        "M_step(r, X); loss_hist[t] = negativeloglikelihood(X, pi, mu, cov) of "
                        "the parameters iteration t starts from")

CATALOGUE = catalogue(ESTEP_BUGS + [ESTEP_TRANSPOSED] + MSTEP_BUGS["pi"] + MSTEP_BUGS["mu"]
                      + MSTEP_BUGS["cov"] + [COV_RIDGE, ARGS_SWAPPED, NO_EMPTY_GUARD, NO_RIDGE]
                      + NLL_BUGS + [INIT_EQUAL_MEANS, INIT_GLOBAL_RNG, FIT_LOG_LIKELIHOOD,
                                    FIT_START_RETURNED, FIT_ITERS_OFF, FIT_HIST_LENGTH,
                                    FIT_NOT_OWN_STEPS])
