"""Tests of the gmm1d checks (the GMM1D lab), public and hidden.

Every check must pass the reference and other correct implementations (Python loops with
scipy.stats.norm.pdf as a typical student writes them; another vectorisation; one that replaces
the arrays and returns self), and each classic bug must be failed by exactly the checks meant to
catch it, with a message a student can act on. The last tests keep the source file, the
reference module, the released stub, the hint file and the self-check script in step.
"""
import functools
import subprocess
import sys

import numpy as np
import pytest
from scipy.stats import norm

from helpers.delegation import gmmkit_callables, quiet

from gmmkit import paths
from gmmkit.course.release import clear_python_solutions
from gmmkit.checks import (AFTER_DUE, VISIBLE, InKernelStudent, load_module, public_checks,
                           run_checks)

ASSIGNMENT = "gmm1d"
SOURCE_DIR = paths.kit_root() / "source" / ASSIGNMENT
REF = load_module(paths.solutions_file(ASSIGNMENT), "ref_gmm1d")
HIDDEN_MODULE = load_module(paths.hidden_checks_file(ASSIGNMENT), "hidden_gmm1d")
PUBLIC = public_checks(ASSIGNMENT)
HIDDEN = HIDDEN_MODULE.CHECKS
CHECKS = PUBLIC + HIDDEN
# A check is named in these tests by its stable id.
BY_ID = {c.id: c for c in CHECKS}
ESTEP = {"gmm1d.estep.pmf", "gmm1d.estep.values", "gmm1d.estep.reference"}
MSTEP = {"gmm1d.mstep.values", "gmm1d.mstep.hard", "gmm1d.mstep.reference"}
FIT = {"gmm1d.fit.recovers"}


@functools.lru_cache(maxsize=None)
def grade(cls):
    """Results of every check for a GMM1D class, keyed by check id. Public checks get no
    reference (ref=None), which proves they do not use it."""
    student = InKernelStudent({"GMM1D": cls})
    results = run_checks(PUBLIC, student, None) + run_checks(HIDDEN, student, REF)
    return {chk.id: res for chk, res in zip(CHECKS, results)}


def failed(cls):
    return {name for name, res in grade(cls).items() if not res.passed}


def output(cls, judge):
    return grade(cls)[judge].output


# ---------------------------------------------------------------------------------------------
# Correct implementations: each must pass every check.
class LoopGMM(REF.GMM1D):
    """A typical student: Python loops over points and components, scipy.stats.norm.pdf,
    updating the arrays in place."""

    def estep(self, X):
        n = X.shape[0]
        gammas = np.zeros((n, self.num_gaussians))
        for i in range(n):
            for j in range(self.num_gaussians):
                gammas[i, j] = self.priors[j] * norm.pdf(X[i, 0], self.means[j],
                                                         np.sqrt(self.variances[j]))
            gammas[i, :] = gammas[i, :] / np.sum(gammas[i, :])
        return gammas

    def mstep(self, X, gammas):
        n = X.shape[0]
        for j in range(self.num_gaussians):
            N_j = 0.0
            weighted_sum = 0.0
            for i in range(n):
                N_j += gammas[i, j]
                weighted_sum += gammas[i, j] * X[i, 0]
            self.priors[j] = N_j / n
            self.means[j] = weighted_sum / N_j
            squares = 0.0
            for i in range(n):
                squares += gammas[i, j] * (X[i, 0] - self.means[j]) ** 2
            self.variances[j] = squares / N_j


class BroadcastGMM(REF.GMM1D):
    """Vectorised differently: the density formula with np.exp on (n, k) arrays, X kept as a
    column, sums with broadcasting; writes into the arrays with [:]."""

    def estep(self, X):
        dens = np.exp(-(X - self.means) ** 2 / (2 * self.variances)) / np.sqrt(2 * np.pi * self.variances)
        weighted = dens * self.priors
        return weighted / weighted.sum(axis=1)[:, np.newaxis]

    def mstep(self, X, gammas):
        N = np.sum(gammas, axis=0)
        self.priors[:] = np.mean(gammas, axis=0)
        self.means[:] = np.sum(gammas * X, axis=0) / N
        self.variances[:] = np.sum(gammas * (X - self.means) ** 2, axis=0) / N


class ReplacingGMM(REF.GMM1D):
    """Builds new arrays (a loop over components with np.average, a list comprehension),
    replaces the attributes and returns self; the E-step uses norm.pdf on whole columns."""

    def estep(self, X):
        x = X.ravel()
        cols = [p * norm.pdf(x, loc=m, scale=np.sqrt(v))
                for p, m, v in zip(self.priors, self.means, self.variances)]
        joint = np.stack(cols, axis=1)
        return joint / joint.sum(axis=1, keepdims=True)

    def mstep(self, X, gammas):
        x = X.ravel()
        k = gammas.shape[1]
        self.priors = gammas.sum(axis=0) / len(x)
        self.means = np.array([np.average(x, weights=gammas[:, j]) for j in range(k)])
        self.variances = np.array([np.average((x - self.means[j]) ** 2, weights=gammas[:, j])
                                   for j in range(k)])
        return self


