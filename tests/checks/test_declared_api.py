"""The trusted side (hidden checks and the modules beside them) imports from an assignment's
public check package only the names its ``__all__`` declares, never a submodule or a private
name, so the public package can be restructured without breaking grading."""
import ast
import importlib

import pytest

from gmmkit import assignments, paths

NAMES = list(assignments.ASSIGNMENTS)


@pytest.mark.parametrize("name", NAMES)
def test_the_declared_api_exists_and_is_public(name):
    public = importlib.import_module(f"gmmkit.checks.{name}")
    declared = getattr(public, "__all__", None)
    assert declared, f"gmmkit.checks.{name} declares no __all__"
    assert not [n for n in declared if n.startswith("_")]
    assert all(hasattr(public, n) for n in declared)


@pytest.mark.parametrize("name", NAMES)
def test_the_trusted_side_imports_only_the_declared_api(name):
    package = f"gmmkit.checks.{name}"
    declared = set(importlib.import_module(package).__all__)
    trusted = sorted(paths.hidden_checks_file(name).parent.glob("*.py"))
    assert trusted
    for path in trusted:
        if path.name == "expected.py":   # the build's recorder: it rebuilds the public inputs
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(package):
                assert node.module == package, (path.name, node.module)
                used = {alias.name for alias in node.names}
                assert used <= declared, (path.name, used - declared)
