"""Services: one function per question, used by every front end (CLI, report, web).

:func:`appraise` runs the annual model of a case under a scenario and derives every metric users ask for, each
with its basis; :func:`compare` appraises several cases side by side.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from chagai import __version__
from chagai.cases.compile import Compiled, Scenario, compile_case
from chagai.cases.schema import Case, MineProduction
from chagai.core import kernel as k
from chagai.core.measures import PathMeasures, irr_value
from chagai.core.metrics import irr, npv, payback_year
from chagai.core.model import price_factor_root, run_price_factors, run_single

LEVEL_NAMES = {k.LEVEL_PRIVATE: "private", k.LEVEL_FEDERAL: "federal", k.LEVEL_PROVINCIAL: "provincial"}


@dataclass(frozen=True)
class Figure:
    """A number with its name, unit and basis (what it includes, at what rate, in which dollars)."""

    key: str
    label: str
    value: float
    unit: str
    basis: str = ""

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (NaN becomes null)."""
        return {
            "key": self.key,
            "label": self.label,
            "value": None if _nan(self.value) else self.value,
            "unit": self.unit,
            "basis": self.basis,
        }


def _nan(value: float) -> bool:
    return isinstance(value, float) and math.isnan(value)


NO_INVESTMENT = "no IRR: the cash flows start positive (nothing invested to earn a return on)"


IRR_RULE = "smallest positive root of NPV = 0 in (-0.99, 10], else the root nearest zero; end-year flows"


def project_irr(flows: np.ndarray) -> tuple[float, str]:
    """IRR with its basis, by the one scan the Monte Carlo uses (:func:`chagai.core.measures.irr_value`).

    NaN when the first non-zero flow is an inflow (a point-forward producing asset) or no root lies in the range,
    with the reason.
    """
    nonzero = flows[np.abs(flows) > 1e-9]
    if nonzero.size and nonzero[0] > 0:
        return math.nan, NO_INVESTMENT
    value = float(irr_value(np.ascontiguousarray(flows, dtype=np.float64)))
    if math.isnan(value):
        return math.nan, irr(flows).reason  # why there is none: no sign change, no root in the range
    return value, IRR_RULE


@dataclass(frozen=True)
class Stakeholder:
    """What one party puts in and takes out, valued at the stated rate."""

    party: str
    label: str
    level: str
    kind: str
    npv: float
    irr: float
    irr_note: str
    payback_year: float
    paid_in: float
    received: float

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        data = dict(self.__dict__)
        for key in ("irr", "payback_year", "npv"):
            if _nan(data[key]):
                data[key] = None
        return data


@dataclass(frozen=True)
class Lenders:
    """Debt capacity and cover ratios of the loan package."""

    facilities: list[dict[str, Any]]
    total_debt: float
    debt_rate: float
    min_dscr: float
    min_dscr_year: int | None
    average_dscr: float
    llcr: float
    llcr_year: int | None
    plcr: float
    default_year: int | None
    max_shortfall: float
    final_maturity: int | None
    basis: str = ""
    rate_basis: str = ""  # how the quoted loan rates became the real rates used (and shown)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {k_: (None if isinstance(v, float) and math.isnan(v) else v) for k_, v in self.__dict__.items()}


