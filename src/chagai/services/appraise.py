"""Appraisal: the annual model of a project under a scenario, and every figure derived from it.

:func:`appraise` runs the annual model of a case under a scenario and derives every metric users ask for, each
with its basis; :func:`compare` appraises several cases side by side.
"""

from __future__ import annotations

import dataclasses
import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from chagai import __version__, results
from chagai.cases.compile import Compiled, Scenario, compile_case
from chagai.cases.currency import Presentation
from chagai.cases.schema import Case, MineProduction
from chagai.core import kernel
from chagai.core.lines import LEVIES, Line
from chagai.core.measures import irr_value
from chagai.core.metrics import irr, npv, payback_year
from chagai.core.model import price_factor_root, run_price_factors, run_single
from chagai.formatting import format_value
from chagai.results import (
    ClaimCheck,
    CompareRow,
    Comparison,
    FacilityTerms,
    Figure,
    GovernmentItem,
    Lenders,
    ProgressivityPoint,
    ProjectName,
    SaleValue,
    Stakeholder,
)
from chagai.services.annual import AnnualRun
from chagai.services.claims import check_claims
from chagai.services.inputs import ProjectRef, compiled_case

LEVEL_NAMES = {kernel.LEVEL_PRIVATE: "private", kernel.LEVEL_FEDERAL: "federal", kernel.LEVEL_PROVINCIAL: "provincial"}


def _figure(key: str, label: str, value: float, unit: str, basis: str = "") -> Figure:
    return Figure(key=key, label=label, value=value, unit=unit, basis=basis)


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


@dataclass(repr=False)
class Appraisal(AnnualRun):
    """The annual model of one case under one scenario, and everything derived from it.

    In a notebook it shows as a table of its figures; ``cashflow()`` is the annual table as a DataFrame.
    """

    figures: list[Figure] = field(default_factory=list)
    stakeholders: list[Stakeholder] = field(default_factory=list)
    lenders: Lenders | None = None
    progressivity: list[ProgressivityPoint] = field(default_factory=list)
    claims: list[ClaimCheck] = field(default_factory=list)
    sales: list[SaleValue] = field(default_factory=list)

    def __repr__(self) -> str:
        figures = {f.key: f for f in self.figures}
        shown = [figures[k] for k in ("npv_post_tax", "aetr", "local_share_pv") if k in figures]
        scenario = "; ".join(self.compiled.scenario.changes()) or "no scenario changes"
        values = ", ".join(f"{f.label} {format_value(f.value, f.unit)}" for f in shown)
        return f"<Appraisal of {self.case.name} ({self.case.id}), {scenario}: {values}>"

    def _repr_html_(self) -> str:
        """The figures as an HTML table, for notebooks."""
        rows = "".join(
            f"<tr><td>{html.escape(f.label)}</td><td style='text-align:right'>"
            f"{html.escape(format_value(f.value, f.unit))}</td></tr>"
            for f in self.figures
        )
        scenario = "; ".join(self.compiled.scenario.changes()) or "no scenario changes"
        return (
            f"<p><b>{html.escape(self.case.name)}</b> ({html.escape(self.case.id)}), {html.escape(scenario)}<br>"
            f"<small>{html.escape(self.basis)}</small></p><table>{rows}</table>"
        )

    def figure(self, key: str) -> Figure:
        """A headline figure by key."""
        for f in self.figures:
            if f.key == key:
                return f
        raise KeyError(key)

    def result(self) -> results.Appraisal:
        """Everything a machine needs: the typed result the API returns and ``chagai appraise --json`` prints."""
        compiled, scenario = self.compiled, self.compiled.scenario
        years, columns = self.presented_table()
        return results.Appraisal(
            project=results.ProjectName(id=self.case.id, name=self.case.name),
            chagai_version=__version__,
            inputs_hash=compiled.inputs_hash,
            scenario=results.ScenarioRun(
                delay=scenario.delay,
                overrun=scenario.overrun,
                deck=scenario.deck,
                price_factor=scenario.price_factor,
                regime=scenario.regime,
                sales=[results.SaleTerms(**dataclasses.asdict(sale)) for sale in scenario.sales],
                overrides=[results.Override(path=path, value=value) for path, value in scenario.overrides],
                changes=scenario.changes(),
                discount_rate=self.discount_rate,
                valuation_year=compiled.valuation_year,
            ),
            basis=self.basis,
            figures=self.figures,
            stakeholders=self.stakeholders,
            lenders=self.lenders,
            progressivity=self.progressivity,
            claims=self.claims,
            sales=self.sales,
            notes=compiled.notes,
            annual=results.AnnualTable(
                years=[int(y) for y in years],
                columns={name: values.tolist() for name, values in columns.items()},
            ),
            government=government_items(self),
        )


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
    in_service = service > kernel.IN_SERVICE
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
            FacilityTerms(
                id=f.id,
                lender=compiled.case.party(f.lender).label,
                kind=f.kind,
                amount=f.amount.to("US$m"),
                rate=compiled.loan_rates[f.id],
                quoted_rate=f.rate.canonical(),
                rate_basis=f.rate_basis,
                grace_years=f.grace.to("yr"),
                tenor_years=f.tenor.to("yr"),
                repayment=f.repayment,
                status=f.status,
            )
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
            f"(interest + principal + fees) in each year whose debt service exceeds {kernel.IN_SERVICE:g} US$m; "
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
        if level != kernel.LEVEL_PRIVATE:
            line = "government_federal" if level == kernel.LEVEL_FEDERAL else "government_provincial"
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


