"""Tests of the ``@NAME@`` checks: the reference and a correct variant pass every check; each
classic bug fails the value checks with its own hint (and its bug id)."""
import numpy as np
import pytest

from gmmkit import assignments, paths
from gmmkit.checks import InKernelStudent, load_module, run_checks

SPEC = assignments.get("@NAME@")
ROOT = paths.kit_root()
REF = load_module(SPEC.reference(ROOT), "_ref_@NAME@")
HIDDEN = load_module(SPEC.hidden_checks(ROOT), "_hidden_@NAME@").CHECKS
VARIANTS = load_module(SPEC.hidden_checks(ROOT).with_name("variants.py"), "_variants_@NAME@")


def results(posterior):
    student = InKernelStudent({"posterior": posterior})
    checks = SPEC.public_checks() + list(HIDDEN)
    public = run_checks(SPEC.public_checks(), student, None)   # public checks never see ref
    hidden = run_checks(list(HIDDEN), student, REF)
    return {c.id: r for c, r in zip(checks, public + hidden)}


def loop_posterior(log_joint):
    """A correct variant: a loop over the rows, with the max trick."""
    out = np.empty_like(log_joint, dtype=float)
    for i, row in enumerate(log_joint):
        e = np.exp(row - row.max())
        out[i] = e / e.sum()
    return out


@pytest.mark.parametrize("posterior", [REF.posterior, loop_posterior], ids=["reference", "loop"])
def test_correct_code_passes_every_check(posterior):
    failed = {i: r.output for i, r in results(posterior).items() if not r.passed}
    assert not failed


@pytest.mark.parametrize("bug_id", sorted(VARIANTS.POSTERIOR_BUGS))
def test_each_classic_bug_fails_the_value_checks_with_its_hint(bug_id):
    got = results(VARIANTS.POSTERIOR_BUGS[bug_id])
    for check_id in ("@NAME@.posterior.values", "@NAME@.posterior.reference"):
        assert not got[check_id].passed
        assert got[check_id].bug == bug_id, got[check_id].output
