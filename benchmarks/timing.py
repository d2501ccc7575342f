"""Shared measuring helpers: medians of repeated runs, with the spread."""
from __future__ import annotations

import statistics
import subprocess
import sys
import time
from typing import Callable


def measure(fn: Callable[[], object], repeats: int, warmup: int = 1) -> dict:
    """Median and spread (min, max) of ``fn``'s wall time in seconds."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return {"median": statistics.median(times), "min": min(times), "max": max(times),
            "repeats": repeats}


def run_gmmkit(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "gmmkit", *args], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def row(figure: str, value: float, unit: str, target: float | None = None,
        detail: str = "", spread: tuple | None = None) -> dict:
    out = {"figure": figure, "value": round(value, 4), "unit": unit, "target": target,
           "detail": detail}
    if spread:
        out["spread"] = [round(s, 4) for s in spread]
    if target is not None:
        out["meets_target"] = value <= target
    return out
