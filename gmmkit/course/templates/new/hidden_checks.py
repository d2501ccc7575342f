"""Hidden checks of ``@NAME@`` (shown after the due date): compared with the reference ``ref`` on
seeded inputs the public checks do not use, extreme values included."""
from pathlib import Path

import numpy as np

from gmmkit.checks import AFTER_DUE, load_module
from gmmkit.checks.@NAME@ import POSTERIOR, judge_posterior

variants = load_module(Path(__file__).with_name("variants.py"), "_gmmkit_variants_@NAME@")


def check_against_reference(student, ref) -> None:
    rng = np.random.default_rng(1)
    for n, k, scale in [(50, 4, 1.0), (7, 1, 3.0), (30, 6, 300.0), (10, 2, 1000.0)]:
        log_joint = rng.normal(0.0, scale, size=(n, k))
        candidates = {bug_id: f(log_joint) for bug_id, f in variants.POSTERIOR_BUGS.items()}
        judge_posterior(student, log_joint, ref.posterior(log_joint), candidates,
                        f"posterior(log_joint) with n = {n}, k = {k}, entries of scale {scale:g}")


CHECKS = [
    POSTERIOR.check("@NAME@.posterior.reference", "posterior: agrees with the reference, "
                    "extreme log-joints included", 2.0, check_against_reference, AFTER_DUE),
]
