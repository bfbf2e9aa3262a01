"""Real address sets beyond CCKS: Li2019 parsing and the Shenzhen building register.

Read only by :mod:`bench.address_eval`, to evaluate (the sets are never committed, and nothing
trained on them ships). Each function returns plain figures for the one JSON object.

- Li2019 (Li et al., NAACL 2019) parse F1, its labels mapped to CCKS 2021's as
  ``../shared/data/README.md`` says, with ``roomno`` scored; and, on the Li2019 addresses
  CCKS labels too, how much of the error is the two guidelines disagreeing;
- Shenzhen register pairs as a binary task: a match is ``exact``, or ``partial`` of the
  ``inside`` kind (a room, floor or unit of the same building);
- Shenzhen as geocoding against a register: the distinct right-hand addresses are the library,
  each left-hand address of a matching pair a query; rapidfuzz's best ``WRatio`` over the same
  library is the baseline, in the same run.
"""

from __future__ import annotations

import random
import re
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from address_normalizer import AddressIndex, StandardAddress, compare, contradictions, parse
from address_normalizer.agreement import Agreement, deeper

Span = tuple[str, int, int]
_UNSCORED = frozenset(("country", "person", "redundant", "otherinfo"))
_RENAMED = {
    "subroad": "road", "subRoad": "road", "subroadno": "roadno", "subRoadno": "roadno",
    "devZone": "devzone",
}  # fmt: skip
_JUNCTION = re.compile(r".*(?:交叉口|路口|交汇处|交界处|十字|丁字|口)$")
_DISTANCE = re.compile(r"[0-9零〇一二三四五六七八九十百千两]+(?:米|公里|千米)")
_CONNECTIVE = frozenset("与和跟及")
_VILLAGE_GROUP = re.compile(r".*[组队社]$")
_DIGIT = re.compile("[0-9]")
_AGAINST = ("parser", "ccks_gold", "ccks_gold_with_the_parsers_rooms", "parser_vs_ccks_gold")


def read_li2019(path: Path) -> list[tuple[str, list[Span], list[tuple[int, int]]]]:
    """Addresses of a Li2019 BIO file: text, gold spans in CCKS labels, unscored ranges.

    A line holds a token (one character, or a run of digits or letters) and its tag; spans
    index the characters of the joined text.
    """
    out = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        tokens = [line.rsplit(" ", 1) for line in block.split("\n") if line.strip()]
        if not tokens:
            continue
        text, raw, pos = "", [], 0
        label, start = "", -1
        for token, tag in tokens:
            if tag.startswith("B-") or tag == "O" or tag[2:] != label:
                if label:
                    raw.append((label, start, pos))
                label, start = (tag[2:], pos) if tag != "O" else ("", -1)
            text += token
            pos += len(token)
        if label:
            raw.append((label, start, pos))
        gold: list[Span] = []
        skip: list[tuple[int, int]] = []
        for lab, s, e in raw:
            mapped = _map_label(lab, text[s:e])
            if mapped is None:
                skip.append((s, e))
            else:
                gold.append((mapped, s, e))
        out.append((text, gold, skip))
    return out


def _map_label(label: str, word: str) -> str | None:
    """The CCKS label of a Li2019 span, or None when the README says it is not scored."""
    label = _RENAMED.get(label, label)
    if label in _UNSCORED:
        return None
    if label == "road" and _VILLAGE_GROUP.match(word) and not word.endswith("组团"):
        return "village_group"
    if label == "assist":
        if word in _CONNECTIVE:
            return None
        if _DISTANCE.search(word):
            return "distance"
        if _JUNCTION.match(word):
            return "intersection"
    return label


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


def eval_li2019(path: Path) -> dict[str, Any]:
    """Micro-F1 (exact span and mapped type) overall and per type, roomno included.

    A prediction lying wholly inside an unscored span (a person, redundant words) is
    dropped; ``detail`` (a number the parser could not place) counts as an error.
    """
    data = read_li2019(path)
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for text, gold_spans, skip in data:
        gold = set(gold_spans)
        pred = {
            (c.label, c.start, c.end)
            for c in parse(text[:200]).components
            if not any(s <= c.start and c.end <= e for s, e in skip)
        }
        for label, *_ in pred & gold:
            tp[label] += 1
        for label, *_ in pred - gold:
            fp[label] += 1
        for label, *_ in gold - pred:
            fn[label] += 1
    labels = sorted(set(tp) | set(fn) | set(fp), key=lambda lab: -(tp[lab] + fn[lab]))
    return {
        "file": f"li2019/{path.name}",
        "addresses": len(data),
        "micro": _prf(sum(tp.values()), sum(fp.values()), sum(fn.values())),
        "per_type": {
            lab: {**_prf(tp[lab], fp[lab], fn[lab]), "support": tp[lab] + fn[lab]} for lab in labels
        },
    }


