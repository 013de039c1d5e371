"""What drives the answer: tornado, Sobol indices, breakeven distribution and information-gap robustness.

Every analysis here re-runs the annual model of one compiled case (:func:`chagai.core.model.run_with`, one
compiled path, about 30 microseconds) through an :class:`~chagai.risk.sensitivity.evaluator.Evaluator`, which
applies a set of *factors* to the case and returns the figures users ask about:

``npv_post_tax``
    Project NPV after royalties, taxes and levies, before debt, at the scenario's rate [US$m].
``aetr``
    PV(federal + provincial government receipts) / PV(pre-tax net cash flow) at the same rate; NaN when the PV of
    the pre-tax net cash flow is not positive [fraction].
``local_share``
    PV(provincial receipts) / PV(pre-tax net cash flow), the discounted local share; NaN likewise [fraction].
``min_dscr``
    Lowest CFADS / debt service over the years with debt service above 1e-9 US$m; NaN without debt [ratio].
``npv_<party>``
    Each party's NPV of its net equity cash flow (less any stake purchase of the scenario), for every party with
    flows in the base case [US$m].

Money is in US$ million in the case's real dollars; NPVs discount year t by ``(1 + r) ** -t`` with year 0 the
valuation year (end-year flows), as :func:`chagai.services.appraise.appraise` does.

The factors, each with a base value (the deterministic appraisal's own input, so the base run reproduces
``appraise``) and a low/high range taken from the input's own uncertainty:

* ``<commodity>_price`` (``copper_price``, ``gold_price``, ``silver_price``, ``gas_price``): multiplier on the
  whole price path of that commodity. Range: the P10 and P90 of the calibrated price model
  (:func:`chagai.risk.prices.bundled_price_models`, World Bank Pink Sheet 1960-2025) ten years ahead,
  ``exp(-+1.2816 sd)`` with ``sd`` the standard deviation of the log price from
  :func:`chagai.risk.prices.log_moments`. Only the spread is used: the range is centred on the case's deck, as the
  Monte Carlo's default ``deck`` trend keeps it.
* ``capex``: the capital overrun factor on initial and expansion capital. Range: P10-P90 of the security
  profile's lognormal overrun (:func:`chagai.risk.security.profile_for_case_kind`), ``median exp(-+1.2816 sigma)``.
* ``delay``: years the schedule slips. Range: 0 to the P90 of the profile's pause model (pauses drawn in each
  construction year with the regime's probability, each adding ``delay_years``), computed exactly.
* ``availability``: share of capacity that runs each year. Range: ``1 - 2 L`` to 1, with ``L`` the profile's
  long-run expected output loss (:func:`chagai.risk.security.expected_output_loss`); ``1 - L`` is the middle.
* ``opex``: multiplier on variable and fixed operating cost, 0.85-1.15 (estimate: a feasibility-study cost
  estimate is typically quoted at about +-15%).
* ``grade``: multiplier on the payable yield of every commodity (grade x recovery x payability) and the
  concentrate yield, 0.9-1.1 (estimate: +-10% reconciliation of a reserve model's grade).
* ``discount_rate``: the scenario's rate -+2 percentage points, 0.08-0.12 at the default 10% (estimate: the
  spread of real required returns quoted for mining projects).

Wherever the base lies outside a range (a scenario that already sets an overrun, say), the range is widened to
include it. A factor whose range is empty (the delay of a producing gas field) is left out.

One module per analysis: :mod:`~chagai.risk.sensitivity.factors` (the factors and their ranges),
:mod:`~chagai.risk.sensitivity.outputs` (the outputs' labels), :mod:`~chagai.risk.sensitivity.evaluator` (the
model run with factors applied), :mod:`~chagai.risk.sensitivity.tornado`, :mod:`~chagai.risk.sensitivity.sobol`,
:mod:`~chagai.risk.sensitivity.breakeven` and :mod:`~chagai.risk.sensitivity.info_gap`. Their results are the
typed results of :mod:`chagai.results`; :mod:`chagai.services.sensitivity` runs them on a project.
"""
