"""The student wheel (``release/gmmkit-<version>-py3-none-any.whl``) and the setup every release
carries: a build output, only the public package, and enough on its own.

The end-to-end tests make a fresh virtual environment outside the checkout, as a student's
Jupyter would be (Python, ``ipykernel`` and ``nbclient``: what Colab and a JupyterHub already
have, plus numpy, scipy, matplotlib and scikit-learn at the versions such images ship), with no
gmmkit, no ``GMMKIT_ROOT`` and nothing of the checkout on ``sys.path``. Then:

1. a release notebook with the built wheel beside it, its reference solution pasted into its
   solution cells, runs from its first cell: the setup cell ``%pip install``\\ s the wheel, keeping
   the preinstalled numpy & co., and every check cell passes;
2. every other release notebook and the lab's checker run the same way in that environment;
3. what a plain ``pip install`` of the wheel resolves (pip's report) holds none of nbgrader,
   JupyterLab, notebook or SQLAlchemy.

Environment variables widen the run without changing what it proves:
``GMMKIT_STUDENT_PYTHON`` (the interpreter for the venv, e.g. a Python 3.10) and
``GMMKIT_STUDENT_PREINSTALLED`` (the image's packages, space separated requirements).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import nbformat
import pytest

from gmmkit import __version__, assignments, paths
from gmmkit.course import setup_cell, wheel

ROOT = paths.kit_root()
WHEEL = ROOT / "release" / wheel.wheel_name(ROOT)
FORBIDDEN = {"nbgrader", "jupyterlab", "notebook", "sqlalchemy"}
# Colab's versions (its 2025 images): the wheel must install beside them and keep them.
PREINSTALLED = os.environ.get(
    "GMMKIT_STUDENT_PREINSTALLED",
    "numpy==2.0.2 scipy==1.15.3 matplotlib==3.10.0 scikit-learn==1.6.1").split()
STUDENT_PYTHON = os.environ.get("GMMKIT_STUDENT_PYTHON", sys.executable)
FIRST = "gmm_sampling"   # the notebook whose setup cell installs the wheel


def release_notebooks() -> list[Path]:
    return sorted((ROOT / "release").glob("*/*.ipynb"))


def ids(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


# ---- the wheel as a build output ----------------------------------------------------------------

def test_the_committed_wheel_is_up_to_date(tmp_path):
    fresh = wheel.build_wheel(ROOT, tmp_path)
    assert WHEEL.exists(), "run `gmmkit build` and commit release/"
    assert fresh.read_bytes() == WHEEL.read_bytes(), \
        f"release/{WHEEL.name} is stale: run `gmmkit build` and commit release/"
    assert wheel.build_wheel(ROOT, tmp_path / "again").read_bytes() == fresh.read_bytes()
    assert [p.name for p in (ROOT / "release").glob("*.whl")] == [WHEEL.name]


def course_material() -> dict[bytes, str]:
    out = {}
    for top in ("solutions", "autograder", "source"):
        for path in (ROOT / top).rglob("*"):
            if path.is_file() and "dist" not in path.relative_to(ROOT).parts:
                out[path.read_bytes()] = str(path.relative_to(ROOT))
    return out


def test_the_wheel_holds_only_the_public_package():
    with zipfile.ZipFile(WHEEL) as zf:
        names = zf.namelist()
        contents = {n: zf.read(n) for n in names}
    dist_info = f"gmmkit-{__version__}.dist-info/"
    assert all(n.startswith(("gmmkit/", dist_info)) for n in names), names
    assert not [n for n in names if n.startswith("gmmkit/course/")]
    material = course_material()
    for name, data in contents.items():
        assert data not in material, f"{name} is {material.get(data)}"
        for marker in (b"### BEGIN SOLUTION", b"### BEGIN HIDDEN TESTS"):
            assert marker not in data, f"{name} holds {marker!r}"
    assert not [n for n in names if "hidden_checks" in n or n.startswith("gmmkit/solutions")]
    # nothing of the public package is left behind (a data file outside pyproject's globs)
    package = sorted(
        f"gmmkit/{p.relative_to(ROOT / 'gmmkit').as_posix()}" for p in (ROOT / "gmmkit").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
        and p.relative_to(ROOT / "gmmkit").parts[0] != "course")
    assert sorted(n for n in names if n.startswith("gmmkit/")) == package
    meta = contents[dist_info + "METADATA"].decode()
    assert "Requires-Python: >=3.10" in meta
    assert not [line for line in meta.splitlines() if "Requires-Dist" in line and
                any(tool in line.lower() for tool in ("nbgrader", "jupyter", "pytest"))]


def test_an_installed_package_never_looks_for_a_checkout(tmp_path, monkeypatch):
    site = tmp_path / "site-packages"
    (site / "gmmkit").mkdir(parents=True)
    (site / "solutions").mkdir()   # even a solutions/ beside an installed package is not a kit
    monkeypatch.delenv("GMMKIT_ROOT", raising=False)
    monkeypatch.setattr(paths, "PACKAGE", site / "gmmkit")
    with pytest.raises(paths.NoCourseMaterial, match="student package"):
        paths.kit_root()
    monkeypatch.setenv("GMMKIT_ROOT", str(ROOT))
    assert paths.kit_root() == ROOT   # an instructor names the checkout explicitly


# ---- the setup: one source, in every notebook, the lab's checker and README ---------------------

@pytest.mark.parametrize("path", sorted((ROOT / "source").glob("*/*.ipynb")) + release_notebooks(),
                         ids=lambda p: f"{p.parts[-3]}/{ids(p)}")
def test_every_notebook_starts_with_the_setup_cell(path):
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0]
    assert first.cell_type == "code" and first.source == setup_cell.cell_source(ROOT), \
        "run `gmmkit build`: the setup cell differs from gmmkit/course/setup_cell.py"
    meta = first.metadata["nbgrader"]
    assert meta["locked"] and not meta["grade"] and not meta["solution"]
    assert sum(c.get("id") == setup_cell.CELL_ID for c in nb.cells) == 1


@pytest.mark.parametrize("top", ["source", "release"])
def test_the_lab_checker_and_readme_carry_the_setup(top):
    lab = ROOT / top / setup_cell.LAB
    assert setup_cell.script_block(ROOT) in (lab / setup_cell.LAB_CHECKER).read_text()
    assert (lab / "README.md").read_text() == setup_cell.lab_readme(ROOT)


# ---- a student's environment, from scratch ------------------------------------------------------

def clean_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("GMMKIT_ROOT", "PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env.pop("MPLBACKEND", None)
    env.update(PYTHONNOUSERSITE="1", **extra)
    return env


def run(cmd, cwd, timeout=900, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True,
                          env=clean_env(), timeout=timeout, **kw)


def pip_names(python: Path, cwd: Path) -> dict[str, str]:
    out = run([python, "-m", "pip", "list", "--format", "json"], cwd)
    assert out.returncode == 0, out.stderr
    return {p["name"].lower(): p["version"] for p in json.loads(out.stdout)}


RUNNER = textwrap.dedent('''
    """Run one notebook with nbclient in this interpreter's own kernel; print a JSON summary."""
    import json, sys, time
    import nbformat
    from nbclient import NotebookClient
    path = sys.argv[1]
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(
        "import sys, gmmkit; print('KERNEL', sys.executable, gmmkit.__file__)"))
    def is_check(cell):   # an nbgrader test cell, or (the .py lab's notebook) a check() call
        meta = cell.metadata.get("nbgrader", {})
        return bool(meta.get("grade") and not meta.get("solution")) or 'check("' in cell.source
    started = time.monotonic()
    first_pass = []
    class Client(NotebookClient):
        async def async_execute_cell(self, cell, cell_index, *args, **kw):
            out = await super().async_execute_cell(cell, cell_index, *args, **kw)
            meta = cell.metadata.get("nbgrader", {})
            text = "".join(o.get("text", "") for o in cell.get("outputs", []))
            if not first_pass and is_check(cell) and "passed" in text:
                first_pass.append(time.monotonic() - started)
            return out
    Client(nb, timeout=600, kernel_name="python3",
           resources={"metadata": {"path": "."}}).execute()
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("nbgrader", {})
        text = "".join(o.get("text", "") for o in cell.get("outputs", []))
        errors = [o.get("ename", "") for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        cells.append({"id": cell.get("id"), "check": is_check(cell),
                      "text": text, "errors": errors})
    print(json.dumps({"cells": cells, "seconds": time.monotonic() - started,
                      "first_pass": first_pass[0] if first_pass else None}))
''')


def with_reference(release_nb: Path, out: Path) -> None:
    """The release notebook with its source's solution cells pasted in (the build's reference)."""
    source = nbformat.read(ROOT / "source" / release_nb.parent.name / release_nb.name, as_version=4)
    solutions = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells
                 if c.metadata.get("nbgrader", {}).get("solution")}
    nb = nbformat.read(release_nb, as_version=4)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            cell.source = solutions[meta["grade_id"]]
    nbformat.write(nb, out)


def workdir(base: Path, assignment: str) -> Path:
    """A student's copy of a release folder, with the reference where a student writes code."""
    work = base / assignment
    shutil.copytree(ROOT / "release" / assignment, work)
    spec = assignments.get(assignment)
    if spec.kind != "notebook":   # the .py lab: the student's file is the reference
        shutil.copy(ROOT / "source" / assignment / spec.submission, work / spec.submission)
    return work


def execute(python: Path, work: Path, notebook: str) -> dict:
    (work / "_run_notebook.py").write_text(RUNNER)
    with_reference(ROOT / "release" / work.name / notebook, work / notebook)
    out = run([python, "_run_notebook.py", notebook], work)
    assert out.returncode == 0, f"{work.name}/{notebook} failed:\n{out.stdout[-3000:]}\n{out.stderr[-5000:]}"
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def student(tmp_path_factory):
    """A fresh Jupyter-like venv; then the first release notebook's setup cell installs the wheel
    that lies beside it. Yields what it measured."""
    base = tmp_path_factory.mktemp("student")
    venv = base / "venv"
    started = time.monotonic()
    made = run([STUDENT_PYTHON, "-m", "venv", venv], base)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    image = run([python, "-m", "pip", "install", "--quiet", "ipykernel", "nbclient", *PREINSTALLED], base)
    assert image.returncode == 0, image.stderr[-3000:]
    before = pip_names(python, base)
    assert "gmmkit" not in before
    image_ready = time.monotonic()
    work = workdir(base / "work", FIRST)
    shutil.copy(WHEEL, work / WHEEL.name)   # the wheel shipped beside the notebook
    first = execute(python, work, f"{FIRST}.ipynb")
    yield {"python": python, "base": base, "before": before, "after": pip_names(python, base),
           "first": first, "image_seconds": image_ready - started,
           "setup_to_first_pass": first["first_pass"]}


def assert_all_checks_pass(result: dict, python: Path) -> None:
    checks = [c for c in result["cells"] if c["check"]]
    assert checks, "no check cell ran"
    for cell in result["cells"]:
        assert not cell["errors"], f"cell {cell['id']} raised {cell['errors']}:\n{cell['text'][-2000:]}"
    for cell in checks:
        assert "passed" in cell["text"] and "\u2718" not in cell["text"], cell["text"][-2000:]
    kernel = result["cells"][-1]["text"].split()
    assert kernel[0] == "KERNEL" and Path(kernel[1]).parent == python.parent, kernel
    assert "site-packages" in kernel[2] and not kernel[2].startswith(str(ROOT)), kernel


def test_the_setup_cell_installs_the_wheel_and_keeps_the_image(student):
    setup = student["first"]["cells"][0]
    assert "installing gmmkit from" in setup["text"] and WHEEL.name in setup["text"]
    assert f"gmmkit {__version__} is ready" in setup["text"]
    assert_all_checks_pass(student["first"], student["python"])
    after = student["after"]
    for req in PREINSTALLED:
        name, _, version = req.partition("==")
        assert after[name.lower()] == version, f"the wheel replaced the image's {name}"
    assert not FORBIDDEN & set(after)
    print(f"\nfresh venv (ipykernel, nbclient, {' '.join(PREINSTALLED)}): "
          f"{student['image_seconds']:.0f} s; then setup cell to first passing check: "
          f"{student['setup_to_first_pass']:.1f} s")


@pytest.mark.parametrize("path", [p for p in release_notebooks() if p.parent.name != FIRST], ids=ids)
def test_every_release_notebook_passes_its_checks_in_the_student_install(student, path):
    work = workdir(student["base"] / "work", path.parent.name) \
        if not (student["base"] / "work" / path.parent.name).exists() \
        else student["base"] / "work" / path.parent.name
    result = execute(student["python"], work, path.name)
    setup = result["cells"][0]["text"]
    assert "installing" not in setup and f"gmmkit {__version__} is ready" in setup
    assert_all_checks_pass(result, student["python"])


def test_the_lab_checker_passes_the_reference_in_the_student_install(student):
    work = workdir(student["base"] / "lab", "gmm1d")
    out = run([student["python"], setup_cell.LAB_CHECKER], work)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert "passed" in out.stdout and (work / "gmm1d_fit.png").exists()


def test_a_student_install_has_no_course_material(student):
    probe = textwrap.dedent("""
        import numpy as np
        from gmmkit import paths
        from gmmkit.checks import check
        try:
            paths.kit_root()
        except paths.NoCourseMaterial as exc:
            print("NO-KIT", exc)
        try:
            import gmmkit.course
        except ImportError:
            print("NO-COURSE")
        def softmax(x):
            e = np.exp(x - np.max(x)); return e / e.sum()
        try:
            check("gmm_sampling", softmax, hidden=True)
        except paths.NoCourseMaterial as exc:
            print("HIDDEN", exc)
    """)
    out = run([student["python"], "-c", probe], student["base"])
    assert out.returncode == 0, out.stderr
    assert "NO-KIT" in out.stdout and "NO-COURSE" in out.stdout
    assert "HIDDEN check(..., hidden=True) runs the hidden checks" in out.stdout
    build = run([student["python"], "-m", "gmmkit", "build"], student["base"])
    assert build.returncode == 2 and "instructor" in build.stderr


def test_the_missing_wheel_gives_a_clear_message(tmp_path):
    """Where gmmkit is missing and neither a wheel nor a URL is there, the cell says what to do."""
    code = setup_cell.cell_source(ROOT).replace('%pip install --quiet "{_wheel}"', "pass")
    code = code.replace("import gmmkit", "import gmmkit_not_installed_here as gmmkit")
    if setup_cell.wheel_url(ROOT):
        pytest.skip("the course sets a wheel URL")
    cwd = tmp_path / "course" / "notebook"
    cwd.mkdir(parents=True)
    out = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True)
    assert out.returncode != 0 and "download it from the course page" in out.stderr.replace("\n", " ")


def test_a_plain_student_install_pulls_no_instructor_tool(tmp_path):
    """What ``pip install <the wheel>`` brings into an empty venv (pip's resolution report)."""
    run([STUDENT_PYTHON, "-m", "venv", tmp_path / "venv"], tmp_path)
    python = tmp_path / "venv" / "bin" / "python"
    out = run([python, "-m", "pip", "install", "--dry-run", "--quiet", "--report",
               tmp_path / "report.json", WHEEL], tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads((tmp_path / "report.json").read_text())
    names = {item["metadata"]["name"].lower() for item in report["install"]}
    assert {"gmmkit", "numpy", "scipy", "matplotlib", "scikit-learn"} <= names
    assert not FORBIDDEN & names, FORBIDDEN & names
    assert not {"jupyter", "jupyter-server", "ipykernel"} & names


def test_the_lab_checker_says_how_to_install_gmmkit(tmp_path):
    lab = tmp_path / "gmm1d"
    shutil.copytree(ROOT / "release" / "gmm1d", lab)
    # -S: no site-packages, so no gmmkit (nor numpy): the state of a fresh Python
    out = subprocess.run([sys.executable, "-S", "-I", setup_cell.LAB_CHECKER], cwd=lab,
                         capture_output=True, text=True)
    assert out.returncode == 1 and "gmmkit is not installed" in out.stderr
    assert f'-m pip install "{WHEEL.name}"' in out.stderr and "course page" in out.stderr
    shutil.copy(WHEEL, tmp_path / WHEEL.name)   # a wheel handed out one folder up
    out = subprocess.run([sys.executable, "-S", "-I", setup_cell.LAB_CHECKER], cwd=lab,
                         capture_output=True, text=True)
    assert f'-m pip install "{tmp_path / WHEEL.name}"' in out.stderr