class TupleReturnGMM(BroadcastGMM):
    """Returns the new parameters as well as storing them: allowed ("may return anything")."""

    def mstep(self, X, gammas):
        super().mstep(X, gammas)
        return self.priors, self.means, self.variances


class Float32GMM(REF.GMM1D):
    """Computes in float32 (the checks state tolerances that allow it)."""

    def estep(self, X):
        X = X.astype(np.float32)
        means, variances = self.means.astype(np.float32), self.variances.astype(np.float32)
        dens = np.exp(-(X - means) ** 2 / (2 * variances)) / np.sqrt(2 * np.pi * variances)
        weighted = dens * self.priors.astype(np.float32)
        return weighted / weighted.sum(axis=1, keepdims=True)

    def mstep(self, X, gammas):
        X, gammas = X.astype(np.float32), gammas.astype(np.float32)
        N = np.sum(gammas, axis=0)
        self.priors = N / len(X)
        self.means = np.sum(gammas * X, axis=0) / N
        self.variances = np.sum(gammas * (X - self.means) ** 2, axis=0) / N


CORRECT = [REF.GMM1D, LoopGMM, BroadcastGMM, ReplacingGMM, TupleReturnGMM, Float32GMM]


@pytest.mark.parametrize("cls", CORRECT, ids=lambda c: c.__name__)
def test_correct_implementations_pass_every_check(cls):
    results = grade(cls)
    assert failed(cls) == set(), {k: r.output for k, r in results.items() if not r.passed}
    assert sum(r.score for r in results.values()) == pytest.approx(10.0)


def test_correct_variants_are_other_code_for_the_same_numbers():
    """The correct variants are not copies of the reference: they compute the same numbers
    by other code, so passing the checks means the checks accept other code."""
    rng = np.random.default_rng(5)
    X = rng.normal(0, 2, size=(40, 1))
    kwargs = {"means": [-2.0, 0.0, 1.0, 3.0], "variances": [1.0, 0.5, 2.0, 1.5],
              "priors": [0.1, 0.2, 0.3, 0.4]}
    gammas = REF.GMM1D(4, **kwargs).estep(X)
    for cls in CORRECT[1:-1]:      # all but float32
        np.testing.assert_allclose(cls(4, **kwargs).estep(X), gammas, rtol=1e-12, atol=1e-15)
        model = cls(4, **kwargs)
        model.mstep(X, gammas)
        reference = REF.GMM1D(4, **kwargs)
        reference.mstep(X, gammas)
        for name in ("priors", "means", "variances"):
            np.testing.assert_allclose(getattr(model, name), getattr(reference, name), rtol=1e-12)


# ---------------------------------------------------------------------------------------------
# Classic bugs: each fails exactly the checks meant to catch it, and says how to fix it.
class OldMeansVarianceGMM(REF.GMM1D):
    def mstep(self, X, gammas):
        x = X[:, 0]
        N = gammas.sum(axis=0)
        self.variances = (gammas * (x[:, None] - self.means) ** 2).sum(axis=0) / N  # old means
        self.priors = N / len(x)
        self.means = x @ gammas / N


class TwoOnlyEstepGMM(REF.GMM1D):
    """Hard-codes two Gaussians and uses 1 - gamma0 for the second."""

    def estep(self, X):
        x = X[:, 0]
        p0 = self.priors[0] * norm.pdf(x, self.means[0], np.sqrt(self.variances[0]))
        p1 = self.priors[1] * norm.pdf(x, self.means[1], np.sqrt(self.variances[1]))
        gammas = np.zeros((len(x), self.num_gaussians))
        gammas[:, 0] = p0 / (p0 + p1)
        gammas[:, 1] = 1 - gammas[:, 0]
        return gammas


class TwoColumnEstepGMM(REF.GMM1D):
    """Two Gaussians as in the hint file, stacked: shape (n, 2) whatever k is."""

    def estep(self, X):
        x = X[:, 0]
        p0 = self.priors[0] * norm.pdf(x, self.means[0], np.sqrt(self.variances[0]))
        p1 = self.priors[-1] * norm.pdf(x, self.means[-1], np.sqrt(self.variances[-1]))
        return np.column_stack([p0, p1]) / (p0 + p1)[:, None]


