"""The four graded functions as their checks call them: one time limit and slow hint each."""
from ..core import Graded

STANDARDIZE = Graded("standardize")
EM_STEP = Graded("em_step", timeout=30.0, slow_hint=(
    "vectorise: compute all N x K log-densities at once (or loop over the K components, never "
    "over the N points), and the M-step with matrix products such as r.T @ X"))
SAMPLE_GMM = Graded("sample_gmm", timeout=60.0, slow_hint=(
    "draw all n labels at once with rng.choice(K, size=n, p=pi) and all the noise with "
    "rng.standard_normal((n, d)), then transform it with the Cholesky factors of all "
    "components (e.g. np.einsum('nij,nj->ni', L[labels], eps)) instead of looping over the "
    "points"))
BIC = Graded("bic", timeout=30.0, slow_hint=(
    "vectorise the log-likelihood: all N x K log-densities at once, then logsumexp over the "
    "components"))
