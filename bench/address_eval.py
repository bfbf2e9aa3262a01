"""Address text benchmark: parse, compare and match figures as one JSON object.

Usage::

    python -m bench.address_eval [--ccks-dir ../shared/data/address] [--library-size 1000000]

CCKS 2021 sets are read only here (never in tests, never shipped); when they are absent the
JSON says so and the synthetic figures are still produced.
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

from address_normalizer import AddressIndex, StandardAddress, compare, parse
from address_normalizer.synth import generate_library, noisy

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
    """Calls per second of ``func`` over ``items`` on this core (after one warm-up pass)."""
    for item in items[:200]:
        func(item)
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for item in items:
            func(item)
        done += len(items)
    return round(done / (time.perf_counter() - start), 1)


def city_library(n: int) -> tuple[str, list[StandardAddress]]:
    """The sample city's addresses when ``sample_data.build_city`` exists, else synthetic."""
    try:
        from sample_data import build_city
    except ImportError:
        return "address_normalizer.synth", list(generate_library(n, seed=1))
    frame = build_city("city").addresses.head(n)
    records = [
        StandardAddress(str(code), str(text), dict(comps), tuple(aliases))
        for code, text, comps, aliases in zip(
            frame["code"], frame["full_text"], frame["components"], frame["aliases"], strict=True
        )
    ]
    return "sample_data.build_city('city')", records


def eval_index(size: int, queries: int) -> dict[str, Any]:
    """Build time and match throughput at city scale, with noisy-query accuracy."""
    source, library = city_library(size)
    start = time.perf_counter()
    index = AddressIndex(library, calibrate=0)
    build = time.perf_counter() - start
    start = time.perf_counter()
    index.calibrator = index._fit(1000)
    calibrate = time.perf_counter() - start
    rng = random.Random(99)
    sample = [(r, noisy(r, rng)[:200]) for r in rng.sample(library, queries)]
    start = time.perf_counter()
    results = [index.match(q, limit=5) for _, q in sample]
    elapsed = time.perf_counter() - start
    top1 = sum(bool(res) and res[0].id == r.id for (r, _), res in zip(sample, results, strict=True))
    top5 = sum(r.id in {c.id for c in res} for (r, _), res in zip(sample, results, strict=True))
    confident = [
        (res[0].confidence, res[0].id == r.id)
        for (r, _), res in zip(sample, results, strict=True)
        if res
    ]
    high = [ok for conf, ok in confident if conf >= 0.9]
    mean_conf = sum(c for c, _ in confident) / max(1, len(confident))
    return {
        "library_source": source,
        "library_size": len(library),
        "distinct_keys": len(index._keys),
        "build_seconds": round(build, 2),
        "calibration_seconds": round(calibrate, 2),
        "queries": queries,
        "match_per_second": round(queries / elapsed, 1),
        "top1_accuracy": round(top1 / queries, 4),
        "top5_recall": round(top5 / queries, 4),
        "mean_top_confidence": round(mean_conf, 4),
        "share_confidence_ge_0_9": round(len(high) / max(1, len(confident)), 4),
        "accuracy_when_confidence_ge_0_9": round(sum(high) / max(1, len(high)), 4),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--ccks-dir", type=Path, default=REPO / ".." / "shared" / "data" / "address"
    )
    parser.add_argument("--library-size", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=10_000)
    parser.add_argument("--skip-index", action="store_true")
    parser.add_argument("--only-index", action="store_true")
    args = parser.parse_args(argv)
    out: dict[str, Any] = {"notes": []}
    if args.only_index:
        out["index"] = eval_index(args.library_size, args.queries)
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
    if not args.skip_index:
        out["index"] = eval_index(args.library_size, args.queries)
    print(json.dumps(out, ensure_ascii=False, indent=1))
    return out


if __name__ == "__main__":
    main(sys.argv[1:])
