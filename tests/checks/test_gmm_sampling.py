"""Tests of the gmm_sampling checks, public and hidden.

Every check must pass the reference and other correct implementations (Python loops, grouping by
component, other ways to draw z, float32 output), and each classic bug must be failed by the
check(s) meant to catch it, with a message a student can act on. The last tests keep the source
notebook in step with the reference module and the checks.
"""
import ast
import json
import math

import numpy as np
import pytest
from scipy.special import logsumexp

from helpers.delegation import gmmkit_callables, quiet

from gmmkit import paths
from gmmkit.checks import InKernelStudent, load_module, public_checks, run_checks

ASSIGNMENT = "gmm_sampling"
REF = load_module(paths.solutions_file(ASSIGNMENT), "ref_gmm_sampling")
HIDDEN = load_module(paths.hidden_checks_file(ASSIGNMENT), "hidden_gmm_sampling").CHECKS
CHECKS = public_checks(ASSIGNMENT) + HIDDEN
# A check is named in these tests by its stable id, e.g. "gmm_sampling.softmax.stable".
BY_ID = {c.id: c for c in CHECKS}
SOFTMAX_CHECKS = {k for k, c in BY_ID.items() if c.function == "softmax"}
MAKE_DATA_CHECKS = {k for k, c in BY_ID.items() if c.function == "make_data"}


class ForkLikeStudent(InKernelStudent):
    """Like the grader's worker: every call starts from the same global numpy random state
    (each call runs in a fresh fork of one process), so global-RNG use gives *identical*
    samples for different seeds instead of different samples for the same seed."""

    def run(self, steps, timeout=None):
        saved = np.random.get_state()
        np.random.seed(12345)
        try:
            return super().run(steps, timeout)
        finally:
            np.random.set_state(saved)


def grade(softmax=REF.softmax, make_data=REF.make_data, student_cls=InKernelStudent):
    results = run_checks(CHECKS, student_cls({"softmax": softmax, "make_data": make_data}), REF)
    return {chk.id: res for chk, res in zip(CHECKS, results)}


def failed(results):
    return {k for k, r in results.items() if not r.passed}


def output(results, check_id):
    return results[check_id].output


def bug(results, check_id):
    return results[check_id].bug


# ---------------------------------------------------------------------------------------------
# Correct implementations
# ---------------------------------------------------------------------------------------------
def softmax_loop(logits):
    top = max(float(v) for v in logits)
    weights = [math.exp(float(v) - top) for v in logits]
    total = sum(weights)
    return np.array([w / total for w in weights])


def softmax_logsumexp(logits):
    logits = np.asarray(logits, dtype=np.float64)
    return np.exp(logits - logsumexp(logits))


def softmax_float32(logits):
    logits = np.asarray(logits, dtype=np.float32)
    e = np.exp(logits - logits.max())
    return (e / e.sum()).astype(np.float32)


def make_data_loop(N, logits, means, lsigmas, rng):
    """One sample at a time, in a Python loop (z by inverting the CDF of pi)."""
    cum = np.cumsum(softmax_loop(logits))
    x = np.zeros((N, 1))
    for i in range(N):
        k = min(int(np.searchsorted(cum, rng.random(), side="right")), len(cum) - 1)
        x[i, 0] = means[k] + math.exp(lsigmas[k]) * rng.standard_normal()
    return x


def make_data_grouped(N, logits, means, lsigmas, rng):
    """Counts per component with rng.multinomial, then each component's samples together."""
    counts = rng.multinomial(N, softmax_logsumexp(logits))
    parts = [rng.normal(means[k], np.exp(lsigmas[k]), size=c) for k, c in enumerate(counts)]
    return np.concatenate(parts)[:, None]


def make_data_choice_loc(N, logits, means, lsigmas, rng):
    """rng.choice for z, rng.normal with array loc/scale, float32 output."""
    z = rng.choice(len(logits), size=N, p=REF.softmax(logits))
    return rng.normal(loc=means[z], scale=np.exp(lsigmas)[z]).astype(np.float32).reshape(N, 1)


def make_data_inverse_cdf(N, logits, means, lsigmas, rng):
    """Uniforms and searchsorted, noise drawn first as a column; sample order shuffled."""
    eps = rng.standard_normal((N, 1))
    cum = np.cumsum(softmax_float32(logits))
    z = np.minimum(np.searchsorted(cum, rng.random(N), side="right"), len(cum) - 1)
    x = means[z][:, None] + np.exp(lsigmas[z])[:, None] * eps
    return x[rng.permutation(N)]


