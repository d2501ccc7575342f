"""environment.yml, pyproject.toml and what is installed agree on every pinned dependency."""
import importlib.metadata
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"""(?:^\s*-\s*|")([A-Za-z0-9_.\-]+)==([A-Za-z0-9_.\-]+)""", re.M)


def pins(text: str) -> dict:
    return {name.lower(): version for name, version in PIN.findall(text)}


def test_environment_yml_pins_what_pyproject_pins():
    project = pins((ROOT / "pyproject.toml").read_text())
    conda = pins((ROOT / "environment.yml").read_text())
    assert project, "no pins found in pyproject.toml"
    assert conda == project


def test_the_installed_kit_declares_the_same_pins():
    declared = {}
    for req in importlib.metadata.requires("gmmkit"):
        name, _, rest = req.partition("==")
        declared[name.strip().lower()] = rest.split(";")[0].strip()
    assert declared == pins((ROOT / "pyproject.toml").read_text())
