"""Sample city build and load times: one JSON object.

Measures what issue 2 names: the demo city builds (generation + loading into the embedded
store) in under a minute, and the city scale generates about 90,000 micro-grids and over a
million addresses. Run: ``python -m bench.sample [--city]``.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from geo.stores import open_store, sqlite_url
from sample_data import build_city


def _measure(scale: str, *, load: bool) -> dict[str, Any]:
    started = time.perf_counter()
    city = build_city(scale, seed=2024)  # type: ignore[arg-type]
    generated = time.perf_counter() - started
    figures: dict[str, Any] = {
        "generate_s": round(generated, 1),
        "areas": len(city.areas),
        "micro_grids": sum(a.level.value == "micro_grid" for a in city.areas),
        "addresses": len(city.addresses),
    }
    if load:
        with tempfile.TemporaryDirectory() as folder:
            store = open_store(sqlite_url(Path(folder) / "onemap.db"))
            store.upgrade()
            started = time.perf_counter()
            store.add_areas(city.areas, author="bench", reason="bench", operation="sample")
            store.add_addresses(city.addresses, author="bench", reason="bench")
            figures["load_sqlite_s"] = round(time.perf_counter() - started, 1)
            store.dispose()
        figures["total_s"] = round(figures["generate_s"] + figures["load_sqlite_s"], 1)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--city", action="store_true", help="also generate the city scale")
    args = parser.parse_args()
    result: dict[str, Any] = {"demo": _measure("demo", load=True), "target_demo_total_s": 60}
    if args.city:
        result["city"] = _measure("city", load=False)
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
