"""SQL tables of the registry (SQLAlchemy 2 declarative models).

Every record of a case has its own table keyed to its project, with typed columns for the fields people query
(who holds what on which date, which lender lends how much). Records whose fields are sourced quantities (a
facility's amount with its unit and citations, a production phase) also keep their full content in a JSON
``document`` column, so an export gives back exactly the case that was imported. Writes go only through
:mod:`chagai.registry.repo`, which fills both from the same validated case.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    """Declarative base of every registry table."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON, list[str]: JSON}


def _children(order_by: str, back_populates: str | None = None) -> Any:
    """A project's child records: ordered, deleted with the project (by the database's ON DELETE CASCADE)."""
    return relationship(
        order_by=order_by, back_populates=back_populates, cascade="all, delete-orphan", passive_deletes=True
    )


class Project(Base):
    """One project: identity, location, and the inputs of the model that have no table of their own."""

    __tablename__ = "projects"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    commodities: Mapped[list[str]]
    resource_label: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    as_of: Mapped[dt.date] = mapped_column(Date)
    country: Mapped[str] = mapped_column(String(100))
    region: Mapped[str] = mapped_column(String(100), index=True)
    district: Mapped[str | None] = mapped_column(String(100))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    location: Mapped[dict[str, Any]] = mapped_column(comment="full location record with provenance")
    money: Mapped[dict[str, Any]]
    production: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    costs: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    fiscal_regime_id: Mapped[str | None] = mapped_column(ForeignKey("fiscal_regimes.id"), index=True)
    fiscal: Mapped[dict[str, Any] | None] = mapped_column(JSON, comment="regime reference with overrides")
    prices: Mapped[list[Any]]
    decisions: Mapped[list[Any]]
    schema_version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)

    aliases: Mapped[list[Alias]] = _children("Alias.position", "project")
    parties: Mapped[list[Party]] = _children("Party.position")
    party_owners: Mapped[list[PartyOwner]] = _children("PartyOwner.position")
    roles: Mapped[list[Role]] = _children("Role.position")
    stakes: Mapped[list[Stake]] = _children("Stake.position")
    statuses: Mapped[list[StatusEntry]] = _children("StatusEntry.position")
    facilities: Mapped[list[Facility]] = _children("Facility.position")
    claims: Mapped[list[Claim]] = _children("Claim.position")
    sources: Mapped[list[Source]] = _children("Source.position")


def _project_fk() -> Mapped[str]:
    return mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)


class Alias(Base):
    """Another name a project is known by; ``normalised`` is unique across the registry."""

    __tablename__ = "aliases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[str] = _project_fk()
    position: Mapped[int] = mapped_column(Integer)
    alias: Mapped[str] = mapped_column(String(200))
    normalised: Mapped[str] = mapped_column(String(200), unique=True)

    project: Mapped[Project] = relationship(back_populates="aliases")


class Party(Base):
    """A company, government, state company, lender or buyer, as one project's case describes it."""

    __tablename__ = "parties"

    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str | None] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    country: Mapped[str | None] = mapped_column(String(100))
    government_level: Mapped[str | None] = mapped_column(String(20))
    source: Mapped[list[str]]


class PartyOwner(Base):
    """A holder of shares in a party (one level up the ownership chain)."""

    __tablename__ = "party_owners"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[str] = _project_fk()
    position: Mapped[int] = mapped_column(Integer)
    party_id: Mapped[str] = mapped_column(String(80))
    owner_party_id: Mapped[str] = mapped_column(String(80))
    share: Mapped[float] = mapped_column(Float)
    document: Mapped[dict[str, Any]]


class Role(Base):
    """A role (operator, lessee ...) a party plays in a project over a period."""

    __tablename__ = "roles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[str] = _project_fk()
    position: Mapped[int] = mapped_column(Integer)
    party_id: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(20))
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    document: Mapped[dict[str, Any]]


class Stake(Base):
    """A dated equity interest: exact share or a range, how it is paid for, and when it is held."""

    __tablename__ = "stakes"
    __table_args__ = (Index("ix_stakes_dates", "project_id", "start_date", "end_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    party_id: Mapped[str] = mapped_column(String(80), index=True)
    share_exact: Mapped[float | None] = mapped_column(Float)
    share_minimum: Mapped[float | None] = mapped_column(Float)
    share_maximum: Mapped[float | None] = mapped_column(Float)
    kind: Mapped[str] = mapped_column(String(30))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    funded_by: Mapped[str | None] = mapped_column(String(80))
    from_party: Mapped[str | None] = mapped_column(String(80))
    document: Mapped[dict[str, Any]]


class StatusEntry(Base):
    """A status a project entered on a date."""

    __tablename__ = "status_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[str] = _project_fk()
    position: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), index=True)
    start_date: Mapped[dt.date] = mapped_column(Date)
    document: Mapped[dict[str, Any]]