CORRECT_SOFTMAX = [REF.softmax, softmax_loop, softmax_logsumexp, softmax_float32]
CORRECT_MAKE_DATA = [REF.make_data, make_data_loop, make_data_grouped, make_data_choice_loc,
                     make_data_inverse_cdf]


@pytest.mark.parametrize("softmax", CORRECT_SOFTMAX, ids=lambda f: f.__name__)
def test_correct_softmax_passes_every_check(softmax):
    results = grade(softmax=softmax)
    assert failed(results) == set(), {k: r.output for k, r in results.items() if not r.passed}


@pytest.mark.parametrize("student_cls", [InKernelStudent, ForkLikeStudent])
@pytest.mark.parametrize("make_data", CORRECT_MAKE_DATA, ids=lambda f: f.__name__)
def test_correct_make_data_passes_every_check(make_data, student_cls):
    results = grade(make_data=make_data, student_cls=student_cls)
    assert failed(results) == set(), {k: r.output for k, r in results.items() if not r.passed}
    assert sum(r.score for r in results.values()) == sum(c.points for c in CHECKS)


def test_points_and_visibility():
    public = public_checks(ASSIGNMENT)
    assert all(not c.hidden for c in public) and all(c.hidden for c in HIDDEN)
    assert sum(c.points for c in CHECKS) == 10
    assert {c.function for c in public} == {c.function for c in HIDDEN} == {"softmax", "make_data"}
    assert all(c.timeout >= 30 for c in CHECKS if c.function == "make_data")


def test_public_checks_never_use_the_reference():
    """Public judges get ref=None (in the notebook) and must still pass the reference."""
    results = run_checks(public_checks(ASSIGNMENT),
                         InKernelStudent({"softmax": REF.softmax, "make_data": REF.make_data}), None)
    assert all(r.passed for r in results), [r.output for r in results]


# ---------------------------------------------------------------------------------------------
# softmax bugs
# ---------------------------------------------------------------------------------------------
def softmax_overflows(logits):
    e = np.exp(logits)
    return e / e.sum()


def softmax_unnormalised(logits):
    return np.exp(logits - np.max(logits))


def softmax_of_logits_not_exp(logits):
    return logits / logits.sum()


def softmax_negated(logits):
    e = np.exp(-(logits - logits.min()))
    return e / e.sum()


def softmax_keepdims(logits):
    e = np.exp(logits - logits.max())
    return (e / e.sum())[None, :]


def test_overflowing_softmax_fails_the_stability_checks_only():
    with np.errstate(all="ignore"):
        results = grade(softmax=softmax_overflows)
    assert failed(results) == {"gmm_sampling.softmax.stable", "gmm_sampling.softmax.reference", "gmm_sampling.softmax.edge_cases"}
    out = output(results, "gmm_sampling.softmax.stable")
    assert "softmax([1000., 1000.,    0.])" in out and "not finite" in out
    assert "subtract the largest logit" in out
    assert bug(results, "gmm_sampling.softmax.stable") == "gmm_sampling.softmax.overflow"


def test_unnormalised_softmax_fails_the_pmf_check():
    results = grade(softmax=softmax_unnormalised)
    assert failed(results) == SOFTMAX_CHECKS
    out = output(results, "gmm_sampling.softmax.pmf")
    assert "sum to 1.48597" in out and "not 1" in out and "divide them by their sum" in out
    assert bug(results, "gmm_sampling.softmax.pmf") == "gmm_sampling.softmax.unnormalised"


def test_softmax_of_the_logits_themselves_fails():
    results = grade(softmax=softmax_of_logits_not_exp)
    assert failed(results) == SOFTMAX_CHECKS
    out = output(results, "gmm_sampling.softmax.pmf")
    assert "negative weight" in out and "without exponentiating" in out
    assert bug(results, "gmm_sampling.softmax.pmf") == "gmm_sampling.softmax.no_exp"


def test_softmax_of_minus_logits_is_a_pmf_but_has_wrong_values():
    results = grade(softmax=softmax_negated)
    assert failed(results) == SOFTMAX_CHECKS - {"gmm_sampling.softmax.pmf"}
    out = output(results, "gmm_sampling.softmax.values")
    assert "expected 0.25" in out and "softmax(-logits)" in out
    assert bug(results, "gmm_sampling.softmax.values") == "gmm_sampling.softmax.negated"
    assert bug(results, "gmm_sampling.softmax.reference") == "gmm_sampling.softmax.negated"


def test_softmax_with_an_extra_axis_fails_on_its_shape():
    results = grade(softmax=softmax_keepdims)
    assert failed(results) == SOFTMAX_CHECKS
    out = output(results, "gmm_sampling.softmax.pmf")
    assert "shape (1, 7), expected (7,)" in out and "reshape" in out


