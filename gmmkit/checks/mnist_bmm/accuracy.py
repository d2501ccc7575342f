"""Checks of ``cluster_accuracy``: worked examples (renamed, split and mixed clusters)."""
from __future__ import annotations

import numpy as np

from ..expect import expect_close
from .bugs import ACCURACY_RULE, hint_for
from .calls import call_accuracy
from .graded import ACCURACY
from .stored import STORE
from .values import ACCURACY_EXAMPLES


def judge_accuracy(student, labels, assignments, expected: float, bugs: dict) -> None:
    got, what = call_accuracy(student, labels, assignments)
    expect_close(np.asarray(got), expected, what, rtol=1e-6, atol=1e-7,
                 hint=hint_for(got, bugs, ACCURACY_RULE))


def _accuracy_examples(student, ref) -> None:
    for e, (labels, assignments, expected) in enumerate(ACCURACY_EXAMPLES):
        judge_accuracy(student, labels, assignments, expected, STORE.bugs(f"accuracy.example{e}"))


CHECKS = [
    ACCURACY.check("mnist_bmm.cluster_accuracy.examples", "cluster_accuracy: worked examples "
                   "(renamed, split and mixed clusters)", 1, _accuracy_examples),
]