class TwoOnlyMstepGMM(REF.GMM1D):
    def mstep(self, X, gammas):
        x = X[:, 0]
        for j in (0, 1):
            if j >= self.num_gaussians:
                break
            g = gammas[:, j]
            self.priors[j] = g.mean()
            self.means[j] = (g * x).sum() / g.sum()
            self.variances[j] = (g * (x - self.means[j]) ** 2).sum() / g.sum()


class UnnormalisedGMM(REF.GMM1D):
    def estep(self, X):
        return self.priors * norm.pdf(X, self.means, np.sqrt(self.variances))


class WrongAxisGMM(REF.GMM1D):
    def estep(self, X):
        joint = self.priors * norm.pdf(X, self.means, np.sqrt(self.variances))
        return joint / joint.sum(axis=0, keepdims=True)


class PriorsAsSumsGMM(BroadcastGMM):
    def mstep(self, X, gammas):
        super().mstep(X, gammas)
        self.priors = gammas.sum(axis=0)


class StdInMstepGMM(BroadcastGMM):
    def mstep(self, X, gammas):
        super().mstep(X, gammas)
        self.variances = np.sqrt(self.variances)


class VarianceAsScaleGMM(REF.GMM1D):
    def estep(self, X):
        joint = self.priors * norm.pdf(X, self.means, self.variances)   # scale must be sigma
        return joint / joint.sum(axis=1, keepdims=True)


class NoPriorsGMM(REF.GMM1D):
    def estep(self, X):
        dens = norm.pdf(X, self.means, np.sqrt(self.variances))
        return dens / dens.sum(axis=1, keepdims=True)


class ReturnsOnlyGMM(REF.GMM1D):
    """Computes the M-step right but returns it instead of storing it."""

    def mstep(self, X, gammas):
        x = X[:, 0]
        N = gammas.sum(axis=0)
        means = x @ gammas / N
        return N / len(x), means, (gammas * (x[:, None] - means) ** 2).sum(axis=0) / N


class ColumnMeansGMM(REF.GMM1D):
    """gammas.T @ X with X of shape (n, 1) leaves the means as a column (k, 1)."""

    def mstep(self, X, gammas):
        N = gammas.sum(axis=0)
        self.priors = N / len(X)
        self.means = gammas.T @ X / N[:, None]
        self.variances = (gammas * (X - self.means.T) ** 2).sum(axis=0) / N


class VarianceAsScaleFlooredGMM(REF.GMM1D):
    """The variance as norm.pdf's scale, with a floor on the densities against 0 / 0 (so the
    answer is near, not equal to, what the slip alone gives)."""

    def estep(self, X):
        dens = np.maximum(norm.pdf(X, self.means, self.variances), 1e-4)
        joint = self.priors * dens
        return joint / joint.sum(axis=1, keepdims=True)


BUGS = [
    # (class, the checks it must fail, the check whose message is read, a phrase of its hint,
    #  the id of the bug the failure records)
    (OldMeansVarianceGMM, MSTEP, "gmm1d.mstep.values",
     "the variance uses the old means: compute the new means first", "gmm1d.mstep.variance_old_means"),
    (TwoOnlyEstepGMM, ESTEP | FIT, "gmm1d.estep.values", "seems to handle only the first two",
     "gmm1d.two_only"),
    (TwoColumnEstepGMM, ESTEP | FIT, "gmm1d.estep.pmf", "seems to handle only the first two",
     "gmm1d.two_only"),
    (TwoOnlyMstepGMM, MSTEP | FIT, "gmm1d.mstep.values", "seems to handle only the first two",
     "gmm1d.two_only"),
    (UnnormalisedGMM, ESTEP | FIT, "gmm1d.estep.values",
     "divide each row by its sum over the components", "gmm1d.estep.unnormalised"),
    (WrongAxisGMM, ESTEP | FIT, "gmm1d.estep.values", "normalised over the points (axis=0)",
     "gmm1d.estep.axis0"),
    (PriorsAsSumsGMM, MSTEP | FIT, "gmm1d.mstep.values", "not their sums", "gmm1d.mstep.priors_sums"),
    (StdInMstepGMM, MSTEP | FIT, "gmm1d.mstep.values",
     "not the standard deviation sigma: do not take the square root", "gmm1d.mstep.variance_sqrt"),
    (VarianceAsScaleGMM, ESTEP - {"gmm1d.estep.pmf"} | FIT, "gmm1d.estep.values",
     "pass np.sqrt(self.variances[j]) as the scale", "gmm1d.estep.variance_as_scale"),
    (VarianceAsScaleFlooredGMM, ESTEP - {"gmm1d.estep.pmf"} | FIT, "gmm1d.estep.values",
     "pass np.sqrt(self.variances[j]) as the scale", "gmm1d.estep.variance_as_scale"),
    (NoPriorsGMM, ESTEP - {"gmm1d.estep.pmf"} | FIT, "gmm1d.estep.values",
     "the priors are missing", "gmm1d.estep.no_priors"),
    (ReturnsOnlyGMM, MSTEP | FIT, "gmm1d.mstep.values", "returning them is not enough",
     "gmm1d.mstep.not_stored"),
    (ColumnMeansGMM, MSTEP | FIT, "gmm1d.mstep.values", "gammas.T @ X has shape (k, 1)",
     "gmm1d.mstep.column_means"),
]


