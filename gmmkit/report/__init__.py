"""``gmmkit report RESULTS_DIR``: analytics of a graded class, as ``report.json``, a
self-contained ``report.html`` and a short summary (collect, then analyse, then write)."""
from __future__ import annotations

import json
from pathlib import Path

from .analyse import analyse
from .collect import read_class
from .page import render


class ReportError(ValueError):
    """Nothing to report on (no results.json found, or several assignments mixed)."""


def _assignment(folder: Path) -> str:
    names = set()
    for path in Path(folder).rglob("results.json"):
        try:
            head = json.loads(path.read_text(encoding="utf-8", errors="replace"))
        except (OSError, ValueError):
            continue
        extra = head.get("extra_data") if isinstance(head, dict) else None
        if isinstance(extra, dict) and extra.get("assignment"):
            names.add(str(extra["assignment"]))
    names.discard("")
    if len(names) > 1:
        raise ReportError(f"results of several assignments in one folder: {', '.join(sorted(names))}")
    return names.pop() if names else "unknown"


def report(folder: Path, assignment: str | None = None) -> dict:
    folder = Path(folder)
    students = read_class(folder)
    if not students:
        raise ReportError(f"no results.json under {folder}")
    data = analyse(assignment or _assignment(folder), students)
    (folder / "report.json").write_text(json.dumps(data, indent=1))
    (folder / "report.html").write_text(render(data), encoding="utf-8")
    return data


def summary(data: dict) -> str:
    s = data["scores"]
    lines = [f"{data['assignment']}: {data['submissions']} submissions, median {s['median']:g} "
             f"of {s['max_possible']:g} (quartiles {s['q1']:g} to {s['q3']:g})"]
    hardest = sorted(data["checks"], key=lambda c: c["pass_rate"])[:3]
    lines += [f"  hardest: {c['name']} ({c['passed']}/{c['graded']} passed)" for c in hardest]
    lines += [f"  bug: {b['description']} ({b['count']} students)" for b in data["bugs"][:5]]
    if data["needs_a_look"]:
        lines.append(f"  {len(data['needs_a_look'])} submissions need a look (see report.html)")
    return "\n".join(lines)
