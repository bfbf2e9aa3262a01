"""Report media: photos stored with a report (uploaded bytes) or linked (a URL).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from geo.stores.sqltypes import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

RowId = sa.Integer().with_variant(sa.BigInteger(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "report_media",
        sa.Column("id", RowId, primary_key=True, autoincrement=True),
        sa.Column("report_id", RowId, sa.ForeignKey("reports.id"), nullable=False),
        sa.Column("content_type", sa.String(40)),
        sa.Column("size", sa.Integer),
        sa.Column("data", sa.LargeBinary),
        sa.Column("url", sa.Text),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_report_media_report_id", "report_media", ["report_id"])


def downgrade() -> None:
    op.drop_index("ix_report_media_report_id", table_name="report_media")
    op.drop_table("report_media")
