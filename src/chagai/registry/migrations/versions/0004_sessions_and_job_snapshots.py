"""Server-side login sessions, and what a simulation job runs on and who submitted it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 18:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(length=64), nullable=False, comment="SHA-256 of the cookie's secret, hex"),
        sa.Column("token_id", sa.String(length=32), nullable=False),
        sa.Column(
            "csrf", sa.String(length=64), nullable=False, comment="the CSRF token the session's forms must carry"
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["token_id"], ["tokens.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sessions_token_id"), ["token_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sessions_expires_at"), ["expires_at"], unique=False)
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "case",
                sa.JSON(),
                nullable=True,
                comment="the case document as it was when the job was submitted (the job runs exactly this)",
            )
        )
        batch_op.add_column(
            sa.Column(
                "client",
                sa.String(length=200),
                nullable=True,
                comment="who submitted the job: token:<id> or ip:<address> (for rate limits)",
            )
        )
        batch_op.create_index(batch_op.f("ix_runs_client"), ["client"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_runs_client"))
        batch_op.drop_column("client")
        batch_op.drop_column("case")
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sessions_expires_at"))
        batch_op.drop_index(batch_op.f("ix_sessions_token_id"))
    op.drop_table("sessions")
