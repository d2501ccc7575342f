"""The graded functions of ``mnist_bmm`` as the checks call them: one time limit and one slow
hint each. Loops over images (like the lecture's) are slow but correct, so the limits are
generous; a timeout message suggests vectorising."""
from ..core import Graded

VECTORISE_HINT = ("vectorise: one matrix product computes every image against every cluster, "
                  "X @ np.log(mu).T + (1 - X) @ np.log(1 - mu).T, with no Python loop over "
                  "images or pixels")
FIT_SLOW_HINT = ("each EM iteration should be a few matrix products: vectorise bernoulli_log_prob, "
                 "e_step and m_step (r.T @ X gives every cluster's weighted pixel counts at once) "
                 "instead of looping over images or pixels in Python")
UPDATE_SLOW_HINT = ("vectorise: with the one-hot matrix of the assignments, np.eye(n_clusters)"
                    "[assignments], the active-pixel counts of every cluster are one matrix "
                    "product (one_hot.T @ X) and the cluster sizes one sum; the log-likelihood "
                    "of every image under every cluster is X @ np.log(mu).T + (1 - X) @ "
                    "np.log(1 - mu).T, then argmax over axis 1, with no Python loop over images")

LOG_PROB = Graded("bernoulli_log_prob", timeout=30.0, slow_hint=VECTORISE_HINT)
E_STEP = Graded("e_step", timeout=30.0, slow_hint=VECTORISE_HINT)
M_STEP = Graded("m_step", timeout=30.0, slow_hint=VECTORISE_HINT)
FIT = Graded("fit_bmm", timeout=120.0, slow_hint=FIT_SLOW_HINT)
UPDATE = Graded("update_clusters", timeout=60.0, slow_hint=UPDATE_SLOW_HINT)
ACCURACY = Graded("cluster_accuracy", timeout=30.0, slow_hint="count labels per cluster with "
                  "np.bincount or np.add.at instead of looping over images")
