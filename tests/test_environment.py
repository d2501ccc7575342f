"""One source of truth for the dependencies: pyproject.toml.

environment.yml lists exactly pyproject's student dependencies and its `course` and `test`
extras; the installed kit declares the same; the student side (``dependencies``) holds no
exact pin and none of the instructor's tools.
"""
import importlib.metadata
import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
INSTRUCTOR_TOOLS = {"nbgrader", "jupyter", "jupyterlab", "notebook", "nbclient", "ipykernel",
                    "sqlalchemy", "pytest"}


def conda_pip_list() -> list[str]:
    text = (ROOT / "environment.yml").read_text()
    block = text.split("  - pip:\n", 1)[1]
    return [m.group(1).strip() for m in re.finditer(r"^\s+-\s+(.+)$", block, re.M)
            if m.group(1).strip() != "-e ."]


def norm(reqs) -> list[str]:
    return sorted(str(Requirement(r)) for r in reqs)


def test_environment_yml_lists_what_pyproject_declares():
    extras = PROJECT["optional-dependencies"]
    declared = [*PROJECT["dependencies"], *extras["course"], *extras["test"]]
    assert norm(conda_pip_list()) == norm(declared)
    assert "-e ." in (ROOT / "environment.yml").read_text()


def test_the_student_dependencies_are_ranges_without_the_instructor_tools():
    for req in map(Requirement, PROJECT["dependencies"]):
        assert req.name.lower() not in INSTRUCTOR_TOOLS, f"{req.name} belongs in an extra"
        assert not any(s.operator in ("==", "===") for s in req.specifier), \
            f"{req}: a student install must accept what Colab and hub images have: no exact pin"
        assert any(s.operator == ">=" for s in req.specifier), f"{req}: state the tested lower bound"


def test_the_course_extra_pins_every_student_dependency():
    """Instructors and CI rebuild byte-identical stored values and releases: one version each."""
    pinned = {r.name.lower() for r in map(Requirement, PROJECT["optional-dependencies"]["course"])
              if any(s.operator == "==" for s in r.specifier)}
    for req in map(Requirement, PROJECT["dependencies"]):
        assert req.name.lower() in pinned, f"pin {req.name} in the course extra"
        pin = next(r for r in map(Requirement, PROJECT["optional-dependencies"]["course"])
                   if r.name.lower() == req.name.lower())
        version = next(iter(pin.specifier)).version
        assert req.specifier.contains(version), f"{pin} is outside the student range {req}"


def test_python_versions_say_what_is_true():
    assert PROJECT["requires-python"] == ">=3.10"   # the student side, tested on 3.10
    assert "python>=3.11" in (ROOT / "environment.yml").read_text()   # nbgrader 0.9.6 needs 3.11


def test_the_installed_kit_declares_the_same():
    installed = importlib.metadata.requires("gmmkit")
    plain = [r for r in installed if "extra ==" not in r]
    assert norm(plain) == norm(PROJECT["dependencies"])
    for extra in ("course", "test"):
        ours = [r.split(";")[0] for r in installed if re.search(rf"extra == ['\"]{extra}['\"]", r)]
        assert norm(ours) == norm(PROJECT["optional-dependencies"][extra])