@dataclass(frozen=True)
class SaleValue:
    """What a stake sale of the scenario is worth to its buyer and its seller, at the appraisal's rate [US$m].

    The price is a transfer in the sale year: the buyer pays it, the seller (each selling party pro rata to the
    share it gives up) receives it. The seller's gain is against holding: its NPV with the sale minus its NPV in
    the same scenario without this sale. An indifference price is the price at which that party's NPV (buyer) or
    gain (seller) is zero; the seller's government receipts add the taxes the sold share pays afterwards
    (dividend withholding on a private buyer).
    """

    share: float
    seller: str
    buyer: str
    year: int
    price: float  # NaN when the sale has no price
    buyer_npv: float
    buyer_irr: float
    buyer_irr_note: str
    buyer_indifference_price: float
    seller_npv_with_sale: float
    seller_npv_holding: float
    seller_gain: float
    seller_indifference_price: float
    seller_government_gain: float  # change in the PV of the seller's government's receipts (NaN: private seller)
    basis: str

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (NaN becomes null)."""
        return {key: (None if _nan(v) else v) for key, v in self.__dict__.items()}


@dataclass
class Appraisal:
    """The annual model of one case under one scenario, and everything derived from it."""

    compiled: Compiled
    lines: np.ndarray  # (N_LINES, T)
    party_net: np.ndarray  # (P, T)
    discount_rate: float
    figures: list[Figure] = field(default_factory=list)
    stakeholders: list[Stakeholder] = field(default_factory=list)
    lenders: Lenders | None = None
    progressivity: list[dict[str, float]] = field(default_factory=list)
    claims: list[Any] = field(default_factory=list)
    sales: list[SaleValue] = field(default_factory=list)
    measured: PathMeasures | None = None

    @property
    def measures(self) -> PathMeasures:
        """The measures the Monte Carlo and sensitivity compute, by the same function (:mod:`chagai.core.measures`)."""
        if self.measured is None:
            self.measured = PathMeasures(self.lines, self.party_net, self.discount_rate)
        return self.measured

    @property
    def case(self) -> Case:
        """The case appraised."""
        return self.compiled.case

    @property
    def years(self) -> np.ndarray:
        """Calendar years of the columns."""
        return self.compiled.years

    def line(self, name: str) -> np.ndarray:
        """One line of the annual table by name."""
        row: np.ndarray = self.lines[k.L[name]]
        return row

    def figure(self, key: str) -> Figure:
        """A headline figure by key."""
        for f in self.figures:
            if f.key == key:
                return f
        raise KeyError(key)

    @property
    def basis(self) -> str:
        """How money is stated and discounted."""
        money = self.case.money
        return (
            f"US$ million, {money.basis} {money.base_year} dollars; NPV at {self.discount_rate:.0%} {money.basis}, "
            f"year 0 = {self.compiled.valuation_year} (undiscounted), year t discounted by (1+r)^-t, "
            f"end-year cash flows; flows before {self.compiled.valuation_year} are sunk"
        )

    def table_columns(self) -> dict[str, np.ndarray]:
        """The annual table's columns by name (unit in the name): every line item, the prices, each owner's flow."""
        columns = {f"{name} [{unit}]": self.lines[i] for i, (name, unit) in enumerate(k.LINES)}
        for c, commodity in enumerate(self.compiled.commodities):
            columns[f"price_{commodity} [{self.compiled.price_units[c]}]"] = (
                self.compiled.prices[c] * self.compiled.price_display_factor[c]
            )
        for p, party in enumerate(self.compiled.parties):
            if np.any(self.party_net[p]):
                columns[f"equity_net_{party.id} [US$m]"] = self.party_net[p]
        return columns

    def table(self) -> pd.DataFrame:
        """The annual table: one row per year, one column per line item (unit in the column name)."""
        return pd.DataFrame(self.table_columns(), index=pd.Index(self.years, name="year"))

    def table_csv(self) -> str:
        """The annual table as CSV text (six decimals), as ``chagai cashflow -o`` writes it and the API serves it."""
        text: str = self.table().to_csv(float_format="%.6f")
        return text

    def as_dict(self) -> dict[str, Any]:
        """Everything a machine needs, JSON-ready."""
        columns = self.table_columns()
        return {
            "project": {"id": self.case.id, "name": self.case.name},
            "chagai_version": __version__,
            "inputs_hash": self.compiled.inputs_hash,
            "scenario": {
                "delay": self.compiled.scenario.delay,
                "overrun": self.compiled.scenario.overrun,
                "deck": self.compiled.scenario.deck,
                "price_factor": self.compiled.scenario.price_factor,
                "regime": self.compiled.scenario.regime,
                "sales": [s.__dict__ for s in self.compiled.scenario.sales],
                "overrides": [{"path": p, "value": v} for p, v in self.compiled.scenario.overrides],
                "changes": self.compiled.scenario.changes(),
                "discount_rate": self.discount_rate,
                "valuation_year": self.compiled.valuation_year,
            },
            "basis": self.basis,
            "figures": [f.as_dict() for f in self.figures],
            "stakeholders": [s.as_dict() for s in self.stakeholders],
            "lenders": self.lenders.as_dict() if self.lenders else None,
            "progressivity": self.progressivity,
            "claims": [c.as_dict() for c in self.claims],
            "sales": [s.as_dict() for s in self.sales],
            "notes": self.compiled.notes,
            "annual": {
                "years": [int(y) for y in self.years],
                "columns": {c: [None if v != v else v for v in values.tolist()] for c, values in columns.items()},
            },
        }


# ---------------------------------------------------------------------------------------------------------


def _first(mask: np.ndarray, years: np.ndarray) -> int | None:
    idx = np.flatnonzero(mask)
    return int(years[idx[0]]) if idx.size else None


def _lenders(a: Appraisal) -> Lenders:
    compiled, years = a.compiled, a.years
    loans = [f for f in compiled.case.financing if f.instrument == "loan"]
    params = compiled.params
    amounts, rates = params.loans.amount, params.loans.rate  # the rates the model runs (real, as the cash flows)
    debt_rate = float((amounts * rates).sum() / amounts.sum()) if amounts.sum() > 0 else math.nan
    service = a.line("debt_service")
    cfads = a.line("cfads")
    dscr = a.line("dscr")
    in_service = service > k.IN_SERVICE
    balance = a.line("debt_balance")
    opening = np.concatenate([[0.0], balance[:-1]])
    maturity_idx = int(np.flatnonzero(in_service)[-1]) if in_service.any() else None
    llcr = plcr = math.nan
    llcr_year = None
    start_idx: int | None = None
    if maturity_idx is not None:
        start = int(np.flatnonzero(a.line("principal") > 1e-9)[0]) if np.any(a.line("principal") > 1e-9) else None
        start_idx = start
        if start is not None and opening[start] > 0:
            llcr = float(npv(debt_rate, cfads[start : maturity_idx + 1]) * (1 + debt_rate) ** -1 / opening[start])
            plcr = float(npv(debt_rate, cfads[start:]) * (1 + debt_rate) ** -1 / opening[start])
            llcr_year = int(years[start])
    valid = np.where(in_service, dscr, np.nan)
    has = np.isfinite(valid).any()
    measured = a.measures
    min_idx = measured.min_dscr_index
    shortfall = a.line("shortfall")
    return Lenders(
        facilities=[
            {
                "id": f.id,
                "lender": compiled.case.party(f.lender).label,
                "kind": f.kind,
                "amount": f.amount.to("US$m"),
                "rate": compiled.loan_rates[f.id],
                "quoted_rate": f.rate.canonical(),
                "rate_basis": f.rate_basis,
                "grace_years": f.grace.to("yr"),
                "tenor_years": f.tenor.to("yr"),
                "repayment": f.repayment,
                "status": f.status,
            }
            for f in loans
        ],
        total_debt=float(a.line("debt_drawdown").sum()),
        debt_rate=debt_rate,
        min_dscr=measured.values["min_dscr"],
        min_dscr_year=int(years[min_idx]) if min_idx is not None else None,
        average_dscr=float(np.nanmean(valid)) if has else math.nan,
        llcr=llcr,
        llcr_year=llcr_year,
        plcr=plcr,
        default_year=int(years[measured.default_index]) if measured.default_index is not None else None,
        max_shortfall=float(shortfall.max()),
        final_maturity=int(years[maturity_idx]) if maturity_idx is not None else None,
        basis=(
            f"{a.case.money.basis} {a.case.money.base_year} US$m, as every cash flow; CFADS = revenue - selling "
            "costs - opex - sustaining capital - royalties - taxes paid (from first production); DSCR = CFADS / "
            f"(interest + principal + fees) in each year whose debt service exceeds {k.IN_SERVICE:g} US$m; "
            f"LLCR in {int(years[start_idx]) if start_idx is not None else '-'} (the first repayment year) = PV of "
            "CFADS to final maturity at the loans' amount-weighted rate "
            f"({debt_rate:.2%}) / debt outstanding then; PLCR the same to the end of the project"
        ),
        rate_basis=compiled.loan_rate_basis,
    )


def _stakeholders(a: Appraisal) -> list[Stakeholder]:
    out = []
    for p, party in enumerate(a.compiled.parties):
        flows = a.party_net[p]  # a priced sale's payment is in it: the buyer pays, the seller receives
        if not np.any(np.abs(flows) > 1e-9):
            continue
        rate, note = project_irr(flows)
        out.append(
            Stakeholder(
                party=party.id,
                label=party.label,
                level=LEVEL_NAMES[int(a.compiled.params.stakes.party_level[p])],
                kind=party.kind,
                npv=float(a.measures.party_npv[p]),
                irr=rate,
                irr_note=note,
                payback_year=_payback(flows, a.years),
                paid_in=float(-flows[flows < 0].sum()),
                received=float(flows[flows > 0].sum()),
            )
        )
    return out


def _sale_values(a: Appraisal) -> list[SaleValue]:
    """Value each sale of the scenario for its buyer and its seller (see :class:`SaleValue`)."""
    compiled, r = a.compiled, a.discount_rate
    sales = compiled.scenario.sales
    params = compiled.params
    index = {p.id: i for i, p in enumerate(compiled.parties)}
    out = []
    for j, sale in enumerate(sales):
        others = sales[:j] + sales[j + 1 :]
        holding = appraise_compiled(
            compile_case(compiled.case, dataclasses.replace(compiled.scenario, sales=others)), solve=False
        )
        t = sale.year - compiled.valuation_year
        growth = (1.0 + r) ** t  # a value in the sale year per unit of present value
        price = sale.price if sale.price is not None else 0.0
        buyer_flows = a.party_net[index[sale.buyer]]
        buyer_npv = float(npv(r, buyer_flows))
        buyer_irr, buyer_note = project_irr(buyer_flows)
        sellers = [index[party] for party in compiled.sale_sellers[j]]
        with_sale = float(npv(r, a.party_net[sellers].sum(axis=0)))
        held = float(npv(r, holding.party_net[sellers].sum(axis=0)))
        gain = with_sale - held
        level = int(params.stakes.party_level[sellers[0]])
        government_gain = math.nan
        if level != k.LEVEL_PRIVATE:
            line = "government_federal" if level == k.LEVEL_FEDERAL else "government_provincial"
            government_gain = float(npv(r, a.line(line)) - npv(r, holding.line(line)))
        out.append(
            SaleValue(
                share=sale.share,
                seller=sale.seller,
                buyer=sale.buyer,
                year=sale.year,
                price=sale.price if sale.price is not None else math.nan,
                buyer_npv=buyer_npv,
                buyer_irr=buyer_irr,
                buyer_irr_note=buyer_note,
                buyer_indifference_price=price + buyer_npv * growth,
                seller_npv_with_sale=with_sale,
                seller_npv_holding=held,
                seller_gain=gain,
                seller_indifference_price=price - gain * growth,
                seller_government_gain=government_gain,
                basis=(
                    f"NPV at {r:.0%} to {compiled.valuation_year}; prices in US$m paid in {sale.year}; the seller "
                    f"holding is the same scenario without this sale"
                    + ("" if sale.price is not None else "; no price given: valued as a gift (price 0)")
                ),
            )
        )
    return out


def _payback(flows: np.ndarray, years: np.ndarray) -> float:
    if not np.any(np.cumsum(flows) < 0):
        return math.nan  # never out of pocket: nothing to pay back
    years_to = payback_year(flows)
    return float(years[0] + years_to) if np.isfinite(years_to) else math.nan


def _government_flows(a: Appraisal) -> tuple[np.ndarray, np.ndarray]:
    return a.line("government_federal"), a.line("government_provincial")


def _fiscal_receipts(a: Appraisal) -> np.ndarray:
    """Government receipts that are not equity flows (royalties, taxes, levies, withholding, profit share)."""
    names = (
        "royalties_federal",
        "royalties_provincial",
        "advance_royalty",
        "income_tax",
        "super_tax",
        "presumptive_tax",
        "rent",
        "profit_share_state",
        "interest_withholding",
        "dividend_withholding",
    )
    return sum((a.line(n) for n in names), np.zeros(len(a.years)))


def _figures(a: Appraisal) -> list[Figure]:
    r, years = a.discount_rate, a.years
    pre = a.line("pre_tax_ncf")
    post = a.line("post_tax_ncf_unlevered")
    equity = a.line("equity_cash_flow")
    federal, provincial = _government_flows(a)
    government = federal + provincial
    gross = a.line("gross_revenue")
    production = a.line("throughput") > 0
    base = a.basis

    def pv(flows: np.ndarray) -> float:
        return float(npv(r, flows))

    measured = a.measures.values
    money = a.case.money
    irr_terms = f"a {money.basis} rate (flows in {money.basis} {money.base_year} dollars) from {years[0]}"
    pre_irr, post_irr, eq_irr = project_irr(pre), project_irr(post), project_irr(equity)
    pv_pre = measured["npv_pre_tax"]
    figures = [
        Figure(
            "npv_pre_tax",
            "Project NPV before tax",
            pv_pre,
            "US$m",
            f"pre-tax net cash flow (revenue - selling costs - opex - capex - closure); {base}",
        ),
        Figure(
            "npv_post_tax",
            "Project NPV after tax (unlevered)",
            measured["npv_post_tax"],
            "US$m",
            f"after royalties, taxes and levies of the project without debt (no interest deducted); {base}",
        ),
        Figure(
            "npv_post_tax_levered",
            "Project NPV after tax as paid, before debt flows",
            pv(a.line("post_tax_ncf")),
            "US$m",
            "after the taxes the project pays with its loans (interest deducted: includes the interest tax shield), "
            f"before drawdowns and debt service; {base}",
        ),
        Figure(
            "npv_equity",
            "Equity NPV (all owners)",
            measured["npv_equity"],
            "US$m",
            f"after debt service, before dividend withholding; {base}",
        ),
        Figure("irr_pre_tax", "Project IRR before tax", pre_irr[0], "fraction", f"{pre_irr[1]}; {irr_terms}"),
        Figure(
            "irr_post_tax",
            "Project IRR after tax (unlevered)",
            post_irr[0],
            "fraction",
            f"{post_irr[1]}; {irr_terms}",
        ),
        Figure("irr_equity", "Equity IRR", eq_irr[0], "fraction", f"{eq_irr[1]}; {irr_terms}"),
    ]
    first = _first(production, years)
    figures += [
        Figure(
            "first_production",
            "First production year",
            float(first) if first else math.nan,
            "year",
            "first year with throughput > 0",
        ),
        Figure("production_years", "Years of production", float(production.sum()), "yr", "within the horizon"),
        Figure(
            "capex_total",
            "Initial and expansion capital",
            float(a.line("initial_capex").sum()),
            "US$m",
            f"from {years[0]}, after overrun; excludes sustaining capital",
        ),
        Figure(
            "revenue_total",
            "Gross revenue, life of project",
            float(gross.sum()),
            "US$m",
            f"undiscounted, {a.case.money.basis} {a.case.money.base_year} dollars",
        ),
        Figure(
            "government_federal_total",
            "Federal government receipts",
            float(federal.sum()),
            "US$m",
            "undiscounted; royalties, income and super tax, withholding, rent, profit share, and the net "
            "equity cash flow of federal state companies and funders",
        ),
        Figure(
            "government_provincial_total",
            "Provincial government receipts",
            float(provincial.sum()),
            "US$m",
            "undiscounted; royalties, advance royalties, profit-share pass-through and the net equity cash flow "
            "of provincial holders",
        ),
        Figure("government_federal_pv", "Federal receipts, present value", measured["pv_federal"], "US$m", base),
        Figure(
            "government_provincial_pv", "Provincial receipts, present value", measured["pv_provincial"], "US$m", base
        ),
    ]
    sum_pre = float(pre.sum())
    take = float(government.sum()) / sum_pre if sum_pre > 0 else math.nan
    aetr = measured["aetr"]
    local = float(provincial.sum()) / sum_pre if sum_pre > 0 else math.nan
    local_pv = measured["local_share"]
    fiscal = _fiscal_receipts(a)
    fiscal_take = float(fiscal.sum()) / sum_pre if sum_pre > 0 else math.nan
    fiscal_take_pv = pv(fiscal) / pv_pre if pv_pre > 0 else math.nan
    ratios = np.where(production & (gross > 0), fiscal / np.where(gross > 0, gross, 1.0), np.nan)
    err = float(np.nanmin(ratios)) if np.isfinite(ratios).any() else math.nan
    figures += [
        Figure(
            "government_take",
            "Government take (undiscounted)",
            take,
            "fraction",
            "sum of federal + provincial receipts (incl. state equity net cash flow) / sum of pre-tax net cash flow",
        ),
        Figure(
            "aetr",
            "Government take, discounted (AETR)",
            aetr,
            "fraction",
            f"PV of government receipts / PV of pre-tax net cash flow at {r:.0%}",
        ),
        Figure(
            "fiscal_take",
            "Fiscal take (undiscounted)",
            fiscal_take,
            "fraction",
            "royalties, taxes, levies, withholding and profit share / pre-tax net cash flow; without state equity",
        ),
        Figure("fiscal_take_pv", "Fiscal take, discounted", fiscal_take_pv, "fraction", f"PV at {r:.0%}"),
        Figure(
            "local_share",
            "Provincial (local) share (undiscounted)",
            local,
            "fraction",
            "provincial receipts / pre-tax net cash flow",
        ),
        Figure("local_share_pv", "Provincial (local) share, discounted", local_pv, "fraction", f"PV at {r:.0%}"),
        Figure(
            "effective_royalty_rate",
            "Effective royalty rate",
            err,
            "fraction",
            "lowest share of gross revenue the governments receive in any production year (royalties, taxes, "
            "levies, withholding, profit share; not equity)",
        ),
    ]
    return figures


def _solve_figures(a: Appraisal) -> list[Figure]:
    """Breakeven prices, METR and the progressivity curve: the model re-run over price factors."""
    compiled, r = a.compiled, a.discount_rate
    primary = 0
    unit = compiled.price_units[primary]
    base_price = float(compiled.prices[primary, 0] * compiled.price_display_factor[primary])

    pre_factor = price_factor_root(compiled.model_inputs, k.L.pre_tax_ncf, r, primary)
    post_factor = price_factor_root(compiled.model_inputs, k.L.post_tax_ncf_unlevered, r, primary)
    commodity = compiled.commodities[primary]
    none = "; n/a: no price from 1% to 2000% of the deck's makes it zero (the other products cover the costs)"
    figures = [
        Figure(
            "breakeven_pre_tax",
            f"Breakeven {commodity} price before tax",
            pre_factor * base_price,
            unit,
            f"{commodity} price (other prices as in the deck) at which the pre-tax NPV at {r:.0%} is zero"
            + (none if _nan(pre_factor) else ""),
        ),
        Figure(
            "breakeven_post_tax",
            f"Breakeven {commodity} price after tax",
            post_factor * base_price,
            unit,
            f"as above, for the after-tax unlevered NPV at {r:.0%}" + (none if _nan(post_factor) else ""),
        ),
    ]
    marginal = price_factor_root(compiled.model_inputs, k.L.post_tax_ncf_unlevered, r)
    metr = math.nan
    basis = "no price level makes the after-tax NPV zero"
    if np.isfinite(marginal):
        lines = run_price_factors(compiled.model_inputs, np.array([marginal]))[0][0]
        p, reason = project_irr(lines[k.L.pre_tax_ncf])
        basis = f"the marginal project has no pre-tax return: {reason}"
        if np.isfinite(p) and p != 0:
            metr = (p - r) / p
            basis = (
                f"(p - s) / p with s = {r:.0%}: all prices scaled by {marginal:.3f} until the after-tax NPV at s is "
                f"zero; p = {p:.2%}, the rate that zeroes that marginal project's pre-tax NPV"
            )
    figures.append(Figure("metr", "Marginal effective tax rate (METR)", metr, "fraction", basis))
    curve = []
    factors = np.round(np.arange(0.5, 2.01, 0.1), 2)
    lines = run_price_factors(compiled.model_inputs, factors, primary)[0]
    pre = lines[:, k.L.pre_tax_ncf]
    pv_pre = np.asarray(npv(r, pre))  # one NPV per price factor, each as npv() of its row
    pv_government = np.asarray(npv(r, lines[:, k.L.government_federal] + lines[:, k.L.government_provincial]))
    for j, factor in enumerate(factors):
        curve.append(
            {
                "price_factor": float(factor),
                "price": float(factor) * base_price,
                "pre_tax_irr": project_irr(pre[j])[0],
                "aetr": float(pv_government[j]) / float(pv_pre[j]) if pv_pre[j] > 0 else math.nan,
            }
        )
    a.progressivity = [{k_: (None if _nan(v) else v) for k_, v in row.items()} for row in curve]  # type: ignore[misc]
    return figures


def appraise(
    case: Case,
    scenario: Scenario | None = None,
    overrides: dict[str, Any] | None = None,
    solve: bool = True,
) -> Appraisal:
    """Appraise a case: the annual model and every derived metric, each with its basis.

    Parameters
    ----------
    case
        The project.
    scenario
        Schedule, cost, price and ownership changes and the valuation basis (default: the case as it is, 10%).
    overrides
        ``path: value`` changes to case inputs (``prices.copper: 9000``), validated like an edit.
    solve
        Also compute breakevens, METR and the progressivity curve (several extra model runs).
    """
    return appraise_compiled(compile_case(case, (scenario or Scenario()).with_overrides(overrides)), solve)


def appraise_compiled(compiled: Compiled, solve: bool = True) -> Appraisal:
    """Appraise a compiled case under its scenario: what :func:`appraise` does once the case is compiled.

    Parameters
    ----------
    compiled
        The case (with any overrides) compiled under the scenario (:func:`~chagai.cases.compile.compile_case`,
        or a kept compilation moved to the scenario with :meth:`~chagai.cases.compile.Compiled.under`).
    solve
        Also compute breakevens, METR and the progressivity curve (several extra model runs).
    """
    from chagai.claims import check_claims

    lines, party_net = run_single(compiled.model_inputs, compiled.prices)
    result = Appraisal(compiled, lines, party_net, compiled.scenario.discount_rate)
    result.figures = _figures(result)
    result.stakeholders = _stakeholders(result)
    result.lenders = _lenders(result) if compiled.case.financing else None
    result.sales = _sale_values(result)
    if solve:
        result.figures += _solve_figures(result)
    result.claims = check_claims(result)
    return result


GOVERNMENT_ITEMS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("Royalties", ("royalties_federal",), ("royalties_provincial",)),
    ("Advance royalties", (), ("advance_royalty",)),
    ("Income tax and super tax", ("income_tax", "super_tax"), ()),
    ("Presumptive tax", ("presumptive_tax",), ()),
    ("Rent", ("rent",), ()),
    ("Profit share (net of pass-through)", ("profit_share_state",), ("profit_share_provincial",)),
    ("Withholding on dividends and interest", ("dividend_withholding", "interest_withholding"), ()),
)


def government_items(a: Appraisal) -> list[tuple[str, float, float]]:
    """Receipts of each government by item (undiscounted), the state-equity net flows, totals and PVs."""
    rows: list[tuple[str, float, float]] = []
    for label, federal_lines, provincial_lines in GOVERNMENT_ITEMS:
        federal = sum(float(a.line(n).sum()) for n in federal_lines)
        provincial = sum(float(a.line(n).sum()) for n in provincial_lines)
        if label.startswith("Profit share"):
            federal -= provincial
        if federal or provincial:
            rows.append((label, federal, provincial))
    levels = a.compiled.params.stakes.party_level
    equity = [float(a.party_net[levels == lvl].sum()) for lvl in (k.LEVEL_FEDERAL, k.LEVEL_PROVINCIAL)]
    if any(equity):
        rows.append(("State equity, net (dividends - contributions)", equity[0], equity[1]))
    federal_line, provincial_line = _government_flows(a)
    rows.append(("Total", float(federal_line.sum()), float(provincial_line.sum())))
    r = a.discount_rate
    rows.append((f"Total, PV at {r:.0%}", float(npv(r, federal_line)), float(npv(r, provincial_line))))
    return rows


COMPARISON: tuple[tuple[str, str], ...] = (
    ("local_share", "Provincial (local) share, undiscounted"),
    ("local_share_pv", "Provincial (local) share, discounted"),
    ("government_take", "Government take, undiscounted"),
    ("aetr", "Government take, discounted (AETR)"),
    ("fiscal_take_pv", "Fiscal take (without state equity), discounted"),
    ("government_provincial_pv", "Provincial receipts, PV"),
    ("government_federal_pv", "Federal receipts, PV"),
    ("effective_royalty_rate", "Effective royalty rate"),
    ("npv_post_tax", "Project NPV after tax"),
    ("irr_post_tax", "Project IRR after tax"),
    ("revenue_total", "Gross revenue, life of project"),
    ("first_production", "First production year"),
)


def comparison_rows(results: Sequence[Appraisal]) -> list[dict[str, Any]]:
    """Rows of a side-by-side comparison: each a label, a unit and one value per appraisal."""
    rows: list[dict[str, Any]] = [
        {
            "key": "status",
            "label": "Status",
            "unit": "text",
            "values": [r.case.current_status.status for r in results],
        }
    ]
    for key, label in COMPARISON:
        figures = [r.figure(key) for r in results]
        rows.append(
            {
                "key": key,
                "label": label,
                "unit": figures[0].unit,
                "values": [None if _nan(f.value) else f.value for f in figures],
            }
        )
    rows.append(
        {
            "key": "min_dscr",
            "label": "Minimum DSCR",
            "unit": "ratio",
            "values": [r.lenders.min_dscr if r.lenders and not _nan(r.lenders.min_dscr) else None for r in results],
        }
    )
    rows.append(
        {
            "key": "basis",
            "label": "Basis",
            "unit": "text",
            "values": [f"{r.basis}; scenario: {'; '.join(r.compiled.scenario.changes()) or 'none'}" for r in results],
        }
    )
    return rows


def compare(cases: Sequence[Case], scenario: Scenario | None = None) -> list[Appraisal]:
    """Appraise several cases under the same scenario (registry-only cases are refused)."""
    return [appraise(c, scenario) for c in cases]


def status_text(case: Case, on: dt.date) -> str:
    """The status in force on ``on`` with its note, as the registry table shows it."""
    entry = case.status_on(on)
    if entry is None:
        return "-"
    text = entry.status.capitalize()
    return f"{text}. {entry.note}" if entry.note else text


def project_rows(
    cases: Sequence[Case],
    on: dt.date,
    status: str | None = None,
    commodity: str | None = None,
    region: str | None = None,
) -> list[dict[str, Any]]:
    """The registry as the founding article's table (Project | Resource | Operator/Partner | Status), filtered."""
    from chagai.registry.exporters import operator_label, resource_label

    rows: list[dict[str, Any]] = []
    for case in cases:
        entry = case.status_on(on)
        if status and (entry is None or entry.status != status):
            continue
        if commodity and commodity.lower().replace(" ", "-") not in case.commodities:
            continue
        if region and region.lower() not in (case.location.region.lower(), (case.location.district or "").lower()):
            continue
        rows.append(
            {
                "id": case.id,
                "project": case.name,
                "resource": resource_label(case),
                "operator": operator_label(case, on),
                "status": entry.status if entry else None,
                "status_text": status_text(case, on),
                "region": case.location.region,
                "district": case.location.district,
                "economics": case.has_economics,
            }
        )
    return rows


def is_mine(case: Case) -> bool:
    """Whether the case is a mine (phases, grades) rather than a gas field."""
    return isinstance(case.production, MineProduction)
