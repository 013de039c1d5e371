"""How a claim is checked: the period it covers, its bound, its tolerance and what a cost includes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "basis", sa.String(length=20), nullable=True, comment="what the figure covers: year, run-rate, life ..."
            )
        )
        batch_op.add_column(
            sa.Column(
                "phase", sa.String(length=80), nullable=True, comment="the production phase a run-rate claim is about"
            )
        )
        batch_op.add_column(
            sa.Column("bound", sa.String(length=10), nullable=True, comment="about, at-least or at-most")
        )
        batch_op.add_column(
            sa.Column("tolerance", sa.Float(), nullable=True, comment="fraction of the claim, or years for a year")
        )
        batch_op.add_column(
            sa.Column("includes", sa.JSON(), nullable=True, comment="financing, contingency, project-debt")
        )


def downgrade() -> None:
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_column("includes")
        batch_op.drop_column("tolerance")
        batch_op.drop_column("bound")
        batch_op.drop_column("phase")
        batch_op.drop_column("basis")
