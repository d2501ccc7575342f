"""Checks of ``sample_gmm(n, pi, mu, cov, rng) -> (X, labels)`` by the distribution of a large
seeded sample: label frequencies, then the mean and covariance of every label's points, with
tolerances from the sampling error. No sampler here: the hints compare a wrong sample
covariance with the covariances the classic wrong noise transforms give, stored by the build."""
from __future__ import annotations

import numpy as np

from ...wire.protocol import Rng
from .. import figures
from ..expect import as_array, as_tuple, expect_finite, expect_shape, fail, figure_on_failure
from . import inputs
from .bugs import CATALOGUE
from .graded import SAMPLE_GMM
from .values import N_LARGE, SAMPLE_RECIPE, Z_MAX, fmt


def describe_sample(n, pi, mu, cov, seed) -> str:
    return (f"sample_gmm({n}, pi={fmt(pi, 3)}, mu={fmt(mu, 3)}, cov=<{np.shape(cov)} array>, "
            f"rng=np.random.default_rng({seed}))")


def sample_call(n, pi, mu, cov, seed) -> dict:
    """The step of a student program that calls sample_gmm (see ``Student.run``)."""
    return {"call": "sample_gmm", "args": [n, np.asarray(pi, dtype=float),
                                           np.asarray(mu, dtype=float),
                                           np.asarray(cov, dtype=float), Rng(seed)],
            "return": True}


def as_sample(out, n, k, d, what, strict=False):
    """The student's (X, labels): X (n, d) floats, labels (n,) integers in 0..K-1.

    Unless ``strict``, X given as (d, n) and labels as a column are accepted here, so that a
    wrong layout costs only the shape check's points.
    """
    out = as_tuple(out, 2, what, "X, labels")
    X = as_array(out[0], f"the X of {what}")
    if not strict and X.shape == (d, n) and n != d:
        X = X.T
    expect_shape(X, (n, d), f"the X of {what}", "one point per row: X has shape (n, d)")
    expect_finite(X, f"the X of {what}", SAMPLE_RECIPE)
    labels = as_array(out[1], f"the labels of {what}",
                      "labels[i] is the component X[i] was drawn from")
    if not strict and labels.size == n:
        labels = labels.reshape(n)
    expect_shape(labels, (n,), f"the labels of {what}",
                 "return the component labels as a flat integer array of shape (n,)")
    if not np.all(np.isfinite(labels)) or np.any(labels != np.round(labels)) or \
            labels.min() < 0 or labels.max() > k - 1:
        bad = int(np.argmax(~np.isfinite(labels) | (labels != np.round(labels)) | (labels < 0)
                            | (labels > k - 1)))
        fail(f"labels[{bad}] of {what} is {labels[bad]:g}: labels are component indices, "
             f"integers from 0 to K - 1 = {k - 1}",
             "return z itself, e.g. z = rng.choice(K, size=n, p=pi)")
    return X, labels.astype(int)


def call_sample(student, n, pi, mu, cov, seed, what, strict=False):
    k, d = np.shape(mu)
    (out,) = student.run([sample_call(n, pi, mu, cov, seed)])
    return as_sample(out, n, k, d, what, strict)


def _group_stats(X, labels, k):
    counts = np.bincount(labels, minlength=k)
    means, covs = [], []
    for j in range(k):
        pts = X[labels == j]
        means.append(pts.mean(axis=0) if len(pts) else np.full(X.shape[1], np.nan))
        covs.append(np.cov(pts.T, ddof=1).reshape(X.shape[1], X.shape[1]) if len(pts) > 1
                    else np.full((X.shape[1],) * 2, np.nan))
    return counts, np.array(means), np.array(covs)


def sample_cov_hint(S, cov_k, bug_covs: dict):
    """The classic wrong transform whose covariance (``bug_covs``: {id: (d, d)}) the sample
    covariance S is closest to, when clearly closer than to Sigma_k; else the recipe."""
    cov_k = np.asarray(cov_k, dtype=float)
    scale = np.linalg.norm(cov_k)
    best, best_d = None, np.inf
    for bug_id, cand in bug_covs.items():
        cand = np.asarray(cand, dtype=float)
        if not np.all(np.isfinite(cand)) or np.allclose(cand, cov_k, rtol=0.05, atol=0.01 * scale):
            continue  # this "bug" gives the right covariance for these parameters
        dist = np.linalg.norm(S - cand)
        if dist < best_d:
            best, best_d = CATALOGUE[bug_id], dist
    if best is not None and best_d < 0.5 * np.linalg.norm(S - cov_k):
        return best
    return SAMPLE_RECIPE


