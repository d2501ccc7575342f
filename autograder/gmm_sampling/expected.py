"""Records the gmm_sampling public checks' expected values (build time): the reference's
softmax on the checks' logits with the classic bugs' values, and the ground-truth mixture as
the sampling checks need it (moments, CDF table, density on the figure's grid, the CDF tables
of the classic sampling bugs' distributions)."""
from pathlib import Path

import numpy as np

from gmmkit.checks import load_module
from gmmkit.checks.gmm_sampling import make_data, softmax, values

V = load_module(Path(__file__).with_name("variants.py"), "_gmmkit_variants_gmm_sampling")
TRUTH_LEVELS, BUG_LEVELS = 2001, 401     # CDF table resolution (probability steps)


def record(ref, store):
    stored = values.PMF_LOGITS + [values.SHIFTED_BASE + values.SHIFT, values.STABLE_STORED]
    for logits in stored:
        store.value(softmax.key(logits), ref.softmax(logits))
    for logits in values.PMF_LOGITS + [values.SHIFTED_BASE + values.SHIFT, values.STABLE_STORED] \
            + [l for l, _ in values.KNOWN_SOFTMAX + values.KNOWN_STABLE]:
        for bug_id, value in V.softmax_bugs(logits).items():
            store.bug(softmax.key(logits), bug_id, value)

    pi = ref.softmax(values.GT_LOGITS)
    means, sigmas = values.GT_MEANS, np.exp(values.GT_LSIGMAS)
    key = make_data.GT_KEY
    grid = V.figure_grid(means, sigmas)
    store.value(key, {"moments": np.array(V.mixture_moments(pi, means, sigmas)), "means": means,
                      "grid": grid, "pdf": V.mixture_pdf(grid, pi, means, sigmas)})
    store.value(key + ".cdf", V.cdf_table(pi, means, sigmas, TRUTH_LEVELS, 401))
    for bug_id, (p, s) in V.sampling_bugs(pi, means, sigmas).items():
        store.bug(key + ".cdf", bug_id, V.cdf_table(p, means, s, BUG_LEVELS, 201))