def test_a_crashing_softmax_costs_only_softmax_points():
    def softmax(logits):
        raise NotImplementedError()
    results = grade(softmax=softmax)
    assert failed(results) == SOFTMAX_CHECKS
    assert "not implemented yet" in output(results, "gmm_sampling.softmax.pmf")


# ---------------------------------------------------------------------------------------------
# make_data bugs
# ---------------------------------------------------------------------------------------------
def make_data_variance_noise(N, logits, means, lsigmas, rng):
    z = rng.choice(len(logits), size=N, p=REF.softmax(logits))
    return (means[z] + np.exp(lsigmas[z]) ** 2 * rng.standard_normal(N))[:, None]


def make_data_uniform_weights(N, logits, means, lsigmas, rng):
    z = rng.integers(len(logits), size=N)
    return (means[z] + np.exp(lsigmas[z]) * rng.standard_normal(N))[:, None]


def make_data_flat(N, logits, means, lsigmas, rng):
    return REF.make_data(N, logits, means, lsigmas, rng).reshape(N)


def make_data_global_rng(N, logits, means, lsigmas, rng):
    z = np.random.choice(len(logits), size=N, p=REF.softmax(logits))
    return (means[z] + np.exp(lsigmas[z]) * np.random.randn(N))[:, None]


def make_data_global_z(N, logits, means, lsigmas, rng):
    z = np.random.choice(len(logits), size=N, p=REF.softmax(logits))
    return (means[z] + np.exp(lsigmas[z]) * rng.standard_normal(N))[:, None]


def make_data_global_eps(N, logits, means, lsigmas, rng):
    z = rng.choice(len(logits), size=N, p=REF.softmax(logits))
    return (means[z] + np.exp(lsigmas[z]) * np.random.standard_normal(N))[:, None]


def make_data_own_generator(N, logits, means, lsigmas, rng):
    return REF.make_data(N, logits, means, lsigmas, np.random.default_rng())


def make_data_fixed_seed(N, logits, means, lsigmas, rng):
    return REF.make_data(N, logits, means, lsigmas, np.random.default_rng(0))


def make_data_no_noise(N, logits, means, lsigmas, rng):
    z = rng.choice(len(logits), size=N, p=REF.softmax(logits))
    return means[z][:, None]


def make_data_lsigma_as_sigma(N, logits, means, lsigmas, rng):
    z = rng.choice(len(logits), size=N, p=REF.softmax(logits))
    return (means[z] + lsigmas[z] * rng.standard_normal(N))[:, None]


def make_data_exp_logits_as_p(N, logits, means, lsigmas, rng):
    z = rng.choice(len(logits), size=N, p=np.exp(logits))
    return (means[z] + np.exp(lsigmas[z]) * rng.standard_normal(N))[:, None]


def make_data_returns_z(N, logits, means, lsigmas, rng):
    z = rng.choice(len(logits), size=N, p=REF.softmax(logits))
    return (means[z] + np.exp(lsigmas[z]) * rng.standard_normal(N))[:, None], z


SAMPLE_CHECKS = {"gmm_sampling.make_data.moments", "gmm_sampling.make_data.distribution", "gmm_sampling.make_data.other_mixtures",
                 "gmm_sampling.make_data.edge_cases"}


def test_noise_scaled_by_the_variance():
    results = grade(make_data=make_data_variance_noise)
    assert failed(results) == SAMPLE_CHECKS
    for judge in SAMPLE_CHECKS - {"gmm_sampling.make_data.edge_cases"}:
        assert "scaled by sigma**2" in output(results, judge)
        assert "exp(lsigmas[z]), the standard deviation" in output(results, judge)
    assert "variance of the 200000 samples" in output(results, "gmm_sampling.make_data.moments")
    assert "Kolmogorov-Smirnov" in output(results, "gmm_sampling.make_data.distribution")
    for check_id in SAMPLE_CHECKS:
        assert bug(results, check_id) == "gmm_sampling.make_data.variance_noise"
        assert results[check_id].figure      # the histogram over the (stored) density


def test_weights_ignored():
    results = grade(make_data=make_data_uniform_weights)
    assert failed(results) == SAMPLE_CHECKS
    for judge in ("gmm_sampling.make_data.moments", "gmm_sampling.make_data.distribution"):
        out = output(results, judge)
        assert "weights were ignored" in out and "softmax(logits)" in out


def test_flat_samples_fail_only_the_shape_checks():
    results = grade(make_data=make_data_flat)
    assert failed(results) == {"gmm_sampling.make_data.shape", "gmm_sampling.make_data.edge_cases"}
    out = output(results, "gmm_sampling.make_data.shape")
    assert "shape (1000,), expected (1000, 1)" in out and "x.reshape(N, 1)" in out


