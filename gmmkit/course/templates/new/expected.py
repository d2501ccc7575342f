"""Trusted: records what the public checks of ``@NAME@`` compare with (``gmmkit build`` writes it
to gmmkit/checks/expected/@NAME@.npz): the reference's value on the public input, and what each
classic bug gives there."""
from pathlib import Path

from gmmkit.checks import load_module

from gmmkit.checks.@NAME@ import public_input

variants = load_module(Path(__file__).with_name("variants.py"), "_gmmkit_variants_@NAME@")


def record(ref, store) -> None:
    log_joint = public_input()
    store.value("posterior", ref.posterior(log_joint))
    for bug_id, variant in variants.POSTERIOR_BUGS.items():
        store.bug("posterior", bug_id, variant(log_joint))
