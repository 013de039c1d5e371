"""Security and schedule risk of Balochistan projects: conflict regime, disruptive events, pauses and overrun.

The model a :class:`SecurityProfile` describes, year by year (year 0 is the first simulated year):

* **regime**: a two-state Markov chain, calm or conflict-active. Year 0 is active with probability
  ``start_active_probability``; afterwards a calm year turns active with probability ``p_calm_to_active`` and an
  active year turns calm with probability ``p_active_to_calm``. The transition probabilities are the maximum
  likelihood fit (:func:`fit_markov`) to the conflict-years of the Balochistan conflict in the UCDP/PRIO Armed
  Conflict Dataset (conflict_id 325; a year with a row, 25+ battle deaths, is active, a year without one calm).
* **events**: a Poisson number of disruptive events touching the project each year, at ``event_rate_calm`` or
  ``event_rate_active``. An event is severe (a direct attack on the site or its camp) with probability
  ``severe_probability`` and then stops the whole output for an exponential number of days with mean
  ``severe_days_mean``; otherwise it is ordinary and cuts ``outage_loss`` of the output for an exponential number of
  days with mean ``outage_days_mean``.
* **pauses**: each construction year brings a project-level pause (board or financing review, withdrawal of
  foreign staff) with probability ``delay_probability_calm`` or ``delay_probability_active``; each pause adds
  ``delay_years`` to the schedule.
* **overrun**: the initial capital cost is multiplied by a lognormal factor, median ``overrun_median``, log standard
  deviation ``overrun_sigma``; its normal score has correlation ``overrun_delay_correlation`` with the standardised
  number of pauses (a Gaussian copula), so delays and overruns come together.

:func:`calibrate_security` builds the two bundled profiles from the shared data (UCDP conflict-years, yearly
counts derived from the Global Terrorism Database) and the sourced figures and labelled estimates of
``chagai/risk/data/security-calibration.yaml``; every parameter carries its provenance, ``source: ...`` (data and
method) or ``estimate: ...`` (the reasoning). :func:`write_profiles` stores them in
``chagai/risk/data/security.yaml``, which :func:`bundled_security_profiles` reads. To refresh the bundled file
after the data or the calibration file change::

    write_profiles(calibrate_security("../shared/data"), bundled_security_path())

The compiled Monte Carlo draws the regime chain path by path (:mod:`chagai.risk.montecarlo`); its tests check
those draws against :func:`active_probability` and :func:`stationary_active`.

The modules, one thing each:

* :mod:`~chagai.risk.security.profile`: the :class:`SecurityProfile` data model, units and checks;
* :mod:`~chagai.risk.security.regime`: chance of a conflict-active year and long-run means over the regimes;
* :mod:`~chagai.risk.security.outages`: pause distribution, tabulated outage totals, expected output loss;
* :mod:`~chagai.risk.security.markov`: the maximum-likelihood fit of the regime chain;
* :mod:`~chagai.risk.security.readers`: readers of the UCDP/PRIO and GTD-derived files;
* :mod:`~chagai.risk.security.calibration_file`: the model and checks of the calibration data file;
* :mod:`~chagai.risk.security.calibration`: the values derived from the data, and the calibration of the profiles;
* :mod:`~chagai.risk.security.bundled`: the stored profiles, read and written, looked up by id or case kind.
"""

from chagai.risk.security.bundled import (
    PROFILE_FOR_KIND,
    bundled_security_path,
    bundled_security_profiles,
    profile_document,
    profile_for_case_kind,
    profile_from_document,
    read_profiles,
    security_profile,
    write_profiles,
)
from chagai.risk.security.calibration import calibrate_security
from chagai.risk.security.calibration_file import (
    SecurityCalibration,
    bundled_calibration,
    bundled_calibration_path,
    read_calibration,
)
from chagai.risk.security.markov import MarkovFit, fit_markov
from chagai.risk.security.outages import (
    OUTAGE_TABLE_CELLS,
    expected_output_loss,
    outage_quantiles,
    pause_distribution,
)
from chagai.risk.security.profile import PARAMETER_UNITS, PARAMETERS, SecurityProfile
from chagai.risk.security.readers import GTD_COLUMNS, load_attack_counts, load_ucdp_active_years
from chagai.risk.security.regime import (
    active_probability,
    mean_delay_probability,
    mean_event_rate,
    stationary_active,
)

__all__ = [
    "GTD_COLUMNS",
    "OUTAGE_TABLE_CELLS",
    "PARAMETERS",
    "PARAMETER_UNITS",
    "PROFILE_FOR_KIND",
    "MarkovFit",
    "SecurityCalibration",
    "SecurityProfile",
    "active_probability",
    "bundled_calibration",
    "bundled_calibration_path",
    "bundled_security_path",
    "bundled_security_profiles",
    "calibrate_security",
    "expected_output_loss",
    "fit_markov",
    "load_attack_counts",
    "load_ucdp_active_years",
    "mean_delay_probability",
    "mean_event_rate",
    "outage_quantiles",
    "pause_distribution",
    "profile_document",
    "profile_for_case_kind",
    "profile_from_document",
    "read_calibration",
    "read_profiles",
    "security_profile",
    "stationary_active",
    "write_profiles",
]