def make_data_zeros(N, logits, means, lsigmas, rng):
    return np.zeros((N, 1))


def make_data_constant_mean(N, logits, means, lsigmas, rng):
    """The mixture's mean for every sample: a constant that ignores rng."""
    return np.full((N, 1), float(REF.softmax(logits) @ means))


def make_data_unit_normal(N, logits, means, lsigmas, rng):
    """Draws from rng properly, but ignores the mixture: the rng check credits its rng use
    (that check judges where randomness comes from), the distribution checks fail it."""
    return rng.standard_normal((N, 1))


GLOBAL = [make_data_global_rng, make_data_global_z, make_data_global_eps,
          make_data_own_generator]


@pytest.mark.parametrize("student_cls", [InKernelStudent, ForkLikeStudent])
@pytest.mark.parametrize("make_data", GLOBAL, ids=lambda f: f.__name__)
def test_consulting_the_global_generator_gives_two_samples_for_one_seed(make_data, student_cls):
    """Both calls with one seed run in one program, so whether the global state carries over
    between calls (the notebook) or starts the same in every program (the grader's worker), a
    function that consults it is told so, the same way in both."""
    results = grade(make_data=make_data, student_cls=student_cls)
    assert "gmm_sampling.make_data.rng" in failed(results)
    assert failed(results) <= MAKE_DATA_CHECKS - {"gmm_sampling.make_data.shape"}
    out = output(results, "gmm_sampling.make_data.rng")
    assert "same seed" in out and "different samples" in out and "np.random.*" in out
    assert "consults numpy's global generator" in out
    assert bug(results, "gmm_sampling.make_data.rng") == "gmm_sampling.make_data.global_rng"


@pytest.mark.parametrize("student_cls", [InKernelStudent, ForkLikeStudent])
def test_a_fixed_seed_inside_ignores_rng(student_cls):
    results = grade(make_data=make_data_fixed_seed, student_cls=student_cls)
    assert failed(results) == {"gmm_sampling.make_data.rng"}
    out = output(results, "gmm_sampling.make_data.rng")
    assert "seeds 7 and 8 gave the same" in out and "do not depend on rng at all" in out
    assert "seeded inside the function" in out and "np.random.*" in out
    assert bug(results, "gmm_sampling.make_data.rng") == "gmm_sampling.make_data.ignores_rng"


@pytest.mark.parametrize("make_data", [make_data_zeros, make_data_constant_mean],
                         ids=lambda f: f.__name__)
def test_a_constant_output_earns_no_randomness_point(make_data):
    """Issue 19: zeros (or any constant) once passed "randomness comes only from rng"."""
    results = grade(make_data=make_data)
    assert failed(results) == MAKE_DATA_CHECKS - {"gmm_sampling.make_data.shape"}
    out = output(results, "gmm_sampling.make_data.rng")
    assert "the same value for all 2000 samples of every mixture" in out and "no sample" in out
    assert bug(results, "gmm_sampling.make_data.rng") == "gmm_sampling.make_data.constant"


def test_rng_use_is_credited_to_a_sample_of_the_wrong_distribution():
    results = grade(make_data=make_data_unit_normal)
    assert "gmm_sampling.make_data.rng" not in failed(results)
    assert failed(results) == SAMPLE_CHECKS


def test_no_noise():
    results = grade(make_data=make_data_no_noise)
    assert failed(results) == SAMPLE_CHECKS
    assert "at most K distinct values" in output(results, "gmm_sampling.make_data.distribution")


def test_lsigmas_used_as_the_standard_deviation():
    results = grade(make_data=make_data_lsigma_as_sigma)
    assert failed(results) == SAMPLE_CHECKS
    assert "exponentiate it" in output(results, "gmm_sampling.make_data.distribution")


def test_unnormalised_probabilities_are_caught_by_the_hidden_mixtures():
    """With the ground truth's logits (log-probabilities) exp(logits) happens to be pi."""
    results = grade(make_data=make_data_exp_logits_as_p)
    assert failed(results) == {"gmm_sampling.make_data.other_mixtures", "gmm_sampling.make_data.edge_cases"}
    out = output(results, "gmm_sampling.make_data.other_mixtures")
    assert "ValueError" in out and "probabilities do not sum to 1" in out.lower()


def test_returning_z_as_well_fails_with_a_clear_message():
    results = grade(make_data=make_data_returns_z)
    assert "gmm_sampling.make_data.shape" in failed(results) and failed(results) <= MAKE_DATA_CHECKS
    assert "returned a tuple of 2 items" in output(results, "gmm_sampling.make_data.shape")
    assert "return x alone" in output(results, "gmm_sampling.make_data.shape")


