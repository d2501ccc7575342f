"""The classic bugs of ``mnist_bmm``: what each mistake is and the hint that fixes it.

Their values on the public checks' inputs are stored by the build
(``gmmkit/checks/expected/mnist_bmm.npz``); the code computing them is on the trusted side.
"""
from ..bugs import Bug, catalogue

LOGPROB_FORMULA = ("log p(x_i | mu_k) = sum_d x_id log(mu_kd) + (1 - x_id) log(1 - mu_kd), i.e. "
                   "X @ np.log(mu).T + (1 - X) @ np.log(1 - mu).T")
LOGSPACE_HINT = ("stay in log space: log_joint = bernoulli_log_prob(X, mu) + np.log(pi), then "
                 "log r = log_joint - logsumexp(log_joint, axis=1, keepdims=True) (from "
                 "scipy.special) and r = np.exp(log r). Exponentiating log p(x_i | mu_k) of a "
                 "784-pixel image gives 0.0 for every cluster, and 0 / 0 = nan")
M_FORMULA = ("R = r.sum(0) (soft counts), pi = R / n, mu = (r.T @ X + smoothing) / "
             "(R[:, None] + 2 * smoothing)")
OBJECTIVE_FORMULA = ("objective = loglik + smoothing * sum(log(mu) + log(1 - mu)) with "
                     "smoothing = 1: the total log-likelihood of the data under (pi, mu) plus the "
                     "log Beta(2, 2) prior of every pixel probability")
UPDATE_STEPS = ("for every cluster mu_k = (images of cluster k with the pixel "
               "on + 1) / (size of cluster k + 2), then each image goes to the cluster with the "
               "highest log-likelihood X @ np.log(mu).T + (1 - X) @ np.log(1 - mu).T (argmax "
               "over axis 1)")
UPDATE_RULE = "the lecture's rule: " + UPDATE_STEPS
ACCURACY_RULE = ("name each cluster after the most common label among its images (several "
                 "clusters may get the same label), then accuracy = the fraction of images whose "
                 "label is their cluster's name = sum over clusters of the largest label count, "
                 "divided by n")
RNG_HINT = ("draw every random number from the rng argument (rng.choice, rng.random, "
            "rng.dirichlet), never from np.random.* (numpy's global generator), and do not "
            "seed or reset numpy's global generator")

