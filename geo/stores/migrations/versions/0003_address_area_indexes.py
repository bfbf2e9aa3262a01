"""Indexes for listing standard addresses by district or street (the ``area`` filter, scopes).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_addresses_district", "addresses", ["district"])
    op.create_index("ix_addresses_street", "addresses", ["street"])


def downgrade() -> None:
    op.drop_index("ix_addresses_street", table_name="addresses")
    op.drop_index("ix_addresses_district", table_name="addresses")
