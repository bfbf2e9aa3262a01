"""Reports: contact, geocoded address, candidates, SLA deadlines, lifecycle times, events.

Adds to ``reports`` what intake, the lifecycle and the statistics need, the indexes that
serve listing by area, time and overdue, and ``report_events``: one row per transition,
location fix or reassignment (who, when, from, to, note).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

from geo.stores.sqltypes import JsonDoc, UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

RowId = sa.Integer().with_variant(sa.BigInteger(), "postgresql")

NEW_COLUMNS: list[tuple[str, Any, dict[str, Any]]] = [
    ("contact", JsonDoc, {}),
    ("geocoded_lon", sa.Float, {}),
    ("geocoded_lat", sa.Float, {}),
    ("geocoded_address_id", RowId, {}),
    ("geocoded_address", sa.Text, {}),
    ("geocoded_confidence", sa.Float, {}),
    ("candidates", JsonDoc, {}),
    ("created_by", sa.String(200), {}),
    ("key_id", sa.String(32), {}),
    ("review_due_at", UtcDateTime, {}),
    ("response_due_at", UtcDateTime, {}),
    ("sla_due_at", UtcDateTime, {}),
    ("dispatched_at", UtcDateTime, {}),
    ("in_progress_at", UtcDateTime, {}),
    ("resolved_at", UtcDateTime, {}),
    ("closed_at", UtcDateTime, {}),
    ("reopen_count", sa.Integer, {"nullable": False, "server_default": "0"}),
    ("revision", sa.Integer, {"nullable": False, "server_default": "1"}),
]
NEW_INDEXES = ["district", "street", "micro_grid", "reported_at", "updated_at", "sla_due_at"]


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        for name, type_, options in NEW_COLUMNS:
            batch.add_column(sa.Column(name, type_, **options))
    for column in NEW_INDEXES:
        op.create_index(f"ix_reports_{column}", "reports", [column])
    op.create_table(
        "report_events",
        sa.Column("id", RowId, primary_key=True, autoincrement=True),
        sa.Column("report_id", RowId, sa.ForeignKey("reports.id"), nullable=False),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("key_id", sa.String(32)),
        sa.Column("action", sa.String(30), nullable=False),
        sa.Column("from_status", sa.String(20)),
        sa.Column("to_status", sa.String(20)),
        sa.Column("from_grid", sa.String(15)),
        sa.Column("to_grid", sa.String(15)),
        sa.Column("changeset_id", sa.Integer),
        sa.Column("note", sa.Text),
    )
    op.create_index("ix_report_events_report_id", "report_events", ["report_id"])


def downgrade() -> None:
    op.drop_table("report_events")
    for column in NEW_INDEXES:
        op.drop_index(f"ix_reports_{column}", table_name="reports")
    with op.batch_alter_table("reports") as batch:
        for name, _, _ in reversed(NEW_COLUMNS):
            batch.drop_column(name)
