"""Days in a year: the one length chagai converts with.

``DAYS_PER_YEAR`` (365.25, the mean calendar year, leap years included) turns every per-day figure into a
yearly one and back: the per-day units of case files (t/d, MMscf/d, bcf/yr, durations in days), decline curves,
claimed daily rates, and the days an outage lasts into the share of a year's output it costs (the Monte Carlo's
draws and the sensitivity's expected loss alike). Tools that count 365 days a year (ARIES, for instance) give
volumes 0.07% lower from the same daily rate.
"""

from __future__ import annotations

from typing import Final

DAYS_PER_YEAR: Final = 365.25
"""Mean length of a calendar year, leap years included [d/yr]."""
