"""The demo city's address library and areas as the geocoder takes them (no store round trip)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd

from geo.records import AreaRecord
from geo.stores.addresses import AddressTable
from sample_data.city import SampleCity

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def table_of(frame: pd.DataFrame) -> AddressTable:
    return AddressTable(
        ids=np.arange(1, len(frame) + 1, dtype=np.int64),
        codes=frame["code"].tolist(),
        full_text=frame["full_text"].tolist(),
        components=frame["components"].tolist(),
        aliases=[tuple(a) for a in frame["aliases"]],
        lon=frame["lon"].to_numpy(np.float64),
        lat=frame["lat"].to_numpy(np.float64),
    )


def records_of(city: SampleCity) -> list[AreaRecord]:
    return [
        AreaRecord(a.code, a.level, a.name, a.geometry, a.parent_code, a.kind, a.team,
                   a.attributes, 1, T0, None)
        for a in city.areas
    ]  # fmt: skip
