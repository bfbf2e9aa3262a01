"""The pieces of the address index: postings, keys, numbers, calibration, cancellation."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from address_normalizer import AddressIndex, StandardAddress
from address_normalizer.calibration import Calibrator
from address_normalizer.errors import BuildCancelledError
from address_normalizer.gazetteer import national
from address_normalizer.keys import KeyMaker
from address_normalizer.postings import Postings, bigram_codes
from address_normalizer.synth import noisy_query

COMPS = {
    "prov": "浙江省", "city": "嘉兴市", "district": "南湖区", "town": "新兴街道",
    "community": "明月社区", "road": "长水路", "roadno": "197号", "poi": "金色花园",
    "houseno": "3幢", "cellno": "2单元", "roomno": "1602室",
}  # fmt: skip
TEXT = "".join(COMPS.values())


def test_postings_find_every_key_holding_a_bigram() -> None:
    texts = ["长水路197号", "长水路199号", "中山路1号", "路"]
    postings = Postings(texts, [[], [], [], []])
    (found,) = postings.lists(bigram_codes("长水"))
    assert found.tolist() == [0, 1]
    assert [x.tolist() for x in postings.lists(bigram_codes("路1"))] == [[0, 1, 2]]
    assert postings.lists(bigram_codes("路")) [0].tolist() == [3]  # fmt: skip
    assert postings.lists(bigram_codes("北京")) == []


@given(st.lists(st.text(alphabet="长水路中山12号村组", min_size=1, max_size=8), max_size=20))
def test_postings_agree_with_a_plain_scan(texts: list[str]) -> None:
    postings = Postings(texts)
    for probe in ("长水", "路1", "2号", "村1"):
        expected = [k for k, t in enumerate(texts) if probe in t]
        got = postings.lists(bigram_codes(probe))
        assert (got[0].tolist() if got else []) == expected


def test_component_and_text_keys_agree() -> None:
    maker = KeyMaker(national())
    from_parts = maker.from_components(TEXT, COMPS)
    assert from_parts == ("南湖区新兴街道", "明月社区长水路197号金色花园", "3幢2单元1602室")
    assert maker.from_text(TEXT, ("南湖区", "新兴街道", "")) == from_parts


def test_component_order_does_not_matter() -> None:
    # JSONB hands components back in its own key order.
    shuffled = dict(sorted(COMPS.items()))
    assert KeyMaker(national()).from_components(TEXT, shuffled) is not None


def test_components_that_do_not_spell_the_text_fall_back() -> None:
    assert KeyMaker(national()).from_components(TEXT + "附近", COMPS) is None


def test_numbers_decide_between_village_houses() -> None:
    lib = [
        StandardAddress("a", "新丰镇竹林村4组23号", {"town": "新丰镇", "community": "竹林村",
                                                    "village_group": "4组", "houseno": "23号"}),
        StandardAddress("b", "新丰镇竹林村14组23号", {"town": "新丰镇", "community": "竹林村",
                                                     "village_group": "14组", "houseno": "23号"}),
    ]  # fmt: skip
    index = AddressIndex(lib, calibrate=0)
    assert index.match("竹林村4组23号")[0].id == "a"
    assert index.match("竹林村十四组二十三号")[0].id == "b"
    top, second = index.match("竹林村4组23号", limit=2)
    assert top.score - second.score >= 0.15


def test_lookup_gives_the_canonical_query() -> None:
    index = AddressIndex([StandardAddress("1", TEXT, COMPS)], calibrate=0)
    normalized, found, vague = index.lookup("长水路１９７号金色花园附近三栋2单元1602")
    assert normalized == "长水路197号金色花园3幢2单元1602室"
    assert found[0].id == "1" and found[0].position == 0
    assert not vague


def test_calibrator_keeps_a_block_flat_to_its_first_score() -> None:
    raw = [0.2, 0.3, 0.4] + [0.6 + i / 1000 for i in range(100)]
    right = [False, False, False] + [True] * 100
    cal = Calibrator.fit(raw, right)
    assert cal(0.6) == pytest.approx(cal(0.7)) and cal(0.6) > 0.99
    assert cal(0.3) < 0.2


def test_noisy_queries_differ_and_fit_the_limit() -> None:
    rng = random.Random(3)
    queries = {noisy_query(TEXT, COMPS, (), rng) for _ in range(200)}
    assert TEXT not in queries and all(0 < len(q) <= 200 for q in queries)
    assert any("栋" in q or "号楼" in q for q in queries)
    assert any("附近" in q or "对面" in q or "旁边" in q for q in queries)


def test_a_cancelled_build_stops() -> None:
    lib = (StandardAddress(str(i), f"中山路{i}号", {"road": "中山路", "roadno": f"{i}号"})
           for i in range(1, 100_000))  # fmt: skip
    with pytest.raises(BuildCancelledError):
        AddressIndex(lib, calibrate=0, cancelled=lambda: True)


def test_an_empty_library_matches_nothing() -> None:
    index = AddressIndex([], calibrate=0)
    assert index.match("中山路1号") == [] and index.n_keys == 0
    assert isinstance(bigram_codes("中"), np.ndarray)


@pytest.mark.parametrize(
    ("query", "vague"),
    [
        ("明月社区", True),
        ("南湖区新兴街道明月社区", True),
        ("新兴街道明月社区附近", True),
        ("明月社区长水路", True),
        ("长水路旁边", True),
        ("长水路197号", False),
        ("明月社区3幢", False),
        ("明月社区金色花园", False),
        ("长水路金色花园", False),
    ],
)
def test_lookup_tells_a_text_naming_no_door(query: str, vague: bool) -> None:
    index = AddressIndex([StandardAddress("1", TEXT, COMPS)], calibrate=0)
    assert index.lookup(query).vague is vague


@pytest.mark.parametrize(
    ("query", "want"),
    [
        # A building and room as one dashed number, a room numbered with 号 after its floor,
        # a room written with dashes or a letter after its unit or building: each finds its
        # building (and unit), not the compound's first record.
        ("长水路245号龙辉花园7-606房", "龙辉花园7栋"),
        ("长水路245号龙辉花园8栋一单元一层2号", "龙辉花园8栋1单元"),
        ("长水路245号龙辉花园9栋2单元9-14H", "龙辉花园9栋2单元"),
        ("长水路245号龙辉花园4栋C-403", "龙辉花园4栋"),
    ],
)
def test_rooms_written_otherwise_find_their_building(query: str, want: str) -> None:
    lib = []
    for b in range(1, 13):
        lib.append(f"南湖区城南街道长水路245号龙辉花园{b}栋")
        lib += [f"南湖区城南街道长水路245号龙辉花园{b}栋{u}单元" for u in (1, 2)]
    index = AddressIndex([StandardAddress(str(i), t) for i, t in enumerate(lib)], calibrate=0)
    assert lib[index.match(query, 1)[0].position].endswith(want)
