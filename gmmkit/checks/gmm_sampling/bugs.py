"""The classic bugs of ``softmax`` and ``make_data``: ids, what the mistake is, the hint.

What a softmax bug gives on each public input, and the distribution a make_data bug samples
(its CDF), are stored by the build (computed in ``autograder/gmm_sampling/variants.py``)."""
from __future__ import annotations

from ..bugs import Bug, catalogue

SOFTMAX_FORMULA = "pi_k = exp(logits_k) / sum_j exp(logits_j)"
RNG_HINT = ("draw every random number from the rng argument (rng.choice, rng.multinomial, "
            "rng.standard_normal, rng.normal), never from np.random.* (numpy's global generator) "
            "or a new np.random.default_rng() made inside the function")


def _softmax(id, description, hint):
    return Bug(f"gmm_sampling.softmax.{id}", description, f"{hint}; {SOFTMAX_FORMULA}")


SOFTMAX_OVERFLOW = Bug(
    "gmm_sampling.softmax.overflow", "softmax exponentiates the logits without subtracting the "
    "largest", "exp(1000) overflows to inf and exp(-1000) underflows to 0, so the ratio becomes "
    "inf/inf or 0/0 = nan: subtract the largest logit first, softmax(l) = softmax(l - max(l)), "
    "so the largest exponent is exp(0) = 1")
SOFTMAX_UNNORMALISED = _softmax("unnormalised", "the shifted exponentials are not normalised",
                                "the exponentials are not normalised: divide them by their sum")
SOFTMAX_UNNORMALISED_RAW = _softmax("unnormalised_unshifted", "the exponentials are not "
                                    "normalised", "the exponentials are not normalised: divide "
                                    "them by their sum")
SOFTMAX_NEGATED = _softmax("negated", "softmax(-logits)", "this is softmax(-logits): use "
                           "exp(+logits)")
SOFTMAX_NO_EXP = _softmax("no_exp", "the logits are normalised without exponentiating them",
                          "the logits were normalised without exponentiating them")
SOFTMAX_SUM_OF_LOGITS = _softmax("sum_of_logits", "exp(logits) divided by the sum of the logits",
                                 "divide by the sum of the exponentials, not of the logits")

SAMPLE_VARIANCE_NOISE = Bug(
    "gmm_sampling.make_data.variance_noise", "the noise is scaled by sigma**2",
    "the noise looks scaled by sigma**2 (the variance): multiply eps by exp(lsigmas[z]), the "
    "standard deviation")
SAMPLE_HALF_LOG = Bug(
    "gmm_sampling.make_data.lsigmas_as_log_variance", "the noise is scaled by exp(lsigmas / 2)",
    "the noise looks scaled by exp(lsigmas / 2), as if lsigmas were log-variances: lsigmas is "
    "log sigma, so multiply eps by exp(lsigmas[z])")
SAMPLE_LSIGMA_AS_SIGMA = Bug(
    "gmm_sampling.make_data.lsigmas_as_sigma", "the noise is scaled by lsigmas itself",
    "the noise looks scaled by lsigmas itself: exponentiate it, sigma = exp(lsigmas)")
SAMPLE_UNIT_NOISE = Bug(
    "gmm_sampling.make_data.unit_noise", "the noise is N(0, 1) in every component",
    "the noise looks like N(0, 1) in every component: multiply eps by exp(lsigmas[z])")
SAMPLE_UNIFORM_WEIGHTS = Bug(
    "gmm_sampling.make_data.uniform_weights", "the components are drawn equally likely",
    "the components look equally likely: the weights were ignored; draw z with probabilities "
    "pi = softmax(logits), e.g. rng.choice(K, size=N, p=pi)")
SAMPLE_NO_NOISE = Bug(
    "gmm_sampling.make_data.no_noise", "the samples are the means, with no noise",
    "your samples take at most K distinct values, the means: add the Gaussian noise "
    "exp(lsigmas[z]) * eps with eps ~ N(0, 1) drawn for every sample")

RNG_GLOBAL = Bug("gmm_sampling.make_data.global_rng", "make_data consults numpy's global "
                 "generator or an unseeded generator of its own", RNG_HINT)
RNG_IGNORED = Bug("gmm_sampling.make_data.ignores_rng", "make_data's samples do not depend on "
                  "rng", "the samples come from a generator seeded inside the function "
                  "(np.random.default_rng(0), np.random.seed(...)) or from no randomness at all: "
                  + RNG_HINT)
RNG_CONSTANT = Bug("gmm_sampling.make_data.constant", "make_data returns one value for every "
                   "sample (e.g. zeros)", "return samples drawn from the mixture with rng: "
                   "z ~ Categorical(softmax(logits)), x = means[z] + exp(lsigmas[z]) * eps")

CATALOGUE = catalogue([
    SOFTMAX_OVERFLOW, SOFTMAX_UNNORMALISED, SOFTMAX_UNNORMALISED_RAW, SOFTMAX_NEGATED,
    SOFTMAX_NO_EXP, SOFTMAX_SUM_OF_LOGITS, SAMPLE_VARIANCE_NOISE, SAMPLE_HALF_LOG,
    SAMPLE_LSIGMA_AS_SIGMA, SAMPLE_UNIT_NOISE, SAMPLE_UNIFORM_WEIGHTS, SAMPLE_NO_NOISE,
    RNG_GLOBAL, RNG_IGNORED, RNG_CONSTANT])

SOFTMAX_BUGS = [SOFTMAX_UNNORMALISED.id, SOFTMAX_UNNORMALISED_RAW.id, SOFTMAX_NEGATED.id,
                SOFTMAX_NO_EXP.id, SOFTMAX_SUM_OF_LOGITS.id]
# The distributions a sampling bug draws from, in the order a diagnosis compares them.
SAMPLE_BUGS = [SAMPLE_VARIANCE_NOISE.id, SAMPLE_HALF_LOG.id, SAMPLE_LSIGMA_AS_SIGMA.id,
               SAMPLE_UNIT_NOISE.id, SAMPLE_UNIFORM_WEIGHTS.id]
