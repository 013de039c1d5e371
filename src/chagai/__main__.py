"""``python -m chagai``: the ``chagai`` command."""

from chagai.cli import main

main()
