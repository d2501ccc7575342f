"""Reading a graded class: every ``results.json`` under a folder (what ``gmmkit grade A DIR
--jobs N`` writes, or a tree downloaded from Gradescope), one student per file.

Results files are the grader's own output, but a downloaded tree may hold anything: a file
that is not valid results JSON is reported as unreadable, never fatal.
"""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

MAX_RESULTS_BYTES = 8 << 20     # a results.json is kept under 1 MB by the grader


@dataclasses.dataclass(frozen=True)
class Test:
    name: str
    visibility: str
    score: float
    max_score: float
    check: str          # the check's stable id ("" in results written before ids existed)
    bug: str            # the classic bug a failure matched, if any
    error: str          # "timeout", "crash", "missing" or "exception" when the code did not return

    @property
    def passed(self) -> bool:
        return self.score >= self.max_score

    @property
    def key(self) -> str:
        return self.check or self.name


@dataclasses.dataclass(frozen=True)
class Student:
    name: str            # the results file's folder, relative to the class folder
    score: float
    max_score: float
    tests: tuple[Test, ...]
    isolation: str
    problem: str         # "" or why the submission needs a look (internal error, nothing graded)


def _test(raw: dict) -> Test:
    extra = raw.get("extra_data") if isinstance(raw.get("extra_data"), dict) else {}
    return Test(str(raw.get("name", "?")), str(raw.get("visibility", "visible")),
                float(raw.get("score") or 0.0), float(raw.get("max_score") or 0.0),
                str(extra.get("check", "")), str(extra.get("bug", "")), str(extra.get("error", "")))


def read_student(path: Path, base: Path) -> Student:
    name = str(path.parent.relative_to(base)) if path.parent != base else path.stem
    try:
        if path.stat().st_size > MAX_RESULTS_BYTES:
            raise ValueError("too large")
        data = json.loads(path.read_text(encoding="utf-8", errors="replace"))
        tests = tuple(_test(t) for t in data.get("tests", []) if isinstance(t, dict)
                      and float(t.get("max_score") or 0) > 0)
        extra = data.get("extra_data") if isinstance(data.get("extra_data"), dict) else {}
    except (OSError, ValueError, TypeError, AttributeError):
        return Student(name, 0.0, 0.0, (), "unknown", "its results.json cannot be read")
    problem = ""
    if extra.get("internal_error"):
        problem = "the grader met an internal problem"
    elif not tests:
        problem = "nothing was graded"
    elif extra.get("not_graded"):
        problem = str(extra["not_graded"])[:200]
    return Student(name, float(data.get("score") or 0.0), sum(t.max_score for t in tests), tests,
                   str(extra.get("isolation", "unknown")), problem)


def read_class(folder: Path) -> list[Student]:
    """Every student of the class folder, sorted by name (the report's own files left out)."""
    folder = Path(folder)
    files = sorted(p for p in folder.rglob("results.json") if p.is_file() and not p.is_symlink())
    return [read_student(p, folder) for p in files]
