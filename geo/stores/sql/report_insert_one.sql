-- One report and the audit entry of its creation, in one statement: one round trip.
--
-- Run on an autocommit connection this is the whole of a single intake, atomic by itself:
-- the audit row is inserted from the row the report insert returns, so both are stored or
-- neither. ON CONFLICT DO NOTHING (every unique index: the idempotency key, the source and
-- external id) skips a report stored before; then no row comes back and no audit row is
-- written, and the caller reads the stored twin. The columns are those of
-- geo.stores.report_rows.report_values (a test checks that they match).
WITH stored AS (
    INSERT INTO reports (
        source, external_id, idempotency_key, request_hash,
        category, description, address_text, contact,
        lon_in, lat_in, crs_in, status,
        reported_at, created_at, updated_at, created_by,
        key_id, review_due_at, response_due_at, sla_due_at,
        dispatched_at, in_progress_at, resolved_at, closed_at,
        reopen_count, revision, lon, lat,
        location_method, confidence, flags, area_version,
        candidates, geocoded_lon, geocoded_lat, geocoded_address_id,
        geocoded_address, geocoded_confidence, district, street,
        community, grid, micro_grid,
        geom
    )
    VALUES (
        %(source)s, %(external_id)s, %(idempotency_key)s,
        %(request_hash)s, %(category)s, %(description)s,
        %(address_text)s, %(contact)s, %(lon_in)s,
        %(lat_in)s, %(crs_in)s, %(status)s,
        %(reported_at)s, %(created_at)s, %(updated_at)s,
        %(created_by)s, %(key_id)s, %(review_due_at)s,
        %(response_due_at)s, %(sla_due_at)s, %(dispatched_at)s,
        %(in_progress_at)s, %(resolved_at)s, %(closed_at)s,
        %(reopen_count)s, %(revision)s, %(lon)s,
        %(lat)s, %(location_method)s, %(confidence)s,
        %(flags)s, %(area_version)s, %(candidates)s,
        %(geocoded_lon)s, %(geocoded_lat)s, %(geocoded_address_id)s,
        %(geocoded_address)s, %(geocoded_confidence)s, %(district)s,
        %(street)s, %(community)s, %(grid)s,
        %(micro_grid)s,
        ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4490)
    )
    ON CONFLICT DO NOTHING
    RETURNING id
),
audit AS (
    INSERT INTO audit_log (at, actor, key_id, action, target, after)
    SELECT
        %(audit_at)s, %(audit_actor)s, %(audit_key_id)s, 'reports.create', 'report ' || id,
        jsonb_build_object('ids', jsonb_build_array(id), 'count', 1)
    FROM stored
)
SELECT id FROM stored