def judge_sample(student, n, pi, mu, cov, seed, bug_covs: dict, expected_sample=None) -> None:
    """Label frequencies, then each label's mean and covariance, against the given mixture;
    ``bug_covs`` ({id: (K, d, d)}) are the covariances of the classic wrong transforms;
    ``expected_sample`` (X, labels), a correct sample for the failure's figure."""
    pi, mu, cov = (np.asarray(a, dtype=float) for a in (pi, mu, cov))
    what = describe_sample(n, pi, mu, cov, seed)
    X, labels = call_sample(student, n, pi, mu, cov, seed, what)
    with figure_on_failure(lambda: figures.samples_2d(
            X, labels, pi, mu, cov, expected_sample, title=f"sample_gmm({n:,}, pi, mu, cov, "
                                          f"rng=np.random.default_rng({seed}))")):
        _judge_sample_stats(X, labels, n, pi, mu, cov, what, bug_covs)


def _judge_sample_stats(X, labels, n, pi, mu, cov, what, bug_covs) -> None:
    k, d = mu.shape
    counts, means, covs = _group_stats(X, labels, k)
    freq = counts / n
    for j in range(k):
        if 0 < pi[j] < 1:
            se = np.sqrt(pi[j] * (1 - pi[j]) / n)
            if abs(freq[j] - pi[j]) > Z_MAX * se:
                uniform = np.allclose(freq, 1 / k, atol=Z_MAX * np.sqrt(1 / k / n)) and \
                    not np.allclose(pi, 1 / k, atol=1e-3)
                fail(f"{100 * freq[j]:.2f}% of the labels of {what} are {j}, but pi[{j}] = "
                     f"{pi[j]:.4g}: {abs(freq[j] - pi[j]) / se:.1f} standard errors away "
                     f"(allowed: {Z_MAX:g}); the label frequencies are {fmt(freq)}",
                     CATALOGUE["em_2d.sample_gmm.uniform_labels"] if uniform else SAMPLE_RECIPE)
        elif pi[j] == 0 and counts[j]:
            fail(f"{counts[j]} labels of {what} are {j}, a component of weight 0", SAMPLE_RECIPE)
    # A mismatch between the labels and the points: every group then looks like the whole sample.
    overall = X.mean(axis=0)
    mismatch = k > 1 and all(
        counts[j] < 2 or np.all(np.abs(means[j] - overall) <= Z_MAX * np.sqrt(
            np.diag(np.cov(X.T).reshape(d, d)) / counts[j])) for j in range(k))
    mismatch_hint = CATALOGUE["em_2d.sample_gmm.labels_mismatch"]
    for j in range(k):
        if counts[j] < 2:
            continue
        se = np.sqrt(np.diag(cov[j]) / counts[j])
        z = np.abs(means[j] - mu[j]) / se
        if (z > Z_MAX).any():
            i = int(np.argmax(z))
            fail(f"the {counts[j]} points of {what} with label {j} have mean {fmt(means[j])}, "
                 f"but mu[{j}] = {fmt(mu[j])}: coordinate {i} is {z[i]:.1f} standard errors "
                 f"away (allowed: {Z_MAX:g})", mismatch_hint if mismatch else SAMPLE_RECIPE)
    for j in range(k):
        if counts[j] < 2:
            continue
        c = cov[j]
        se = np.sqrt((c ** 2 + np.outer(np.diag(c), np.diag(c))) / counts[j])
        z = np.abs(covs[j] - c) / se
        if (z > Z_MAX).any():
            a, b = (int(v) for v in np.unravel_index(np.argmax(z), z.shape))
            fail(f"the {counts[j]} points of {what} with label {j} have sample covariance "
                 f"{fmt(covs[j])}, but cov[{j}] = {fmt(c)}: entry ({a}, {b}) is "
                 f"{z[a, b]:.1f} standard errors away (allowed: {Z_MAX:g})",
                 mismatch_hint if mismatch else
                 sample_cov_hint(covs[j], c, {b_id: v[j] for b_id, v in bug_covs.items()}))


def _sample_gmm_shapes(student, ref) -> None:
    for n, seed in [(1000, 0), (1, 1)]:
        what = describe_sample(n, inputs.SAMPLE_PI, inputs.SAMPLE_MU, inputs.SAMPLE_COV, seed)
        call_sample(student, n, inputs.SAMPLE_PI, inputs.SAMPLE_MU, inputs.SAMPLE_COV, seed,
                    what, strict=True)


def _sample_gmm_distribution(student, ref) -> None:
    stored = inputs.STORE.value("sample_gmm.figure_sample")
    judge_sample(student, N_LARGE, inputs.SAMPLE_PI, inputs.SAMPLE_MU, inputs.SAMPLE_COV, 0,
                 inputs.STORE.bugs("sample_gmm.cov"), (stored["X"], stored["labels"]))


CHECKS = [
    SAMPLE_GMM.check("em_2d.sample_gmm.shapes", "sample_gmm: returns X of shape (n, d) and "
                     "integer labels of shape (n,)", 1, _sample_gmm_shapes),
    SAMPLE_GMM.check("em_2d.sample_gmm.distribution", "sample_gmm: 40,000 points: label "
                     "frequencies, and each label's mean and covariance, match the mixture", 2,
                     _sample_gmm_distribution),
]