BUGS = catalogue([
    # bernoulli_log_prob
    Bug("mnist_bmm.log_prob.product_underflow", "multiplies 784 probabilities, then takes the log",
        "a product of 784 pixel probabilities underflows: float64 cannot hold a positive "
        "number below about 5e-324, so the product becomes 0.0 and log(0) = -inf. Sum "
        "logarithms instead of multiplying probabilities: X @ np.log(mu).T + (1 - X) @ "
        "np.log(1 - mu).T"),
    Bug("mnist_bmm.log_prob.probabilities", "returns p(x | mu), not its log",
        "you returned the probabilities p(x_i | mu_k), not their logarithms: return log p, "
        "which stays finite for 784 pixels"),
    Bug("mnist_bmm.log_prob.on_pixels_only", "only the pixels that are on",
        "the pixels that are off count too: add (1 - X) @ np.log(1 - mu).T"),
    Bug("mnist_bmm.log_prob.swapped", "log(mu) and log(1 - mu) swapped",
        "log(mu) and log(1 - mu) are swapped: mu is the probability that a pixel is ON "
        "(x = 1), so log(mu) goes with X and log(1 - mu) with 1 - X"),
    Bug("mnist_bmm.log_prob.mean", "the mean over pixels instead of the sum",
        "sum over the pixels, not the mean: the pixels are independent given the cluster, so "
        "their log-probabilities add up"),
    Bug("mnist_bmm.log_prob.negated", "the sign flipped",
        "the sign is flipped: log-probabilities are negative"),
    Bug("mnist_bmm.log_prob.off_log_only", "log(1 - mu) for every pixel",
        "use log(mu) for the pixels that are on: " + LOGPROB_FORMULA),
    # e_step
    Bug("mnist_bmm.e_step.products", "responsibilities from probabilities, not log space",
        LOGSPACE_HINT),
    Bug("mnist_bmm.e_step.axis0", "normalised over the images (axis 0)",
        "each COLUMN of your r sums to 1: you normalised over the images (axis=0). "
        "Normalise each row over the k clusters: logsumexp(log_joint, axis=1, keepdims=True)"),
    Bug("mnist_bmm.e_step.no_weights", "the mixture weights left out of r",
        "the mixture weights are missing: add np.log(pi) to the log-probabilities before "
        "normalising, log r_ik = log pi_k + log p(x_i | mu_k) - log p(x_i)"),
    Bug("mnist_bmm.e_step.log_resp", "returns log r", "these are the log-responsibilities: "
        "return r = np.exp(log_r)"),
    Bug("mnist_bmm.e_step.mean_loglik", "the mean log-likelihood instead of the total",
        "loglik is the TOTAL over the images, sum_i log p(x_i), not the mean"),
    Bug("mnist_bmm.e_step.negative_loglik", "minus the log-likelihood",
        "loglik is the log-likelihood, not its negative"),
    Bug("mnist_bmm.e_step.loglik_no_weights", "the weights left out of the log-likelihood",
        "the mixture weights are missing: log p(x_i) = logsumexp over k of "
        "(log pi_k + log p(x_i | mu_k))"),
    Bug("mnist_bmm.e_step.loglik_max", "max over clusters instead of logsumexp",
        "log p(x_i) sums over the clusters: take logsumexp over axis 1, not the max"),
    Bug("mnist_bmm.e_step.loglik_sum_joint", "the log-joint summed over clusters",
        "log p(x_i) = logsumexp over the clusters of log pi_k + log p(x_i | mu_k); do not sum "
        "the log-joint over the clusters"),
    # m_step
    Bug("mnist_bmm.m_step.fixed_smoothing", "smoothing fixed at 1",
        "this is mu for smoothing = 1: use the smoothing argument you are given, not a fixed 1"),
    Bug("mnist_bmm.m_step.no_smoothing", "no smoothing",
        "add the smoothing: mu = (r.T @ X + smoothing) / (R + 2 * smoothing) with "
        "R = r.sum(0)[:, None]. Without it a pixel that is never on in a cluster gets mu = 0, "
        "and log(0) = -inf for every image that has that pixel on"),
    Bug("mnist_bmm.m_step.one_pseudo_count", "R + smoothing in the denominator",
        "the denominator adds 2 * smoothing: one pseudo-count for 'on' and one for 'off', so "
        "that mu and 1 - mu get the same prior"),
    Bug("mnist_bmm.m_step.divide_by_n", "divides by n instead of R_k",
        "divide by each cluster's soft count R_k = r[:, k].sum(), not by the number of images n"),
    Bug("mnist_bmm.m_step.counts_over_n", "r.T @ X / n",
        "divide by each cluster's soft count R_k = r[:, k].sum() (plus 2 * smoothing), not by n"),
    Bug("mnist_bmm.m_step.double_numerator", "2 * smoothing in the numerator",
        "add smoothing (not 2 * smoothing) to the numerator: mu = (r.T @ X + smoothing) / "
        "(R + 2 * smoothing)"),
    Bug("mnist_bmm.m_step.unnormalised_pi", "pi = R", "divide the soft counts by the number "
        "of images: pi = R / n"),
    Bug("mnist_bmm.m_step.uniform_pi", "pi not updated", "pi must be updated from r too: "
        "pi = R / n"),
    # fit_bmm
    Bug("mnist_bmm.fit_bmm.no_prior", "objective without the log prior",
        "this is the log-likelihood alone: with the smoothed M-step EM maximises the "
        "log-likelihood PLUS the log prior, smoothing * sum(log(mu) + log(1 - mu))"),
    Bug("mnist_bmm.fit_bmm.mean_loglik", "the mean log-likelihood per image as the objective",
        "this is the mean log-likelihood per image, without the prior: " + OBJECTIVE_FORMULA),
    Bug("mnist_bmm.fit_bmm.mean_objective", "the objective divided by n",
        "divide nothing by n: " + OBJECTIVE_FORMULA),
    Bug("mnist_bmm.fit_bmm.negative", "minus the objective",
        "this is minus the objective (it falls at almost every iteration): record the "
        "objective EM maximises, loglik + log prior, not its negative"),
    Bug("mnist_bmm.fit_bmm.negative_loglik", "minus the log-likelihood",
        "this is minus the log-likelihood: " + OBJECTIVE_FORMULA),
    Bug("mnist_bmm.fit_bmm.double_prior", "the log prior counted twice",
        "the log prior of Beta(smoothing + 1, smoothing + 1) is smoothing * sum(log(mu) + "
        "log(1 - mu)), i.e. once sum(log(mu) + log(1 - mu)) for smoothing = 1"),
    Bug("mnist_bmm.fit_bmm.global_rng", "draws from numpy's global generator (or an unseeded "
        "one)", RNG_HINT + "; a np.random.default_rng() made inside without the rng's seed is "
        "another source of its own"),
    Bug("mnist_bmm.fit_bmm.global_state_changed", "seeds or draws from numpy's global generator",
        RNG_HINT + ": np.random.seed(...) or any np.random.* draw inside fit_bmm changes the "
        "state other code relies on"),
    # update_clusters
    Bug("mnist_bmm.update_clusters.kmeans", "K-means: the nearest mean in squared distance",
        "this is K-means (each image to the nearest cluster mean in squared Euclidean "
        "distance), not the lecture's rule, which is hard EM for the Bernoulli model: "
        + UPDATE_STEPS),
    Bug("mnist_bmm.update_clusters.least_likely", "argmin of the log-likelihood",
        "each image went to its LEAST likely cluster: take the argmax of the log-likelihoods, "
        "not the argmin"),
    Bug("mnist_bmm.update_clusters.unchanged", "returns the assignments it was given",
        "your assignments did not change: recompute every cluster's smoothed pixel "
        "probabilities from the assignments you are given, then send every image to its most "
        "likely cluster"),
    Bug("mnist_bmm.update_clusters.plus_one", "cluster indices from 1",
        "cluster indices start at 0: return argmax(...) itself"),
    Bug("mnist_bmm.update_clusters.no_smoothing", "mu = counts / size, without + 1 and + 2",
        "smooth the pixel probabilities: (count + 1) / (size + 2). Without it a pixel never on "
        "in a cluster has mu = 0, log(0) = -inf, and the cluster can never take an image with "
        "that pixel on"),
    Bug("mnist_bmm.update_clusters.one_pseudo_count", "(count + 1) / (size + 1)",
        "the denominator is the cluster size + 2 (one pseudo-image with the pixel on, one with "
        "it off): (count + 1) / (size + 2)"),
    Bug("mnist_bmm.update_clusters.on_pixels_only", "only the pixels that are on",
        "the pixels that are off count too: add (1 - X) @ np.log(1 - mu).T"),
    Bug("mnist_bmm.update_clusters.swapped", "log(mu) and log(1 - mu) swapped",
        "log(mu) goes with X (pixels on) and log(1 - mu) with 1 - X (pixels off)"),
    Bug("mnist_bmm.update_clusters.with_weights", "adds log(size / n)",
        "the lecture's rule compares the log-likelihoods alone: no log(cluster size / n) "
        "term (that would be hard EM with mixture weights, another algorithm)"),
    Bug("mnist_bmm.update_clusters.skip_empty", "an empty cluster takes no image",
        "an empty cluster is no special case: its probabilities are (0 + 1) / (0 + 2) = 1/2 "
        "for every pixel, and it takes any image that is less likely under every other "
        "cluster than under 1/2 everywhere; do not exclude it"),
    # cluster_accuracy
    Bug("mnist_bmm.cluster_accuracy.count", "the number of images, not the fraction",
        "return the fraction of images, not their number: divide by n"),
    Bug("mnist_bmm.cluster_accuracy.one_to_one", "a one-to-one matching of clusters and labels",
        "several clusters may share a label (a digit split over two clusters is still right): "
        "name each cluster after its own majority label, not a one-to-one matching"),
    Bug("mnist_bmm.cluster_accuracy.label_majority", "each label named after a cluster",
        "name each CLUSTER after its majority label (not each label after its majority "
        "cluster)"),
    Bug("mnist_bmm.cluster_accuracy.direct", "labels == assignments",
        "cluster numbers are not labels: map each cluster to its majority label first"),
    Bug("mnist_bmm.cluster_accuracy.error_rate", "1 - accuracy",
        "this is the error rate: return the accuracy"),
])


def hint_for(got, candidates, default):
    """The Bug whose value (``candidates``: {bug id: value} on the same inputs) ``got``
    matches, else ``default`` (a generic hint). When several bugs give this same value, the
    hint names every one of them (the first one's id is recorded)."""
    import numpy as np

    from ..bugs import matches
    from .values import MATCH_TOL
    if np.ndim(got) == 0:   # stored numbers come back as arrays of one entry
        candidates = {b: np.reshape(v, ()) if np.size(v) == 1 else v
                      for b, v in candidates.items()}
    found = [BUGS[b] for b, v in candidates.items() if matches(got, v, MATCH_TOL)]
    if len(found) <= 1:
        return found[0] if found else default
    return Bug(found[0].id, found[0].description, "your answer is what several mistakes give "
               "here: " + "; or ".join(f"({i}) {b.hint}" for i, b in enumerate(found, 1)))
