"""Trusted: the classic bugs of ``@NAME@`` as code (one character from the answer, so never in
the public package). Used by expected.py at build time and by the hidden checks."""
import numpy as np
from scipy.special import logsumexp


def posterior_axis0(log_joint):
    return np.exp(log_joint - logsumexp(log_joint, axis=0, keepdims=True))


def posterior_no_exp(log_joint):
    return log_joint - logsumexp(log_joint, axis=1, keepdims=True)


POSTERIOR_BUGS = {"@NAME@.posterior.axis0": posterior_axis0,
                  "@NAME@.posterior.no_exp": posterior_no_exp}
