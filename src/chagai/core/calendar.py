"""Days in a year: the two conventions chagai uses, each named for what it converts.

``DAYS_PER_YEAR`` (365.25, the mean calendar year) turns daily rates into annual volumes and back: decline curves,
gas production, claimed daily rates, and the expected share of a year's output lost to outages.
``DAYS_PER_COMMON_YEAR`` (365, a year without 29 February) is the factor of the per-day units of case files (t/d,
bcf/yr, durations in days) and turns the Monte Carlo's outage days into shares of a year.

The two differ by 0.07%; they are kept apart because the bundled results were computed with each where it is used.
"""

from __future__ import annotations

from typing import Final

DAYS_PER_YEAR: Final = 365.25
"""Mean length of a calendar year, leap years included [d/yr]."""

DAYS_PER_COMMON_YEAR: Final = 365.0
"""Length of a year without 29 February: the factor of per-day units and of outage days [d/yr]."""
