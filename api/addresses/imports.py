"""Writing to the address library from the API: one address, or a CSV/GeoJSON file.

Both go through :func:`geo.areas.imports.prepare_addresses`, which validates every row and derives
its area chain from the boundaries of the geocoder's version; nothing is stored if any row is
rejected. Possible duplicates are looked up in the geocoder's library and reported.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from address_normalizer import AddressInputError, parse
from api.addresses.schemas import NewAddress
from api.addresses.settings import GeocodeSettings
from geo.access import ApiKey
from geo.addresses import AddressRecord, prepare_addresses, read_address_file
from geo.areas import LEVELS, Rejection
from geo.crs import Crs, convert_point
from geo.errors import ForbiddenError, InvalidInputError, RejectedRecordsError
from geo.geocode import Geocoder
from geo.stores import Store

__all__ = ["StoredCodes", "import_addresses", "new_address"]

_SUFFIX = {"csv": ".csv", "geojson": ".geojson"}
_PREFIX_LENGTH = 12


class StoredCodes(set[str]):
    """The store's current address codes, loaded lazily per 12-character prefix.

    :func:`geo.areas.imports.prepare_addresses` only asks ``code in existing``; loading a city's
    million codes for a one-row add would cost seconds, while the codes sharing a prefix
    (a community's addresses) are one indexed range query.
    """

    def __init__(self, store: Store) -> None:
        super().__init__()
        self._store = store
        self._loaded: set[str] = set()

    def __contains__(self, code: object) -> bool:
        if not isinstance(code, str):
            return False
        prefix = code[:_PREFIX_LENGTH]
        if prefix not in self._loaded:
            self._loaded.add(prefix)
            self.update(self._store.address_codes_with_prefix(prefix))
        return super().__contains__(code)


def new_address(
    store: Store, geocoder: Geocoder, key: ApiKey, body: NewAddress, settings: GeocodeSettings
) -> tuple[AddressRecord, int, list[dict[str, Any]]]:
    """Validate, derive, check scope, report duplicates and store one address."""
    lon, lat = body.lon, body.lat
    source = Crs.parse(body.crs, field="crs")
    if source is not Crs.WGS84 and source is not Crs.CGCS2000:
        lon, lat = convert_point(lon, lat, src=source, dst=Crs.CGCS2000)
    components = body.components if body.components is not None else _parsed(body.full_text)
    frame = pd.DataFrame([{
        "code": body.code, "full_text": body.full_text, "lon": lon, "lat": lat,
        "components": components, "aliases": "|".join(body.aliases),
    }])  # fmt: skip
    frame["components"] = frame["components"].map(_json)
    table, rejections = prepare_addresses(
        frame, geocoder.locator, existing_codes=StoredCodes(store)
    )
    if rejections:
        first = rejections[0]
        details = {"rejections": [r.as_dict() for r in rejections]}
        raise InvalidInputError(first.reason, field=first.field, details=details)
    row = {str(k): v for k, v in table.iloc[0].to_dict().items()}
    _check_scope(key, [row])
    duplicates = _duplicates(geocoder, [row["full_text"]], settings.duplicate_score)
    record, changeset = store.add_address(row, author=key.name, reason=body.reason, key_id=key.id)
    return record, changeset.id, duplicates


def import_addresses(
    store: Store,
    geocoder: Geocoder,
    key: ApiKey,
    body: bytes,
    fmt: str,
    *,
    reason: str,
    dry_run: bool,
    settings: GeocodeSettings,
) -> dict[str, Any]:
    """Validate a whole upload, then store it in one changeset (or report why not)."""
    if not body.strip():
        raise InvalidInputError("the uploaded file is empty", field="file")
    with tempfile.TemporaryDirectory(prefix="onemap-import-") as folder:
        path = Path(folder) / f"upload{_SUFFIX[fmt]}"
        path.write_bytes(body)
        frame = read_address_file(path)
    table, rejections = prepare_addresses(
        frame, geocoder.locator, existing_codes=StoredCodes(store)
    )
    rejections.extend(_text_rejections(frame))
    if not rejections:
        # Row i of the table is row i of the file only when no row was dropped.
        rejections.extend(_scope_rejections(key, table))
    if rejections:
        rejections.sort(key=lambda r: r.index)
        bad = len({r.index for r in rejections})
        raise RejectedRecordsError(
            f"{bad} of {len(frame)} rows rejected; nothing was stored",
            details=[r.as_dict() for r in rejections],
        )
    duplicates = _duplicates(geocoder, table["full_text"].tolist(), settings.duplicate_score)
    changeset = None
    if not dry_run and len(table):
        changeset = store.add_addresses(
            table, author=key.name, reason=reason, key_id=key.id, action="addresses.import"
        ).id
    return {"imported": 0 if dry_run else len(table), "changeset": changeset,
            "dry_run": dry_run, "duplicates": duplicates}  # fmt: skip


def _parsed(full_text: str) -> dict[str, str]:
    """Components read off the text when the editor gave none (first of each label)."""
    out: dict[str, str] = {}
    for comp in parse(full_text).components:
        out.setdefault(comp.label, comp.text)
    return out


def _json(value: dict[str, str]) -> str:
    return json.dumps(value, ensure_ascii=False)


def _text_rejections(frame: pd.DataFrame) -> list[Rejection]:
    """Aliases must be address text too (prepare_addresses checks only ``full_text``)."""
    out: list[Rejection] = []
    if "aliases" not in frame.columns:
        return out
    for index, value in enumerate(frame["aliases"].tolist()):
        for alias in str(value or "").split("|"):
            if len(alias) > 200:
                out.append(Rejection(index, None, "aliases", "an alias is over 200 characters"))
    return out


def _check_scope(key: ApiKey, rows: list[dict[str, Any]]) -> None:
    for row in rows:
        if not _in_scope(key, row):
            raise ForbiddenError(
                f"the address lies outside this key's scope {key.scope}", field="lon"
            )


def _in_scope(key: ApiKey, row: dict[str, Any]) -> bool:
    if key.scope is None:
        return True
    return any(isinstance(row.get(lv.value), str) and key.covers(row[lv.value]) for lv in LEVELS)


def _scope_rejections(key: ApiKey, table: pd.DataFrame) -> list[Rejection]:
    if key.scope is None or not len(table):
        return []
    return [
        Rejection(i, row.get("code"), "lon", f"point lies outside this key's scope {key.scope}")
        for i, row in enumerate(table.to_dict("records"))
        if not _in_scope(key, {str(k): v for k, v in row.items()})
    ]


def _duplicates(geocoder: Geocoder, texts: list[str], min_score: float) -> list[dict[str, Any]]:
    out = []
    for index, text in enumerate(texts):
        try:
            found = geocoder.duplicates(text, min_score=min_score)
        except AddressInputError:
            continue
        for match in found[:1]:
            out.append({
                "index": index, "full_text": text, "score": match.score,
                "existing": {"id": match.id, "code": match.code, "full_text": match.full_text},
            })  # fmt: skip
    return out