@pytest.mark.parametrize("cls,expected,check_id,hint,bug", BUGS, ids=[b[0].__name__ for b in BUGS])
def test_bug_fails_the_checks_meant_to_catch_it(cls, expected, check_id, hint, bug):
    assert failed(cls) == expected, {k: r.output for k, r in grade(cls).items()}
    message = output(cls, check_id)
    assert hint in message, message
    assert "Hint:" in message
    assert grade(cls)[check_id].bug == bug
    # the same diagnosis reaches the hidden check of the same method
    hidden = "gmm1d.estep.reference" if check_id in ESTEP else "gmm1d.mstep.reference"
    if hidden in expected:
        assert hint in output(cls, hidden), output(cls, hidden)
        assert grade(cls)[hidden].bug == bug
    for name in expected:     # every failure says what was wrong, not only a hint
        assert len(output(cls, name)) > 40, output(cls, name)


def test_variance_as_scale_is_named_wherever_it_shows():
    """Issue 18: the slip norm.pdf(x, mu, variances) is named by every check it fails: the
    E-step checks (alone, or with a floor that keeps it from matching the slip exactly), and
    the fit's hint names it among the causes of a decreasing log-likelihood."""
    from gmmkit.checks.stored import Stored
    store = Stored(ASSIGNMENT)
    got = VarianceAsScaleFlooredGMM(3, **{n: store.value("estep.values.3.input")[n]
                                          for n in ("means", "variances", "priors")}).estep(
        store.value("estep.values.3.input")["X"])
    slip = store.bugs("estep.values.3")["gmm1d.estep.variance_as_scale"]
    assert not np.allclose(got, slip, rtol=1e-4, atol=1e-7)      # not an exact match
    for cls in (VarianceAsScaleGMM, VarianceAsScaleFlooredGMM):
        assert "norm.pdf's scale is the standard deviation" in output(cls, "gmm1d.fit.recovers")
    # on data of scale 0.01 the slip's densities underflow to 0 / 0 = NaN: named too
    X = np.array([[0.0], [0.01], [-0.02]])
    kwargs = {"means": [0.0, 0.02], "variances": [1e-4, 2e-4], "priors": [0.5, 0.5]}
    with np.errstate(all="ignore"):
        nan_rows = VarianceAsScaleGMM(2, **kwargs).estep(X)
    hidden_variants = load_module(paths.kit_root() / "autograder" / ASSIGNMENT / "variants.py",
                                  "_test_variants_gmm1d")
    from gmmkit.checks.gmm1d.estep import judge_gammas
    from gmmkit.checks import CheckFailed
    assert not np.isfinite(nan_rows).all()
    with pytest.raises(CheckFailed) as exc:
        judge_gammas(nan_rows, REF.GMM1D(2, **kwargs).estep(X), X, "at scale 0.01",
                     hidden_variants.estep_bugs(X, **kwargs))
    assert exc.value.bug == "gmm1d.estep.variance_as_scale" and "not finite" in str(exc.value)
    assert "np.sqrt(self.variances[j])" in str(exc.value)


def test_estep_bug_costs_only_estep_points_and_mstep_bug_only_mstep_points():
    """mstep is judged on responsibilities the check computes, never the student's estep."""
    assert failed(UnnormalisedGMM) & MSTEP == set()
    assert failed(OldMeansVarianceGMM) & ESTEP == set()
    total = sum(r.max_score for r in grade(REF.GMM1D).values())
    estep_points = sum(BY_ID[n].points for n in ESTEP)
    assert sum(r.score for r in grade(WrongAxisGMM).values()) == pytest.approx(
        total - estep_points - BY_ID["gmm1d.fit.recovers"].points)


