"""Address text benchmark: parse, compare and match figures as one JSON object.

Usage::

    python -m bench.address_eval [--ccks-dir ../shared/data/address] [--library-size 1000000]

CCKS 2021, Li2019 and the Shenzhen register pairs are read only here (never in tests, never
shipped); when a set is absent the JSON says so and the other figures are still produced.
Rules were tuned on Li2019 train, CCKS train and the ``tune`` half of the Shenzhen pairs
(:func:`bench.address_real.holdout`); the figures to quote are Li2019 dev, CCKS dev and the
``report`` half.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from address_normalizer import compare, contradictions, parse
from address_normalizer.synth import generate_library, noisy_query
from bench.address_real import contradicts_at

REPO = Path(__file__).resolve().parents[1]
# Labels CCKS 2021 does not annotate in its parsing data; predictions of them are extra detail.
UNSCORED = frozenset(("roomno", "detail"))
RELATIONS = {"none": 0, "partial": 1, "exact": 2}


def read_conll(path: Path) -> list[tuple[str, list[tuple[str, int, int]]]]:
    """Sentences as text plus gold spans from a BIOES character CoNLL file."""
    out = []
    chars: list[str] = []
    tags: list[str] = []
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if chars:
                out.append(("".join(chars), _spans(tags)))
            chars, tags = [], []
            continue
        parts = line.split(" ")
        chars.append(parts[0] if len(parts) == 2 else " ")
        tags.append(parts[-1])
    return out


def _spans(tags: list[str]) -> list[tuple[str, int, int]]:
    spans = []
    start, label = -1, ""
    for i, tag in enumerate(tags):
        if tag == "O":
            start = -1
            continue
        prefix, lab = tag.split("-", 1)
        if prefix == "S":
            spans.append((lab, i, i + 1))
        elif prefix == "B":
            start, label = i, lab
        elif prefix == "E" and start >= 0 and lab == label:
            spans.append((lab, start, i + 1))
            start = -1
    return spans


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


def eval_parse(path: Path) -> dict[str, Any]:
    """Micro-F1 (exact span and type) overall and per type."""
    data = read_conll(path)
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    extra = 0
    for text, gold_spans in data:
        gold = set(gold_spans)
        pred = {(c.label, c.start, c.end) for c in parse(text).components}
        extra += sum(1 for p in pred if p[0] in UNSCORED)
        pred = {p for p in pred if p[0] not in UNSCORED}
        for label, *_ in pred & gold:
            tp[label] += 1
        for label, *_ in pred - gold:
            fp[label] += 1
        for label, *_ in gold - pred:
            fn[label] += 1
    labels = sorted(set(tp) | set(fn), key=lambda lab: -(tp[lab] + fn[lab]))
    per_type = {
        lab: {**_prf(tp[lab], fp[lab], fn[lab]), "support": tp[lab] + fn[lab]} for lab in labels
    }
    overall = _prf(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    counted = _prf(sum(tp.values()), sum(fp.values()) + extra, sum(fn.values()))
    return {
        "file": str(path.name),
        "addresses": len(data),
        "micro": overall,
        "micro_counting_roomno_detail_as_errors": counted,
        "roomno_detail_predicted": extra,
        "per_type": per_type,
        "texts": [t for t, _ in data],
    }


def eval_matching(path: Path) -> dict[str, Any]:
    """Macro-F1 over none/partial/exact and the precision of exact."""
    conf: Counter[tuple[int, int]] = Counter()
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) == 3 and parts[2] in ("0", "1", "2"):
            pairs.append((parts[0][:200], parts[1][:200], int(parts[2])))
    for a, b, gold in pairs:
        if a.strip() and b.strip():
            conf[(gold, RELATIONS[compare(a, b).relation])] += 1
        else:
            conf[(gold, 0)] += 1
    per_class = {}
    for name, k in RELATIONS.items():
        tp = conf[(k, k)]
        fp = sum(conf[(j, k)] for j in range(3)) - tp
        fn = sum(conf[(k, j)] for j in range(3)) - tp
        per_class[name] = {**_prf(tp, fp, fn), "support": tp + fn}
    macro = sum(c["f1"] for c in per_class.values()) / 3
    return {
        "file": path.name,
        "pairs": len(pairs),
        "macro_f1": round(macro, 4),
        "exact_precision": per_class["exact"]["precision"],
        "per_class": per_class,
        "confusion_gold_by_predicted": [[conf[(i, j)] for j in range(3)] for i in range(3)],
        "pair_texts": [(a, b) for a, b, _ in pairs],
    }


def throughput(func: Any, items: list[Any], seconds: float = 3.0) -> float:
    """Calls per second of ``func`` over ``items`` on one core (after one warm-up pass).

    Measured in CPU time of this process, which is single-threaded here: on a machine shared
    with other work, wall-clock rates say more about the neighbours than about the code.
    """
    for item in items[:200]:
        func(item)
    done, start = 0, time.process_time()
    while time.process_time() - start < seconds:
        for item in items:
            func(item)
        done += len(items)
    return round(done / (time.process_time() - start), 1)


def eval_geocoding(city: Any, size: int, queries: int, *, threshold: float) -> dict[str, Any]:
    """Library load, noisy geocoding (right/wrong grid, unresolved) and throughput."""
    from geo.geocode import Geocoder

    frame, areas = city.addresses.head(size), city.area_records()
    table = city.address_table(limit=size)
    start, cpu = time.perf_counter(), time.process_time()
    geocoder = Geocoder(table, areas, 1, threshold=threshold, calibrate=0)
    build, build_cpu = time.perf_counter() - start, time.process_time() - cpu
    start = time.perf_counter()
    geocoder._calibrate(3000)
    calibrate = time.perf_counter() - start
    rng = random.Random(99)  # not the calibration's seed: these queries are new
    picked = rng.sample(range(len(table)), queries)
    sample = [
        (p, noisy_query(table.full_text[p], table.components[p], table.aliases[p], rng))
        for p in picked
    ]
    grids = frame["grid"].tolist()
    start, cpu = time.perf_counter(), time.process_time()
    results = [geocoder.geocode(q) for _, q in sample]
    elapsed, elapsed_cpu = time.perf_counter() - start, time.process_time() - cpu
    top1 = top1_grid = right = wrong = 0
    for (p, _), res in zip(sample, results, strict=True):
        top = res.best or (res.candidates[0] if res.candidates else None)
        top1 += top is not None and top.code == table.codes[p]
        grid = top.areas["grid"] if top is not None else None
        top1_grid += grid is not None and grid.code == grids[p]
        if res.resolved:
            ok = grid is not None and grid.code == grids[p]
            right += ok
            wrong += not ok
    texts = [q for _, q in sample]
    at = {code: i for i, code in enumerate(table.codes)}
    resolved = [(q, r) for (_, q), r in zip(sample, results, strict=True)
                if r.resolved and r.best is not None]  # fmt: skip
    # Contradictions at or above the level an answer is resolved at, read as the geocoder
    # reads (the library's own names, its former names); and, stricter, read with the
    # national list against the answer's current text only.
    contradicting = sum(
        contradicts_at(geocoder.index.agreement(q, at[r.best.code]), r.match_level)
        for q, r in resolved
        if r.best is not None
    )
    strict = sum(
        bool(contradictions(q, r.best.full_text)) for q, r in resolved if r.best is not None
    )
    return {
        "library_source": "sample_data.build_city('city')",
        "library_size": len(table),
        "distinct_keys": geocoder.index.n_keys,
        "build_seconds_from_memory": round(build, 2),
        "build_cpu_seconds_from_memory": round(build_cpu, 2),
        "calibration_seconds": round(calibrate, 2),
        "queries": queries,
        "threshold": threshold,
        "top1_address_accuracy": round(top1 / queries, 4),
        "top1_grid_accuracy_ignoring_threshold": round(top1_grid / queries, 4),
        "right_grid_rate": round(right / queries, 4),
        "wrong_grid_rate": round(wrong / queries, 4),
        "unresolved_rate": round((queries - right - wrong) / queries, 4),
        "resolved_contradicting_a_parsed_component": contradicting,
        "resolved_contradicting_read_with_national_list_current_name_only": strict,
        "resolved_levels": dict(Counter(r.match_level for r in results if r.resolved)),
        "geocode_per_second_wall": round(queries / elapsed, 1),
        "geocode_per_second_cpu": round(queries / elapsed_cpu, 1),
        "geocode_per_second_steady_cpu": throughput(geocoder.geocode, texts[:2000]),
        "parse_per_second_on_these_queries": throughput(parse, texts[:2000]),
        "alternative_brute_force_rapidfuzz": _brute_force(table, sample[:20]),
        "under_specified": _under_specified(geocoder, frame),
        "max_rss_mb": _max_rss_mb(),
        "examples": [(q, r.best.full_text if r.best else None, r.grid_confidence)
                     for (_, q), r in list(zip(sample, results, strict=True))[:5]],
    }  # fmt: skip


def _under_specified(geocoder: Any, frame: Any, n: int = 500) -> dict[str, Any]:
    """Texts that name an area holding several grids, and nothing inside it.

    A community alone (百妙社区, 城南街道百妙社区附近) or a road without a number that crosses
    grids: any resolved answer is a guess at the grid. The noisy set never asks this (its
    queries keep their doors), so it is counted here; the target is none resolved.
    """
    rng = random.Random(17)
    parts = frame["components"]
    named = frame.assign(
        town=parts.map(lambda c: c.get("town", "")),
        community_name=parts.map(lambda c: c.get("community", "")),
        road=parts.map(lambda c: c.get("road", "")),
    )
    out: dict[str, Any] = {}
    for kind, keys, name in (
        ("community", ["community"], "community_name"),
        ("road", ["community", "road"], "road"),
    ):
        spread = (
            named[named[name] != ""]
            .groupby(keys)
            .agg(grids=("grid", "nunique"), town=("town", "first"), name=(name, "first"))
        )
        rows = spread[spread["grids"] > 1]
        rows = rows.iloc[rng.sample(range(len(rows)), min(n, len(rows)))]
        texts = [t for town, nm in zip(rows["town"], rows["name"], strict=True)
                 for t in (nm, f"{town}{nm}", f"{nm}附近")]  # fmt: skip
        out[kind] = {
            "queries": len(texts),
            "resolved": sum(geocoder.geocode(t).resolved for t in texts),
        }
    return out


def _brute_force(table: Any, sample: list[tuple[int, str]]) -> dict[str, Any]:
    """The obvious alternative: rapidfuzz's extractOne over every full text, per query."""
    from rapidfuzz import fuzz, process

    start = time.process_time()
    hits = 0
    for position, query in sample:
        found = process.extractOne(query, table.full_text, scorer=fuzz.WRatio)
        hits += found is not None and found[2] == position
    elapsed = time.process_time() - start
    return {"queries": len(sample), "per_second_cpu": round(len(sample) / elapsed, 2),
            "top1_address_accuracy": round(hits / len(sample), 4)}  # fmt: skip


