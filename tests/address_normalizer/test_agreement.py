"""Agreement and contradiction between a text and an answer; the index that uses them.

Invented addresses only (the real sets are read by bench/address_eval.py, never here).
"""

import pytest

from address_normalizer import AddressIndex, StandardAddress, compare, contradictions
from address_normalizer.agreement import cut_to_level, read, relate


@pytest.mark.parametrize(
    ("text", "answer", "level", "contradicts"),
    [
        ("悦湖嘉园7栋1301", "悦湖嘉园3幢1单元1301室", "poi", ("building",)),
        ("昌盛路142号悦湖嘉园7栋1301", "昌盛路142号悦湖嘉园7幢1单元1301室", "room", ()),
        ("长水路191号", "东进路191号", "none", ("road",)),
        ("长水路191号", "长水路193号", "road", ("road_number",)),
        ("云港区福田街道B120栋304", "云港区福田街道B区120栋", "building", ()),
        ("金溪路9号丽景苑2幢", "金溪路9号锦绣苑2幢", "road_number", ("poi",)),
        ("石门镇东风村5号", "南门街道东风村5号", "none", ("street",)),
    ],
)
def test_relate(text: str, answer: str, level: str, contradicts: tuple[str, ...]) -> None:
    found = relate(read(text), read(answer))
    assert (found.level, found.contradicts) == (level, contradicts)


def test_what_only_one_side_states_is_no_contradiction() -> None:
    assert contradictions("丽景苑2幢", "金溪路9号丽景苑2幢3单元501室") == ()
    assert contradictions("金溪路9号丽景苑2幢3单元501室", "丽景苑") == ()


def test_cut_to_level() -> None:
    assert cut_to_level("金溪路9号丽景苑2幢3单元501室", "poi") == "金溪路9号丽景苑"
    assert cut_to_level("金溪路9号丽景苑2幢3单元501室", "building") == "金溪路9号丽景苑2幢"


LIBRARY = [
    "南湖区昌盛路142号悦湖嘉园3幢1单元1301室",
    "南湖区昌盛路142号悦湖嘉园7幢1单元1301室",
    "南湖区昌盛路142号悦湖嘉园7幢1单元1302室",
    "南湖区昌盛路142号悦湖嘉园7幢2单元1302室",
    "南湖区东进路191号",
    "南湖区长水路191号",
    "南湖区长水路193号",
    *(f"南湖区{road}197号" for road in ("东进路", "昌盛路", "中环路", "纺工路", "禾兴路")),
    "南湖区长水路197号金色花园3幢",
    "南湖区长水路197号金色花园5幢",
    "南湖区长水路197号金色花园5幢2单元",
    "南湖区长水路197号金色花园5幢2单元1401室",
]


@pytest.fixture(scope="module")
def index() -> AddressIndex:
    return AddressIndex([StandardAddress(str(i), t) for i, t in enumerate(LIBRARY)], calibrate=0)


@pytest.mark.parametrize(
    ("query", "want"),
    [
        # A room after its building, without unit or 室: that room, not another building.
        ("南湖区昌盛路142号悦湖嘉园7栋1301", 1),
        # The road decides between equal door numbers.
        ("长水路191号", 5),
        ("南湖区长水路191号", 5),
        ("南湖区长水路197号", 12),
        # Letting words go; a building-unit-room number is spelled as the library does.
        ("长水路197号金色花园5栋整套", 13),
        ("长水路197号金色花园5-2-1401", 15),
    ],
)
def test_the_text_decides(index: AddressIndex, query: str, want: int) -> None:
    top = index.match(query)[0]
    assert (top.position, top.contradicts) == (want, ())


def test_a_room_in_two_units_is_not_guessed(index: AddressIndex) -> None:
    # 1302 is a room of both units of building 7: the answer holds at the building only.
    top = index.match("南湖区昌盛路142号悦湖嘉园7栋1302")[0]
    assert top.level == "building" and top.contradicts in ((), ("room",))


def test_a_building_the_library_lacks_is_stated_as_contradicted(index: AddressIndex) -> None:
    top = index.match("南湖区昌盛路142号悦湖嘉园9栋1301")[0]
    assert top.contradicts == ("building",) and top.level == "poi"