def test_messages_say_what_was_expected_what_came_and_where():
    message = output(OldMeansVarianceGMM, "gmm1d.mstep.values")
    assert "self.variances after mstep with k = 3" in message
    assert "expected" in message and "got" in message and "index (" in message
    assert "self.priors" not in message and "self.means" not in message  # only what is wrong

    message = output(WrongAxisGMM, "gmm1d.estep.pmf")
    assert "sums to" in message and "not 1" in message and "axis=1" in message

    message = output(TwoColumnEstepGMM, "gmm1d.estep.pmf")
    assert "shape (40, 2), expected (40, 3)" in message

    message = output(PriorsAsSumsGMM, "gmm1d.fit.recovers")
    assert "the priors sum to 600" in message and "not their sums" in message
    message = output(TwoOnlyMstepGMM, "gmm1d.fit.recovers")
    assert "every component (all k of them)" in message and "not their sums" not in message
    message = output(ReturnsOnlyGMM, "gmm1d.fit.recovers")
    assert "did not change during fit" in message and "returning them is not enough" in message
    message = output(ColumnMeansGMM, "gmm1d.fit.recovers")
    assert "ValueError" in message and "in GMM1D(3, ...).fit(X) on 600 points" in message

    # the public figures are drawn from the stored expected values (no density in the package)
    for cls, check_id in [(WrongAxisGMM, "gmm1d.estep.values"), (WrongAxisGMM, "gmm1d.estep.pmf"),
                          (OldMeansVarianceGMM, "gmm1d.mstep.values"),
                          (StdInMstepGMM, "gmm1d.mstep.hard"),
                          (OldMeansVarianceGMM, "gmm1d.mstep.reference")]:
        assert grade(cls)[check_id].figure, check_id

    message = output(StdInMstepGMM, "gmm1d.mstep.hard")
    # the known value of a hand-worked group (variance of 0, 1, 2, 3 is 1.25) is quoted
    assert "expected 1.25, got 1.118034" in message


def test_estep_crash_is_reported_with_the_students_error():
    class Crashing(REF.GMM1D):
        def estep(self, X):
            return self.priors[self.num_gaussians]     # IndexError

    assert failed(Crashing) == ESTEP | FIT
    assert "IndexError" in output(Crashing, "gmm1d.estep.values")


def test_slow_student_gets_the_slow_hint():
    class Endless(REF.GMM1D):
        def mstep(self, X, gammas):
            while True:
                pass

    chk = BY_ID["gmm1d.mstep.values"]
    fast = type(chk)(**{**chk.__dict__, "timeout": 0.5})
    (result,) = run_checks([fast], InKernelStudent({"GMM1D": Endless}), None)
    assert not result.passed
    assert "longer than 0.5 s" in result.output and chk.slow_hint in result.output


# ---------------------------------------------------------------------------------------------
# The checks themselves
def test_points_and_visibility():
    assert sum(c.points for c in CHECKS) == pytest.approx(10.0)
    assert all(c.visibility == VISIBLE for c in PUBLIC)
    assert all(c.visibility == AFTER_DUE for c in HIDDEN)
    assert all(c.function == "GMM1D" for c in CHECKS)
    assert len(BY_ID) == len(CHECKS) == 7
    assert set(BY_ID) == ESTEP | MSTEP | FIT


def test_stored_values_agree_with_the_lab_equations():
    """The stored expected values (the reference's, recorded by the build) against the lab's
    equations evaluated entry by entry here, and the hand-worked hard-assignment values
    against the reference."""
    from gmmkit.checks.stored import Stored
    from gmmkit.checks.gmm1d import inputs, values
    store = Stored(ASSIGNMENT)
    for key in [inputs.estep_values_key(k) for k in inputs.ESTEP_VALUE_KS] + \
            [inputs.estep_pmf_key(k) for k in inputs.ESTEP_PMF_KS]:
        case = store.value(key + ".input")
        m, v, p = case["means"], case["variances"], case["priors"]
        joint = [[p[j] * np.exp(-(x - m[j]) ** 2 / (2 * v[j])) / np.sqrt(2 * np.pi * v[j])
                  for j in range(len(m))] for x in case["X"][:, 0]]
        gammas = np.array([[a / sum(row) for a in row] for row in joint])
        np.testing.assert_allclose(store.value(key), gammas, rtol=1e-10, atol=1e-300)
    case = store.value(inputs.MSTEP_VALUES_KEY + ".input")
    x, g = case["X"][:, 0], case["gammas"]
    N = g.sum(axis=0)
    means = [sum(g[i, j] * x[i] for i in range(len(x))) / N[j] for j in range(3)]
    want = store.value(inputs.MSTEP_VALUES_KEY)
    np.testing.assert_allclose(want["priors"], N / len(x), rtol=1e-12)
    np.testing.assert_allclose(want["means"], means, rtol=1e-12)
    np.testing.assert_allclose(want["variances"], [
        sum(g[i, j] * (x[i] - means[j]) ** 2 for i in range(len(x))) / N[j] for j in range(3)],
        rtol=1e-12)
    for k in inputs.HARD_KS:
        case = inputs.hard_case(k)
        model = REF.GMM1D(k, means=case["means"], variances=case["variances"],
                          priors=case["priors"])
        model.mstep(case["X"], case["gammas"])
        for name, value in values.hard_expected(k).items():
            np.testing.assert_allclose(getattr(model, name), value, rtol=1e-12)


