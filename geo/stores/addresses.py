"""The standard address library in the store: bulk loads, single adds, listing, snapshots.

Plain SQL shared by both backends; mixed into :class:`geo.stores.base.Store`. Every write is
one changeset with its audit entry in the same transaction. The area chain columns (district …
micro_grid) are derived from the boundaries when an address is written; they make the
``area`` filter and key scopes an indexed equality test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import _GeneratorContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson
import pandas as pd
import shapely
from sqlalchemy import (
    Connection,
    Row,
    Text,
    bindparam,
    cast,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from geo.addresses import AddressQuery, AddressRecord, AddressTable
from geo.areas import LEVELS, AreaLabel, Changeset, level_of_code
from geo.errors import ConflictError, NotFoundError, RejectedRecordsError
from geo.locate import Locator
from geo.paging import Page
from geo.stores.audit import write_audit
from geo.stores.changesets import ChangesetWriter
from geo.stores.schema import addresses, areas

__all__ = ["ADDRESS_COLUMNS", "AddressMixin"]

ADDRESS_COLUMNS = (
    "code",
    "full_text",
    "components",
    "lon",
    "lat",
    "aliases",
    "status",
    *(level.value for level in LEVELS),
)
_CHUNK = 5000
_LOAD_BATCH = 50_000


def _noop_progress(stage: str, done: int, total: int) -> None:
    return None


def address_from_row(row: Row[Any]) -> AddressRecord:
    return AddressRecord(
        id=row.id,
        code=row.code,
        full_text=row.full_text,
        components=dict(row.components or {}),
        lon=row.lon,
        lat=row.lat,
        aliases=tuple(row.aliases or ()),
        status=row.status,
        areas={level.value: getattr(row, level.value) for level in LEVELS},
        valid_from=row.valid_from,
        valid_to=row.valid_to,
    )


def _area_filter(code: str, field: str) -> Any:
    """Equality on the chain column of the code's level: the subtree, through an index."""
    level = level_of_code(code, field=field)
    return addresses.c[level.value] == code


