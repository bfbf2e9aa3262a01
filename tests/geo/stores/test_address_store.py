"""The address library in the store, on both backends: listing, filters, adds, audit, loads."""

from __future__ import annotations

import pandas as pd
import pytest
import shapely

from geo.addresses import AddressQuery
from geo.areas import Level, NewArea
from geo.errors import ConflictError, InvalidInputError, NotFoundError
from geo.geocode import GeocoderHolder
from geo.stores import ADDRESS_COLUMNS, Store
from sample_data.city import SampleCity

DISTRICT = NewArea("330402", Level.DISTRICT, "南湖区", shapely.box(120.70, 30.70, 120.80, 30.80))
STREET = NewArea("330402007", Level.STREET, "建设街道", shapely.box(120.70, 30.70, 120.80, 30.80),
                 parent_code="330402")  # fmt: skip


def row(code: str, text: str, lon: float = 120.75, lat: float = 30.75) -> dict[str, object]:
    return {
        "code": code, "full_text": text, "components": {"road": "中山路", "roadno": "1号"},
        "lon": lon, "lat": lat, "aliases": ["旧名" + text], "status": "active",
        "district": "330402", "street": "330402007", "community": None, "grid": None,
        "micro_grid": None,
    }  # fmt: skip


def test_list_filters_by_area_subtree_and_scope(city_store: Store, demo_city: SampleCity) -> None:
    frame = demo_city.addresses
    community = frame["community"].iloc[500]
    page = city_store.list_addresses(AddressQuery(area=community, limit=5))
    assert page.total == int((frame["community"] == community).sum())
    assert len(page.items) == 5
    assert all(a.areas["community"] == community for a in page.items)
    street = community[:9]
    scoped = city_store.list_addresses(AddressQuery(area=street, within=community, limit=1))
    assert scoped.total == page.total


def test_pages_follow_id_order_without_overlap(city_store: Store) -> None:
    first = city_store.list_addresses(AddressQuery(limit=3))
    second = city_store.list_addresses(AddressQuery(limit=3, offset=3))
    ids = [a.id or 0 for a in first.items + second.items]
    assert ids == sorted(ids) and len(set(ids)) == 6
    assert first.total == second.total == city_store.counts()["addresses"]


def test_a_bad_area_code_names_the_field(city_store: Store) -> None:
    with pytest.raises(InvalidInputError) as err:
        city_store.list_addresses(AddressQuery(area="33abc"))
    assert err.value.field == "area"


def test_get_address_returns_components_aliases_and_chain(
    city_store: Store, demo_city: SampleCity
) -> None:
    first = city_store.list_addresses(AddressQuery(limit=1)).items[0]
    again = city_store.get_address(first.id or 0)
    assert again == first
    expected = demo_city.addresses.set_index("code").loc[first.code]
    assert again.full_text == expected["full_text"]
    assert again.components == expected["components"]
    assert again.areas["micro_grid"] == expected["micro_grid"]
    with pytest.raises(NotFoundError):
        city_store.get_address(10**12)


def test_area_labels_name_the_chain(city_store: Store, demo_city: SampleCity) -> None:
    codes = demo_city.addresses[["district", "grid"]].iloc[0].tolist()
    labels = city_store.area_labels([*codes, "999999"])
    assert set(labels) == set(codes)
    assert labels[codes[1]].kind in ("basic", "dedicated")


def test_address_table_holds_every_current_address(
    city_store: Store, demo_city: SampleCity
) -> None:
    table = city_store.address_table()
    assert len(table) == len(demo_city.addresses)
    position = table.codes.index(demo_city.addresses["code"].iloc[42])
    expected = demo_city.addresses.iloc[42]
    assert table.full_text[position] == expected["full_text"]
    assert table.components[position] == expected["components"]
    assert table.aliases[position] == tuple(expected["aliases"])
    assert (table.lon[position], table.lat[position]) == (expected["lon"], expected["lat"])


def test_codes_with_prefix(city_store: Store, demo_city: SampleCity) -> None:
    micro = demo_city.addresses["micro_grid"].iloc[10]
    expected = set(demo_city.addresses.loc[demo_city.addresses["micro_grid"] == micro, "code"])
    assert city_store.address_codes_with_prefix(micro) == expected
    assert city_store.address_codes_with_prefix("9%") == set()


def test_add_address_is_one_audited_changeset(empty_store: Store) -> None:
    empty_store.add_areas([DISTRICT, STREET], author="seed", reason="seed")
    record, changeset = empty_store.add_address(
        row("A1", "南湖区中山路1号"), author="ed", reason="new door", key_id="k1"
    )
    assert record.id is not None and record.code == "A1"
    assert record.aliases == ("旧名南湖区中山路1号",)
    assert empty_store.current_version() == changeset.id
    audit = empty_store.list_audit(limit=1).items[0]
    assert (audit["action"], audit["target"], audit["key_id"]) == ("address.create", "A1", "k1")
    assert audit["changeset_id"] == changeset.id


def test_a_taken_code_stores_nothing(empty_store: Store) -> None:
    empty_store.add_areas([DISTRICT, STREET], author="seed", reason="seed")
    empty_store.add_address(row("A1", "南湖区中山路1号"), author="ed", reason="r")
    version = empty_store.current_version()
    frame = pd.DataFrame([row("A2", "中山路2号"), row("A1", "中山路3号")])[list(ADDRESS_COLUMNS)]
    with pytest.raises(ConflictError):
        empty_store.add_addresses(frame, author="ed", reason="r")
    assert empty_store.current_version() == version
    assert empty_store.counts()["addresses"] == 1


def test_the_geocoder_follows_new_versions(empty_store: Store) -> None:
    empty_store.add_areas([DISTRICT, STREET], author="seed", reason="seed")
    empty_store.add_address(row("A1", "南湖区建设街道中山路1号"), author="ed", reason="r")
    holder = GeocoderHolder(empty_store, calibrate=0)
    assert holder.refresh() and not holder.refresh()
    first = holder.current().geocode("中山路1号")
    assert (first.best or first.candidates[0]).code == "A1"
    empty_store.add_address(row("A2", "南湖区建设街道解放路8号", 120.71), author="ed", reason="r")
    assert holder.refresh()
    found = holder.current().geocode("解放路8号", limit=1)
    top = found.best or found.candidates[0]
    assert top.code == "A2" and top.areas["street"] is not None
    assert top.areas["street"].code == "330402007"
    assert holder.current().version == empty_store.current_version()


def test_rederive_moves_addresses_to_their_new_area(empty_store: Store) -> None:
    from datetime import UTC, datetime

    from geo.areas import AreaRecord
    from geo.locate import Locator

    empty_store.add_areas([DISTRICT, STREET], author="seed", reason="seed")
    empty_store.add_address(row("A1", "中山路1号"), author="ed", reason="r")
    empty_store.add_address({**row("A2", "中山路2号"), "street": None}, author="ed", reason="r")
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    areas = [
        AreaRecord(a.code, a.level, a.name, a.geometry, a.parent_code, None, None, {}, 1, t0, None)
        for a in (DISTRICT, STREET)
    ]
    moved = empty_store.rederive_address_areas(Locator(areas, 1), author="ed", reason="edit")
    assert moved == 1
    listed = empty_store.list_addresses(AddressQuery(area="330402007"))
    assert {a.code for a in listed.items} == {"A1", "A2"}
    assert empty_store.list_audit(limit=1).items[0]["action"] == "addresses.rederive"
    assert empty_store.rederive_address_areas(Locator(areas, 1), author="ed", reason="x") == 0
