"""Thematic layers in the store: the registry, imports, reads and per-area counts.

A store part like the others: each public method is one transaction. An import writes the
features, bumps the layer's ``revision`` and ``feature_count`` and appends an audit entry, or
does nothing at all. Layer writes are not changesets: they do not change the boundaries, so
they do not move the data version that the locator and the area tiles follow; tiles of a
layer are keyed by its revision instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Engine, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from geo.access import Role
from geo.areas import Bbox, Level, level_of_code
from geo.clock import utc_now
from geo.errors import ConflictError, InvalidInputError, NotFoundError
from geo.layers import FeatureBatch, FieldSpec, GeometryKind, LayerDef, LayerRecord
from geo.paging import Page
from geo.stores.audit import write_audit
from geo.stores.layer_rows import LayerFeature, feature_from_row, insert_features
from geo.stores.schema import layer_features, layers

__all__ = ["LayerMixin", "definition_from_row"]

ProgressFn = Callable[[str, int, int], None]


def _definition_json(d: LayerDef) -> dict[str, Any]:
    return {
        "fields": [f.as_dict() for f in d.fields], "style": d.style,
        "min_role": d.min_role.value, "sensitive": d.sensitive,
        "roles": [r.value for r in d.roles], "scopes": list(d.scopes), "parts": d.parts,
        "description": d.description,
    }  # fmt: skip


def definition_from_row(row: Any) -> LayerDef:
    doc = dict(row.definition or {})
    return LayerDef(
        name=row.name, title=row.title, department=row.department,
        geometry_type=GeometryKind(row.geometry_type),
        fields=tuple(FieldSpec(f["name"], f.get("type", "text"), bool(f.get("required")),
                               f.get("title")) for f in doc.get("fields", [])),
        style=dict(doc.get("style") or {}), min_role=Role(doc.get("min_role", "viewer")),
        sensitive=bool(doc.get("sensitive")), roles=tuple(Role(r) for r in doc.get("roles", [])),
        scopes=tuple(doc.get("scopes", [])), parts=bool(doc.get("parts")),
        description=doc.get("description", ""),
    )  # fmt: skip


def _record(row: Any, bounds: tuple[float, float, float, float] | None = None) -> LayerRecord:
    return LayerRecord(definition_from_row(row), int(row.revision), int(row.feature_count),
                       row.created_at, row.updated_at, bounds)  # fmt: skip


def _subtree(code: str) -> Any:
    """Features whose chain lies in an area's subtree (the column of the area's level)."""
    level = level_of_code(code, field="area")
    return layer_features.c[level.value] == code


class LayerMixin:
    """Thematic layers; mixed into :class:`geo.stores.base.Store`."""

    engine: Engine

    # -- registry ------------------------------------------------------------------------------
    def register_layer(
        self, definition: LayerDef, *, author: str, key_id: str | None = None,
        replace: bool = False,
    ) -> LayerRecord:  # fmt: skip
        """Add a layer to the registry (409 if the name is taken), or with ``replace`` update
        its title, department, schema, style and visibility (its geometry type stays)."""
        now = utc_now()
        values = {"title": definition.title, "department": definition.department,
                  "definition": _definition_json(definition), "updated_at": now}  # fmt: skip
        with self.engine.begin() as conn:
            old = conn.execute(select(layers).where(layers.c.name == definition.name)).first()
            if old is not None and not replace:
                raise ConflictError(f"layer {definition.name!r} exists", field="name")
            if old is not None:
                if old.geometry_type != definition.geometry_type.value:
                    raise InvalidInputError(
                        f"layer {definition.name!r} holds {old.geometry_type} features",
                        field="geometry_type",
                    )
                conn.execute(update(layers).where(layers.c.name == definition.name).values(
                    **values, revision=layers.c.revision + 1))  # fmt: skip
            else:
                try:
                    conn.execute(insert(layers).values(
                        name=definition.name, geometry_type=definition.geometry_type.value,
                        created_at=now, **values))  # fmt: skip
                except IntegrityError as exc:
                    raise ConflictError(f"layer {definition.name!r} exists", field="name") from exc
            write_audit(conn, actor=author, key_id=key_id, action="layers.register",
                        target=f"layer {definition.name}", before=None if old is None else
                        dict(old.definition or {}), after=values["definition"])  # fmt: skip
            row = conn.execute(select(layers).where(layers.c.name == definition.name)).one()
        return _record(row)

    def get_layer(self, name: str) -> LayerRecord:
        with self.engine.connect() as conn:
            row = conn.execute(select(layers).where(layers.c.name == name)).first()
            if row is None:
                raise NotFoundError(f"no layer named {name!r}", field="name")
            box = conn.execute(
                select(func.min(layer_features.c.minx), func.min(layer_features.c.miny),
                       func.max(layer_features.c.maxx), func.max(layer_features.c.maxy))
                .where(layer_features.c.layer == name)
            ).one()  # fmt: skip
        return _record(row, None if box[0] is None else (box[0], box[1], box[2], box[3]))

    def list_layers(self) -> list[LayerRecord]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(layers).order_by(layers.c.name)).all()
        return [_record(r) for r in rows]

    def layer_revisions(self) -> dict[str, int]:
        """Each layer's revision: one small read that tells caches what changed."""
        with self.engine.connect() as conn:
            return {n: int(r) for n, r in conn.execute(select(layers.c.name, layers.c.revision))}

    # -- import --------------------------------------------------------------------------------
    def import_layer_features(
        self,
        name: str,
        batch: FeatureBatch,
        *,
        author: str,
        replace: bool = False,
        key_id: str | None = None,
        note: str | None = None,
        progress: ProgressFn | None = None,
    ) -> LayerRecord:
        """Store a validated, assigned batch in one transaction; ``replace`` drops the layer's
        features first (a department's refresh of its data)."""
        report = progress or (lambda stage, done, total: None)
        with self.engine.begin() as conn:
            row = conn.execute(
                select(layers).where(layers.c.name == name).with_for_update()
            ).first()  # fmt: skip
            if row is None:
                raise NotFoundError(f"no layer named {name!r}", field="name")
            removed = 0
            if replace:
                removed = conn.execute(
                    delete(layer_features).where(layer_features.c.layer == name)
                ).rowcount  # fmt: skip
            insert_features(conn, name, batch, lambda done: report("storing", done, len(batch)))
            count = int(row.feature_count) - removed + len(batch)
            conn.execute(
                update(layers)
                .where(layers.c.name == name)
                .values(feature_count=count, revision=layers.c.revision + 1, updated_at=utc_now())
            )
            write_audit(conn, actor=author, key_id=key_id, action="layers.import",
                        target=f"layer {name}", before={"features": int(row.feature_count)},
                        after={"features": count, "imported": len(batch), "replaced": replace,
                               "note": note})  # fmt: skip
            updated = conn.execute(select(layers).where(layers.c.name == name)).one()
        return _record(updated)

    # -- reads ---------------------------------------------------------------------------------
    def layer_features_page(
        self,
        name: str,
        *,
        bbox: Bbox | None = None,
        within: Sequence[str] = (),
        class_code: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> Page[LayerFeature]:
        """Features of a layer by id, in a bbox and inside every area of ``within``."""
        stmt = select(layer_features).where(layer_features.c.layer == name)
        for code in within:
            stmt = stmt.where(_subtree(code))
        if class_code is not None:
            stmt = stmt.where(layer_features.c.class_code == class_code)
        if bbox is not None:
            stmt = stmt.where(
                layer_features.c.minx <= bbox.east, layer_features.c.maxx >= bbox.west,
                layer_features.c.miny <= bbox.north, layer_features.c.maxy >= bbox.south,
            )  # fmt: skip
        with self.engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
            rows = conn.execute(
                stmt.order_by(layer_features.c.id).limit(limit).offset(offset)
            ).all()  # fmt: skip
        return Page([feature_from_row(r) for r in rows], int(total), limit, offset)

    def layer_feature(self, name: str, feature_id: int) -> LayerFeature | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(layer_features).where(
                    layer_features.c.layer == name, layer_features.c.id == feature_id
                )
            ).first()
        return None if row is None else feature_from_row(row)

    def layer_counts(self, area: str | None, names: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Per layer: features inside an area's subtree (all, when None) and, for 部件, by class."""
        if not names:
            return {}
        stmt = select(layer_features.c.layer, layer_features.c.class_code, func.count()).where(
            layer_features.c.layer.in_(list(names))
        )
        if area is not None:
            stmt = stmt.where(_subtree(area))
        stmt = stmt.group_by(layer_features.c.layer, layer_features.c.class_code)
        result: dict[str, dict[str, Any]] = {n: {"total": 0, "classes": {}} for n in names}
        with self.engine.connect() as conn:
            for layer, code, n in conn.execute(stmt):
                entry = result[layer]
                entry["total"] += int(n)
                if code is not None:
                    entry["classes"][code] = int(n)
        return result

    def layer_counts_by_area(self, name: str, level: Level, within: str | None = None
                             ) -> dict[str, int]:  # fmt: skip
        """Features of one layer per area of a level (the choropleth and ranking of a layer)."""
        column = layer_features.c[level.value]
        stmt = select(column, func.count()).where(
            layer_features.c.layer == name, column.is_not(None)
        )
        if within is not None:
            stmt = stmt.where(or_(_subtree(within)))
        with self.engine.connect() as conn:
            return {c: int(n) for c, n in conn.execute(stmt.group_by(column))}
