"""Finding and reading a submission: untrusted file names and contents, turned into code cells.

Nothing here runs student code; it only reads files and reports, in words a student can act
on, what is wrong with them.
"""
from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

from ..assignments import Assignment

MAX_BYTES = 50 << 20


class SubmissionError(Exception):
    """The submission cannot be graded at all; the message tells the student why."""


@dataclasses.dataclass
class Submission:
    cells: list[dict]            # {"label": "code cell 3", "source": "..."}
    module_name: str             # "__main__" for notebooks, e.g. "gmm1d" for a module
    notes: list[str]             # things the student should know (a renamed file, skipped magics)
    filename: str


def locate(assignment: Assignment, path: Path) -> tuple[Path, list[str]]:
    """The one file to grade in ``path`` (a file or a folder), and notes about the choice."""
    if path.is_file():
        return path, []
    if not path.is_dir():
        raise SubmissionError(f"nothing to grade: {path.name!r} does not exist")
    files = sorted(p for p in path.rglob("*") if p.is_file() and not p.is_symlink()
                   and ".ipynb_checkpoints" not in p.parts and "__MACOSX" not in p.parts)
    exact = [p for p in files if p.name == assignment.submission]
    if exact:
        return exact[0], []
    # the files handed out beside the graded one are never what a student means to submit
    same_kind = [p for p in files if p.suffix.lower() == assignment.suffix
                 and p.name not in assignment.helpers]
    if len(same_kind) == 1:
        return same_kind[0], [f"expected a file named {assignment.submission}; graded "
                              f"{_safe(same_kind[0].name)} instead. Please use the expected name."]
    names = ", ".join(_safe(p.name) for p in files[:10]) or "no files"
    if not same_kind:
        raise SubmissionError(f"no {assignment.suffix} file to grade: submit {assignment.submission} "
                              f"(found: {names})")
    raise SubmissionError(f"several {assignment.suffix} files and none named "
                          f"{assignment.submission}: rename the one to grade (found: {names})")


def _safe(name: str) -> str:
    return re.sub(r"[^\w.\- ()]", "?", name)[:80]


def read(assignment: Assignment, path: Path) -> Submission:
    file, notes = locate(assignment, path)
    with open(file, "rb") as fh:  # never more than the cap is read, however large the file
        data = fh.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise SubmissionError(f"{_safe(file.name)} is larger than {MAX_BYTES >> 20} MB; clear the "
                              "outputs of your notebook (Kernel > Restart & Clear Output) and resubmit")
    if not data.strip():
        raise SubmissionError(f"{_safe(file.name)} is empty: did you save before submitting?")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SubmissionError(f"{_safe(file.name)} is not a text file (it is not UTF-8): submit "
                              f"your {assignment.suffix} file itself, not an archive or a PDF") from None
    if "\x00" in text:
        raise SubmissionError(f"{_safe(file.name)} is a binary file, not {assignment.suffix} source")
    if assignment.kind == "module":
        label = _safe(file.name)
        return Submission([{"label": label, "source": text}], Path(assignment.submission).stem,
                          notes, label)
    return Submission(notebook_cells(text, _safe(file.name)), "__main__", notes, _safe(file.name))


def notebook_cells(text: str, name: str) -> list[dict]:
    try:
        nb = json.loads(text)
    except RecursionError:
        raise SubmissionError(f"{name} is not a notebook Jupyter wrote: its JSON is nested too "
                              "deeply to read. Re-download it from Jupyter and resubmit") from None
    except ValueError as exc:
        raise SubmissionError(f"{name} is not a valid notebook (not JSON: {exc}). Re-download it "
                              "from Jupyter (File > Save and Export / Download) and resubmit") from None
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        raise SubmissionError(f"{name} is not a Jupyter notebook (it has no list of cells)")
    out = []
    number = 0
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        number += 1
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(s for s in source if isinstance(s, str))
        if not isinstance(source, str):
            continue
        source = strip_ipython(source)
        if source.strip():
            out.append({"label": f"code cell {number}", "source": source})
    return out


_KEEP_CELL_MAGICS = {"%%time", "%%timeit", "%%capture"}


def strip_ipython(source: str) -> str:
    """Turn IPython-only lines (``%magic``, ``!shell``) into ``pass`` so plain Python runs it."""
    lines = source.splitlines()
    if lines and lines[0].startswith("%%"):
        if lines[0].split()[0] not in _KEEP_CELL_MAGICS:
            return ""
        lines = lines[1:]
    out = []
    for line in lines:
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")):
            indent = line[: len(line) - len(stripped)]
            out.append(f"{indent}pass  # IPython command skipped by the grader")
        else:
            out.append(line)
    return "\n".join(out) + "\n"
