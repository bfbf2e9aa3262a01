"""Initial schema: changesets, versioned areas, standard addresses, reports.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

from geo.stores.sqltypes import Geom, JsonDoc, UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

RowId = sa.Integer().with_variant(sa.BigInteger(), "postgresql")
CURRENT = sa.text("valid_to IS NULL")


def _gist(table: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(f"gix_{table}_geom", table, ["geom"], postgresql_using="gist")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_table(
        "changesets",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("operation", sa.String(40), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("effective_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "areas",
        sa.Column("row_id", RowId, primary_key=True, autoincrement=True),
        sa.Column("code", sa.String(18), nullable=False),
        sa.Column("level", sa.String(12), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("parent_code", sa.String(18)),
        sa.Column("kind", sa.String(20)),
        sa.Column("team", JsonDoc),
        sa.Column("attributes", JsonDoc, nullable=False),
        sa.Column("geom", Geom("MULTIPOLYGON"), nullable=False),
        sa.Column("minx", sa.Float, nullable=False),
        sa.Column("miny", sa.Float, nullable=False),
        sa.Column("maxx", sa.Float, nullable=False),
        sa.Column("maxy", sa.Float, nullable=False),
        sa.Column("version", sa.Integer, sa.ForeignKey("changesets.id"), nullable=False),
        sa.Column("retired_by", sa.Integer, sa.ForeignKey("changesets.id")),
        sa.Column("valid_from", UtcDateTime, nullable=False),
        sa.Column("valid_to", UtcDateTime),
    )
    op.create_index(
        "ux_areas_current_code",
        "areas",
        ["code"],
        unique=True,
        postgresql_where=CURRENT,
        sqlite_where=CURRENT,
    )
    op.create_index("ix_areas_code_valid_from", "areas", ["code", "valid_from"])
    op.create_index("ix_areas_level_valid_to", "areas", ["level", "valid_to"])
    op.create_index("ix_areas_parent_code", "areas", ["parent_code"])
    op.create_index("ix_areas_version", "areas", ["version"])
    _gist("areas")

    op.create_table(
        "addresses",
        sa.Column("id", RowId, primary_key=True, autoincrement=True),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("full_text", sa.Text, nullable=False),
        sa.Column("components", JsonDoc, nullable=False),
        sa.Column("aliases", JsonDoc, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("geom", Geom("POINT"), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("district", sa.String(6)),
        sa.Column("street", sa.String(9)),
        sa.Column("community", sa.String(12)),
        sa.Column("grid", sa.String(15)),
        sa.Column("micro_grid", sa.String(18)),
        sa.Column("version", sa.Integer, sa.ForeignKey("changesets.id"), nullable=False),
        sa.Column("valid_from", UtcDateTime, nullable=False),
        sa.Column("valid_to", UtcDateTime),
    )
    op.create_index(
        "ux_addresses_current_code",
        "addresses",
        ["code"],
        unique=True,
        postgresql_where=CURRENT,
        sqlite_where=CURRENT,
    )
    op.create_index("ix_addresses_community", "addresses", ["community"])
    op.create_index("ix_addresses_grid", "addresses", ["grid"])
    op.create_index("ix_addresses_micro_grid", "addresses", ["micro_grid"])
    _gist("addresses")

    op.create_table(
        "reports",
        sa.Column("id", RowId, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("external_id", sa.String(100)),
        sa.Column("idempotency_key", sa.String(200)),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("category", sa.String(100)),
        sa.Column("description", sa.Text),
        sa.Column("address_text", sa.Text),
        sa.Column("lon_in", sa.Float),
        sa.Column("lat_in", sa.Float),
        sa.Column("crs_in", sa.String(12)),
        sa.Column("lon", sa.Float),
        sa.Column("lat", sa.Float),
        sa.Column("geom", Geom("POINT")),
        sa.Column("location_method", sa.String(20)),
        sa.Column("confidence", sa.Float),
        sa.Column("flags", JsonDoc, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("district", sa.String(6)),
        sa.Column("street", sa.String(9)),
        sa.Column("community", sa.String(12)),
        sa.Column("grid", sa.String(15)),
        sa.Column("micro_grid", sa.String(18)),
        sa.Column("area_version", sa.Integer),
        sa.Column("reported_at", UtcDateTime),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("idempotency_key", name="uq_reports_idempotency_key"),
        sa.UniqueConstraint("source", "external_id", name="uq_reports_source_external_id"),
    )
    op.create_index("ix_reports_status", "reports", ["status"])
    op.create_index("ix_reports_grid", "reports", ["grid"])
    op.create_index("ix_reports_community", "reports", ["community"])
    _gist("reports")


def downgrade() -> None:
    op.drop_table("reports")
    op.drop_table("addresses")
    op.drop_table("areas")
    op.drop_table("changesets")
