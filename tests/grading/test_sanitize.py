"""Student text as the grader keeps it: no control characters, no invalid Unicode."""
from gmmkit.grading.sanitize import REPLACEMENT, clean, clean_tree
from gmmkit.wire.protocol import Unsupported


def test_escape_sequences_and_lone_surrogates_are_replaced():
    text = clean("a\x1b[2Jb\x1b]52;c;eA==\x07c\rd\x08e\u202ef\ud800g\n\th")
    assert text.encode("utf-8")  # encodable: no lone surrogate left
    assert not any(ch in text for ch in "\x1b\x07\r\x08\u202e")
    assert text.endswith("g\n\th") and text.count(REPLACEMENT) == 7


def test_every_string_of_a_reply_is_cleaned_and_long_text_is_cut():
    value = clean_tree({"m\x1b": ["x\x9b", ("y\ud800",)], "u": Unsupported("T\x1b[31m")})
    assert value == {"m" + REPLACEMENT: ["x" + REPLACEMENT, ("y" + REPLACEMENT,)],
                     "u": Unsupported("T" + REPLACEMENT + "[31m")}
    assert len(clean("x" * 10_000, 100)) < 120