def eval_li2019_conventions(path: Path, ccks: Sequence[tuple[str, list[Span]]]) -> dict[str, Any]:
    """How much of the Li2019 error is the two guidelines disagreeing, not the parser.

    Many Li2019 addresses are labelled in CCKS 2021 too (the same text once digits are
    masked). On those, CCKS's own gold is scored against Li2019's exactly as the parser is
    (the ceiling for a parser that follows the CCKS guideline perfectly; CCKS labels no
    rooms, so also with the parser's rooms added), and each Li2019 span the parser misses
    is put in one of three kinds: ``convention`` (the parser says what CCKS's gold says
    there), ``parser_error`` (CCKS's gold agrees with Li2019's) and ``both_differ`` (the
    parser agrees with neither).
    """
    masked = {text: spans for text, spans in ccks}
    counts = {name: [0, 0, 0] for name in _AGAINST}
    missed: Counter[str] = Counter()
    missed_by_label: dict[str, Counter[str]] = {}
    shared = 0
    for text, gold_spans, skip in read_li2019(path):
        ccks_gold = masked.get(_DIGIT.sub("0", text))
        if ccks_gold is None:
            continue
        shared += 1

        def scored(spans: Any, skip: list[tuple[int, int]] = skip) -> set[Span]:
            return {x for x in spans if not any(s <= x[1] and x[2] <= e for s, e in skip)}

        gold = set(gold_spans)
        pred = scored((c.label, c.start, c.end) for c in parse(text[:200]).components)
        other = scored(ccks_gold)
        # CCKS labels no rooms: its gold with the parser's rooms added where it has nothing.
        rooms = {x for x in pred if x[0] == "roomno"
                 and not any(y[1] < x[2] and x[1] < y[2] for y in other)}  # fmt: skip
        pairs = ((pred, gold), (other, gold), (other | rooms, gold), (pred, other))
        for name, (x, y) in zip(_AGAINST, pairs, strict=True):
            counts[name][0] += len(x & y)
            counts[name][1] += len(x - y)
            counts[name][2] += len(y - x)
        for span in gold - pred:
            near = {x for x in other if x[1] < span[2] and span[1] < x[2]}
            kind = (
                "parser_error" if span in other
                else "convention" if near and near <= pred
                else "both_differ"
            )  # fmt: skip
            missed[kind] += 1
            missed_by_label.setdefault(kind, Counter())[span[0]] += 1
    total = max(1, sum(missed.values()))
    return {
        "file": f"li2019/{path.name}",
        "addresses_also_in_ccks": shared,
        "f1_against_li2019": {k: _prf(*v) for k, v in counts.items()},
        "missed_li2019_spans": {
            kind: {"count": n, "share": round(n / total, 3),
                   "by_label": dict(missed_by_label[kind].most_common(6))}
            for kind, n in missed.most_common()
        },
    }  # fmt: skip


