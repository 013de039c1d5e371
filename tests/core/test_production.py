"""The production stage, rule by rule, on a one-path block with hand numbers (:mod:`chagai.core.production`).

The mine of these tests: 10 Mt a year from year 1 (a 25 Mt reserve), 0.2% payable metal at US$5,000/t, 1% of the
ore shipped as concentrate at US$100/t of selling costs, opex US$2/t + US$5m a year, sustaining US$0.5/t +
US$1m a year, initial capital US$100m in year 0, closure US$3m.
"""

from __future__ import annotations

import numpy as np
import pytest

from chagai.core import production
from chagai.core.lines import Line
from chagai.core.terms import KIND_MINE, ProductionTerms

from .blocks import block, path, row

MINE = ProductionTerms(
    kind=KIND_MINE,
    capacity=np.array([0.0, 10e6, 10e6, 10e6]),
    reserve=25e6,
    yields=np.array([[0.002]]),
    product_yield=np.array([0.01]),
    selling_cost=100.0,
    opex_per_unit=2.0,
    fixed_opex=5.0,
    sustaining_per_unit=0.5,
    sustaining_fixed=1.0,
    closure_cost=3.0,
    capex=np.array([100.0, 0.0, 0.0, 0.0]),
    shift_from=0,
    end_index=3,
    economic_limit=False,
)


def _produce(
    terms: ProductionTerms, availability: float = 1.0, overrun: float = 1.0, delay: int = 0
) -> tuple[np.ndarray, np.ndarray, int, int]:
    n = terms.capacity.shape[0]
    out = block(n)
    reserve_left = np.empty((n, 1))
    first, last = path(-1), path(-1)
    price = np.full((1, n, 1), 5000.0)
    production.produce(
        terms, price, np.full((n, 1), availability), np.array([overrun]), path(delay), out, reserve_left, first, last
    )
    return out, reserve_left[:, 0], int(first[0]), int(last[0])


def test_throughput_revenue_and_costs() -> None:
    out, reserve_left, first, last = _produce(MINE, overrun=1.2)
    assert row(out, Line.throughput) == [0, 10e6, 10e6, 5e6]  # the reserve of 25 Mt runs out in year 3
    assert reserve_left.tolist() == [25e6, 25e6, 15e6, 5e6]
    assert (first, last) == (1, 3)
    assert row(out, Line.gross_revenue) == pytest.approx([0, 100, 100, 50])  # 10 Mt x 0.2% x US$5,000/t
    assert row(out, Line.product) == pytest.approx([0, 1e5, 1e5, 5e4])  # 1% of the ore [t]
    assert row(out, Line.selling_costs) == pytest.approx([0, 10, 10, 5])  # 100,000 t x US$100/t
    assert row(out, Line.nsr) == pytest.approx([0, 90, 90, 45])
    assert row(out, Line.opex) == pytest.approx([0, 25, 25, 15])  # 10 Mt x US$2/t + 5
    assert row(out, Line.sustaining_capex) == pytest.approx([0, 6, 6, 3.5])  # 10 Mt x US$0.5/t + 1
    assert row(out, Line.initial_capex) == pytest.approx([120, 0, 0, 0])  # 100 x the overrun of 1.2


def test_availability_scales_the_throughput() -> None:
    out, _, _, _ = _produce(MINE, availability=0.5)
    assert row(out, Line.throughput) == [0, 5e6, 5e6, 5e6]  # half the capacity: the reserve lasts


def test_a_delay_shifts_capacity_and_capital() -> None:
    out, _, first, _ = _produce(MINE, delay=1)
    assert row(out, Line.throughput) == [0, 0, 10e6, 10e6]
    assert row(out, Line.initial_capex) == [0, 100, 0, 0]
    assert first == 2


def test_grades_by_year_of_production() -> None:
    out, _, _, _ = _produce(MINE._replace(yields=np.array([[0.003, 0.002]]), product_yield=np.array([0.01, 0.01])))
    assert row(out, Line.gross_revenue) == pytest.approx([0, 150, 100, 50])  # 0.3% in the first year, then 0.2%


def test_economic_limit_stops_after_the_last_profitable_year() -> None:
    out = block(4, throughput=[1, 1, 1, 1], gross_revenue=[10, 10, 2, 2], nsr=[10, 10, 2, 2], opex=[5, 5, 5, 5])
    first, last = path(0), path(3)
    production.stop_at_economic_limit(out, first, last)
    assert row(out, Line.throughput) == [1, 1, 0, 0]  # operating cash flow 5, 5, -3, -3: stops after year 1
    assert row(out, Line.opex) == [5, 5, 0, 0]
    assert int(last[0]) == 1


def test_a_loss_year_followed_by_a_profitable_one_is_produced_through() -> None:
    out = block(4, throughput=[1, 1, 1, 1], gross_revenue=[10, 2, 10, 2], opex=[5, 5, 5, 5])
    first, last = path(0), path(3)
    production.stop_at_economic_limit(out, first, last)
    assert row(out, Line.throughput) == [1, 1, 1, 0]
    assert int(last[0]) == 2


def test_closure_the_year_after_production_and_pre_tax_cash_flow() -> None:
    out, _, first, last = _produce(MINE._replace(capacity=np.array([0.0, 10e6, 10e6, 0.0]), reserve=np.inf))
    production.close(MINE.closure_cost, out, path(first), path(last))
    assert row(out, Line.closure) == [0, 0, 0, 3]  # production ends in year 2
    production.pre_tax_cash_flow(out)
    assert row(out, Line.pre_tax_ncf) == pytest.approx([-100, 59, 59, -3])  # 100 - 10 - 25 - 6 = 59


def test_a_path_that_never_produces_starts_at_the_horizon() -> None:
    out = block(3)
    first, last = path(-1), path(-1)
    production.close(3.0, out, first, last)
    assert int(first[0]) == 3
    assert row(out, Line.closure) == [0, 0, 0]
