"""The Geocoder on the demo city: text → address → grid, reverse, thresholds, aliases."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pandas as pd
import pytest

from address_normalizer.synth import noisy_query
from geo.geocode import Geocoder
from geo.geocode.reverse import NearestIndex, haversine_m
from sample_data.city import SampleCity


@pytest.fixture(scope="module")
def geocoder(demo_city: SampleCity) -> Geocoder:
    """Built straight from the sample city (the store round trip is tested elsewhere)."""
    return Geocoder(demo_city.address_table(), demo_city.area_records(), 1, calibrate=600)


@pytest.fixture(scope="module")
def frame(demo_city: SampleCity) -> pd.DataFrame:
    return demo_city.addresses


def test_exact_text_resolves_to_its_address_and_grid(
    geocoder: Geocoder, frame: pd.DataFrame
) -> None:
    row = frame.iloc[1234]
    result = geocoder.geocode(row["full_text"])
    assert result.resolved and result.best is not None
    assert result.best.code == row["code"]
    assert result.best.areas["grid"] is not None
    assert result.best.areas["grid"].code == row["grid"]
    micro = result.best.areas["micro_grid"]
    assert micro is not None and micro.code == row["micro_grid"]
    assert (result.best.lon, result.best.lat) == (row["lon"], row["lat"])
    assert result.grid_confidence >= geocoder.threshold


def test_noisy_queries_reach_the_right_grid_or_stay_unresolved(
    geocoder: Geocoder, frame: pd.DataFrame
) -> None:
    rng = random.Random(5)
    picked = frame.sample(300, random_state=3)
    right = wrong = 0
    rows: list[dict[str, Any]] = picked.to_dict("records")  # type: ignore[assignment]
    for row in rows:
        query = noisy_query(row["full_text"], row["components"], row["aliases"], rng)
        result = geocoder.geocode(query)
        if result.resolved:
            assert result.best is not None
            hit = result.best.areas["grid"]
            right += hit is not None and hit.code == row["grid"]
            wrong += hit is None or hit.code != row["grid"]
    assert right / len(picked) >= 0.95
    assert wrong / len(picked) <= 0.01


def test_an_ambiguous_query_is_unresolved_with_candidates(
    geocoder: Geocoder, frame: pd.DataFrame
) -> None:
    # A compound name and building shared by compounds in several communities.
    pois = frame["components"].map(lambda c: c.get("poi")).dropna()
    shared = pois.value_counts()
    name = next(str(n) for n, count in shared.items() if count > 50 and str(n).endswith("花园"))
    result = geocoder.geocode(f"{name}1幢")
    assert not result.resolved and result.best is None
    assert len(result.candidates) >= 2
    assert all(name in c.full_text for c in result.candidates[:2])


def test_garbage_finds_nothing_to_resolve(geocoder: Geocoder) -> None:
    result = geocoder.geocode("今天天气很好")
    assert not result.resolved and result.best is None


def test_a_former_name_finds_the_address(geocoder: Geocoder, frame: pd.DataFrame) -> None:
    with_alias = frame[frame["aliases"].map(len) > 0].iloc[::500].head(10)
    assert len(with_alias)
    for row in with_alias.itertuples():
        result = geocoder.geocode(str(row.aliases[0]))  # type: ignore[index]
        assert result.best is not None and result.best.code == row.code


def test_higher_threshold_never_resolves_more(geocoder: Geocoder, frame: pd.DataFrame) -> None:
    queries = [*frame["full_text"].iloc[::9000], "金色花园3幢", "长水路"]
    loose = [geocoder.geocode(q).resolved for q in queries]
    geocoder.threshold, saved = 0.999999, geocoder.threshold
    try:
        tight = [geocoder.geocode(q).resolved for q in queries]
    finally:
        geocoder.threshold = saved
    assert all(lo or not ti for lo, ti in zip(loose, tight, strict=True))


def test_reverse_finds_the_nearest_address_and_the_chain(
    geocoder: Geocoder, frame: pd.DataFrame
) -> None:
    row = frame.iloc[777]
    result = geocoder.reverse(row["lon"] + 1e-6, row["lat"])
    assert result.covered and result.address is not None
    assert result.address.distance_m is not None and result.address.distance_m < 1.0
    assert (result.address.lon, result.address.lat) == (row["lon"], row["lat"])
    assert result.areas["micro_grid"] is not None
    assert result.areas["micro_grid"].code == row["micro_grid"]


def test_reverse_respects_max_distance_and_outside_points(geocoder: Geocoder) -> None:
    far = geocoder.reverse(100.0, 40.0, max_distance_m=1000)
    assert far.address is None and not far.covered
    assert all(v is None for v in far.areas.values())


def test_nearest_index_matches_brute_force() -> None:
    rng = np.random.default_rng(1)
    lon = 120.7 + rng.random(500) * 0.1
    lat = 30.7 + rng.random(500) * 0.1
    index = NearestIndex(lon, lat)
    for x, y in zip(120.7 + rng.random(30) * 0.1, 30.7 + rng.random(30) * 0.1, strict=True):
        found = index.nearest(float(x), float(y))
        assert found is not None
        best = min(haversine_m(x, y, a, b) for a, b in zip(lon, lat, strict=True))
        assert found[1] == pytest.approx(best, abs=0.5)


def test_geocode_many_answers_like_geocode_once_per_distinct_text(
    demo_city: SampleCity, frame: pd.DataFrame
) -> None:
    geocoder = Geocoder(
        demo_city.address_table(), demo_city.area_records(), 1, calibrate=200, cache_size=3
    )
    rng = random.Random(5)
    texts = [
        noisy_query(r.full_text, r.components, list(r.aliases), rng)
        for r in frame.iloc[[10, 20, 30, 40]].itertuples()
    ]
    batch = [texts[0], texts[1], texts[0], "小区门口", texts[2], texts[3], texts[1]]
    many = geocoder.geocode_many(batch)
    assert [r.normalized for r in many] == [geocoder.geocode(t).normalized for t in batch]
    assert [r.best.id if r.best else None for r in many] == [
        (lambda b: b.id if b else None)(geocoder.geocode(t).best) for t in batch
    ]
    assert many[0] is many[2] and many[1] is many[6]  # one match per distinct text
    assert len(geocoder._cache) == 3  # bounded: the least recently used were dropped
    again = geocoder.geocode_many([texts[3]])[0]
    assert again is many[5]  # still cached: a repeat costs no match


def test_geocode_many_without_cache_and_with_bad_text(
    demo_city: SampleCity, frame: pd.DataFrame
) -> None:
    geocoder = Geocoder(
        demo_city.address_table(), demo_city.area_records(), 1, calibrate=0, cache_size=0
    )
    text = frame.iloc[7]["full_text"]
    first, second = geocoder.geocode_many([text, text])
    assert first is second and first.resolved is geocoder.geocode(text).resolved
    assert len(geocoder._cache) == 0
    with pytest.raises(ValueError):
        geocoder.geocode_many([text, ""])


def test_geocode_many_without_runners_up_drops_them_only_from_resolved_answers(
    geocoder: Geocoder, frame: pd.DataFrame
) -> None:
    rng = random.Random(9)
    rows = frame.iloc[rng.sample(range(len(frame)), 300)]
    texts = [
        noisy_query(r.full_text, r.components, list(r.aliases), rng) for r in rows.itertuples()
    ]
    texts += ["百妙社区", "小区门口"]  # never resolved
    full = geocoder.geocode_many(texts)
    lean = geocoder.geocode_many(texts, runners_up=False)
    assert any(r.resolved for r in full) and any(not r.resolved for r in full)
    for a, b in zip(full, lean, strict=True):
        assert (b.resolved, b.best, b.grid_confidence) == (a.resolved, a.best, a.grid_confidence)
        assert b.candidates == ([] if a.resolved else a.candidates)
    assert geocoder.geocode_many(texts[:1])[0] is full[0]  # each kind cached on its own


def test_a_text_naming_only_a_community_is_never_resolved_to_a_grid(
    geocoder: Geocoder, frame: pd.DataFrame
) -> None:
    # Every address of a community matches its bare name about equally well: resolving
    # would pick one door, and so one grid, by chance. A road or door in the text resolves.
    grids = frame.groupby("community")["grid"].nunique()
    for code in grids[grids > 1].index[:40]:
        row = frame[frame["community"] == code].iloc[0]
        comps = row["components"]
        community = comps["community"]
        for text in (community, f"{comps['town']}{community}", f"{community}附近"):
            result = geocoder.geocode(text)
            assert not result.resolved and result.best is None, text
            assert result.grid_confidence < geocoder.threshold
        named = geocoder.geocode(row["full_text"])
        assert named.resolved and named.best is not None and named.best.code == row["code"]


def test_a_road_without_a_number_is_never_resolved_to_a_grid(
    geocoder: Geocoder, frame: pd.DataFrame
) -> None:
    roads = frame.assign(road=frame["components"].map(lambda c: c.get("road")))
    grids = roads.dropna(subset=["road"]).groupby("road")["grid"].nunique()
    for road in grids[grids > 1].index[:40]:
        for text in (road, f"{road}附近", f"{road}旁边"):
            result = geocoder.geocode(text)
            assert not result.resolved and result.best is None, text
    row = roads[roads["road"] == grids[grids > 1].index[0]].iloc[0]
    assert geocoder.geocode(row["full_text"]).resolved
