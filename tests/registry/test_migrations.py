"""Migrations upgrade a registry's data, not only its tables."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from chagai.cases.library import bundled_case
from chagai.cases.schema import normalise_name
from chagai.registry.db import open_registry
from chagai.registry.repo import import_cases, resolve


def test_aliases_stored_under_the_old_folding_are_folded_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'registry.sqlite'}"
    case = bundled_case("saindak").model_copy(update={"aliases": ["Saïndak", "سینڈک"]})
    with open_registry(url) as registry:
        import_cases(registry, [case], "test")
    # what an older chagai stored (ASCII letters and digits only), at the revision before the new folding
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE aliases SET normalised = 'sndak' WHERE alias = 'Saïndak'"))
        connection.execute(sa.text("UPDATE aliases SET normalised = 'x' || id WHERE alias = 'سینڈک'"))
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '0004'"))
    engine.dispose()
    with open_registry(url) as registry, registry.session() as session:  # opening upgrades to the newest
        stored = dict(session.execute(sa.text("SELECT alias, normalised FROM aliases")).all())
        assert stored["Saïndak"] == normalise_name("Saïndak") == "saindak"
        assert stored["سینڈک"] == normalise_name("سینڈک")
        assert resolve(session, "سینڈک") == "saindak"
        version = session.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        assert version == "0005"