def test_fit_data_is_recovered_by_scikit_learn():
    """The fit check's data and tolerances are fair: an outside EM finds the truth within them."""
    from sklearn.mixture import GaussianMixture
    X = HIDDEN_MODULE.fit_data()
    gm = GaussianMixture(3, means_init=HIDDEN_MODULE.START["means"][:, None], reg_covar=0,
                         tol=1e-8, max_iter=500).fit(X)
    order = np.argsort(gm.means_[:, 0])
    fitted = {"priors": gm.weights_[order], "means": gm.means_[order, 0],
              "variances": gm.covariances_[order].ravel()}
    true, tol = HIDDEN_MODULE.TRUE, HIDDEN_MODULE.TRUTH_TOL
    assert np.all(np.abs(fitted["priors"] - true["priors"]) < tol["priors"] / 2)
    assert np.all(np.abs(fitted["means"] - true["means"]) < tol["means"] / 2)
    assert np.all(np.abs(fitted["variances"] / true["variances"] - 1) < tol["variances"])


# ---------------------------------------------------------------------------------------------
# The files in step with each other
MARKERS = ("        ### BEGIN SOLUTION\n", "        ### END SOLUTION\n")



@pytest.fixture(scope="module")
def stub_path(tmp_path_factory):
    """The student's gmm1d.py as the build makes it (nbgrader's ClearSolutions)."""
    path = tmp_path_factory.mktemp("release") / "gmm1d.py"
    path.write_text((SOURCE_DIR / "gmm1d.py").read_text())
    clear_python_solutions(path)
    return path


def test_stub_scores_zero_and_says_not_implemented(stub_path):
    text = stub_path.read_text()
    assert text.count("raise NotImplementedError()") == 2
    assert "logsumexp(log_joint, axis=1, keepdims=True)" not in text   # no solution leaks
    assert "def log_likelihood" in text and "def fit" in text            # the given parts stay
    stub = load_module(stub_path, "stub_gmm1d")
    for line in ("    def estep(self, X):", "    def mstep(self, X, gammas):"):
        assert line in text
    results = grade(stub.GMM1D)
    assert sum(r.score for r in results.values()) == 0
    for name in ESTEP | MSTEP:
        assert "not implemented yet" in results[name].output


def test_given_parts_work_with_the_reference():
    model = REF.GMM1D(3, seed=1)
    assert model.num_gaussians == 3 and model.priors.shape == model.means.shape == (3,)
    np.testing.assert_allclose(model.priors, 1 / 3)
    np.testing.assert_allclose(model.variances, 1.0)
    assert np.all(np.diff(model.means) > 0)
    np.testing.assert_array_equal(REF.GMM1D(3, seed=1).means, model.means)   # seeded
    X = HIDDEN_MODULE.fit_data()
    expected = np.sum(np.log(sum(model.priors[j] * norm.pdf(X[:, 0], model.means[j], 1.0)
                                 for j in range(3))))
    assert model.log_likelihood(X) == pytest.approx(expected, rel=1e-12)
    history = REF.GMM1D(3, means=[-3, 1, 4]).fit(X)
    assert all(isinstance(h, float) for h in history)
    assert np.all(np.diff(history) >= 0) and len(history) < 100
    given = [1.0, 2.0, 3.0]
    model = REF.GMM1D(3, means=given)
    model.mstep(X, model.estep(X))
    assert given == [1.0, 2.0, 3.0]              # the model never writes into the caller's data
    with pytest.raises(ValueError):
        REF.GMM1D(2, means=[0.0, 1.0, 2.0])


def test_reference_is_careful_far_from_every_component():
    """Log-space responsibilities: a point 1e4 from every mean still gets a valid row, and an
    empty component keeps its parameters instead of becoming NaN."""
    model = REF.GMM1D(2, means=[0.0, 1.0], variances=[1.0, 1.0], priors=[0.5, 0.5])
    gammas = model.estep(np.array([[1e4], [-1e4], [0.5]]))
    np.testing.assert_allclose(gammas, [[0, 1], [1, 0], [0.5, 0.5]], atol=1e-12)
    model.mstep(np.array([[0.0], [2.0]]), np.array([[1.0, 0.0], [1.0, 0.0]]))
    np.testing.assert_allclose(model.priors, [1.0, 0.0])
    np.testing.assert_allclose(model.means, [1.0, 1.0])
    np.testing.assert_allclose(model.variances, [1.0, 1.0])


