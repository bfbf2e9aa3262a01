"""The store's tables, shared by both backends.

History is kept by never updating a row's content: an edit closes the current row
(``valid_to``) and inserts a new one, both under one changeset. A row is *current* while
``valid_to`` is NULL; a read ``as_of`` t takes the rows with ``valid_from <= t < valid_to``.
The Alembic migrations in ``geo/migrations`` create exactly these tables (a test compares them).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from geo.stores.sqltypes import Geom, JsonDoc, UtcDateTime

__all__ = [
    "addresses",
    "api_keys",
    "areas",
    "audit_log",
    "changesets",
    "layer_features",
    "layers",
    "metadata",
    "report_events",
    "report_media",
    "reports",
]

metadata = MetaData()

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
RowId = Integer().with_variant(BigInteger(), "postgresql")

changesets = Table(
    "changesets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("author", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("operation", String(40), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("effective_at", UtcDateTime, nullable=False),
)

areas = Table(
    "areas",
    metadata,
    Column("row_id", RowId, primary_key=True, autoincrement=True),
    Column("code", String(18), nullable=False),
    Column("level", String(12), nullable=False),
    Column("name", String(200), nullable=False),
    Column("parent_code", String(18)),
    Column("kind", String(20)),
    Column("team", JsonDoc),
    Column("attributes", JsonDoc, nullable=False),
    Column("geom", Geom("MULTIPOLYGON"), nullable=False),
    # The bounding box, so the embedded store can filter by bbox in SQL before Shapely.
    Column("minx", Float, nullable=False),
    Column("miny", Float, nullable=False),
    Column("maxx", Float, nullable=False),
    Column("maxy", Float, nullable=False),
    Column("version", ForeignKey("changesets.id"), nullable=False),
    Column("retired_by", ForeignKey("changesets.id")),
    Column("valid_from", UtcDateTime, nullable=False),
    Column("valid_to", UtcDateTime),
)
Index(
    "ux_areas_current_code",
    areas.c.code,
    unique=True,
    postgresql_where=text("valid_to IS NULL"),
    sqlite_where=text("valid_to IS NULL"),
)
Index("ix_areas_code_valid_from", areas.c.code, areas.c.valid_from)
Index("ix_areas_level_valid_to", areas.c.level, areas.c.valid_to)
Index("ix_areas_parent_code", areas.c.parent_code)
Index("ix_areas_version", areas.c.version)

addresses = Table(
    "addresses",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("code", String(40), nullable=False),
    Column("full_text", Text, nullable=False),
    Column("components", JsonDoc, nullable=False),
    Column("aliases", JsonDoc, nullable=False),
    Column("lon", Float, nullable=False),
    Column("lat", Float, nullable=False),
    Column("geom", Geom("POINT"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("district", String(6)),
    Column("street", String(9)),
    Column("community", String(12)),
    Column("grid", String(15)),
    Column("micro_grid", String(18)),
    Column("version", ForeignKey("changesets.id"), nullable=False),
    Column("valid_from", UtcDateTime, nullable=False),
    Column("valid_to", UtcDateTime),
)
Index(
    "ux_addresses_current_code",
    addresses.c.code,
    unique=True,
    postgresql_where=text("valid_to IS NULL"),
    sqlite_where=text("valid_to IS NULL"),
)
Index("ix_addresses_district", addresses.c.district)
Index("ix_addresses_street", addresses.c.street)
Index("ix_addresses_community", addresses.c.community)
Index("ix_addresses_grid", addresses.c.grid)
Index("ix_addresses_micro_grid", addresses.c.micro_grid)

reports = Table(
    "reports",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("source", String(20), nullable=False),
    Column("external_id", String(100)),
    Column("idempotency_key", String(200)),
    Column("request_hash", String(64), nullable=False),
    Column("category", String(100)),
    Column("description", Text),
    Column("address_text", Text),
    Column("lon_in", Float),
    Column("lat_in", Float),
    Column("crs_in", String(12)),
    Column("lon", Float),
    Column("lat", Float),
    Column("geom", Geom("POINT")),
    Column("location_method", String(20)),
    Column("confidence", Float),
    Column("flags", JsonDoc, nullable=False),
    Column("status", String(20), nullable=False),
    Column("district", String(6)),
    Column("street", String(9)),
    Column("community", String(12)),
    Column("grid", String(15)),
    Column("micro_grid", String(18)),
    Column("area_version", Integer),
    Column("reported_at", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # From 0004: the reporter, the geocoded address kept beside the point, the manual
    # queue's candidates, SLA deadlines (sla_due_at: the current status's) and lifecycle times.
    Column("contact", JsonDoc),
    Column("geocoded_lon", Float),
    Column("geocoded_lat", Float),
    Column("geocoded_address_id", RowId),
    Column("geocoded_address", Text),
    Column("geocoded_confidence", Float),
    Column("candidates", JsonDoc),
    Column("created_by", String(200)),
    Column("key_id", String(32)),
    Column("review_due_at", UtcDateTime),
    Column("response_due_at", UtcDateTime),
    Column("sla_due_at", UtcDateTime),
    Column("dispatched_at", UtcDateTime),
    Column("in_progress_at", UtcDateTime),
    Column("resolved_at", UtcDateTime),
    Column("closed_at", UtcDateTime),
    Column("reopen_count", Integer, nullable=False, server_default="0"),
    Column("revision", Integer, nullable=False, server_default="1"),
    UniqueConstraint("idempotency_key", name="uq_reports_idempotency_key"),
    UniqueConstraint("source", "external_id", name="uq_reports_source_external_id"),
)
Index("ix_reports_status", reports.c.status)
Index("ix_reports_grid", reports.c.grid)
Index("ix_reports_community", reports.c.community)
Index("ix_reports_district", reports.c.district)
Index("ix_reports_street", reports.c.street)
Index("ix_reports_micro_grid", reports.c.micro_grid)
Index("ix_reports_reported_at", reports.c.reported_at)
Index("ix_reports_updated_at", reports.c.updated_at)
Index("ix_reports_sla_due_at", reports.c.sla_due_at)

# One row per transition, location fix or reassignment of a report (who, when, from, to, why).
report_events = Table(
    "report_events",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("report_id", RowId, ForeignKey("reports.id"), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("key_id", String(32)),
    Column("action", String(30), nullable=False),
    Column("from_status", String(20)),
    Column("to_status", String(20)),
    Column("from_grid", String(15)),
    Column("to_grid", String(15)),
    Column("changeset_id", Integer),
    Column("note", Text),
)
Index("ix_report_events_report_id", report_events.c.report_id)

# From 0005: photos of a report, uploaded (bytes kept here, in both stores) or linked (url).
report_media = Table(
    "report_media",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("report_id", RowId, ForeignKey("reports.id"), nullable=False),
    Column("content_type", String(40)),
    Column("size", Integer),
    Column("data", LargeBinary),
    Column("url", Text),
    Column("created_at", UtcDateTime, nullable=False),
)
Index("ix_report_media_report_id", report_media.c.report_id)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("secret_hash", String(64), nullable=False),
    Column("role", String(16), nullable=False),
    Column("scope", String(18)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime),
)

# Append-only: the migrations add triggers that refuse UPDATE and DELETE on this table.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("key_id", String(32)),
    Column("action", String(60), nullable=False),
    Column("target", String(200)),
    Column("changeset_id", Integer),
    Column("before", JsonDoc),
    Column("after", JsonDoc),
)
Index("ix_audit_log_at", audit_log.c.at)
Index("ix_audit_log_target", audit_log.c.target)

# Thematic layers (from 0006): the registry, and every layer's features with their area chain.
layers = Table(
    "layers",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("title", String(200), nullable=False),
    Column("department", String(200), nullable=False),
    Column("geometry_type", String(10), nullable=False),
    # fields, style, visibility (min_role, sensitive, roles, scopes), parts, description
    Column("definition", JsonDoc, nullable=False),
    Column("revision", Integer, nullable=False, server_default="1"),
    Column("feature_count", Integer, nullable=False, server_default="0"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

layer_features = Table(
    "layer_features",
    metadata,
    Column("id", RowId, primary_key=True, autoincrement=True),
    Column("layer", String(40), ForeignKey("layers.name"), nullable=False),
    Column("properties", JsonDoc, nullable=False),
    Column("class_code", String(4)),
    Column("geom", Geom("GEOMETRY"), nullable=False),
    # A point on the feature, and its bounding box: the embedded store filters on these.
    Column("lon", Float, nullable=False),
    Column("lat", Float, nullable=False),
    Column("minx", Float, nullable=False),
    Column("miny", Float, nullable=False),
    Column("maxx", Float, nullable=False),
    Column("maxy", Float, nullable=False),
    Column("district", String(6)),
    Column("street", String(9)),
    Column("community", String(12)),
    Column("grid", String(15)),
    Column("micro_grid", String(18)),
)
Index("ix_layer_features_layer_lon", layer_features.c.layer, layer_features.c.lon)
Index("ix_layer_features_layer_street", layer_features.c.layer, layer_features.c.street)
Index("ix_layer_features_layer_community", layer_features.c.layer, layer_features.c.community)
Index("ix_layer_features_layer_grid", layer_features.c.layer, layer_features.c.grid)
