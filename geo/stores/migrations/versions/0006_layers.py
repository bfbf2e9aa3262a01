"""Thematic layers: the registry (``layers``) and every layer's features (``layer_features``).

Each feature keeps its geometry (any type, EPSG:4490), its attributes as one JSON document, a
GB/T 30428.2 class code for 部件 layers, a point on it and its bounding box (for the embedded
store's filters), and the area chain that answers for it, kept current by boundary edits.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from geo.stores.sqltypes import Geom, JsonDoc, UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

RowId = sa.Integer().with_variant(sa.BigInteger(), "postgresql")
INDEXED = ["lon", "street", "community", "grid"]


def upgrade() -> None:
    op.create_table(
        "layers",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("department", sa.String(200), nullable=False),
        sa.Column("geometry_type", sa.String(10), nullable=False),
        sa.Column("definition", JsonDoc, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False, server_default="1"),
        sa.Column("feature_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "layer_features",
        sa.Column("id", RowId, primary_key=True, autoincrement=True),
        sa.Column("layer", sa.String(40), sa.ForeignKey("layers.name"), nullable=False),
        sa.Column("properties", JsonDoc, nullable=False),
        sa.Column("class_code", sa.String(4)),
        sa.Column("geom", Geom("GEOMETRY"), nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("minx", sa.Float, nullable=False),
        sa.Column("miny", sa.Float, nullable=False),
        sa.Column("maxx", sa.Float, nullable=False),
        sa.Column("maxy", sa.Float, nullable=False),
        sa.Column("district", sa.String(6)),
        sa.Column("street", sa.String(9)),
        sa.Column("community", sa.String(12)),
        sa.Column("grid", sa.String(15)),
        sa.Column("micro_grid", sa.String(18)),
    )
    for column in INDEXED:
        op.create_index(f"ix_layer_features_layer_{column}", "layer_features", ["layer", column])
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(
            "gix_layer_features_geom", "layer_features", ["geom"], postgresql_using="gist"
        )


def downgrade() -> None:
    op.drop_table("layer_features")
    op.drop_table("layers")
