"""Whether the compiled model is ready on this machine.

The model is compiled the first time it runs and the machine code kept on disk (:mod:`chagai.core.jit`), so the
first appraisal on a new machine, or after an upgrade, takes about a minute and every later one starts at once.
Front ends ask :func:`model_compiled` to tell the user before that minute starts.
"""

from __future__ import annotations


def model_compiled() -> bool:
    """Whether the compiled model is in this machine's cache (a run starts at once) or must be compiled first."""
    from chagai.core.jit import compiled_before

    return compiled_before()
