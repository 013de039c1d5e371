"""Aliases folded again with the Unicode rule (NFKC, case folding, letters and digits of any script).

Names in other scripts (Urdu, Chinese) and accented Latin letters used to be dropped when an alias was folded
for lookups, so ``aliases.normalised`` held too little of them. The stored folded form is recomputed from each
alias's own text. Two aliases that now fold alike keep the first one's new form and the other's old one (the
registry's checks refuse such a pair on the next edit), so the upgrade never fails on data.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 19:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from chagai.cases.schema import normalise_name

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ALIASES = sa.table("aliases", sa.column("id", sa.Integer), sa.column("alias", sa.String), sa.column("normalised"))


def upgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.select(_ALIASES.c.id, _ALIASES.c.alias, _ALIASES.c.normalised)).all()
    taken = {normalised for _, _, normalised in rows}
    for row_id, alias, old in sorted(rows):
        new = normalise_name(alias)
        if new == old or new in taken:
            continue
        connection.execute(sa.update(_ALIASES).where(_ALIASES.c.id == row_id).values(normalised=new))
        taken.discard(old)
        taken.add(new)


def downgrade() -> None:
    """The old folding is not restored: lookups fold each alias's text again, so either form is found."""
