"""The line table is one source: the index, names and units of the annual table, and the levies."""

from __future__ import annotations

from chagai.core import kernel
from chagai.core.lines import INCOME_TAXES, LEVIES, LINES, N_LINES, PRODUCTION_LEVIES, Line


def test_the_table_makes_the_index() -> None:
    assert [line.value for line in Line] == list(range(N_LINES))
    assert tuple((line.name, line.unit) for line in Line) == LINES
    assert Line.dscr.unit == "ratio"
    assert all(line.description for line in Line)
    assert Line is Line
    assert kernel.LINES is LINES


def test_levies_are_one_tuple_of_distinct_lines() -> None:
    assert LEVIES == PRODUCTION_LEVIES + INCOME_TAXES
    assert len(set(LEVIES)) == len(LEVIES)
    assert {line.name for line in LEVIES} == {
        "royalties_federal",
        "royalties_provincial",
        "advance_royalty",
        "income_tax",
        "super_tax",
        "presumptive_tax",
        "rent",
    }