class AddressMixin(ChangesetWriter):
    """Standard addresses; mixed into the store."""

    if TYPE_CHECKING:

        def _write_transaction(self) -> _GeneratorContextManager[Connection]: ...

    # -- writes --------------------------------------------------------------------------------
    def add_addresses(
        self,
        frame: pd.DataFrame,
        *,
        author: str,
        reason: str,
        effective_at: datetime | None = None,
        progress: Callable[[str, int, int], None] | None = None,
        key_id: str | None = None,
        action: str = "addresses.create",
    ) -> Changeset:
        """Store a table of standard addresses (:data:`ADDRESS_COLUMNS`) in one changeset.

        The caller validated the rows (:func:`geo.areas.imports.prepare_addresses`); a code that is
        already current raises :class:`ConflictError` and nothing is stored.
        """
        report = progress or _noop_progress
        missing = [c for c in ADDRESS_COLUMNS if c not in frame.columns]
        if missing:
            raise RejectedRecordsError(f"address table lacks columns: {', '.join(missing)}")
        total = len(frame)
        try:
            with self._write_transaction() as conn:
                changeset = self._new_changeset(
                    conn, author=author, reason=reason, operation="addresses",
                    effective_at=effective_at,
                )  # fmt: skip
                for start in range(0, total, _CHUNK):
                    chunk = frame.iloc[start : start + _CHUNK]
                    conn.execute(insert(addresses), list(_address_rows(chunk, changeset)))
                    report("addresses", min(start + _CHUNK, total), total)
                target = str(frame["code"].iloc[0]) if total == 1 else f"{total} addresses"
                write_audit(
                    conn, actor=author, key_id=key_id, action=action, target=target,
                    changeset_id=changeset.id, after={"reason": reason, "count": total},
                )  # fmt: skip
        except IntegrityError:
            # Two writers raced for one code: the partial unique index refused the second.
            raise ConflictError(
                "an address code in this batch was stored meanwhile; nothing was stored",
                field="code",
            ) from None
        return changeset

    def add_address(
        self, row: Mapping[str, Any], *, author: str, reason: str, key_id: str | None = None
    ) -> tuple[AddressRecord, Changeset]:
        """Store one validated address (a row in the shape of :data:`ADDRESS_COLUMNS`).

        Returns the stored record with its id, which the API hands back to the editor, and
        the changeset that wrote it.
        """
        frame = pd.DataFrame([{name: row.get(name) for name in ADDRESS_COLUMNS}])
        changeset = self.add_addresses(
            frame, author=author, reason=reason, key_id=key_id, action="address.create"
        )
        with self.engine.connect() as conn:
            found = conn.execute(
                select(addresses).where(
                    addresses.c.code == str(row["code"]), addresses.c.version == changeset.id
                )
            ).one()
        return address_from_row(found), changeset

    def rederive_address_areas(
        self, locator: Locator, *, author: str, reason: str, key_id: str | None = None
    ) -> int:
        """Recompute the stored area chain of every current address from ``locator``.

        The chain columns are derived data: after a boundary edit some addresses lie in
        another grid. Only rows whose chain changed are updated, under one changeset with its
        audit entry; the geocoder derives chains itself and needs no call. Returns how many
        addresses moved.
        """
        names = [level.value for level in LEVELS]
        with self._write_transaction() as conn:
            rows = conn.execute(
                select(addresses.c.id, addresses.c.lon, addresses.c.lat,
                       *(addresses.c[n] for n in names))
                .where(addresses.c.valid_to.is_(None))
            ).all()  # fmt: skip
            if not rows:
                return 0
            columns = list(zip(*rows, strict=True))
            lon = np.asarray(columns[1], dtype=np.float64)
            lat = np.asarray(columns[2], dtype=np.float64)
            derived = locator.codes(lon, lat)
            changed = [
                {"row_id": columns[0][i], **{lv.value: derived[lv][i] for lv in LEVELS}}
                for i in range(len(rows))
                if any(derived[lv][i] != columns[3 + d][i] for d, lv in enumerate(LEVELS))
            ]
            if not changed:
                return 0
            changeset = self._new_changeset(
                conn, author=author, reason=reason, operation="addresses.rederive",
                effective_at=None,
            )  # fmt: skip
            stmt = (
                update(addresses)
                .where(addresses.c.id == bindparam("row_id"))
                .values({n: bindparam(n) for n in names})
            )
            conn.execute(stmt, changed)
            write_audit(
                conn, actor=author, key_id=key_id, action="addresses.rederive",
                target=f"{len(changed)} addresses", changeset_id=changeset.id,
                after={"reason": reason, "count": len(changed)},
            )  # fmt: skip
        return len(changed)

    # -- reads ---------------------------------------------------------------------------------
    def address_codes(self) -> set[str]:
        """Codes of the current standard addresses, to refuse duplicates on import."""
        with self.engine.connect() as conn:
            stmt = select(addresses.c.code).where(addresses.c.valid_to.is_(None))
            return set(conn.execute(stmt).scalars())

    def address_codes_with_prefix(self, prefix: str) -> set[str]:
        """Current codes starting with ``prefix`` (an index range scan on both backends)."""
        code = addresses.c.code
        stmt = select(code).where(
            addresses.c.valid_to.is_(None),
            code >= prefix,
            code < prefix + "\U0010ffff",
            code.startswith(prefix, autoescape=True),
        )
        with self.engine.connect() as conn:
            return set(conn.execute(stmt).scalars())

    def get_address(self, address_id: int) -> AddressRecord:
        """One address by id (current or historic)."""
        with self.engine.connect() as conn:
            row = conn.execute(select(addresses).where(addresses.c.id == address_id)).first()
        if row is None:
            raise NotFoundError(f"no address with id {address_id}", field="id")
        return address_from_row(row)

    def list_addresses(self, query: AddressQuery) -> Page[AddressRecord]:
        """Current addresses in id order, filtered to an area's subtree and the caller's scope.

        Raises
        ------
        InvalidInputError
            If ``area`` is not an area code (``field="area"``).
        """
        stmt = select(addresses).where(addresses.c.valid_to.is_(None))
        if query.area is not None:
            stmt = stmt.where(_area_filter(query.area, "area"))
        if query.within is not None:
            stmt = stmt.where(_area_filter(query.within, "scope"))
        with self.engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
            rows = conn.execute(
                stmt.order_by(addresses.c.id).limit(query.limit).offset(query.offset)
            ).all()
        return Page([address_from_row(r) for r in rows], int(total), query.limit, query.offset)

    def area_labels(self, codes: Iterable[str]) -> dict[str, AreaLabel]:
        """Names and kinds of some current areas, for answers that show an address's chain."""
        wanted = sorted({c for c in codes if c})
        found: dict[str, AreaLabel] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), _CHUNK):
                rows = conn.execute(
                    select(areas.c.code, areas.c.name, areas.c.kind).where(
                        areas.c.valid_to.is_(None), areas.c.code.in_(wanted[start : start + _CHUNK])
                    )
                )
                found.update({code: AreaLabel(code, name, kind) for code, name, kind in rows})
        return found

    def address_table(self) -> AddressTable:
        """Every current address as columns, read in batches (what the geocoder loads).

        The JSON columns are read as text and decoded in one ``orjson.loads`` per batch: a
        million per-row decodes through the column type cost several times more.
        """
        cols = (addresses.c.id, addresses.c.code, addresses.c.full_text,
                cast(addresses.c.components, Text), cast(addresses.c.aliases, Text),
                addresses.c.lon, addresses.c.lat)  # fmt: skip
        stmt = select(*cols).where(addresses.c.valid_to.is_(None)).order_by(addresses.c.id)
        ids: list[int] = []
        codes: list[str] = []
        texts: list[str] = []
        comps: list[dict[str, str]] = []
        aliases: list[tuple[str, ...]] = []
        lon: list[float] = []
        lat: list[float] = []
        with self.engine.connect() as conn:
            for part in _batches(conn, stmt):
                columns = list(zip(*part, strict=True))
                ids.extend(columns[0])
                codes.extend(columns[1])
                texts.extend(columns[2])
                comps.extend(_json_batch(columns[3], {}))
                aliases.extend(_aliases_batch(columns[4]))
                lon.extend(columns[5])
                lat.extend(columns[6])
        return AddressTable(
            np.asarray(ids, dtype=np.int64), codes, texts, comps, aliases,
            np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64),
        )  # fmt: skip


