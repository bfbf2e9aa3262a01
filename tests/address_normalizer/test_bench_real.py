"""The Li2019 convention figures of bench/address_real.py, on invented files (the real sets
are read by the bench only)."""

from pathlib import Path

from bench.address_real import eval_li2019_conventions, read_li2019


def _bio(tokens: list[tuple[str, str]]) -> str:
    lines = []
    for word, label in tokens:
        for i, ch in enumerate(word):
            lines.append(f"{ch} {'O' if label == 'O' else ('B-' if i == 0 else 'I-') + label}")
    return "\n".join(lines) + "\n\n"


def test_missed_spans_are_split_by_what_the_other_guideline_says(tmp_path: Path) -> None:
    # Li2019 reads the industrial park as a POI and the door after it as its road number;
    # CCKS reads the park as a development zone (the parser does too) and the door after it
    # as a house number, so both misses are conventions. Both read the hospital named
    # after its city as one POI, which the parser splits: a parser error.
    li = tmp_path / "dev.txt"
    li.write_text(
        _bio([("南湖区", "district"), ("新丰工业区", "poi"), ("12号", "roadno")])
        + _bio([("南湖区", "district"), ("长水路", "road"), ("5号", "roadno")])
        + _bio([("红旗路", "road"), ("13号", "roadno"), ("嘉兴市中心医院", "poi")]),
        encoding="utf-8",
    )
    ccks = [
        ("南湖区新丰工业区00号", [("district", 0, 3), ("devzone", 3, 8), ("houseno", 8, 11)]),
        ("南湖区长水路0号", [("district", 0, 3), ("road", 3, 6), ("roadno", 6, 8)]),
        ("红旗路00号嘉兴市中心医院", [("road", 0, 3), ("roadno", 3, 6), ("poi", 6, 13)]),
    ]
    assert [text for text, _, _ in read_li2019(li)][:2] == [
        "南湖区新丰工业区12号",
        "南湖区长水路5号",
    ]
    found = eval_li2019_conventions(li, ccks)
    assert found["addresses_also_in_ccks"] == 3
    missed = found["missed_li2019_spans"]
    assert missed["convention"]["count"] == 2
    assert missed["parser_error"] == {"count": 1, "share": 0.333, "by_label": {"poi": 1}}
    f1 = found["f1_against_li2019"]
    assert f1["parser"]["recall"] < f1["ccks_gold"]["recall"] < 1
