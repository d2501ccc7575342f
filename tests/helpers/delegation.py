"""The red team's search for a borrowed answer (issue 16): every function and class a student's
code could import from the installed kit, and a quiet way to try one."""
from __future__ import annotations

import importlib
import inspect
import pkgutil
import warnings

import numpy as np

# The grader and build tools: no numerics in them, and called blindly they would act on files.
NOT_SEARCHED = ("gmmkit.cli", "gmmkit.course", "gmmkit.grading", "gmmkit.__main__")


def gmmkit_callables(not_searched: tuple = NOT_SEARCHED) -> list:
    """(qualified name, callable) for every function and class defined in a module under gmmkit."""
    import gmmkit
    found = []
    for info in pkgutil.walk_packages(gmmkit.__path__, "gmmkit."):
        if info.name.startswith(not_searched):
            continue
        module = importlib.import_module(info.name)
        for name, obj in sorted(vars(module).items()):
            if ((inspect.isfunction(obj) or inspect.isclass(obj))
                    and getattr(obj, "__module__", "") == info.name):
                found.append((f"{info.name}.{name}", obj))
    return found


def quiet(f, *args):
    """f(*args), or None if it raises or warns (any error means: not a usable delegate)."""
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return f(*args)
    except BaseException:
        return None