def read_pairs(path: Path) -> list[tuple[str, str, int]]:
    """Shenzhen pairs ``(address, standard address, 1/0)``."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) == 3 and parts[2] in ("0", "1") and parts[0].strip() and parts[1].strip():
            out.append((parts[0][:200], parts[1][:200], int(parts[2])))
    return out


def holdout(pairs: Sequence[tuple[str, str, int]], part: str) -> list[tuple[str, str, int]]:
    """The ``tune`` or ``report`` half of the pairs, split by the query text's hash (stable
    across runs): rules were tuned on ``tune`` only, figures are reported on ``report``."""
    import zlib

    want = 0 if part == "tune" else 1
    return [p for p in pairs if zlib.crc32(p[0].encode()) % 2 == want]


def eval_binary(pairs: Sequence[tuple[str, str, int]]) -> dict[str, Any]:
    """Binary F1: a pair matches when compare() says ``exact`` or an ``inside`` partial."""
    conf: Counter[tuple[int, int]] = Counter()
    kinds: Counter[str] = Counter()
    for a, b, gold in pairs:
        c = compare(a, b)
        said = c.relation == "exact" or (c.relation == "partial" and c.kind == "inside")
        conf[(gold, int(said))] += 1
        kinds[f"{gold}:{c.relation}:{c.kind}"] += 1
    tp, fp, fn = conf[(1, 1)], conf[(0, 1)], conf[(1, 0)]
    return {
        "pairs": len(pairs),
        **_prf(tp, fp, fn),
        "accuracy": round((tp + conf[(0, 0)]) / max(1, len(pairs)), 4),
        "gold_relation_kind": dict(sorted(kinds.items())),
    }


def eval_register(
    pairs: Sequence[tuple[str, str, int]],
    library_pairs: Sequence[tuple[str, str, int]],
    *,
    threshold: float,
    baseline_queries: int,
) -> dict[str, Any]:
    """Geocoding against a register built from every pair's right-hand address.

    The library is the distinct right-hand addresses of ``library_pairs`` (all the pairs, so
    the library is the same whichever half is queried); queries are the left-hand addresses
    of ``pairs`` that match. Resolved means the top answer is stated at a level without a
    contradicting component and its calibrated confidence reaches ``threshold``.
    """
    library = sorted({b for _, b, _ in library_pairs})
    at = {text: i for i, text in enumerate(library)}
    queries = [(a, at[b]) for a, b, gold in pairs if gold == 1]
    start = time.process_time()
    index = AddressIndex([StandardAddress(str(i), t) for i, t in enumerate(library)])
    build = time.process_time() - start
    top1 = right = wrong = listed = 0
    levels: Counter[str] = Counter()
    contradicting = strict = 0
    start = time.process_time()
    answers = [index.lookup(q, 5) for q, _ in queries]
    elapsed = time.process_time() - start
    for (query, want), found in zip(queries, answers, strict=True):
        cands = found.candidates
        best = cands[0] if cands else None
        top1 += best is not None and best.position == want
        resolved = best is not None and not best.contradicts and best.confidence >= threshold
        if resolved and best is not None:
            levels[best.level] += 1
            ok = best.position == want
            right += ok
            wrong += not ok
            contradicting += contradicts_at(index.agreement(query, best.position), best.level)
            strict += bool(contradictions(query, library[best.position]))
        else:
            listed += any(c.position == want for c in cands)
    n = max(1, len(queries))
    return {
        "library": len(library),
        "queries": len(queries),
        "threshold": threshold,
        "index_build_cpu_seconds": round(build, 2),
        "top1_accuracy": round(top1 / n, 4),
        "resolved_right_rate": round(right / n, 4),
        "resolved_wrong_rate": round(wrong / n, 4),
        "unresolved_rate": round((len(queries) - right - wrong) / n, 4),
        "unresolved_with_answer_among_candidates": round(listed / n, 4),
        "resolved_levels": dict(levels.most_common()),
        "resolved_contradicting_a_parsed_component": contradicting,
        "resolved_contradicting_read_with_national_list": strict,
        "queries_per_second_cpu": round(len(queries) / max(elapsed, 1e-9), 1),
        "baseline_rapidfuzz_wratio": _wratio_baseline(library, queries, baseline_queries),
    }


def _wratio_baseline(library: list[str], queries: list[tuple[str, int]], n: int) -> dict[str, Any]:
    """The obvious alternative: rapidfuzz ``extractOne`` with ``WRatio`` over the library."""
    from rapidfuzz import fuzz, process

    rng = random.Random(5)
    sample = queries if n >= len(queries) else rng.sample(queries, n)
    hits = 0
    start = time.process_time()
    for query, want in sample:
        found = process.extractOne(query, library, scorer=fuzz.WRatio)
        hits += found is not None and found[2] == want
    elapsed = time.process_time() - start
    return {
        "queries": len(sample),
        "top1_accuracy": round(hits / max(1, len(sample)), 4),
        "queries_per_second_cpu": round(len(sample) / max(elapsed, 1e-9), 1),
    }


def contradicts_at(agreement: Agreement, level: str) -> bool:
    """Whether a contradiction lies at or above the level an answer was resolved at (one
    below it, a room the library does not list under the building answered, is allowed)."""
    return any(not deeper(c, level) for c in agreement.contradicts)
