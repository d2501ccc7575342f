"""Trusted computations of ``mnist_bmm``: outside references written with scipy, the objective
EM maximises, and the classic bugs' values. Never in the student package.

``autograder/mnist_bmm/expected.py`` stores their values on the public checks' inputs; the
hidden checks compute them on their own inputs. Each ``*_bugs`` function returns
``{bug id: value}`` in the order a diagnosis tries them (ids from
``gmmkit.checks.mnist_bmm.bugs``).
"""
from __future__ import annotations

import numpy as np
from scipy import stats
from scipy.special import betaln, logsumexp

SMOOTHING = 1.0


def _f(a) -> np.ndarray:
    return np.asarray(a, dtype=float)


# ------------------------------------------------------------------------ bernoulli_log_prob
def log_prob_scipy(X, mu) -> np.ndarray:
    """log p(x_i | mu_k) (n, k), pixel by pixel with scipy.stats.bernoulli."""
    return stats.bernoulli.logpmf(_f(X)[:, None, :], _f(mu)[None, :, :]).sum(axis=-1)


def log_prob_bugs(X, mu) -> dict:
    X, mu = _f(X), _f(mu)
    expected = log_prob_scipy(X, mu)
    with np.errstate(all="ignore"):
        return {
            "mnist_bmm.log_prob.probabilities": np.exp(expected),
            "mnist_bmm.log_prob.on_pixels_only": X @ np.log(mu).T,
            "mnist_bmm.log_prob.swapped": X @ np.log1p(-mu).T + (1 - X) @ np.log(mu).T,
            "mnist_bmm.log_prob.mean": expected / X.shape[1],
            "mnist_bmm.log_prob.negated": -expected,
            "mnist_bmm.log_prob.off_log_only": X @ np.log1p(-mu).T + (1 - X) @ np.log1p(-mu).T,
        }


# ------------------------------------------------------------------------ e_step
def posterior_scipy(X, pi, mu):
    """Responsibilities (n, k) and the total log-likelihood, by Bayes' rule in log space."""
    with np.errstate(divide="ignore"):
        log_joint = log_prob_scipy(X, mu) + np.log(_f(pi))
    log_px = logsumexp(log_joint, axis=1, keepdims=True)
    return np.exp(log_joint - log_px), float(log_px.sum())


def resp_bugs(X, pi, mu) -> dict:
    log_p = log_prob_scipy(X, mu)
    with np.errstate(all="ignore"):
        log_joint = log_p + np.log(_f(pi))
        return {
            "mnist_bmm.e_step.no_weights": np.exp(log_p - logsumexp(log_p, axis=1, keepdims=True)),
            "mnist_bmm.e_step.log_resp": log_joint - logsumexp(log_joint, axis=1, keepdims=True),
        }


def loglik_bugs(X, pi, mu) -> dict:
    log_p = log_prob_scipy(X, mu)
    with np.errstate(all="ignore"):
        log_joint = log_p + np.log(_f(pi))
        per_image = logsumexp(log_joint, axis=1)
        return {
            "mnist_bmm.e_step.mean_loglik": float(per_image.mean()),
            "mnist_bmm.e_step.negative_loglik": float(-per_image.sum()),
            "mnist_bmm.e_step.loglik_no_weights": float(logsumexp(log_p, axis=1).sum()),
            "mnist_bmm.e_step.loglik_max": float(np.max(log_joint, axis=1).sum()),
            "mnist_bmm.e_step.loglik_sum_joint": float(log_joint.sum()),
        }


# ------------------------------------------------------------------------ m_step
def m_step_formula(X, r, smoothing=SMOOTHING):
    """pi = R / n and mu = (r.T @ X + s) / (R + 2 s), written out."""
    X, r = _f(X), _f(r)
    R = r.sum(axis=0)
    return R / len(X), (r.T @ X + smoothing) / (R[:, None] + 2 * smoothing)


def mu_bugs(X, r, smoothing=SMOOTHING) -> dict:
    X, r = _f(X), _f(r)
    R = r.sum(axis=0)[:, None]
    counts = r.T @ X
    out = {}
    with np.errstate(all="ignore"):
        if smoothing != 1.0:
            out["mnist_bmm.m_step.fixed_smoothing"] = (counts + 1) / (R + 2)
        if smoothing != 0.0:
            out["mnist_bmm.m_step.no_smoothing"] = counts / R
        out.update({
            "mnist_bmm.m_step.one_pseudo_count": (counts + smoothing) / (R + smoothing),
            "mnist_bmm.m_step.divide_by_n": (counts + smoothing) / (len(X) + 2 * smoothing),
            "mnist_bmm.m_step.counts_over_n": counts / len(X),
            "mnist_bmm.m_step.double_numerator": (counts + 2 * smoothing) / (R + 2 * smoothing),
        })
    return out


def pi_bugs(X, r) -> dict:
    R = _f(r).sum(axis=0)
    return {"mnist_bmm.m_step.unnormalised_pi": R,
            "mnist_bmm.m_step.uniform_pi": np.full(len(R), 1 / len(R))}


# ------------------------------------------------------------------------ fit_bmm
def log_prior(mu, smoothing=SMOOTHING) -> float:
    """log Beta(s + 1, s + 1) density of every mu_kd, summed, up to a constant."""
    mu = _f(mu)
    return float(smoothing * np.sum(np.log(mu) + np.log1p(-mu)))


def beta_log_normaliser(k: int, d: int, smoothing=SMOOTHING) -> float:
    """The constant left out of ``log_prior``: k d (-log B(s + 1, s + 1))."""
    return float(-k * d * betaln(smoothing + 1, smoothing + 1))


