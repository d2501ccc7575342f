"""The known values of ``iris_em`` (ASSIGNMENTS.md, section 4) and the tolerances of its checks.

Every tolerance is loose enough for float32 arithmetic, any order of summation and a tiny ridge
on the covariances (up to about 5e-5; 1e-6 is usual), and tight enough for every classic bug.
"""
K = 3                                   # Iris's species

# With uniform responsibilities (every r[i, j] = 1/3):
UNIFORM_PI = [1 / 3] * 3
UNIFORM_MU_MEAN = [5.84333333, 3.05733333, 3.758, 1.19933333]      # mu.mean(axis=0)
UNIFORM_COV_MEAN = 0.60580225                                       # cov.mean()
UNIFORM_NLL = 379.914630122269          # the NLL at those parameters (to 1e-2)
# With r the one-hot matrix of the true labels:
ONEHOT_COV_MEAN = 0.0897913
ONEHOT_NLL = 182.92086

R_TOL = {"rtol": 1e-4, "atol": 1e-6}    # responsibilities
PI_TOL = {"rtol": 1e-5, "atol": 1e-6}
MU_TOL = {"rtol": 1e-5, "atol": 1e-5}
COV_TOL = {"rtol": 1e-4, "atol": 5e-5}
MEAN_TOL = 2e-5                         # for mu.mean(0) and cov.mean(), the stated known values
NLL_ATOL = 1e-2                         # the known values are stated to 1e-2
NLL_RTOL = 1e-6
PMF_TOL = 1e-5                          # rows of r summing to 1

# fit, from the same start as the expected values (so in the same component order)
FIT_TOL = {"pi": {"rtol": 1e-4, "atol": 1e-4}, "mu": {"rtol": 1e-4, "atol": 2e-4},
           "cov": {"rtol": 1e-3, "atol": 2e-4}}
HIST_RTOL, HIST_ATOL = 1e-5, 5e-2       # loss_hist against EM's (atol scaled for a mean per point)
FIT_ITERS = 12                          # the public comparison of the fitted parameters
FIT_DEFAULT_ITERS = 50                  # fit's default, the public loss check's

STEP_TIMEOUT = 60.0
FIT_TIMEOUT = 180.0