def _max_rss_mb() -> float:
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def eval_store_load(city: Any, size: int) -> dict[str, Any]:
    """Library load as a worker does it: from a SQLite store holding the city."""
    import tempfile

    from geo.geocode import GeocoderHolder
    from geo.stores import open_store, sqlite_url

    with tempfile.TemporaryDirectory() as folder:
        store = open_store(sqlite_url(Path(folder) / "bench.db"))
        store.upgrade()
        store.add_areas(city.areas, author="bench", reason="bench", operation="sample")
        store.add_addresses(city.addresses.head(size), author="bench", reason="bench")
        holder = GeocoderHolder(store, calibrate=2000)
        stages: dict[str, float] = {}
        start = time.perf_counter()
        table = store.address_table()
        stages["read_addresses"] = time.perf_counter() - start
        start = time.perf_counter()
        store.current_areas()
        stages["read_areas"] = time.perf_counter() - start
        del table
        start, cpu = time.perf_counter(), time.process_time()
        holder.refresh()
        stages["total_load_with_calibration"] = time.perf_counter() - start
        stages["total_load_cpu_seconds"] = time.process_time() - cpu
        store.dispose()
    return {"backend": "sqlite", "addresses": min(size, len(city.addresses)),
            **{k: round(v, 2) for k, v in stages.items()}}  # fmt: skip


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--ccks-dir", type=Path, default=REPO / ".." / "shared" / "data" / "address"
    )
    parser.add_argument("--library-size", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=10_000)
    parser.add_argument("--threshold", type=float, default=0.9)
    parser.add_argument("--skip-index", action="store_true", help="skip geocoding and loads")
    parser.add_argument("--only-index", action="store_true", help="only geocoding and loads")
    parser.add_argument("--store-load", action="store_true", help="also time a store load")
    parser.add_argument(
        "--baseline-queries", type=int, default=1000,
        help="Shenzhen queries the rapidfuzz WRatio baseline scans the register for",
    )  # fmt: skip
    args = parser.parse_args(argv)
    out: dict[str, Any] = {"notes": [], "machine": _machine()}
    if args.only_index:
        _geocoding(out, args)
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return out
    dev = args.ccks_dir / "ccks2021_parsing" / "dev.conll"
    texts = [s.full_text for s in generate_library(2000, seed=3)]
    if dev.exists():
        result = eval_parse(dev)
        texts = result.pop("texts")
        out["parse"] = result
    else:
        out["notes"].append(f"CCKS parsing set not found at {dev}: parse F1 skipped")
    out["parse_per_second"] = throughput(parse, texts)
    match_file = args.ccks_dir / "ccks2021_matching_dev" / "round1_train_kfold0_dev.txt"
    pairs = [(t, t[: len(t) // 2]) for t in texts[:2000]]
    if match_file.exists():
        result = eval_matching(match_file)
        pairs = result.pop("pair_texts")[:4000]
        out["matching"] = result
    else:
        out["notes"].append(f"CCKS matching set not found at {match_file}: matching F1 skipped")
    out["compare_per_second"] = throughput(lambda p: compare(p[0], p[1]), pairs)
    _real_sets(out, args)
    if not args.skip_index:
        _geocoding(out, args)
    print(json.dumps(out, ensure_ascii=False, indent=1))
    return out


def _real_sets(out: dict[str, Any], args: argparse.Namespace) -> None:
    """Li2019 parsing and the Shenzhen register, each printed as soon as it is measured."""
    from bench import address_real as real

    li2019 = args.ccks_dir / "li2019"
    if (li2019 / "dev.txt").exists():
        out["li2019_parse_dev"] = real.eval_li2019(li2019 / "dev.txt")
        out["li2019_parse_train_tuned_on"] = {
            k: v for k, v in real.eval_li2019(li2019 / "train.txt").items() if k != "per_type"
        }
        ccks = args.ccks_dir / "ccks2021_parsing"
        if (ccks / "train.conll").exists() and (ccks / "dev.conll").exists():
            labelled = read_conll(ccks / "train.conll") + read_conll(ccks / "dev.conll")
            out["li2019_against_ccks_gold"] = {
                split: real.eval_li2019_conventions(li2019 / f"{split}.txt", labelled)
                for split in ("dev", "train")
            }
    else:
        out["notes"].append(f"Li2019 not found at {li2019}: its parse F1 skipped")
    shenzhen = args.ccks_dir / "shenzhen_matching_val" / "address.txt"
    if not shenzhen.exists():
        out["notes"].append(f"Shenzhen pairs not found at {shenzhen}: skipped")
        return
    pairs = real.read_pairs(shenzhen)
    report, tune = real.holdout(pairs, "report"), real.holdout(pairs, "tune")
    out["shenzhen_binary_report_half"] = real.eval_binary(report)
    out["shenzhen_binary_tune_half"] = {
        k: v for k, v in real.eval_binary(tune).items() if k != "gold_relation_kind"
    }
    print(json.dumps({k: out[k] for k in out if k.startswith(("li2019", "shenzhen"))},
                     ensure_ascii=False), file=sys.stderr)  # fmt: skip
    for name, part in (("report_half", report), ("tune_half", tune)):
        out[f"shenzhen_register_{name}"] = real.eval_register(
            part, pairs, threshold=args.threshold, baseline_queries=args.baseline_queries
        )


def _geocoding(out: dict[str, Any], args: argparse.Namespace) -> None:
    from sample_data import build_city

    city = build_city("city")
    out["geocoding"] = eval_geocoding(
        city, args.library_size, args.queries, threshold=args.threshold
    )
    if args.store_load:
        out["store_load"] = eval_store_load(city, args.library_size)
    out["machine_after"] = _machine()


def _machine() -> dict[str, Any]:
    """How loaded the machine was: the figures above are single-core and load-sensitive."""
    import os

    return {"cpus": os.cpu_count(), "load_average_1_5_15": [round(v, 2) for v in os.getloadavg()]}


if __name__ == "__main__":
    main(sys.argv[1:])
