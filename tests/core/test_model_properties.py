"""Invariants of the annual model on generated cases (hypothesis)."""

from __future__ import annotations

import numpy as np
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from chagai.cases.compile import Scenario, StakeSale, compile_case
from chagai.cases.io import case_from_data
from chagai.core import kernel
from chagai.core.lines import Line
from chagai.core.metrics import npv
from chagai.core.model import run_single

from ..conftest import FIXTURES

POCKET = yaml.safe_load((FIXTURES / "pocket-mine.yaml").read_text(encoding="utf-8"))

LEVIES = (
    "royalties_federal",
    "royalties_provincial",
    "advance_royalty",
    "income_tax",
    "super_tax",
    "presumptive_tax",
    "rent",
    "profit_share_state",
    "social_uplift",
    "interest_withholding",
    "lenders_net",
    "equity_cash_flow",
)


@st.composite
def cases(draw: st.DrawFn) -> tuple[dict, Scenario]:
    doc = yaml.safe_load(yaml.safe_dump(POCKET))
    est = {"estimate": "generated"}
    doc["production"]["ore_reserve"]["value"] = draw(st.floats(1, 60))
    doc["production"]["grades"]["copper"]["value"] = draw(st.floats(0.05, 3))
    doc["production"]["phases"][0]["throughput"]["value"] = draw(st.floats(0.5, 8))
    doc["production"]["phases"][0]["start_year"] = draw(st.integers(2026, 2031))
    if draw(st.booleans()):
        doc["production"]["phases"][0]["ramp_up"] = {"factors": [draw(st.floats(0.2, 1.0))], **est}
    doc["costs"]["opex_per_tonne_milled"]["value"] = draw(st.floats(1, 80))
    doc["costs"]["closure"]["value"] = draw(st.floats(0, 50))
    doc["costs"]["capex"][0]["amount"]["value"] = draw(st.floats(10, 800))
    doc["costs"]["capex"][0]["profile"] = {"start_year": 2026, "shares": [0.5, 0.5], **est}
    doc["prices"][0]["price"]["value"] = draw(st.floats(2000, 15000))
    regime = draw(st.sampled_from(["reko-diq-2022", "pakistan-minerals-2013", "saindak-2022"]))
    doc["fiscal"] = {"regime": regime}
    if regime == "saindak-2022":
        doc["roles"].append({"party": "minco", "role": "lessee", **est})
    if draw(st.booleans()):
        doc["fiscal"]["overrides"] = {"loss_carry_forward_years": draw(st.integers(0, 8))}
        doc["fiscal"]["overrides_estimate"] = "generated"
    loan = doc["financing"][0]
    loan["amount"]["value"] = draw(st.floats(0, 600))
    loan["rate"]["value"] = draw(st.floats(0, 15))
    loan["grace"]["value"] = draw(st.integers(0, 4))
    loan["tenor"]["value"] = draw(st.integers(1, 12))
    loan["repayment"] = draw(st.sampled_from(["annuity", "equal-principal", "sculpted"]))
    if loan["repayment"] == "sculpted":
        loan["target_dscr"] = draw(st.floats(1.1, 2.0))
    sales = ()
    if draw(st.booleans()):
        price = draw(st.none() | st.floats(0.0, 500.0))
        sales = (StakeSale(draw(st.floats(0.01, 0.4)), "minco", "newco", draw(st.integers(2027, 2035)), price, True),)
    scenario = Scenario(
        delay=draw(st.integers(0, 4)),
        overrun=draw(st.floats(0.8, 2.0)),
        availability=draw(st.floats(0.5, 1.0)),
        sales=sales,
        discount_rate=0.1,
    )
    return doc, scenario


def _run(doc: dict, scenario: Scenario) -> tuple[np.ndarray, np.ndarray, object]:
    compiled = compile_case(case_from_data(doc), scenario)
    lines, parties = run_single(compiled.model_inputs, compiled.prices)
    return lines, parties, compiled


SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@given(cases())
@SETTINGS
def test_cash_is_conserved_every_year(generated: tuple[dict, Scenario]) -> None:
    lines, parties, _ = _run(*generated)
    receipts = sum(lines[Line[name]] for name in LEVIES)
    np.testing.assert_allclose(lines[Line.pre_tax_ncf], receipts, atol=1e-7)
    np.testing.assert_allclose(
        parties.sum(axis=0) + lines[Line.dividend_withholding], lines[Line.equity_cash_flow], atol=1e-7
    )
    government = lines[Line.government_federal] + lines[Line.government_provincial]
    private = sum(parties[p] for p, lvl in enumerate(_run(*generated)[2].params.stakes.party_level) if lvl == 0)
    np.testing.assert_allclose(
        lines[Line.pre_tax_ncf],
        government + private + lines[Line.lenders_net] + lines[Line.community],
        atol=1e-7,
    )


@given(cases())
@SETTINGS
def test_taxes_are_never_negative(generated: tuple[dict, Scenario]) -> None:
    lines, _, _ = _run(*generated)
    for name in ("income_tax", "super_tax", "presumptive_tax", "royalties_federal", "royalties_provincial"):
        assert np.all(lines[Line[name]] >= -1e-12), name


@given(cases())
@SETTINGS
def test_debt_is_repaid_or_default_is_flagged(generated: tuple[dict, Scenario]) -> None:
    lines, _, _ = _run(*generated)
    repaid = lines[Line.debt_balance][-1] < 1e-6
    defaulted = np.any(lines[Line.shortfall] > 1e-6)
    drawn = lines[Line.debt_drawdown].sum()
    assert repaid or defaulted, f"balance {lines[Line.debt_balance][-1]:.3f} of {drawn:.1f} left, no default flagged"
    assert lines[Line.principal].sum() <= drawn + lines[Line.interest_capitalised].sum() + 1e-6


@given(cases())
@SETTINGS
def test_stakes_sum_to_one_every_year(generated: tuple[dict, Scenario]) -> None:
    _, _, compiled = _run(*generated)
    np.testing.assert_allclose(compiled.params.stakes.share.sum(axis=0), 1.0, atol=1e-9)


@given(cases(), st.floats(0.0, 0.3), st.floats(0.001, 0.3))
@SETTINGS
def test_npv_falls_as_the_rate_rises_for_conventional_flows(
    generated: tuple[dict, Scenario], rate: float, step: float
) -> None:
    """With every outflow before every inflow, NPV valued at the last outflow falls as the rate rises.

    (Valued at year 0 it need not: with outflows in years 0 and 1, a higher rate also shrinks the year-1 outflow.)
    """
    doc, scenario = generated
    doc["costs"]["closure"]["value"] = 0.0
    lines, _, _ = _run(doc, scenario)
    flows = lines[Line.pre_tax_ncf]
    nonzero = np.flatnonzero(np.abs(flows) > 1e-9)
    assume(nonzero.size > 1 and flows[nonzero[0]] < 0)
    signs = np.sign(flows[nonzero])
    assume(np.count_nonzero(np.diff(signs)) == 1)  # one sign change: a conventional project
    last_outflow = int(nonzero[np.flatnonzero(signs < 0)[-1]])

    def value(r: float) -> float:
        return float(npv(r, flows)) * (1 + r) ** last_outflow

    assert value(rate + step) < value(rate)


@given(cases())
@SETTINGS
def test_a_block_writes_every_line_whatever_its_arrays_held(generated: tuple[dict, Scenario]) -> None:
    """The Monte Carlo reuses a block's arrays: results must not depend on what they held before."""
    lines, parties, compiled = _run(*generated)
    params = compiled.params
    n = lines.shape[1]
    block = 3
    price = np.repeat(compiled.prices[:, :, None], block, axis=2)
    availability = np.full((n, block), compiled.scenario.availability)
    out = np.full((kernel.N_LINES, n, block), np.nan)
    out[:, :, 1] = 7.0e9
    party_net = np.full((params.stakes.party_level.shape[0], n, block), -3.0)
    kernel.run_block(
        params,
        price,
        availability,
        np.full(block, compiled.scenario.overrun),
        np.full(block, compiled.scenario.delay, dtype=np.int64),
        out,
        party_net,
    )
    for b in range(block):
        np.testing.assert_array_equal(out[:, :, b], lines)
        np.testing.assert_array_equal(party_net[:, :, b], parties)