def _government_flows(a: AnnualRun) -> tuple[np.ndarray, np.ndarray]:
    return a.line("government_federal"), a.line("government_provincial")


def _fiscal_receipts(a: Appraisal) -> np.ndarray:
    """Government receipts that are not equity flows (royalties, taxes, levies, withholding, profit share)."""
    names = [line.name for line in LEVIES] + ["profit_share_state", "interest_withholding", "dividend_withholding"]
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
        _figure(
            "npv_pre_tax",
            "Project NPV before tax",
            pv_pre,
            "US$m",
            f"pre-tax net cash flow (revenue - selling costs - opex - capex - closure); {base}",
        ),
        _figure(
            "npv_post_tax",
            "Project NPV after tax (unlevered)",
            measured["npv_post_tax"],
            "US$m",
            f"after royalties, taxes and levies of the project without debt (no interest deducted); {base}",
        ),
        _figure(
            "npv_post_tax_levered",
            "Project NPV after tax as paid, before debt flows",
            pv(a.line("post_tax_ncf")),
            "US$m",
            "after the taxes the project pays with its loans (interest deducted: includes the interest tax shield), "
            f"before drawdowns and debt service; {base}",
        ),
        _figure(
            "npv_equity",
            "Equity NPV (all owners)",
            measured["npv_equity"],
            "US$m",
            f"after debt service, before dividend withholding; {base}",
        ),
        _figure("irr_pre_tax", "Project IRR before tax", pre_irr[0], "fraction", f"{pre_irr[1]}; {irr_terms}"),
        _figure(
            "irr_post_tax",
            "Project IRR after tax (unlevered)",
            post_irr[0],
            "fraction",
            f"{post_irr[1]}; {irr_terms}",
        ),
        _figure("irr_equity", "Equity IRR", eq_irr[0], "fraction", f"{eq_irr[1]}; {irr_terms}"),
    ]
    first = _first(production, years)
    figures += [
        _figure(
            "first_production",
            "First production year",
            float(first) if first else math.nan,
            "year",
            "first year with throughput > 0",
        ),
        _figure("production_years", "Years of production", float(production.sum()), "yr", "within the horizon"),
        _figure(
            "capex_total",
            "Initial and expansion capital",
            float(a.line("initial_capex").sum()),
            "US$m",
            f"from {years[0]}, after overrun; excludes sustaining capital",
        ),
        _figure(
            "revenue_total",
            "Gross revenue, life of project",
            float(gross.sum()),
            "US$m",
            f"undiscounted, {a.case.money.basis} {a.case.money.base_year} dollars",
        ),
        _figure(
            "government_federal_total",
            "Federal government receipts",
            float(federal.sum()),
            "US$m",
            "undiscounted; royalties, income and super tax, withholding, rent, profit share, and the net "
            "equity cash flow of federal state companies and funders",
        ),
        _figure(
            "government_provincial_total",
            "Provincial government receipts",
            float(provincial.sum()),
            "US$m",
            "undiscounted; royalties, advance royalties, profit-share pass-through and the net equity cash flow "
            "of provincial holders",
        ),
        _figure("government_federal_pv", "Federal receipts, present value", measured["pv_federal"], "US$m", base),
        _figure(
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
        _figure(
            "government_take",
            "Government take (undiscounted)",
            take,
            "fraction",
            "sum of federal + provincial receipts (incl. state equity net cash flow) / sum of pre-tax net cash flow",
        ),
        _figure(
            "aetr",
            "Government take, discounted (AETR)",
            aetr,
            "fraction",
            f"PV of government receipts / PV of pre-tax net cash flow at {r:.0%}",
        ),
        _figure(
            "fiscal_take",
            "Fiscal take (undiscounted)",
            fiscal_take,
            "fraction",
            "royalties, taxes, levies, withholding and profit share / pre-tax net cash flow; without state equity",
        ),
        _figure("fiscal_take_pv", "Fiscal take, discounted", fiscal_take_pv, "fraction", f"PV at {r:.0%}"),
        _figure(
            "local_share",
            "Provincial (local) share (undiscounted)",
            local,
            "fraction",
            "provincial receipts / pre-tax net cash flow",
        ),
        _figure("local_share_pv", "Provincial (local) share, discounted", local_pv, "fraction", f"PV at {r:.0%}"),
        _figure(
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

    pre_factor = price_factor_root(compiled.model_inputs, Line.pre_tax_ncf, r, primary)
    post_factor = price_factor_root(compiled.model_inputs, Line.post_tax_ncf_unlevered, r, primary)
    commodity = compiled.commodities[primary]
    none = "; n/a: no price from 1% to 2000% of the deck's makes it zero (the other products cover the costs)"
    figures = [
        _figure(
            "breakeven_pre_tax",
            f"Breakeven {commodity} price before tax",
            pre_factor * base_price,
            unit,
            f"{commodity} price (other prices as in the deck) at which the pre-tax NPV at {r:.0%} is zero"
            + (none if _nan(pre_factor) else ""),
        ),
        _figure(
            "breakeven_post_tax",
            f"Breakeven {commodity} price after tax",
            post_factor * base_price,
            unit,
            f"as above, for the after-tax unlevered NPV at {r:.0%}" + (none if _nan(post_factor) else ""),
        ),
    ]
    marginal = price_factor_root(compiled.model_inputs, Line.post_tax_ncf_unlevered, r)
    metr = math.nan
    basis = "no price level makes the after-tax NPV zero"
    if np.isfinite(marginal):
        lines = run_price_factors(compiled.model_inputs, np.array([marginal]))[0][0]
        p, reason = project_irr(lines[Line.pre_tax_ncf])
        basis = f"the marginal project has no pre-tax return: {reason}"
        if np.isfinite(p) and p != 0:
            metr = (p - r) / p
            basis = (
                f"(p - s) / p with s = {r:.0%}: all prices scaled by {marginal:.3f} until the after-tax NPV at s is "
                f"zero; p = {p:.2%}, the rate that zeroes that marginal project's pre-tax NPV"
            )
    figures.append(_figure("metr", "Marginal effective tax rate (METR)", metr, "fraction", basis))
    curve = []
    factors = np.round(np.arange(0.5, 2.01, 0.1), 2)
    lines = run_price_factors(compiled.model_inputs, factors, primary)[0]
    pre = lines[:, Line.pre_tax_ncf]
    pv_pre = np.asarray(npv(r, pre))  # one NPV per price factor, each as npv() of its row
    pv_government = np.asarray(npv(r, lines[:, Line.government_federal] + lines[:, Line.government_provincial]))
    for j, factor in enumerate(factors):
        curve.append(
            ProgressivityPoint(
                price_factor=float(factor),
                price=float(factor) * base_price,
                pre_tax_irr=project_irr(pre[j])[0],
                aetr=float(pv_government[j]) / float(pv_pre[j]) if pv_pre[j] > 0 else math.nan,
            )
        )
    a.progressivity = curve
    return figures


def appraise(
    project: ProjectRef,
    scenario: Scenario | None = None,
    overrides: Mapping[str, Any] | None = None,
    solve: bool = True,
) -> Appraisal:
    """Appraise a case: the annual model and every derived metric, each with its basis.

    Parameters
    ----------
    project
        A case, or the id, name or alias of a project in the registry.
    scenario
        Schedule, cost, price and ownership changes and the valuation basis (default: the case as it is, 10%).
    overrides
        ``path: value`` changes to case inputs (``prices.copper: 9000``), validated like an edit.
    solve
        Also compute breakevens, METR and the progressivity curve (several extra model runs).
    """
    return appraise_compiled(compiled_case(project, scenario, overrides), solve)


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


def presented(a: Appraisal, presentation: Presentation) -> Appraisal:
    """The appraisal with its money figures in ``presentation``'s currency and terms (a copy; ``a`` unchanged).

    * present values (NPVs, PVs of receipts) are values at the valuation year: in rupees of that year at its
      rate, and unchanged by ``nominal`` (:meth:`chagai.cases.currency.MoneyView.present_value`);
    * undiscounted totals (capital, revenue, receipts, an owner's paid-in and received) are the sums of their
      flows converted year by year (nominal terms change them); July-June years do not (the halves sum back);
    * prices (breakevens) are real base-year prices, in rupees at the base year's rate;
    * ratios, fractions and years are unchanged. The annual table (``cashflow()``, ``result().annual``) follows
      the presentation; the lenders' figures stay in US$m, as their unit says.
    """
    if presentation.is_model_basis:
        return a
    view = a.presented(presentation)
    factors = view.factors(a.years)
    valuation = a.compiled.valuation_year
    federal, provincial = _government_flows(a)
    totals = {
        "capex_total": a.line("initial_capex"),
        "revenue_total": a.line("gross_revenue"),
        "government_federal_total": federal,
        "government_provincial_total": provincial,
    }
    base_rate = view.rate(a.case.money.base_year) if presentation.currency == "PKR" else 1.0
    shown = dataclasses.replace(a, presentation=presentation)
    old, new = a.basis, shown.basis

    def converted(f: Figure) -> Figure:
        value = f.value
        if f.unit == "US$m":
            value = float((totals[f.key] * factors).sum()) if f.key in totals else view.present_value(value, valuation)
        elif f.unit.startswith("US$/"):
            value = value * base_rate
        basis = f.basis.replace(old, new)
        if f.key in totals:
            money = a.case.money
            basis = basis.replace(f"{money.basis} {money.base_year} dollars", "in the money stated above")
        return f.model_copy(update={"value": value, "unit": view.unit(f.unit), "basis": basis})

    def owner(s: Stakeholder) -> Stakeholder:
        flows = a.party_net[[p.id for p in a.compiled.parties].index(s.party)] * factors
        return s.model_copy(
            update={
                "npv": view.present_value(s.npv, valuation),
                "paid_in": float(-flows[flows < 0].sum()),
                "received": float(flows[flows > 0].sum()),
            }
        )

    shown.figures = [converted(f) for f in a.figures]
    shown.stakeholders = [owner(s) for s in a.stakeholders]
    return shown


def state_equity(a: AnnualRun) -> tuple[float, float]:
    """Net equity flows over the life of the federal and the provincial holders (dividends - contributions) [US$m]."""
    levels = a.compiled.params.stakes.party_level
    federal, provincial = (
        float(a.party_net[levels == lvl].sum()) for lvl in (kernel.LEVEL_FEDERAL, kernel.LEVEL_PROVINCIAL)
    )
    return federal, provincial


def fiscal_receipts_by_level(a: AnnualRun) -> tuple[float, float]:
    """What the federal and the provincial government receive over the life as governments [US$m].

    Royalties, taxes, levies, withholding and profit share: their receipts without their state companies' equity
    flows (:func:`state_equity`), which they receive as owners. Together, the life total of the fiscal receipts
    the fiscal take is measured with.
    """
    federal, provincial = _government_flows(a)
    state_federal, state_provincial = state_equity(a)
    return float(federal.sum()) - state_federal, float(provincial.sum()) - state_provincial


def government_items(a: AnnualRun) -> list[GovernmentItem]:
    """Receipts of each government by item (undiscounted), the state-equity net flows, totals and PVs."""
    rows: list[tuple[str, float, float]] = []
    for label, federal_lines, provincial_lines in GOVERNMENT_ITEMS:
        federal = sum(float(a.line(n).sum()) for n in federal_lines)
        provincial = sum(float(a.line(n).sum()) for n in provincial_lines)
        if label.startswith("Profit share"):
            federal -= provincial
        if federal or provincial:
            rows.append((label, federal, provincial))
    equity = state_equity(a)
    if any(equity):
        rows.append(("State equity, net (dividends - contributions)", equity[0], equity[1]))
    federal_line, provincial_line = _government_flows(a)
    rows.append(("Total", float(federal_line.sum()), float(provincial_line.sum())))
    r = a.discount_rate
    rows.append((f"Total, PV at {r:.0%}", float(npv(r, federal_line)), float(npv(r, provincial_line))))
    return [GovernmentItem(item=item, federal=federal, provincial=provincial) for item, federal, provincial in rows]


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


def comparison_rows(appraisals: Sequence[Appraisal]) -> list[CompareRow]:
    """Rows of a side-by-side comparison: each a label, a unit and one value per appraisal."""
    rows = [
        CompareRow(key="status", label="Status", unit="text", values=[a.case.current_status.status for a in appraisals])
    ]
    for key, label in COMPARISON:
        figures = [a.figure(key) for a in appraisals]
        rows.append(
            CompareRow(
                key=key, label=label, unit=figures[0].unit, values=[None if _nan(f.value) else f.value for f in figures]
            )
        )
    rows.append(
        CompareRow(
            key="min_dscr",
            label="Minimum DSCR",
            unit="ratio",
            values=[a.lenders.min_dscr if a.lenders and not _nan(a.lenders.min_dscr) else None for a in appraisals],
        )
    )
    rows.append(
        CompareRow(
            key="basis",
            label="Basis",
            unit="text",
            values=[f"{a.basis}; scenario: {'; '.join(a.compiled.scenario.changes()) or 'none'}" for a in appraisals],
        )
    )
    return rows


def comparison(appraisals: Sequence[Appraisal]) -> Comparison:
    """Appraisals side by side: the projects, the basis of the first and the rows of :func:`comparison_rows`."""
    return Comparison(
        projects=[ProjectName(id=a.case.id, name=a.case.name) for a in appraisals],
        basis=appraisals[0].basis,
        rows=comparison_rows(appraisals),
    )


def compare(projects: Sequence[ProjectRef], scenario: Scenario | None = None) -> list[Appraisal]:
    """Appraise several projects under the same scenario (registry-only cases are refused)."""
    return [appraise(project, scenario) for project in projects]


def is_mine(case: Case) -> bool:
    """Whether the case is a mine (phases, grades) rather than a gas field."""
    return isinstance(case.production, MineProduction)
