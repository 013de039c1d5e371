"""What a simulation may be asked for: the security profiles it can draw, the threads it can use.

The front ends check a simulation request here before it is run or queued, so that they need not read the risk
models themselves.
"""

from __future__ import annotations

from chagai.errors import InputError, Issue
from chagai.risk.montecarlo import max_threads
from chagai.risk.security import bundled_security_profiles
from chagai.risk.simulate import RiskSettings

__all__ = ["check_risk_settings", "max_threads", "security_profile_ids"]


def security_profile_ids() -> list[str]:
    """The ids of the bundled security profiles, sorted."""
    return sorted(bundled_security_profiles())


def check_risk_settings(settings: RiskSettings, field: str = "risk.profile") -> None:
    """Refuse risk settings that name a security profile chagai does not have.

    Raises
    ------
    InputError
        If ``settings.profile`` is not a bundled profile; the issue lists the valid ones under ``field``.
    """
    if settings.profile is not None and settings.profile not in bundled_security_profiles():
        valid = ", ".join(security_profile_ids())
        raise InputError([Issue(field, settings.profile, f"one of {valid}", "choose a profile or omit it")])
