"""How close the reference EM of ``mnist_bmm`` is to the floor set by its matrix products.

Every EM iteration of a Bernoulli mixture needs at least two matrix products the size of the
data: ``X @ A.T`` with A (K, 784) in the E-step (the log-probabilities of every image under every
cluster) and ``r.T @ X`` in the M-step (every cluster's weighted pixel counts). This benchmark
times one reference EM iteration (``e_step`` then ``m_step`` of ``solutions/mnist_bmm.py``) on
60,000 x 784 binary images with K = 10 against those two products on the same arrays, measured
in the same run and interleaved, and reports the ratio of the medians (target: at most 1.5x in
float64; float32 is reported as well), once with one BLAS thread (as in the grader's worker, and
stable on a shared machine) and once with BLAS's default threads. It also measures the peak resident memory
(``resource.getrusage(...).ru_maxrss``) of a full ``fit_bmm`` on 60,000 images in a fresh
subprocess (target: under 1.5 GB).

The images are the MNIST training set when it is on this machine
(``gmmkit.datasets.mnist_available("train")``), otherwise seeded synthetic binary images of
the same shape with MNIST's share of "on" pixels; each row says which.

Run: ``.venv/bin/python -m benchmarks.mnist_bmm_floor`` from the checkout.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import numpy as np
from threadpoolctl import threadpool_limits

from gmmkit import paths
from gmmkit.checks import load_module
from gmmkit.datasets import load_mnist, mnist_available

N, D, K = 60_000, 784, 10
ON_FRACTION = 0.13          # share of "on" pixels in binarised MNIST
FIT_ITERS = 10
TARGET_RATIO = 1.5
TARGET_GB = 1.5


def images(n: int = N, seed: int = 0) -> tuple[np.ndarray, str]:
    """(X, description): the MNIST training images if available, else synthetic ones."""
    if n == N and mnist_available("train"):
        X, _ = load_mnist("train")
        return X, "the MNIST training set (60,000 x 784)"
    rng = np.random.default_rng(seed)
    X = np.empty((n, D))
    for start in range(0, n, 10_000):           # in chunks: no (n, 784) temporary
        stop = min(start + 10_000, n)
        X[start:stop] = rng.random((stop - start, D)) < ON_FRACTION
    return X, (f"synthetic seeded binary images ({n:,} x {D}, {ON_FRACTION:.0%} of pixels on; "
               "the MNIST training set is not on this machine)")


def _spread(times: list[float]) -> str:
    t = np.array(times) * 1e3
    return f"median {np.median(t):.1f} ms (min {t.min():.1f}, max {t.max():.1f}, n = {len(t)})"


def time_iteration(ref, X: np.ndarray, repeats: int, dtype) -> dict:
    """Interleaved timings of one EM iteration and of the two-product floor, in ``dtype``."""
    X = X.astype(dtype, copy=False)
    rng = np.random.default_rng(1)
    r0 = rng.dirichlet(np.ones(K), size=len(X)).astype(dtype)
    pi, mu = ref.m_step(X, r0)                            # realistic parameters
    pi, mu = pi.astype(dtype), mu.astype(dtype)
    A = rng.random((K, D)).astype(dtype)
    r = r0.copy()

    def floor():
        X @ A.T
        r.T @ X

    def iteration():
        resp, _ = ref.e_step(X, pi, mu)
        ref.m_step(X, resp)

    floor(), iteration()                                  # warm up
    t_floor, t_iter = [], []
    for _ in range(repeats):
        for fn, store in ((floor, t_floor), (iteration, t_iter)):
            start = time.perf_counter()
            fn()
            store.append(time.perf_counter() - start)
    ratio = float(np.median(t_iter) / np.median(t_floor))
    return {"ratio": ratio, "iteration": _spread(t_iter), "floor": _spread(t_floor),
            "dtype": np.dtype(dtype).name}


_PEAK_SCRIPT = """
import json, resource, sys, time
import numpy as np
sys.path.insert(0, {root!r})
from benchmarks.mnist_bmm_floor import images, FIT_ITERS, K
from gmmkit import paths
from gmmkit.checks import load_module
ref = load_module(paths.solutions_file("mnist_bmm"), "ref_mnist_bmm")
X, what = images()
start = time.perf_counter()
pi, mu, r, hist = ref.fit_bmm(X, K, FIT_ITERS, np.random.default_rng(0))
seconds = time.perf_counter() - start
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss   # kilobytes on Linux
print(json.dumps({{"peak_kb": peak_kb, "data": what, "seconds": seconds,
                   "objective": float(hist[-1])}}))
"""


def peak_memory() -> dict:
    """Peak RSS of a fresh process that loads 60,000 images and runs a full fit."""
    root = str(paths.kit_root())
    run = subprocess.run([sys.executable, "-c", _PEAK_SCRIPT.format(root=root)],
                         capture_output=True, text=True, check=True, cwd=root,
                         env=dict(os.environ, TQDM_DISABLE="1"))
    return json.loads(run.stdout.strip().splitlines()[-1])


def run(repeats: int = 5) -> list[dict]:
    ref = load_module(paths.solutions_file("mnist_bmm"), "ref_mnist_bmm")
    X, what = images()
    default = os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS") or \
        f"BLAS default, {os.cpu_count()} CPUs"
    rows = []
    for threads, label in ((1, "1 BLAS thread"), (None, f"{default}")):
        for dtype in (np.float64, np.float32):
            with threadpool_limits(limits=threads, user_api="blas"):
                t = time_iteration(ref, X, repeats, dtype)
            rows.append({
                "figure": f"one EM iteration (e_step + m_step) / matrix-product floor, "
                          f"{t['dtype']}, {label}",
                "value": round(t["ratio"], 3), "unit": "x",
                "target": TARGET_RATIO if dtype is np.float64 else None,
                "detail": (f"{what}; K = {K}; EM iteration {t['iteration']}; floor X @ A.T + "
                           f"r.T @ X {t['floor']}")})
    del X
    peak = peak_memory()
    rows.append({
        "figure": f"peak memory of a full fit_bmm ({FIT_ITERS} iterations, K = {K}) on "
                  f"60,000 images",
        "value": round(peak["peak_kb"] / 2 ** 20, 3), "unit": "GB", "target": TARGET_GB,
        "detail": (f"{peak['data']}; ru_maxrss of a fresh subprocess, data loading included; "
                   f"fit took {peak['seconds']:.1f} s")})
    return rows


def main() -> int:
    rows = run()
    for row in rows:
        target = "" if row["target"] is None else f"  (target <= {row['target']:g} {row['unit']})"
        met = "" if row["target"] is None else ("  OK" if row["value"] <= row["target"] else "  MISSED")
        print(f"{row['figure']}: {row['value']:g} {row['unit']}{target}{met}\n    {row['detail']}")
    return 0 if all(r["target"] is None or r["value"] <= r["target"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
