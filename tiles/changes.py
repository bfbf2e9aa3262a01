"""What changed on the map between two data versions: boxes per tile layer.

The store has no commit hook for the tile cache, and needs none: every write is a changeset
with a growing id, every area row it writes carries that id in ``version``, and every row it
closes carries it in ``retired_by``. So the rows touched by changesets ``(since, until]`` are
one query away, and their bounding boxes (old and new geometry alike) are where tiles must be
dropped. Addresses are closed without ``retired_by``; their closed rows are found by their
``valid_to``, which is the closing changeset's effective time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, and_, func, or_, select

from geo.areas import Level
from geo.stores.schema import addresses, areas, changesets
from tiles.layers import LAYER_BY_LEVEL, LAYERS, Source
from tiles.tms import LonLatBox

__all__ = ["MapChanges", "changes_between"]


@dataclass
class MapChanges:
    """Boxes to drop per layer name; ``whole`` lists layers to drop entirely."""

    boxes: dict[str, list[LonLatBox]] = field(default_factory=dict)
    whole: set[str] = field(default_factory=set)

    @property
    def empty(self) -> bool:
        return not self.boxes and not self.whole


def changes_between(
    conn: Connection,
    since: int,
    until: int,
    *,
    layers: set[str] | None = None,
    max_boxes: int = 5000,
) -> MapChanges:
    """The boxes, per layer, of every area and address written or closed by the changesets
    with ids in ``(since, until]``; a layer with more than ``max_boxes`` is dropped whole.

    ``layers`` limits the work to the layers that matter (those with cached tiles): the
    address query scans a large table, and is skipped when no address tile is cached.
    """
    changes = MapChanges()
    wanted = set(LAYERS) if layers is None else layers
    if until <= since or not wanted:
        return changes
    if wanted & {s.name for s in LAYER_BY_LEVEL.values()}:
        _area_changes(conn, since, until, max_boxes, changes)
    if wanted & {s.name for s in LAYERS.values() if s.source is Source.ADDRESSES}:
        _address_changes(conn, since, until, max_boxes, changes)
    for layer, boxes in list(changes.boxes.items()):
        if len(boxes) > max_boxes or layer not in wanted:
            if layer in wanted:
                changes.whole.add(layer)
            del changes.boxes[layer]
    changes.whole &= wanted
    return changes


def _area_changes(
    conn: Connection, since: int, until: int, max_boxes: int, changes: MapChanges
) -> None:
    limit = max_boxes * len(LAYER_BY_LEVEL)
    rows = conn.execute(
        select(areas.c.level, areas.c.minx, areas.c.miny, areas.c.maxx, areas.c.maxy)
        .where(
            or_(
                and_(areas.c.version > since, areas.c.version <= until),
                and_(areas.c.retired_by > since, areas.c.retired_by <= until),
            )
        )
        .limit(limit + 1)
    ).all()
    if len(rows) > limit:  # too many to list: every area layer goes
        changes.whole.update(s.name for s in LAYER_BY_LEVEL.values())
        return
    for level, minx, miny, maxx, maxy in rows:
        layer = LAYER_BY_LEVEL[Level(level)].name
        changes.boxes.setdefault(layer, []).append(LonLatBox(minx, miny, maxx, maxy))


def _address_changes(
    conn: Connection, since: int, until: int, max_boxes: int, changes: MapChanges
) -> None:
    (layer,) = [s.name for s in LAYERS.values() if s.source is Source.ADDRESSES]
    earliest = conn.execute(
        select(func.min(changesets.c.effective_at)).where(
            changesets.c.id > since, changesets.c.id <= until
        )
    ).scalar()
    written = and_(addresses.c.version > since, addresses.c.version <= until)
    closed = (
        and_(addresses.c.valid_to.is_not(None), addresses.c.valid_to >= earliest)
        if earliest is not None
        else None
    )
    where = written if closed is None else or_(written, closed)
    rows = conn.execute(
        select(addresses.c.lon, addresses.c.lat).where(where).limit(max_boxes + 1)
    ).all()
    if len(rows) > max_boxes:
        changes.whole.add(layer)
    elif rows:
        changes.boxes[layer] = [LonLatBox(lon, lat, lon, lat) for lon, lat in rows]