class Facility(Base):
    """A loan or guarantee; ``amount_usd_m`` and ``rate`` are canonical (US$ million, decimal)."""

    __tablename__ = "facilities"

    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    lender_id: Mapped[str] = mapped_column(String(80), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    instrument: Mapped[str] = mapped_column(String(20))
    amount_usd_m: Mapped[float] = mapped_column(Float)
    rate: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(20))
    document: Mapped[dict[str, Any]]


class Source(Base):
    """A published statement a project's case cites."""

    __tablename__ = "sources"

    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    publisher: Mapped[str] = mapped_column(String(200))
    date: Mapped[str | None] = mapped_column(String(10))
    url: Mapped[str | None] = mapped_column(Text)
    confidence: Mapped[str | None] = mapped_column(String(1))
    note: Mapped[str | None] = mapped_column(Text)


class Claim(Base):
    """A sourced statement about a project that the model can check."""

    __tablename__ = "claims"

    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    statement: Mapped[str] = mapped_column(Text)
    metric: Mapped[str] = mapped_column(String(80), index=True)
    value: Mapped[float] = mapped_column(Float)
    high: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(20))
    year: Mapped[int | None] = mapped_column(Integer)
    basis: Mapped[str | None] = mapped_column(String(20), comment="what the figure covers: year, run-rate, life ...")
    phase: Mapped[str | None] = mapped_column(String(80), comment="the production phase a run-rate claim is about")
    bound: Mapped[str | None] = mapped_column(String(10), comment="about, at-least or at-most")
    tolerance: Mapped[float | None] = mapped_column(Float, comment="fraction of the claim, or years for a year")
    includes: Mapped[list[str] | None] = mapped_column(JSON, comment="financing, contingency, project-debt")
    source: Mapped[list[str]]
    confidence: Mapped[str | None] = mapped_column(String(1))
    note: Mapped[str | None] = mapped_column(Text)


class FiscalRegime(Base):
    """A named, versioned fiscal regime preset, with its legal instrument and effective date."""

    __tablename__ = "fiscal_regimes"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    family: Mapped[str] = mapped_column(String(80), index=True)
    version: Mapped[str] = mapped_column(String(20))
    instrument: Mapped[str] = mapped_column(Text)
    effective: Mapped[dt.date] = mapped_column(Date)
    ends: Mapped[dt.date | None] = mapped_column(Date)
    document: Mapped[dict[str, Any]]


class Change(Base):
    """One recorded change: who changed which field of which project, when, from what to what."""

    __tablename__ = "change_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    batch: Mapped[str] = mapped_column(String(32), index=True, comment="changes written together share a batch")
    project_id: Mapped[str] = mapped_column(String(80), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(20), comment="create, update or delete")
    path: Mapped[str] = mapped_column(Text)
    old: Mapped[Any | None] = mapped_column(JSON)
    new: Mapped[Any | None] = mapped_column(JSON)


class Run(Base):
    """A stored model run: what was run, on which inputs (hash), with which seed and version, and its results.

    A run started as a background job also records its progress: which server process runs it (``owner``), when
    that process last reported it alive (``heartbeat_at``) and how far it is (``progress``, 0 to 1); the case it
    runs on, as it was when it was submitted (``case``), and who submitted it (``client``).
    """

    __tablename__ = "runs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(80), index=True)
    kind: Mapped[str] = mapped_column(String(20), comment="appraisal, simulation, sensitivity ...")
    status: Mapped[str] = mapped_column(String(20), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    chagai_version: Mapped[str] = mapped_column(String(40))
    inputs_hash: Mapped[str] = mapped_column(String(64))
    seed: Mapped[int | None] = mapped_column(BigInteger)
    parameters: Mapped[dict[str, Any]]
    results: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str | None] = mapped_column(String(200), comment="who started the run")
    progress: Mapped[float | None] = mapped_column(Float, comment="share of the work done, 0 to 1")
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), comment="last time the process running the job reported it alive"
    )
    owner: Mapped[str | None] = mapped_column(String(200), comment="host:pid:instance of the process running it")
    case: Mapped[dict[str, Any] | None] = mapped_column(
        JSON, comment="the case document as it was when the job was submitted (the job runs exactly this)"
    )
    client: Mapped[str | None] = mapped_column(
        String(200), index=True, comment="who submitted the job: token:<id> or ip:<address> (for rate limits)"
    )


class Token(Base):
    """An API token: who holds it, what it may do, and whether it is revoked. Only a hash of the secret is kept."""

    __tablename__ = "tokens"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20), comment="viewer, editor or admin")
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True, comment="SHA-256 of the secret, hex")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class LoginSession(Base):
    """A browser's login: the hash of its cookie's secret, the token it was opened with, its CSRF token and expiry.

    The cookie holds only the session's random secret, never the API token; deleting the row (logging out, or
    revoking the token) ends the session at once.
    """

    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True, comment="SHA-256 of the cookie's secret, hex")
    token_id: Mapped[str] = mapped_column(ForeignKey("tokens.id", ondelete="CASCADE"), index=True)
    csrf: Mapped[str] = mapped_column(String(64), comment="the CSRF token the session's forms must carry")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
