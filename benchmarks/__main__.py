"""`make bench`: every benchmark, one table, written to benchmarks/results.json.

Each figure is a ratio to a baseline measured in the same run, or a time beside its baseline:
the machine is shared and noisy, so we report medians of repeated runs and their spread.
"""
from __future__ import annotations

import importlib
import sys

from .report import RESULTS, judge, machine, print_table, write

MODULES = ["iris_em_vs_sklearn", "mnist_bmm_floor", "gmm_likelihood_fits", "grading_latency",
           "class_scale"]


def main() -> int:
    rows = []
    for name in MODULES:
        try:
            module = importlib.import_module(f"benchmarks.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"benchmarks.{name}":
                raise
            print(f"({name}: not in this checkout)", file=sys.stderr)
            continue
        print(f"running {name} ...", file=sys.stderr, flush=True)
        rows += judge(module.run())
    print(f"machine: {machine()}")
    print_table(rows)
    write(rows)
    print(f"written to {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
