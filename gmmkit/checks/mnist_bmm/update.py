"""Checks of ``update_clusters``, the lecture's hard-assignment rule: hard EM for the Bernoulli
model (Laplace-smoothed pixel probabilities of every cluster, then each image to the cluster
under which its log-likelihood is highest). Not K-means: the K-means answer fails with a hint
that says so. An empty cluster keeps probabilities 1/2 and competes like any other."""
from __future__ import annotations

import numpy as np

from .. import figures
from ..expect import expect_finite, expect_shape, fail
from . import inputs
from .bugs import UPDATE_RULE, hint_for
from .calls import call_update, fmt
from .graded import UPDATE
from .stored import STORE
from .values import UPDATE_EXAMPLES

TIE_TOL = 1e-6      # log-likelihood units: a tie may be broken either way


def expect_assignments(got: np.ndarray, X, n_clusters: int, what: str, bugs: dict) -> np.ndarray:
    """An int array (n,) of cluster indices in 0 .. n_clusters - 1."""
    if got.shape == (n_clusters, np.shape(X)[1]):
        fail(f"{what} returned an array of shape {got.shape}, the shape of the cluster pixel "
             "probabilities", "return the new assignment of every image (shape (n,)), not the "
             "clusters' probabilities")
    expect_shape(got, (len(X),), what, "one cluster index per image: shape (n,), e.g. "
                 "np.argmax(log_lik, axis=1)")
    expect_finite(got, what)
    if not np.array_equal(got, np.round(got)):
        i = int(np.argmax(got != np.round(got)))
        fail(f"{what} returned a non-integer cluster index at image {i}: {got[i]:.6g}",
             "return integer indices, e.g. np.argmax(log_lik, axis=1)")
    if got.min() < 0 or got.max() >= n_clusters:
        i = int(np.argmax((got < 0) | (got >= n_clusters)))
        fail(f"{what} returned cluster {int(got[i])} for image {i}; clusters are numbered "
             f"0 to {n_clusters - 1}", hint_for(got, bugs, UPDATE_RULE))
    return got.astype(int)


def judge_update(student, X, assignments, n_clusters: int, log_lik, bugs: dict,
                 cluster_mu=None) -> np.ndarray:
    """Every image must go to a cluster of highest log-likelihood ``log_lik`` (n, K) under the
    smoothed probabilities of the clusters it was given (ties either way). ``bugs``: the classic
    bugs' assignments on the same inputs; ``cluster_mu`` (K, d), for the figure of 784-pixel
    images."""
    X = np.asarray(X)
    n = len(X)
    got, what = call_update(student, X, assignments, n_clusters)
    got = expect_assignments(got, X, n_clusters, what, bugs)
    best = log_lik.max(axis=1)
    chosen = log_lik[np.arange(n), got]
    wrong = chosen < best - TIE_TOL * np.maximum(np.abs(best), 1.0)
    if wrong.any():
        i = int(np.argmax(wrong))
        j = int(np.argmax(log_lik[i]))
        figure = None
        if cluster_mu is not None and X.shape[1] == 784:
            figure = figures.images(np.stack([X[i], cluster_mu[got[i]]]),
                                    np.stack([X[i], cluster_mu[j]]), diff=False,
                                    title=f"image {i}, then the smoothed pixel probabilities "
                                    f"of the cluster you sent it to ({got[i]}, top) and of its "
                                    f"most likely cluster ({j}, bottom)")
        fail(f"{what} sent image {i} to cluster {got[i]}, under which its log-likelihood is "
             f"{chosen[i]:.6g}, but it is highest under cluster {j}: {best[i]:.6g} "
             f"({int(wrong.sum())} of {n} images are not sent to their most likely cluster)",
             hint_for(got, bugs, UPDATE_RULE), figure=figure)
    return got


def _update_examples(student, ref) -> None:
    for e, (X, start, k, expected, why) in enumerate(UPDATE_EXAMPLES):
        bugs = STORE.bugs(f"update.example{e}")
        got, what = call_update(student, X, start, k)
        got = expect_assignments(got, X, k, what, bugs)
        if not np.array_equal(got, expected):
            i = int(np.argmax(got != expected))
            fail(f"{what} returned {fmt(got)} for the images {X.astype(int).tolist()} and "
                 f"assignments {start.tolist()}; expected {expected.tolist()} ({why}); first "
                 f"difference at image {i}", hint_for(got, bugs, UPDATE_RULE))


def _update_most_likely(student, ref) -> None:
    X, start, k = inputs.update_mnist()
    judge_update(student, X, start, k, STORE.value("update.mnist"), STORE.bugs("update.mnist"),
                 STORE.value("update.mnist_mu"))


CHECKS = [
    UPDATE.check("mnist_bmm.update_clusters.examples", "update_clusters: worked examples (one "
                 "that K-means gets wrong, one with an empty cluster)", 1, _update_examples),
    UPDATE.check("mnist_bmm.update_clusters.values", "update_clusters: every image goes to its "
                 "most likely cluster under the smoothed pixel probabilities (300 MNIST images, "
                 "10 clusters)", 1, _update_most_likely),
]
