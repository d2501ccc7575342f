"""Student text made safe to show: in the terminal summary, the HTML page and results.json.

Everything the worker sends back is untrusted text: an error message, a cell's exception, a string
a function returned. Before the grader keeps any of it, control characters (escape sequences that
clear a terminal, write the clipboard with OSC 52 or disguise links; carriage returns and
backspaces that overwrite a line), invisible and bidirectional formatting characters, and lone
surrogates (invalid Unicode, which cannot be printed or encoded) are replaced by U+FFFD.
Newlines and tabs stay.
"""
from __future__ import annotations

import re

from ..wire.protocol import Unsupported

REPLACEMENT = "\ufffd"
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f"
                     "\ufeff\ufff9-\ufffb\ud800-\udfff]")


def clean(text, limit: int | None = None) -> str:
    """``text`` with every unsafe character replaced, cut to ``limit`` characters if given."""
    text = _UNSAFE.sub(REPLACEMENT, text if isinstance(text, str) else str(text))
    if limit is not None and len(text) > limit:
        text = text[:limit] + " ... (truncated)"
    return text


def clean_tree(value):
    """A decoded wire value with every string in it (keys included) cleaned."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, list):
        return [clean_tree(v) for v in value]
    if isinstance(value, tuple):
        return tuple(clean_tree(v) for v in value)
    if isinstance(value, dict):
        return {clean(k): clean_tree(v) for k, v in value.items()}
    if isinstance(value, Unsupported):
        return Unsupported(clean(value.type_name, 80))
    return value
