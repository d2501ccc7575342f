"""Grade a whole class: every file or folder in a directory, in parallel, one results.json each,
and a gradebook CSV. Each submission is graded by its own ``gmmkit grade`` process, so nothing a
submission does (nor a fault of the harness on it) can stop the batch.
"""
from __future__ import annotations

import csv
import json
import os
import queue
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from tqdm import tqdm

from .grade import failure_report
from .results import to_gradescope, write_atomic

PER_SUBMISSION_TIMEOUT = 30 * 60   # seconds: far above any honest grading
FIRST_BATCH_UID = 61000            # one worker user per parallel job (setuid isolation)


def student_name(entry: Path) -> str:
    stem = entry.name if entry.is_dir() else entry.stem
    return re.sub(r"[^\w.\-]", "_", stem)[:100] or "unnamed"


def submissions(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if not p.name.startswith(".") and not p.is_symlink())


def grade_one(assignment: str, entry: Path, out: Path, slots: queue.Queue) -> dict:
    slot = slots.get()  # a worker user no other running job has
    env = dict(os.environ, GMMKIT_WORKER_UID=str(FIRST_BATCH_UID + slot))
    try:
        subprocess.run([sys.executable, "-m", "gmmkit", "grade", assignment, str(entry),
                        "--out", str(out)], env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=PER_SUBMISSION_TIMEOUT)
        return json.loads(out.read_text())
    except (subprocess.TimeoutExpired, OSError, ValueError) as exc:
        data = to_gradescope(failure_report(
            assignment, f"grading this submission failed: {type(exc).__name__}"))
        write_atomic(out, data)
        return data
    finally:
        slots.put(slot)


def grade_class(assignment: str, folder: Path, out_dir: Path, jobs: int) -> Path:
    """Grade every submission in ``folder``; returns the gradebook CSV's path."""
    entries = submissions(folder)
    names, seen = {}, set()
    for entry in entries:
        name = student_name(entry)
        while name in seen:
            name += "_"
        seen.add(name)
        names[entry] = name
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = {}
    slots: queue.Queue = queue.Queue()
    for slot in range(jobs):
        slots.put(slot)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {}
        for entry in entries:
            out = out_dir / names[entry] / "results.json"
            futures[pool.submit(grade_one, assignment, entry, out, slots)] = entry
        for future in tqdm(as_completed(futures), total=len(futures), desc=f"grading {assignment}",
                           unit="submission"):
            rows[names[futures[future]]] = future.result()
    return write_gradebook(out_dir / "gradebook.csv", rows)


def write_gradebook(path: Path, rows: dict[str, dict]) -> Path:
    checks: list[str] = []
    for data in rows.values():
        for test in data.get("tests", []):
            if test.get("visibility") != "hidden" and test["name"] not in checks:
                checks.append(test["name"])
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["student", "score", "max"] + checks)
        for student in sorted(rows):
            data = rows[student]
            scores = {t["name"]: t.get("score", 0) for t in data.get("tests", [])}
            total = sum(t.get("max_score", 0) for t in data.get("tests", []))
            writer.writerow([student, data.get("score", 0), total]
                            + [scores.get(c, "") for c in checks])
    return path
