"""API tokens (hashed), and the progress of background jobs on runs.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 22:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tokens",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False, comment="viewer, editor or admin"),
        sa.Column("secret_hash", sa.String(length=64), nullable=False, comment="SHA-256 of the secret, hex"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("secret_hash"),
    )
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("actor", sa.String(length=200), nullable=True, comment="who started the run"))
        batch_op.add_column(sa.Column("progress", sa.Float(), nullable=True, comment="share of the work done, 0 to 1"))
        batch_op.add_column(sa.Column("started_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column(
                "heartbeat_at",
                sa.DateTime(timezone=True),
                nullable=True,
                comment="last time the process running the job reported it alive",
            )
        )
        batch_op.add_column(
            sa.Column(
                "owner", sa.String(length=200), nullable=True, comment="host:pid:instance of the process running it"
            )
        )
        batch_op.create_index(batch_op.f("ix_runs_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_runs_status"))
        batch_op.drop_column("owner")
        batch_op.drop_column("heartbeat_at")
        batch_op.drop_column("started_at")
        batch_op.drop_column("progress")
        batch_op.drop_column("actor")

    op.drop_table("tokens")