def test_a_broken_make_data_costs_no_softmax_points():
    def make_data(N, logits, means, lsigmas, rng):
        raise NotImplementedError()
    results = grade(make_data=make_data)
    assert failed(results) == MAKE_DATA_CHECKS


# ---------------------------------------------------------------------------------------------
# The source notebook agrees with the reference module and the checks
# ---------------------------------------------------------------------------------------------
NOTEBOOK = paths.kit_root() / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"


def _cells():
    return json.loads(NOTEBOOK.read_text())["cells"]


def _source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _functions(tree):
    return {n.name: ast.dump(n) for n in tree.body if isinstance(n, ast.FunctionDef)}




# ---------------------------------------------------------------------------------------------
# Nothing a student can install computes the answer (issue 16): a softmax or make_data that
# delegates to any function under gmmkit earns none of that function's points beyond what a
# property alone gives (the pmf check to uniform weights; the shape and rng checks to
# rng.standard_normal((N, 1)), neither of which needs gmmkit).
# Not searched: the grader and build tools (tests/helpers/delegation.py).
def _as_floats(value):
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None


def _make_data_ways(f):
    """Ways a student might call f to sample: g(N, logits, means, lsigmas, rng) -> x."""
    def way(args):
        def g(N, logits, means, lsigmas, rng):
            pi, sigmas = REF.softmax(logits), np.exp(lsigmas)
            out = _as_floats(quiet(f, *args(N, logits, pi, means, sigmas, lsigmas, rng)))
            return None if out is None else out.reshape(-1, 1) if out.size == N else out
        return g
    return [way(a) for a in (
        lambda N, l, p, m, s, ls, r: (N, l, m, ls, r),
        lambda N, l, p, m, s, ls, r: (N, p, m, s, r),
        lambda N, l, p, m, s, ls, r: (N, p, m, s ** 2, r),
        lambda N, l, p, m, s, ls, r: (r, N, m, s ** 2, p),
        lambda N, l, p, m, s, ls, r: (r, N, m, s, p),
        lambda N, l, p, m, s, ls, r: (r, N, p, m, s),
        lambda N, l, p, m, s, ls, r: (N, p, m, s ** 2, r))]


def delegates(space):
    """Every way of calling a function in ``space`` that gives a pmf of shape (K,) from logits
    (softmax) or N varying finite values from a mixture and an rng (make_data), on a probe."""
    logits = np.array([0.3, -1.0, 2.0])
    softmax, make_data = [], []
    for name, f in space:
        out = _as_floats(quiet(f, logits.copy()))
        if out is not None and out.shape == (3,) and np.isclose(out.sum(), 1) and (out >= 0).all():
            softmax.append((name, f))
        for i, g in enumerate(_make_data_ways(f)):
            out = g(50, logits, np.array([-1.0, 0.0, 2.0]), np.log([0.5, 1.0, 0.3]),
                    np.random.default_rng(0))
            if out is not None and out.shape == (50, 1) and np.isfinite(out).all() and np.ptp(out) > 0:
                make_data.append((f"{name} (way {i})", g))
    return softmax, make_data


def passed(softmax=None, make_data=None):
    def missing(*args):
        raise NotImplementedError()
    results = grade(softmax=softmax or missing, make_data=make_data or missing)
    return {k for k, r in results.items() if r.passed}


def test_the_search_finds_working_delegates_when_there_are_some():
    softmax, make_data = delegates([("ref.softmax", REF.softmax), ("ref.make_data", REF.make_data)])
    assert [n for n, _ in softmax] == ["ref.softmax"] and make_data
    assert passed(softmax=softmax[0][1]) == SOFTMAX_CHECKS
    assert passed(make_data=make_data[0][1]) == MAKE_DATA_CHECKS


def test_no_function_under_gmmkit_computes_softmax_or_make_data():
    free = passed(softmax=lambda logits: np.full(len(logits), 1 / len(logits)),
                  make_data=lambda N, logits, means, lsigmas, rng: rng.standard_normal((N, 1)))
    assert free == {"gmm_sampling.softmax.pmf", "gmm_sampling.make_data.shape",
                    "gmm_sampling.make_data.rng"}
    space = gmmkit_callables()
    assert any(n.startswith("gmmkit.checks.gmm_sampling.") for n, _ in space)
    softmax, make_data = delegates(space)
    for name, f in softmax:
        assert passed(softmax=f) <= free, name
    for name, g in make_data:
        assert passed(make_data=g) <= free, name