def loglik(X, pi, mu) -> float:
    return posterior_scipy(X, pi, mu)[1]


def objective(X, pi, mu) -> float:
    """What EM with the smoothed M-step maximises: log-likelihood + log prior."""
    return loglik(X, pi, mu) + log_prior(mu)


def objective_bugs(ll: float, prior: float, n: int) -> dict:
    """What a mis-recorded objective gives, from the log-likelihood and the log prior."""
    total = ll + prior
    return {
        "mnist_bmm.fit_bmm.no_prior": ll,
        "mnist_bmm.fit_bmm.mean_loglik": ll / n,
        "mnist_bmm.fit_bmm.mean_objective": total / n,
        "mnist_bmm.fit_bmm.negative": -total,
        "mnist_bmm.fit_bmm.negative_loglik": -ll,
        "mnist_bmm.fit_bmm.double_prior": ll + 2 * prior,
    }


def em_steps(X, r, iters: int):
    """``iters`` smoothed M-steps, each followed by an E-step, from responsibilities r:
    (pi, mu, r, [objective after each])."""
    history = []
    for _ in range(iters):
        pi, mu = m_step_formula(X, r)
        r, ll = posterior_scipy(X, pi, mu)
        history.append(ll + log_prior(mu))
    return pi, mu, r, np.array(history)


# ------------------------------------------------------------------------ update_clusters
def smoothed_cluster_mu(X, assignments, n_clusters: int) -> np.ndarray:
    """The lecture's (active-pixel counts + 1) / (cluster size + 2), (K, d), pixel by pixel."""
    X, a = _f(X), np.asarray(assignments).astype(int)
    mu = np.empty((n_clusters, X.shape[1]))
    for k in range(n_clusters):
        members = X[a == k]
        mu[k] = (members.sum(axis=0) + 1) / (len(members) + 2)
    return mu


def cluster_log_lik(X, assignments, n_clusters: int) -> np.ndarray:
    """log p(x_i | mu_k) (n, K) under the smoothed probabilities of the current clusters
    (two matrix products: scipy's pixel-by-pixel route is too slow for the hidden passes)."""
    X, mu = _f(X), smoothed_cluster_mu(X, assignments, n_clusters)
    return X @ np.log(mu).T + (1 - X) @ np.log1p(-mu).T


def update_bugs(X, assignments, n_clusters: int) -> dict:
    X, a = _f(X), np.asarray(assignments).astype(int)
    one_hot = (a[:, None] == np.arange(n_clusters)).astype(float)
    sizes = one_hot.sum(axis=0)
    on = one_hot.T @ X
    ll = cluster_log_lik(X, a, n_clusters)
    means = on / np.maximum(sizes, 1)[:, None]
    sq = (X ** 2).sum(1)[:, None] - 2 * X @ means.T + (means ** 2).sum(1)
    sq[:, sizes == 0] = np.inf
    with np.errstate(all="ignore"):
        raw = on / sizes[:, None]
        no_smoothing = np.nan_to_num(X @ np.log(raw).T + (1 - X) @ np.log1p(-raw).T,
                                     nan=-np.inf)
        one = (on + 1) / (sizes[:, None] + 1)
        one_pseudo = np.nan_to_num(X @ np.log(one).T + (1 - X) @ np.log1p(-one).T, nan=-np.inf)
        mu = (on + 1) / (sizes[:, None] + 2)
        skip_empty = ll.copy()
        skip_empty[:, sizes == 0] = -np.inf
        weighted = ll + np.log(sizes / len(X))
    return {
        "mnist_bmm.update_clusters.kmeans": np.argmin(sq, axis=1),
        "mnist_bmm.update_clusters.least_likely": np.argmin(ll, axis=1),
        "mnist_bmm.update_clusters.unchanged": a.copy(),
        "mnist_bmm.update_clusters.plus_one": np.argmax(ll, axis=1) + 1,
        "mnist_bmm.update_clusters.no_smoothing": np.argmax(no_smoothing, axis=1),
        "mnist_bmm.update_clusters.one_pseudo_count": np.argmax(one_pseudo, axis=1),
        "mnist_bmm.update_clusters.on_pixels_only": np.argmax(X @ np.log(mu).T, axis=1),
        "mnist_bmm.update_clusters.swapped": np.argmax(X @ np.log1p(-mu).T
                                                       + (1 - X) @ np.log(mu).T, axis=1),
        "mnist_bmm.update_clusters.skip_empty": np.argmax(skip_empty, axis=1),
        "mnist_bmm.update_clusters.with_weights": np.argmax(weighted, axis=1),
    }


# ------------------------------------------------------------------------ cluster_accuracy
def contingency(labels, assignments) -> np.ndarray:
    _, li = np.unique(labels, return_inverse=True)
    _, ci = np.unique(assignments, return_inverse=True)
    table = np.zeros((ci.max() + 1, li.max() + 1))
    np.add.at(table, (ci, li), 1)
    return table


def accuracy_bugs(labels, assignments) -> dict:
    from scipy.optimize import linear_sum_assignment
    table = contingency(labels, assignments)
    rows, cols = linear_sum_assignment(-table)
    n = len(labels)
    return {
        "mnist_bmm.cluster_accuracy.count": float(table.max(axis=1).sum()),
        "mnist_bmm.cluster_accuracy.one_to_one": float(table[rows, cols].sum() / n),
        "mnist_bmm.cluster_accuracy.label_majority": float(table.max(axis=0).sum() / n),
        "mnist_bmm.cluster_accuracy.direct": float(np.mean(np.asarray(labels)
                                                           == np.asarray(assignments))),
        "mnist_bmm.cluster_accuracy.error_rate": float(1 - table.max(axis=1).sum() / n),
    }
