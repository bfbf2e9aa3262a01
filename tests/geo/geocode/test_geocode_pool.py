"""Large batches matched on several cores: the same answers, and no harm when a helper dies."""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from dataclasses import asdict

import pytest
import shapely

from address_normalizer import AddressInputError
from address_normalizer.synth import noisy_query
from geo.areas import Level, NewArea
from geo.geocode import Geocoder, GeocoderHolder
from geo.geocode import pool as geocode_pool
from geo.geocode.geocoder import PARALLEL_MIN
from geo.geocode.pool import CHUNK, fork_available
from geo.stores import Store
from sample_data.city import SampleCity

pytestmark = pytest.mark.skipif(not fork_available(), reason="helpers are forked")


@pytest.fixture(scope="module")
def geocoder(demo_city: SampleCity) -> Iterator[Geocoder]:
    built = Geocoder(demo_city.address_table(), demo_city.area_records(), 1, calibrate=300,
                     cache_size=0)  # fmt: skip
    yield built
    built.close()


@pytest.fixture(scope="module")
def texts(demo_city: SampleCity) -> list[str]:
    """Noisy queries as reports bring them, more than one batch needs to use the pool."""
    frame = demo_city.addresses
    rng = random.Random(41)
    rows = frame.iloc[rng.sample(range(len(frame)), PARALLEL_MIN + 5 * CHUNK + 17)]
    return [noisy_query(r.full_text, r.components, tuple(r.aliases), rng)
            for r in rows.itertuples()]  # fmt: skip


def answers(results: list) -> list[dict]:  # type: ignore[type-arg]
    return [asdict(r) for r in results]


def helpers() -> set[int]:
    return {p.pid for p in multiprocessing.active_children() if p.pid is not None}


def test_a_pooled_batch_answers_exactly_as_one_core(geocoder: Geocoder, texts: list[str]) -> None:
    alone = answers(geocoder.geocode_many(texts))
    geocoder.attach_pool(1)
    try:
        assert geocoder.pool is not None
        pooled = geocoder.geocode_many(texts)
        assert geocoder.pool.chunks_by_helpers > 0  # the helper really took part
        assert answers(pooled) == alone
        assert answers(geocoder.geocode_many(texts[:10])) == alone[:10]  # small: no pool
    finally:
        geocoder.close()


def test_a_helper_killed_mid_batch_costs_only_speed(geocoder: Geocoder, texts: list[str]) -> None:
    alone = answers(geocoder.geocode_many(texts))
    before = helpers()
    geocoder.attach_pool(2)
    try:
        pool = geocoder.pool
        assert pool is not None
        assert pool.pids == helpers() - before and len(pool.pids) == 2
        os.kill(min(pool.pids), signal.SIGKILL)
        assert answers(geocoder.geocode_many(texts)) == alone
        assert pool.broken
        assert answers(geocoder.geocode_many(texts)) == alone  # broken: one core, same answers
    finally:
        geocoder.close()
    assert not (helpers() - before)  # close() reaps what is left


def test_a_stuck_helper_is_ended_and_its_chunks_done_by_the_caller(
    geocoder: Geocoder, texts: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A helper that never answers (stopped here; a deadlock would look the same) must not
    hang the request: after the stall time it is killed and the caller redoes its chunks."""
    monkeypatch.setattr(geocode_pool, "STALL_S", 1.0)
    alone = answers(geocoder.geocode_many(texts))
    geocoder.attach_pool(1)
    try:
        pool = geocoder.pool
        assert pool is not None and len(pool.pids) == 1
        (stuck,) = pool.pids
        os.kill(stuck, signal.SIGSTOP)
        assert answers(geocoder.geocode_many(texts)) == alone
        assert pool.broken and not _running(stuck)
    finally:
        geocoder.close()


def test_closing_a_pool_with_a_stuck_helper_does_not_hang(
    geocoder: Geocoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(geocode_pool, "STALL_S", 1.0)
    geocoder.attach_pool(1)
    pool = geocoder.pool
    assert pool is not None
    (stuck,) = pool.pids
    os.kill(stuck, signal.SIGSTOP)
    started = time.monotonic()
    geocoder.close()
    assert time.monotonic() - started < 10 and not _running(stuck)


def test_bad_text_in_a_pooled_batch_is_refused_and_the_pool_keeps_working(
    geocoder: Geocoder, texts: list[str]
) -> None:
    geocoder.attach_pool(1)
    try:
        for bad in (0, len(texts) - 1):  # a chunk of the caller's, then one of the helper's
            batch = list(texts)
            batch[bad] = " \t "
            with pytest.raises(AddressInputError):
                geocoder.geocode_many(batch)
        pool = geocoder.pool
        assert pool is not None and not pool.broken
        assert answers(geocoder.geocode_many(texts[:PARALLEL_MIN])) == answers(
            [geocoder.geocode(t) for t in texts[:PARALLEL_MIN]]
        )
    finally:
        geocoder.close()


def test_helpers_leave_when_their_worker_is_killed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A worker killed outright (OOM killer, kill -9) cannot close its pool."""
    script = textwrap.dedent(
        """
        import multiprocessing, sys, time
        from address_normalizer import AddressIndex, StandardAddress
        from geo.geocode.pool import GeocodePool
        index = AddressIndex([StandardAddress("1", "南湖区解放街道中山路12号")], calibrate=0)
        pool = GeocodePool(index, 2)
        print(*[p.pid for p in multiprocessing.active_children()], flush=True)
        time.sleep(600)
        """
    )
    worker = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                              cwd=os.getcwd())  # fmt: skip
    assert worker.stdout is not None
    children = [int(pid) for pid in worker.stdout.readline().split()]
    assert len(children) == 2
    worker.kill()
    worker.wait()
    deadline = time.monotonic() + 15
    alive = children
    while alive and time.monotonic() < deadline:
        time.sleep(0.2)
        alive = [pid for pid in children if _running(pid)]
    assert not alive


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # An orphan that has exited but is not reaped yet is a zombie: it is gone for our purpose.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_the_holder_forks_helpers_per_version_and_replaces_dead_ones(empty_store: Store) -> None:
    district = NewArea(
        "330402", Level.DISTRICT, "南湖区", shapely.box(120.70, 30.70, 120.80, 30.80)
    )
    empty_store.add_areas([district], author="seed", reason="seed")
    address = {"code": "A1", "full_text": "南湖区中山路1号", "components": {"road": "中山路"},
               "lon": 120.75, "lat": 30.75, "aliases": [], "status": "active",
               "district": "330402"}  # fmt: skip
    empty_store.add_address(address, author="ed", reason="r")
    before = helpers()
    holder = GeocoderHolder(empty_store, calibrate=0, batch_processes=1)
    try:
        assert holder.refresh()
        first = holder.current()
        assert first.pool is not None and len(helpers() - before) == 1
        empty_store.add_address({**address, "code": "A2", "full_text": "南湖区解放路8号"},
                                author="ed", reason="r")  # fmt: skip
        assert holder.refresh()
        second = holder.current()
        assert first.pool is None  # the old version's helper was stopped
        assert second.pool is not None and len(helpers() - before) == 1
        (victim,) = helpers() - before
        os.kill(victim, signal.SIGKILL)
        second.geocode_many(["解放路8号"] * 2 + [f"解放路{n}号" for n in range(PARALLEL_MIN)])
        assert second.pool.broken
        holder._after_attempt()  # what the poll loop does after each attempt
        assert second.pool is not None and not second.pool.broken
        assert len(helpers() - before) == 1
    finally:
        holder.stop()
    assert holder.current().pool is None and not (helpers() - before)