def _batches(conn: Connection, stmt: Any) -> Iterator[Sequence[Any]]:
    """Rows of a big read in batches, as plain tuples.

    On SQLite the DBAPI cursor is used directly: SQLAlchemy's row objects cost a quarter of
    the time of reading a million addresses. PostgreSQL streams through a server-side cursor.
    """
    if conn.dialect.name == "sqlite":
        sql = str(stmt.compile(dialect=conn.dialect))
        cursor = conn.connection.cursor()
        try:
            cursor.execute(sql)
            while batch := cursor.fetchmany(_LOAD_BATCH):
                yield batch
        finally:
            cursor.close()
        return
    yield from conn.execution_options(yield_per=_LOAD_BATCH).execute(stmt).partitions()


def _json_batch(values: Iterable[str | None], empty: Any) -> list[Any]:
    """Decode many JSON documents with one parser call."""
    decoded = orjson.loads("[" + ",".join(v or "null" for v in values) + "]")
    return [empty if v is None else v for v in decoded]


def _aliases_batch(values: Sequence[str | None]) -> list[tuple[str, ...]]:
    """Alias lists; most addresses have none, and those need no parsing at all."""
    out: list[tuple[str, ...]] = [()] * len(values)
    some = [i for i, v in enumerate(values) if v and v != "[]"]
    for i, decoded in zip(some, _json_batch([values[i] for i in some], []), strict=True):
        out[i] = tuple(decoded)
    return out


def _address_rows(chunk: pd.DataFrame, changeset: Changeset) -> Iterator[dict[str, Any]]:
    points = np.asarray(
        shapely.points(chunk["lon"].to_numpy(np.float64), chunk["lat"].to_numpy(np.float64))
    )
    level_names = [level.value for level in LEVELS]
    for record, point in zip(chunk.to_dict("records"), points, strict=True):
        row = {name: record[name] for name in ADDRESS_COLUMNS}
        row["aliases"] = list(record["aliases"] or [])
        row["components"] = dict(record["components"])
        for name in level_names:
            row[name] = record[name] or None
        row.update(geom=point, version=changeset.id, valid_from=changeset.effective_at)
        yield row
