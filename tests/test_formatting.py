"""How numbers are shown: never in e-notation, never as -0, with thousands separators, % for shares."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chagai.formatting import figure_text, format_value, percent_text

UNITS = ("US$m", "US$m/yr", "fraction", "ratio", "year", "US$/t", "t", "MMscf")
numbers = st.floats(min_value=-1e15, max_value=1e15, allow_nan=False, allow_infinity=False)


@given(numbers, st.sampled_from(UNITS))
def test_no_e_notation_and_no_negative_zero(value: float, unit: str) -> None:
    text = format_value(value, unit)
    assert "e+" not in text
    assert "e-" not in text
    assert not re.fullmatch(r"-[0.,]*(%|x)?( .*)?", text), text


@given(st.floats(min_value=1e4, max_value=1e15))
def test_large_figures_have_thousands_separators(value: float) -> None:
    assert "," in figure_text(value)
    assert "," in format_value(value, "US$m")


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (21_080.4, "US$/t", "21,080 US$/t"),
        (9_999.5, "t", "10,000 t"),
        (2.649, "US$/lb", "2.649 US$/lb"),
        (0.000123456, "t", "0.0001235 t"),
        (-0.3, "US$m", "0 US$m"),
        (-0.0004, "fraction", "0.0%"),
        (0.219, "fraction", "21.9%"),
        (3.061, "ratio", "3.06x"),
        (2030.0, "year", "2030"),
        (math.nan, "US$m", "n/a"),
    ],
)
def test_examples(value: float, unit: str, text: str) -> None:
    assert format_value(value, unit) == text


def test_percentages_keep_four_figures_and_separators() -> None:
    assert percent_text(0.15) == "15%"
    assert percent_text(0.025) == "2.5%"
    assert percent_text(125.0) == "12,500%"


def test_a_whole_amount_has_separators_and_no_unit() -> None:
    assert format_value(45_156.4, "whole") == "45,156"
    assert format_value(-0.2, "whole") == "0"
    assert format_value(float("nan"), "whole") == "n/a"
