"""What the class got wrong, as numbers: scores, pass rates per check, classic bugs by how many
students made them, checks that fail together, and the students who need a look.

Everything here is counted from the results files alone (``collect``), so the same report comes
out of ``gmmkit grade --jobs`` and of a Gradescope download. Bug descriptions and hints come from
the assignment's public catalogue (:class:`gmmkit.checks.bugs.Bug`).
"""
from __future__ import annotations

import importlib
import itertools
import pkgutil
from collections import Counter

import numpy as np

from ..checks.bugs import Bug
from .collect import Student

ERRORS = {"timeout": "timed out", "crash": "crashed", "missing": "a graded name was missing"}


def known_bugs(assignment: str) -> dict[str, Bug]:
    """Every Bug declared anywhere in the assignment's public checks, by id."""
    try:
        package = importlib.import_module(f"gmmkit.checks.{assignment}")
    except ImportError:
        return {}
    modules = [package]
    for info in pkgutil.iter_modules(getattr(package, "__path__", []), package.__name__ + "."):
        try:
            modules.append(importlib.import_module(info.name))
        except ImportError:
            pass
    found: dict[str, Bug] = {}

    def visit(value, depth=0):
        if isinstance(value, Bug):
            found.setdefault(value.id, value)
        elif depth < 2 and isinstance(value, dict):
            for v in value.values():
                visit(v, depth + 1)
        elif depth < 2 and isinstance(value, (list, tuple)):
            for v in value:
                visit(v, depth + 1)

    for module in modules:
        for value in vars(module).values():
            visit(value)
    return found


def score_stats(scores: list[float], max_score: float, bins: int = 10) -> dict:
    arr = np.asarray(scores, dtype=float)
    if arr.size == 0:
        return {"median": 0.0, "q1": 0.0, "q3": 0.0, "mean": 0.0, "min": 0.0, "max": 0.0,
                "max_possible": max_score, "bins": [], "counts": []}
    top = max(max_score, float(arr.max()), 1e-9)
    edges = np.linspace(0.0, top, bins + 1)
    counts, _ = np.histogram(arr, bins=edges)
    q1, median, q3 = np.percentile(arr, [25, 50, 75])
    return {"median": float(median), "q1": float(q1), "q3": float(q3), "mean": float(arr.mean()),
            "min": float(arr.min()), "max": float(arr.max()), "max_possible": max_score,
            "bins": [round(float(e), 6) for e in edges], "counts": [int(c) for c in counts]}


def check_rates(students: list[Student]) -> list[dict]:
    """One entry per check, in the order the results list them."""
    order, info = [], {}
    for student in students:
        for t in student.tests:
            if t.key not in info:
                order.append(t.key)
                info[t.key] = {"name": t.name, "id": t.check, "visibility": t.visibility,
                               "points": t.max_score, "passed": 0, "graded": 0}
            entry = info[t.key]
            entry["graded"] += 1
            entry["passed"] += int(t.passed)
    for entry in info.values():
        entry["pass_rate"] = entry["passed"] / entry["graded"] if entry["graded"] else 0.0
    return [info[k] for k in order]


def bug_counts(students: list[Student], catalogue: dict[str, Bug]) -> list[dict]:
    """Classic bugs ranked by the number of students whose results name them (once each)."""
    counter: Counter = Counter()
    checks: dict[str, set] = {}
    for student in students:
        ids = {t.bug for t in student.tests if t.bug and not t.passed}
        counter.update(ids)
        for t in student.tests:
            if t.bug and not t.passed:
                checks.setdefault(t.bug, set()).add(t.name)
    out = []
    for bug_id, count in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])):
        bug = catalogue.get(bug_id)
        out.append({"id": bug_id, "description": bug.description if bug else bug_id,
                    "hint": bug.hint if bug else "", "count": count,
                    "checks": sorted(checks[bug_id])})
    return out


def failing_together(students: list[Student], least: int = 2, most: int = 10) -> list[dict]:
    """Pairs of checks failed by the same students, where at least ``least`` students failed
    both; with their overlap (Jaccard index), strongest first."""
    failed = {}
    for student in students:
        for t in student.tests:
            if not t.passed:
                failed.setdefault(t.key, set()).add(student.name)
    names = {t.key: t.name for s in students for t in s.tests}
    pairs = []
    for a, b in itertools.combinations(sorted(failed), 2):
        both = failed[a] & failed[b]
        if len(both) >= least:
            pairs.append({"checks": [names[a], names[b]], "both": len(both),
                          "jaccard": len(both) / len(failed[a] | failed[b])})
    pairs.sort(key=lambda p: (-p["jaccard"], -p["both"], p["checks"]))
    return pairs[:most]


def needs_a_look(students: list[Student]) -> list[dict]:
    out = []
    for student in students:
        reasons = []
        if student.problem:
            reasons.append(student.problem)
        errors = Counter(t.error for t in student.tests if t.error in ERRORS)
        reasons += [f"{ERRORS[kind]} in {n} check{'s' if n > 1 else ''}"
                    for kind, n in sorted(errors.items())]
        if student.isolation.startswith("none"):
            reasons.append("graded with reduced isolation")
        if reasons:
            out.append({"student": student.name, "score": student.score, "reasons": reasons})
    return out


def analyse(assignment: str, students: list[Student]) -> dict:
    max_score = max((s.max_score for s in students), default=0.0)
    return {
        "assignment": assignment,
        "submissions": len(students),
        "scores": score_stats([s.score for s in students], max_score),
        "checks": check_rates(students),
        "bugs": bug_counts(students, known_bugs(assignment)),
        "failing_together": failing_together(students),
        "needs_a_look": needs_a_look(students),
        "crashed": sorted(s.name for s in students if any(t.error == "crash" for t in s.tests)),
        "timed_out": sorted(s.name for s in students if any(t.error == "timeout" for t in s.tests)),
        "nothing_graded": sorted(s.name for s in students if s.problem),
    }