def test_hint_file_is_the_lab_for_two_gaussians():
    hint = load_module(SOURCE_DIR / "two_gaussian_1dgm.py", "two_gaussian_1dgm")
    rng = np.random.default_rng(8)
    x = np.concatenate([rng.normal(-2, 0.5, 300), rng.normal(3, 1.5, 500)])
    params, history = hint.fit_two_gaussians(x, mu1=-1.0, mu2=1.0)
    model = REF.GMM1D(2, means=[-1.0, 1.0])
    reference_history = model.fit(x[:, None])
    pi1, mu1, var1, pi2, mu2, var2 = params
    np.testing.assert_allclose([pi1, pi2], model.priors, rtol=1e-9)
    np.testing.assert_allclose([mu1, mu2], model.means, rtol=1e-9)
    np.testing.assert_allclose([var1, var2], model.variances, rtol=1e-9)
    np.testing.assert_allclose(history, reference_history, rtol=1e-12)


def _run_script(name, cwd):
    return subprocess.run([sys.executable, str(SOURCE_DIR / name)], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_hint_file_demo_runs(tmp_path):
    run = _run_script("two_gaussian_1dgm.py", tmp_path)
    assert run.returncode == 0, run.stderr
    assert "fitted 1" in run.stdout and "fitted 2" in run.stdout


def test_self_check_script(tmp_path, stub_path):
    """check_gmm1d.py next to a correct gmm1d.py: passes and saves the plot; next to the
    stub: says what is missing, exits 1, and does not crash."""
    good, bad = tmp_path / "good", tmp_path / "bad"
    good.mkdir(), bad.mkdir()
    (good / "gmm1d.py").write_bytes(paths.solutions_file(ASSIGNMENT).read_bytes())
    (bad / "gmm1d.py").write_bytes(stub_path.read_bytes())
    for folder in (good, bad):
        (folder / "check_gmm1d.py").write_bytes((SOURCE_DIR / "check_gmm1d.py").read_bytes())

    run = subprocess.run([sys.executable, "check_gmm1d.py"], cwd=good, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "All 4 public checks of GMM1D passed" in run.stdout
    assert (good / "gmm1d_fit.png").stat().st_size > 10_000

    run = subprocess.run([sys.executable, "check_gmm1d.py"], cwd=bad, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "not implemented yet" in run.stdout and "no plot yet" in run.stdout
    assert "Traceback" not in run.stderr
    assert not (bad / "gmm1d_fit.png").exists()


# ---------------------------------------------------------------------------------------------
# Nothing a student can install computes the answer (issue 16): a GMM1D that delegates estep or
# mstep to any function under gmmkit earns none of that method's points.
# Not searched: the grader and build tools (tests/helpers/delegation.py).
def _estep_calls(f):
    """Ways a student might call f to get responsibilities, each as g(X, means, variances,
    priors) -> gammas or None: directly, or composed from f used as a (mixture) density."""
    def direct(order):
        return lambda X, m, v, p: quiet(f, *order(X, m, v, p))

    def from_density(X, m, v, p):
        cols = [quiet(f, X, {"priors": np.ones(1), "means": m[j:j + 1], "variances": v[j:j + 1]})
                for j in range(len(m))]
        if any(c is None or np.size(c) != len(X) for c in cols):
            return None
        joint = p * np.column_stack([np.ravel(np.asarray(c, dtype=float)) for c in cols])
        return joint / joint.sum(axis=1, keepdims=True)

    orders = [lambda X, m, v, p: (X, m, v, p), lambda X, m, v, p: (X, m, np.sqrt(v), p),
              lambda X, m, v, p: (X, p, m, v), lambda X, m, v, p: (X, p, m, np.sqrt(v)),
              lambda X, m, v, p: (X, {"priors": p, "means": m, "variances": v})]
    return [direct(o) for o in orders] + [from_density]


def _mstep_calls(f):
    """Ways to get {priors, means, variances} from f and (X, gammas)."""
    def call(args, order):
        def g(X, gammas):
            out = quiet(f, *args(X, gammas))
            if isinstance(out, dict) and {"priors", "means", "variances"} <= set(out):
                return {n: out[n] for n in ("priors", "means", "variances")}
            if isinstance(out, (tuple, list)) and len(out) == 3:
                return dict(zip(order, out))
            return None
        return g
    argss = [lambda X, g: (X, g), lambda X, g: (g, X), lambda X, g: (X[:, 0], g)]
    orders = [("priors", "means", "variances"), ("means", "variances", "priors")]
    return [call(a, o) for a in argss for o in orders]


def _probe():
    rng = np.random.default_rng(0)
    X = np.sort(rng.normal(0, 2, size=(12, 1)), axis=0)
    params = (np.array([-2.0, 0.0, 2.5]), np.array([0.5, 1.0, 2.0]), np.array([0.2, 0.5, 0.3]))
    return X, params, REF.GMM1D(3, means=params[0], variances=params[1], priors=params[2]).estep(X)


def delegates(space):
    """The estep and mstep delegates found in ``space`` (name, callable) pairs: every way of
    calling a function there that returns something of the right shape and kind on a probe
    (rows of a pmf for estep, three (k,) arrays for mstep), as a student searching would."""
    X, (m, v, p), gammas = _probe()
    estep, mstep = [], []
    for name, f in space:
        for i, g in enumerate(_estep_calls(f)):
            out = g(X, m, v, p)
            try:
                out = np.asarray(out, dtype=float)
            except (TypeError, ValueError):
                continue
            if out.shape == (12, 3) and np.allclose(out.sum(axis=1), 1) and (out >= 0).all():
                estep.append((f"{name} (way {i})", g))
        for i, g in enumerate(_mstep_calls(f)):
            out = g(X, gammas)
            try:
                ok = out is not None and all(np.asarray(out[n], dtype=float).shape == (3,)
                                             for n in out)
            except (TypeError, ValueError):
                ok = False
            if ok:
                mstep.append((f"{name} (way {i})", g))
    return estep, mstep


def delegating_class(estep=None, mstep=None):
    """The reference GMM1D (its given parts) with estep and/or mstep replaced by a delegate;
    a method without one raises NotImplementedError, as in the stub."""
    def estep_method(self, X):
        if estep is None:
            raise NotImplementedError()
        return estep(np.asarray(X, dtype=float), self.means.copy(), self.variances.copy(),
                     self.priors.copy())

    def mstep_method(self, X, gammas):
        if mstep is None:
            raise NotImplementedError()
        out = mstep(np.asarray(X, dtype=float), np.asarray(gammas, dtype=float))
        for name, value in (out or {}).items():
            setattr(self, name, np.asarray(value, dtype=float))

    return type("Delegating", (REF.GMM1D,), {"estep": estep_method, "mstep": mstep_method})


def _points(cls, ids):
    student = InKernelStudent({"GMM1D": cls})
    checks = [BY_ID[i] for i in ids]
    results = [run_checks([c], student, None if not c.hidden else REF)[0] for c in checks]
    return sum(r.score for r in results)


def test_the_search_finds_working_delegates_when_there_are_some():
    """The search is sharp: functions that compute the lab's steps are found and score."""
    def estep_of(X, means, variances, priors):
        return LoopGMM(len(means), means=means, variances=variances, priors=priors).estep(X)

    def mstep_of(X, gammas):
        model = LoopGMM(gammas.shape[1])
        model.mstep(X, gammas)
        return model.priors, model.means, model.variances

    estep, mstep = delegates([("test.estep_of", estep_of), ("test.mstep_of", mstep_of)])
    assert estep and mstep
    assert _points(delegating_class(estep=estep[0][1]), ESTEP - {"gmm1d.estep.reference"}) == \
        sum(BY_ID[i].points for i in ESTEP - {"gmm1d.estep.reference"})
    assert _points(delegating_class(mstep=mstep[0][1]), MSTEP - {"gmm1d.mstep.reference"}) == \
        sum(BY_ID[i].points for i in MSTEP - {"gmm1d.mstep.reference"})


def _passed(cls, ids):
    student = InKernelStudent({"GMM1D": cls})
    return {c.id for c in (BY_ID[i] for i in ids)
            if run_checks([c], student, None if not c.hidden else REF)[0].passed}


def test_no_function_under_gmmkit_computes_estep_or_mstep():
    """Every delegate fails every check a property alone cannot settle: the pmf-rows check is
    passed by any normalised rows, e.g. the priors repeated on every row, which needs nothing
    of gmmkit, so a delegate may pass it too."""
    def priors_rows(X, m, v, p):
        return np.tile(p, (len(X), 1))

    free = _passed(delegating_class(estep=priors_rows), ESTEP | FIT)
    assert free == {"gmm1d.estep.pmf"}
    space = gmmkit_callables()
    assert any(name.startswith("gmmkit.checks.gmm1d.") for name, _ in space)
    estep, mstep = delegates(space)
    for name, g in estep:
        assert _passed(delegating_class(estep=g), ESTEP | FIT) <= free, name
    for name, g in mstep:
        assert _passed(delegating_class(mstep=g), MSTEP | FIT) == set(), name
    assert _points(delegating_class(), ESTEP | MSTEP | FIT) == 0


