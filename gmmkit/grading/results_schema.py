"""A JSON schema of Gradescope's results.json, from its autograder specification
(https://gradescope-autograders.readthedocs.io/en/latest/specs/, "Output format"): the keys it
defines, their types, and the values it allows for visibility, status and the output formats.
Keys outside the specification are refused, so that a misspelt one ("visiblity") cannot pass
silently. The test suite validates every results.json it writes against it (tests/conftest.py).
"""
from __future__ import annotations

FORMATS = ["text", "html", "simple_format", "md", "ansi"]
VISIBILITIES = ["hidden", "after_due_date", "after_published", "visible"]
STATUSES = ["passed", "failed"]

_number = {"type": "number"}
_text = {"type": "string"}

TEST = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "score": _number,
        "max_score": _number,
        "status": {"enum": STATUSES},
        "name": _text,
        "name_format": {"enum": FORMATS},
        "number": _text,
        "output": _text,
        "output_format": {"enum": FORMATS},
        "tags": {"type": "array", "items": _text},
        "visibility": {"enum": VISIBILITIES},
        "extra_data": {"type": "object"},
    },
}

SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "Gradescope autograder results.json",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "score": _number,
        "execution_time": _number,
        "output": _text,
        "output_format": {"enum": FORMATS},
        "test_output_format": {"enum": FORMATS},
        "test_name_format": {"enum": FORMATS},
        "visibility": {"enum": VISIBILITIES},
        "stdout_visibility": {"enum": VISIBILITIES},
        "extra_data": {"type": "object"},
        "tests": {"type": "array", "items": TEST},
        "leaderboard": {
            "type": "array",
            "items": {"type": "object", "required": ["name", "value"],
                      "additionalProperties": False,
                      "properties": {"name": _text, "value": {"type": ["number", "string"]},
                                     "order": {"enum": ["asc", "desc"]}}},
        },
    },
    # "score" is optional at the top "but required if not on each test case"
    "anyOf": [
        {"required": ["score"]},
        {"required": ["tests"],
         "properties": {"tests": {"items": {"required": ["score"]}}}},
    ],
}


def errors(data) -> list[str]:
    """What in ``data`` breaks the specification, one line each (empty: valid)."""
    import jsonschema  # installed with jupyter; only the tests need it

    validator = jsonschema.Draft7Validator(SCHEMA)
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '(top)'}: {e.message}"
            for e in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))]
