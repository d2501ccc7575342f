"""Grade a whole class: every file or folder in a directory, in parallel, one results.json each,
and a gradebook CSV. Each submission is graded by its own ``gmmkit grade`` process, so nothing a
submission does (nor a fault of the harness on it) can stop the batch; each grading leases a
worker user of its own (see ``sandbox.lease_uid``), so no two students ever share one.

The directory may also be nbgrader's ``COURSE/submitted``: one folder per student holding one
folder per assignment. Then each student's folder for the named assignment is graded, and a
student without one gets a row saying that nothing was submitted.

Each student's results go to a folder named after theirs, made safe; two names that become the
same (``alice smith`` and ``alice_smith``), or one that would be the gradebook's, get a suffix
from the original name instead of being merged, and the gradebook says so. The original name is
in the gradebook verbatim (only made safe for spreadsheets).
"""
from __future__ import annotations

import collections
import csv
import hashlib
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from tqdm import tqdm

from .. import assignments
from .grade import failure_report
from .results import Report, to_gradescope, write_atomic

PER_SUBMISSION_TIMEOUT = 30 * 60   # seconds: far above any honest grading
GRADEBOOK = "gradebook.csv"
NOTHING_SUBMITTED = "nothing submitted"


def student_name(entry: Path) -> str:
    stem = entry.name if entry.is_dir() else entry.stem
    return re.sub(r"[^\w.\-]", "_", stem)[:100].lstrip(".-") or "unnamed"


def submissions(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if not p.name.startswith(".") and not p.is_symlink())


def result_names(entries: list[Path]) -> tuple[dict[Path, str], dict[Path, str]]:
    """A results folder name per entry, never two alike (also not on a case-insensitive file
    system) nor the gradebook's; and, for the entries renamed so, a note saying why."""
    safe = {entry: student_name(entry) for entry in entries}
    count = collections.Counter(name.lower() for name in safe.values())
    names, notes = {}, {}
    for entry, name in safe.items():
        if count[name.lower()] > 1 or name.lower() == GRADEBOOK:
            digest = hashlib.sha256(os.fsencode(entry.name)).hexdigest()[:8]
            others = sorted(verbatim(e.name) for e, n in safe.items()
                            if e != entry and n.lower() == name.lower())
            notes[entry] = (f"results in {name}-{digest}: the name {name} is shared with "
                            + (", ".join(others) if others else "the gradebook"))
            name = f"{name}-{digest}"
        names[entry] = name
    return names, notes


def verbatim(name: str) -> str:
    """A file name as it is (undecodable bytes shown as escapes), safe in a spreadsheet."""
    text = os.fsencode(name).decode("utf-8", "backslashreplace")
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r", "|", "%") else text


def is_nbgrader_layout(entries: list[Path]) -> bool:
    """``submitted/<student>/<assignment>/``: student folders holding assignment folders."""
    names = set(assignments.ASSIGNMENTS)
    return any(entry.is_dir() and any((entry / a).is_dir() for a in names) for entry in entries)


def grade_one(assignment: str, entry: Path, out: Path) -> dict:
    try:
        subprocess.run([sys.executable, "-m", "gmmkit", "grade", assignment, str(entry),
                        "--out", str(out)], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=PER_SUBMISSION_TIMEOUT)
        return json.loads(out.read_text())
    except (subprocess.TimeoutExpired, OSError, ValueError) as exc:
        data = to_gradescope(failure_report(
            assignment, f"grading this submission failed: {type(exc).__name__}"))
        write_atomic(out, data)
        return data


def nothing_submitted(assignment: str, out: Path) -> dict:
    report = Report(assignment, [], [f"Nothing was submitted for {assignment}."], "not graded")
    data = to_gradescope(report)
    write_atomic(out, data)
    return data


def grade_class(assignment: str, folder: Path, out_dir: Path, jobs: int) -> Path:
    """Grade every submission in ``folder``; returns the gradebook CSV's path."""
    entries = submissions(folder)
    nbgrader = is_nbgrader_layout(entries)
    if nbgrader:
        entries = [e for e in entries if e.is_dir()]
    names, notes = result_names(entries)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows: dict[str, dict] = {}
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {}
        for entry in entries:
            out = out_dir / names[entry] / "results.json"
            if nbgrader and not (entry / assignment).is_dir():
                rows[names[entry]] = nothing_submitted(assignment, out)
                notes[entry] = "; ".join(filter(None, [NOTHING_SUBMITTED, notes.get(entry)]))
                continue
            target = entry / assignment if nbgrader else entry
            futures[pool.submit(grade_one, assignment, target, out)] = entry
        for future in tqdm(as_completed(futures), total=len(futures), desc=f"grading {assignment}",
                           unit="submission"):
            rows[names[futures[future]]] = future.result()
    details = {names[e]: (verbatim(e.name), notes.get(e, "")) for e in entries}
    return write_gradebook(out_dir / GRADEBOOK, rows, details)


def write_gradebook(path: Path, rows: dict[str, dict], details: dict[str, tuple] | None = None) -> Path:
    """One row per student: the results folder's name, the score, then each check's; then the
    original name of the student's file or folder, and a note (nothing submitted, a rename)."""
    details = details or {}
    checks: list[str] = []
    for data in rows.values():
        for test in data.get("tests", []):
            if test.get("visibility") != "hidden" and test["name"] not in checks:
                checks.append(test["name"])
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["student", "score", "max"] + checks + ["submitted as", "note"])
        for student in sorted(rows):
            data = rows[student]
            scores = {t["name"]: t.get("score", 0) for t in data.get("tests", [])}
            total = sum(t.get("max_score", 0) for t in data.get("tests", []))
            original, note = details.get(student, (student, ""))
            writer.writerow([student, data.get("score", 0), total]
                            + [scores.get(c, "") for c in checks] + [original, note])
    return path