@pytest.mark.parametrize(
    ("a", "b", "relation", "kind"),
    [
        ("金溪路9号丽景苑2幢501室", "金溪路9号丽景苑2幢", "exact", "same"),
        ("金溪路9号丽景苑2幢", "金溪路9号丽景苑5幢", "partial", "same_compound"),
        ("金溪路9号丽景苑", "金溪路15号", "partial", "same_road"),
        ("金溪路9号丽景苑对面", "金溪路9号丽景苑", "partial", "nearby"),
        ("金溪路9号丽景苑2幢好又多超市", "金溪路9号丽景苑2幢", "partial", "inside"),
        ("金溪路9号", "长水路193号", "none", ""),
        # A room after the door without 室, or glued to the door number (三巷15103: door 15,
        # room 103), is inside that door; so is a letting word (整套) after the place.
        ("鹤山路43号809", "南湖区鹤山路43号", "partial", "inside"),
        ("南湖区横塘三巷15103", "南湖区横塘三巷15号", "partial", "inside"),
        ("南湖区横塘三巷15号", "南湖区横塘三巷17号", "partial", "same_road"),
        ("西成工业区方圆石材厂整套", "西成工业区方圆石材厂", "exact", "same"),
        # A register names divisions people leave out, and writes 0070号 as 70号.
        ("塘尾村二坊82号302", "南湖区城南街道星河社区塘尾村二坊82号", "exact", "same"),
        ("海景路0070号海韵花园2栋1005", "南湖区海景路70号海韵花园2栋", "exact", "same"),
        ("塘尾村二坊82号302", "南湖区城南街道星河社区塘尾村二坊84号", "partial", "same_compound"),
    ],
)
def test_compare_says_what_kind_of_partial(a: str, b: str, relation: str, kind: str) -> None:
    found = compare(a, b)
    assert (found.relation, found.kind) == (relation, kind)


def test_one_door_with_or_without_its_community_is_the_same_place() -> None:
    found = compare("南湖区接福路119号", "南湖区城南街道塘尾社区接福路119号")
    assert (found.relation, found.kind) == ("exact", "same")
    assert compare("南湖区接福路119号", "南湖区城南街道塘尾社区接福路121号").relation != "exact"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # A register lists a building with no door by its road; people add door and room.
        ("南湖区新瑞路11401", "南湖区城南街道新瑞路"),
        # Zero-padded door numbers.
        ("前海路0308号太子山庄13栋2单元1101", "前海路308号太子山庄13栋2单元"),
        # A register that names a compound or a building by its name alone holds the
        # buildings and rooms people add to that name.
        ("南湖区城南街道悦湖嘉园7-1301", "南湖区城南街道悦湖嘉园"),
        ("南湖区长水路悦湖嘉园7栋1301", "南湖区城南街道长水路悦湖嘉园"),
        # ... also when the text names the register's community (no longer a bare
        # same_compound).
        ("南湖区城南街道塘尾社区新瑞路16208", "南湖区城南街道塘尾社区新瑞路"),
        # A room of the unit the other names; and a text that states its door twice, the
        # second time with the unit and room meant.
        ("南湖区长水路41号1单元202", "南湖区城南街道长水路41号1单元"),
        ("南湖区长水路41号长水路41号1单元202", "南湖区城南街道长水路41号1单元"),
        # A building and room at a door the register lists alone.
        ("南湖区鹤山路43号3栋1201", "南湖区城南街道鹤山路43号"),
        # A list of buildings heads the one meant.
        ("南湖区新瑞路88号丽景苑3、4、5栋4栋1102", "南湖区城南街道新瑞路88号丽景苑4栋"),
    ],
)
def test_register_spellings_are_inside(a: str, b: str) -> None:
    found = compare(a, b)
    assert found.relation == "exact" or found.kind == "inside"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # Another building of the compound is not inside the one the register names, nor
        # is the list's own building another one of the list.
        ("南湖区城南街道悦湖嘉园7-1301", "南湖区城南街道悦湖嘉园8栋"),
        ("南湖区新瑞路88号丽景苑3、4、5栋4栋1102", "南湖区城南街道新瑞路88号丽景苑5栋"),
        ("南湖区长水路41号1单元202", "南湖区城南街道长水路41号2单元"),
    ],
)
def test_another_building_of_the_compound_is_not_inside(a: str, b: str) -> None:
    assert compare(a, b).kind == "same_compound"


def test_a_short_road_number_is_no_glued_door() -> None:
    assert compare("南湖区新瑞路114", "南湖区城南街道新瑞路").kind != "inside"
