"""Parsing: labels on concrete addresses, spans over the original text as a property."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from address_normalizer import LABELS, national, parse

PARTS = st.sampled_from(
    ["浙江省", "杭州市", "西湖区", "南湖", "解放街道", "三墩镇", "文三路", "中山东路", "１２号",
     "阳光小区", "三号楼", "二单元", "一零二室", "5楼", "附近", "（东门）", " ", "⻄", "A座",
     "城北工业园区", "五组", "张家村", "与", "交叉口", "100米"]
)  # fmt: skip


def labels(text: str) -> list[tuple[str, str]]:
    return [(c.label, c.text) for c in parse(text).components]


def test_full_hierarchy() -> None:
    assert labels("浙江省杭州市西湖区文三路12号") == [
        ("prov", "浙江省"),
        ("city", "杭州市"),
        ("district", "西湖区"),
        ("road", "文三路"),
        ("roadno", "12号"),
    ]


def test_town_road_and_poi() -> None:
    assert labels("余杭区乔司街道博卡路8号博卡制衣") == [
        ("district", "余杭区"),
        ("town", "乔司街道"),
        ("road", "博卡路"),
        ("roadno", "8号"),
        ("poi", "博卡制衣"),
    ]


def test_building_unit_floor() -> None:
    got = labels("阳光小区3幢2单元5层")
    assert got == [("poi", "阳光小区"), ("houseno", "3幢"), ("cellno", "2单元"), ("floorno", "5层")]


def test_trailing_room_number() -> None:
    assert labels("阳光小区3幢2单元301")[-1] == ("roomno", "301")


def test_village_and_group() -> None:
    assert labels("镇安县云盖寺镇腰庄河村三组") == [
        ("district", "镇安县"),
        ("town", "云盖寺镇"),
        ("community", "腰庄河村"),
        ("village_group", "三组"),
    ]


def test_devzone() -> None:
    got = labels("萧山经济技术开发区建设路1号")
    assert ("devzone", "萧山经济技术开发区") in got


def test_intersection_and_assist() -> None:
    got = labels("莫干山路与文一路交叉口东100米加油站")
    assert ("intersection", "交叉口") in got
    assert ("assist", "东") in got or ("distance", "100米") in got
    assert ("road", "文一路") in got


def test_short_forms_need_context() -> None:
    assert labels("杭州大厦")[0] == ("poi", "杭州大厦")


def test_municipality_is_city() -> None:
    assert labels("上海市静安区共和新路1号")[0] == ("city", "上海市")


def test_injected_gazetteer_names_are_recognised() -> None:
    local = national().extend([("community", "梅湾社区", ("梅湾街",))])
    got = [(c.label, c.text) for c in parse("南湖区梅湾中山路1号", gazetteer=local).components]
    assert ("community", "梅湾") in got


def test_spans_on_full_width_input() -> None:
    text = "浙江省　杭州市（西湖区）文三路１２号"
    for comp in parse(text).components:
        assert text[comp.start : comp.end] == comp.text


def test_normalized_matches_normalize() -> None:
    from address_normalizer import normalize

    text = "浙江省杭州市西湖区文三路十二号"
    assert parse(text).normalized == normalize(text) == "西湖区文三路12号"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["中国", "义蓬", "凤凰", "村"]) | PARTS, min_size=1, max_size=8)
       .map("".join).filter(str.strip))  # fmt: skip
def test_normalized_is_normalize_on_any_text(text: str) -> None:
    # parse() reuses the tagger's administrative names to drop the prefix instead of looking
    # them up again: the answer must be normalize()'s, country head and numerals included.
    from address_normalizer import normalize

    assert parse(text).normalized == normalize(text)


@pytest.mark.parametrize("text", ["文三路12号", "阳光小区"])
def test_labels_are_known(text: str) -> None:
    assert all(c.label in LABELS for c in parse(text).components)


@settings(max_examples=300, deadline=None)
@given(st.lists(PARTS, min_size=1, max_size=10).map("".join).filter(str.strip))
def test_spans_round_trip(text: str) -> None:
    last_end = 0
    for comp in parse(text).components:
        assert text[comp.start : comp.end] == comp.text
        assert last_end <= comp.start < comp.end <= len(text)
        last_end = comp.end


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A natural village (no suffix) between a town and a door number.
        (
            "海宁市长安镇沈家浜12号",
            [("district", "海宁市"), ("town", "长安镇"), ("community", "沈家浜"),
             ("houseno", "12号")],
        ),
        # A second administrative chain starts again mid-address; 中国 is dropped.
        (
            "江苏省苏州市中国浙江省嘉兴市南湖区中山路1号",
            [("prov", "江苏省"), ("city", "苏州市"), ("prov", "浙江省"), ("city", "嘉兴市"),
             ("district", "南湖区"), ("road", "中山路"), ("roadno", "1号")],
        ),
        # A repeated chain in short forms starts again; after a door number it heads a name.
        (
            "浙江省湖州市南浔区浙江湖州南浔锦绣花园3幢",
            [("prov", "浙江省"), ("city", "湖州市"), ("district", "南浔区"), ("prov", "浙江"),
             ("city", "湖州"), ("district", "南浔"), ("poi", "锦绣花园"), ("houseno", "3幢")],
        ),
        (
            "南浔区中山路12号湖州南浔水务公司",
            [("district", "南浔区"), ("road", "中山路"), ("roadno", "12号"),
             ("poi", "湖州南浔水务公司")],
        ),
        # A township the gazetteer knows by its full name is one after a road too.
        (
            "西湖区文三路翠苑街道金都花园3幢",
            [("district", "西湖区"), ("road", "文三路"), ("town", "翠苑街道"),
             ("poi", "金都花园"), ("houseno", "3幢")],
        ),
        # Inside, outside or beside the place or zone just named is a locating word; 外科 is
        # a department.
        (
            "中山路8号中国石油加油站内汽车美容店",
            [("road", "中山路"), ("roadno", "8号"), ("poi", "中国石油加油站"), ("assist", "内"),
             ("poi", "汽车美容店")],
        ),
        (
            "南湖区城南工业园区内利民机械有限公司",
            [("district", "南湖区"), ("devzone", "城南工业园区"), ("assist", "内"),
             ("poi", "利民机械有限公司")],
        ),
        (
            "中山路8号人民医院外科大楼",
            [("road", "中山路"), ("roadno", "8号"), ("poi", "人民医院"), ("subpoi", "外科大楼")],
        ),
        # After a POI's building and unit, a name is one of its parts.
        (
            "阳光小区3幢2单元便利店",
            [("poi", "阳光小区"), ("houseno", "3幢"), ("cellno", "2单元"), ("subpoi", "便利店")],
        ),
        # After a road and a connective, a POI ending heads the second road's name.
        (
            "南湖区中山路与花园东街交叉口",
            [("district", "南湖区"), ("road", "中山路"), ("road", "花园东街"),
             ("intersection", "交叉口")],
        ),
        # A named block at the end of an estate's name is its sub-POI (a side or an ordinal
        # and 苑 or 园, or a two-character name and 苑); 花苑 ends the estate's own name.
        (
            "中山路8号春江花月映雪苑2幢",
            [("road", "中山路"), ("roadno", "8号"), ("poi", "春江花月"), ("subpoi", "映雪苑"),
             ("houseno", "2幢")],
        ),
        (
            "中山路8号翠湖天地北苑2幢",
            [("road", "中山路"), ("roadno", "8号"), ("poi", "翠湖天地"), ("subpoi", "北苑"),
             ("houseno", "2幢")],
        ),
        (
            "中山路8号望湖新城三园2幢",
            [("road", "中山路"), ("roadno", "8号"), ("poi", "望湖新城"), ("subpoi", "三园"),
             ("houseno", "2幢")],
        ),
        (
            "中山路8号湖畔和美花苑5幢",
            [("road", "中山路"), ("roadno", "8号"), ("poi", "湖畔和美花苑"), ("houseno", "5幢")],
        ),
        # A building named by its side is a building number, as the guideline says.
        (
            "中山路8号银泰大厦北楼3层",
            [("road", "中山路"), ("roadno", "8号"), ("poi", "银泰大厦"), ("houseno", "北楼"),
             ("floorno", "3层")],
        ),
        # A part of the place just named (its gate, podium) opens the run of the next name.
        (
            "中山路8号阳光花园北门便利店",
            [("road", "中山路"), ("roadno", "8号"), ("poi", "阳光花园"), ("subpoi", "北门"),
             ("subpoi", "便利店")],
        ),
        (
            "中山路8号银泰大厦裙楼咖啡馆",
            [("road", "中山路"), ("roadno", "8号"), ("poi", "银泰大厦"), ("subpoi", "裙楼"),
             ("subpoi", "咖啡馆")],
        ),
        # After a short division form, a one-character ending with more name after it does
        # not close a name headed by the short form; at the end of the run it does.
        (
            "嘉兴南湖城北新村5幢",
            [("city", "嘉兴"), ("district", "南湖"), ("poi", "城北新村"), ("houseno", "5幢")],
        ),
        ("嘉兴南湖城", [("city", "嘉兴"), ("poi", "南湖城")]),
        # A lone character left between two parts is a fragment, not a place.
        (
            "中山路8号阳光大厦第3幢",
            [("road", "中山路"), ("roadno", "8号"), ("poi", "阳光大厦"), ("houseno", "3幢")],
        ),
        ("阳光小区3幢2单元A", [("poi", "阳光小区"), ("houseno", "3幢"), ("cellno", "2单元")]),
        # A bare zone word after a name makes one zone of both.
        (
            "南湖区凤凰湾新区海港大道8号",
            [("district", "南湖区"), ("devzone", "凤凰湾新区"), ("road", "海港大道"),
             ("roadno", "8号")],
        ),
        # 向北, like 往北, is a locating word before a distance.
        (
            "中山路8号人民医院向北100米便利店",
            [("road", "中山路"), ("roadno", "8号"), ("poi", "人民医院"), ("assist", "向北"),
             ("distance", "100米"), ("poi", "便利店")],
        ),
        # A short village name inside a run after the door number is a community of its own.
        (
            "南湖区中山路12号师桥村浙东模具城",
            [("district", "南湖区"), ("road", "中山路"), ("roadno", "12号"),
             ("community", "师桥村"), ("poi", "浙东模具城")],
        ),
        # ... but X新村 is a housing estate, and a 社区 is a community wherever it stands.
        (
            "中山路12号阳光新村超市",
            [("road", "中山路"), ("roadno", "12号"), ("poi", "阳光新村"), ("subpoi", "超市")],
        ),
        (
            "南湖区体育场路体东社区12号",
            [("district", "南湖区"), ("road", "体育场路"), ("community", "体东社区"),
             ("houseno", "12号")],
        ),
        # A short division before a road whose name starts like a POI ending (城, 苑) stands;
        # a road keeps at least two characters before its suffix.
        (
            "台州黄岩环城西路12号",
            [("city", "台州"), ("district", "黄岩"), ("road", "环城西路"), ("roadno", "12号")],
        ),
        (
            "厦门市集美区杏林湾路10号",
            [("city", "厦门市"), ("district", "集美区"), ("road", "杏林湾路"), ("roadno", "10号")],
        ),
        # A short town name before a numbered part names a housing area; with its suffix
        # it is the town.
        (
            "温州市鹿城区双屿二期3幢",
            [("city", "温州市"), ("district", "鹿城区"), ("poi", "双屿"), ("subpoi", "二期"),
             ("houseno", "3幢")],
        ),
        (
            "温州市鹿城区双屿镇二期3幢",
            [("city", "温州市"), ("district", "鹿城区"), ("town", "双屿镇"), ("poi", "二期"),
             ("houseno", "3幢")],
        ),
        # A numbered part after a POI's floor is one of its parts; without a POI it is one.
        (
            "中山路12号轻纺市场3层A区",
            [("road", "中山路"), ("roadno", "12号"), ("poi", "轻纺市场"), ("floorno", "3层"),
             ("subpoi", "A区")],
        ),
        ("中山路12号A区", [("road", "中山路"), ("roadno", "12号"), ("poi", "A区")]),
        # A gate, a site office or a part of the compound ends a name without a POI ending.
        (
            "中山路88号长城机电东区",
            [("road", "中山路"), ("roadno", "88号"), ("poi", "长城机电"), ("subpoi", "东区")],
        ),
        # In Shanghai a 弄 is the door number on its road.
        (
            "上海市徐汇区宛平南路88弄3号",
            [("city", "上海市"), ("district", "徐汇区"), ("road", "宛平南路"),
             ("roadno", "88弄"), ("houseno", "3号")],
        ),
        # A locating word between two places is cut out of the run.
        (
            "杭州市中山北路阳光小区东门附近新华书店",
            [("city", "杭州市"), ("road", "中山北路"), ("poi", "阳光小区"), ("subpoi", "东门"),
             ("assist", "附近"), ("poi", "新华书店")],
        ),
    ],
)  # fmt: skip
def test_guideline_conventions(text: str, expected: list[tuple[str, str]]) -> None:
    assert labels(text) == expected


def test_typed_separators_end_names() -> None:
    assert labels("南湖区 阳光 新华书店") == [
        ("district", "南湖区"),
        ("poi", "阳光"),
        ("subpoi", "新华书店"),
    ]
    assert labels("南湖区阳光新华书店") == [("district", "南湖区"), ("poi", "阳光新华书店")]
    # Without a division name after it, 中国 is only the head of a name.
    assert labels("中国轻纺城3区")[0] == ("poi", "中国轻纺城")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A branch in brackets completes the POI's name, brackets and all (the guideline's
        # poi=东阳诚心木线(富阳店)); what follows the bracket is parsed on its own.
        (
            "中山路8号星海商城(城西店)3楼",
            [("road", "中山路"), ("roadno", "8号"), ("poi", "星海商城(城西店)"),
             ("floorno", "3楼")],
        ),
        # A gate in brackets is the sub-POI of the place before it, never part of that name.
        (
            "南湖区中山路8号阳光大厦北座（西北门）",
            [("district", "南湖区"), ("road", "中山路"), ("roadno", "8号"), ("poi", "阳光大厦"),
             ("subpoi", "北座"), ("subpoi", "西北门")],
        ),
        (
            "南湖区阳光花园【东南2门】",
            [("district", "南湖区"), ("poi", "阳光花园"), ("subpoi", "东南2门")],
        ),
        # A status is no part of the address.
        (
            "中山路8号阳光大厦【建设中】",
            [("road", "中山路"), ("roadno", "8号"), ("poi", "阳光大厦")],
        ),
        # Any other aside is address text of its own; nothing runs across a bracket.
        (
            "(中山路8号阳光大厦旁)便利店",
            [("road", "中山路"), ("roadno", "8号"), ("poi", "阳光大厦"), ("assist", "旁"),
             ("poi", "便利店")],
        ),
        (
            "南湖区(中山路)8号",
            [("district", "南湖区"), ("road", "中山路"), ("roadno", "8号")],
        ),
    ],
)  # fmt: skip
def test_bracketed_asides(text: str, expected: list[tuple[str, str]]) -> None:
    assert labels(text) == expected


ASIDES = st.sampled_from(
    ["(城西店)", "（西北门）", "【建设中】", "(中山路)", "(", ")", "（3号楼）", "(新区)", "(村)"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(PARTS | ASIDES, min_size=1, max_size=10).map("".join).filter(str.strip))
def test_no_part_runs_across_a_bracket(text: str) -> None:
    # A name may take in whole asides that complete it (a branch, 新区, the region in a
    # company's legal name), never a part of one: its brackets come in pairs.
    for comp in parse(text).components:
        assert text[comp.start : comp.end] == comp.text
        marks = "".join("(" if ch in "(（【" else ")" for ch in comp.text if ch in "()（）【】")
        assert marks == "()" * (len(marks) // 2)


@pytest.mark.parametrize(
    "text",
    [
        "南湖区中山路8号到了打电话",
        "南湖区中山路8号放门口",
        "南湖区中山路8号送到楼下",
        "南湖区中山路8号打我电话",
        "南湖区中山路8号(到了打电话)",
        "南湖区中山路8号，有疑问请联系",
    ],
)
def test_courier_notes_are_no_part(text: str) -> None:
    # The guideline's redundant (配送提示、配送要求): not labelled.
    assert labels(text) == [("district", "南湖区"), ("road", "中山路"), ("roadno", "8号")]


def test_courier_words_inside_names_stay() -> None:
    # A pick-up point is a place; 解放 is no instruction to put something down.
    assert labels("南湖区中山路8号快递代收点")[-1] == ("poi", "快递代收点")
    assert labels("南湖区解放路8号")[1] == ("road", "解放路")
    # A note inside brackets ends the aside, not the address.
    assert labels("阳光小区(到了打电话)3幢") == [("poi", "阳光小区"), ("houseno", "3幢")]


def test_numbered_door_after_a_building_is_its_stairwell() -> None:
    # 17栋1门, 3号楼2门 (北京, 长春): the door is a unit of the building; 2号门 is a gate.
    assert labels("南湖区阳光小区17栋1门5楼") == [
        ("district", "南湖区"),
        ("poi", "阳光小区"),
        ("houseno", "17栋"),
        ("cellno", "1门"),
        ("floorno", "5楼"),
    ]
    assert labels("阳光小区3号楼2门301")[-2:] == [("cellno", "2门"), ("roomno", "301")]
    assert labels("阳光小区3号楼2号门")[-1] == ("subpoi", "2号门")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "北京市朝阳区东四环中路88号",
            [("city", "北京市"), ("district", "朝阳区"), ("road", "东四环中路"),
             ("roadno", "88号")],
        ),
        (
            "北京市西四环北路6号",
            [("city", "北京市"), ("road", "西四环北路"), ("roadno", "6号")],
        ),
        (
            "南湖区中山路与南二环交叉口",
            [("district", "南湖区"), ("road", "中山路"), ("road", "南二环"),
             ("intersection", "交叉口")],
        ),
        ("北京市西城区二环", [("city", "北京市"), ("district", "西城区"), ("road", "二环")]),
        ("上海市内环高架", [("city", "上海市"), ("road", "内环高架")]),
        # Without its side a ring heads a name; 外环 inside a name is part of it.
        ("中山路8号三环信息苑", [("road", "中山路"), ("roadno", "8号"), ("poi", "三环信息苑")]),
    ],
)  # fmt: skip
def test_ring_roads_are_one_road(text: str, expected: list[tuple[str, str]]) -> None:
    assert labels(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The guideline: xx路段、xx路南段等整体标注为road.
        (
            "武侯区锦川路二段18号",
            [("district", "武侯区"), ("road", "锦川路二段"), ("roadno", "18号")],
        ),
        (
            "武侯区锦川路二段华西小区",
            [("district", "武侯区"), ("road", "锦川路二段"), ("poi", "华西小区")],
        ),
        (
            "南湖区环城西路南段88号",
            [("district", "南湖区"), ("road", "环城西路南段"), ("roadno", "88号")],
        ),
        ("南湖区南二环西段", [("district", "南湖区"), ("road", "南二环西段")]),
        # 段 heading a village's name is no section.
        (
            "南湖区中山路东段村",
            [("district", "南湖区"), ("road", "中山路"), ("community", "东段村")],
        ),
    ],
)  # fmt: skip
def test_road_sections_belong_to_the_road(text: str, expected: list[tuple[str, str]]) -> None:
    assert labels(text) == expected


@pytest.mark.parametrize(
    ("text", "tail"),
    [
        # A dashed number closing the address: building, unit and room, dashes no part.
        ("滨江区丽水雅苑47-6-746", [("poi", "丽水雅苑"), ("houseno", "47"), ("cellno", "6"),
                                    ("roomno", "746")]),
        ("兰江街道锦华豪庭7-662室", [("poi", "锦华豪庭"), ("houseno", "7"), ("roomno", "662室")]),
        ("锦华豪庭3幢2-502", [("houseno", "3幢"), ("cellno", "2"), ("roomno", "502")]),
        # A bare room number after a named place, or after a building.
        ("江东区海运中心7318", [("district", "江东区"), ("poi", "海运中心"), ("roomno", "7318")]),
        ("福田区福莲汇2213", [("poi", "福莲汇"), ("roomno", "2213")]),
        ("桃源居5幢9单元3164号", [("houseno", "5幢"), ("cellno", "9单元"), ("roomno", "3164号")]),
        ("悦湖嘉园7栋1301", [("poi", "悦湖嘉园"), ("houseno", "7栋"), ("roomno", "1301")]),
        # A door number right after a building is its entrance.
        ("临江小区11栋3号12楼", [("houseno", "11栋"), ("cellno", "3号"), ("floorno", "12楼")]),
        # Letting words name no place.
        ("宝安区绘猫路38号整套", [("road", "绘猫路"), ("roadno", "38号")]),
        ("宝安区北环路24栋整栋", [("road", "北环路"), ("houseno", "24栋")]),
    ],
)  # fmt: skip
def test_rooms_and_suffixes(text: str, tail: list[tuple[str, str]]) -> None:
    assert labels(text)[-len(tail) :] == tail


def test_lane_numerals_compare_equal() -> None:
    from address_normalizer import compare, normalize

    assert normalize("莲塘村二巷1号") == normalize("莲塘村2巷1号")
    assert normalize("弓村十一巷5号") == normalize("弓村11巷5号")
    assert compare("水斗坑3巷7号", "水斗坑三巷7号").relation == "exact"


@pytest.mark.parametrize(
    ("text", "want"),
    [
        # A short division name opening the text before a road whose own name would be one
        # character heads the road's name; with a division before it, it stays a division.
        ("马安山四路", [("road", "马安山四路")]),
        ("谭家岭东路18号", [("road", "谭家岭东路"), ("roadno", "18号")]),
        ("黄龙塘东二巷", [("road", "黄龙塘东二巷")]),
        ("东路桥大道", [("road", "东路桥大道")]),
        ("郑巷北路3号", [("road", "郑巷北路"), ("roadno", "3号")]),
        ("西湖区文一路3号", [("district", "西湖区"), ("road", "文一路"), ("roadno", "3号")]),
        ("永新街一巷5号", [("road", "永新街"), ("road", "一巷"), ("roadno", "5号")]),
    ],
)
def test_road_names_holding_division_like_words(text: str, want: list[tuple[str, str]]) -> None:
    assert labels(text) == want


@pytest.mark.parametrize(
    ("text", "want"),
    [
        # A short division name followed by one character that is no part of its own heads
        # a place's name; followed by 社区 it is the community's name.
        ("桃源居2栋1403", [("poi", "桃源居"), ("houseno", "2栋"), ("roomno", "1403")]),
        (
            "红星社区格布一巷5号",
            [("community", "红星社区"), ("road", "格布一巷"), ("roadno", "5号")],
        ),
        ("文三路12号809", [("road", "文三路"), ("roadno", "12号"), ("roomno", "809")]),
        ("莲花北村56栋", [("community", "莲花北村"), ("houseno", "56栋")]),
    ],
)
def test_short_division_names_heading_places(text: str, want: list[tuple[str, str]]) -> None:
    assert labels(text) == want


@pytest.mark.parametrize(
    ("text", "want"),
    [
        # A division name without its level word, or of two characters, before a road
        # suffix is the road's own name; so is a development zone's word before 路.
        (
            "嘉兴南湖井冈山路64号",
            [("city", "嘉兴"), ("district", "南湖"), ("road", "井冈山路"), ("roadno", "64号")],
        ),
        ("西区大道花园12号", [("road", "西区大道"), ("poi", "花园"), ("houseno", "12号")]),
        ("南湖区产业园路3号", [("district", "南湖区"), ("road", "产业园路"), ("roadno", "3号")]),
        ("南湖区开发区路18号", [("district", "南湖区"), ("road", "开发区路"), ("roadno", "18号")]),
        # A former two-character district (一区, 二区 in Xinjiang) opening the text is a
        # part of a place, not that district.
        ("二区95号", [("poi", "二区"), ("houseno", "95号")]),
        # A community named after a road.
        (
            "城南街道中山路社区塘尾村12号",
            [
                ("town", "城南街道"),
                ("community", "中山路社区"),
                ("community", "塘尾村"),
                ("houseno", "12号"),
            ],
        ),
    ],
)
def test_roads_named_after_divisions_and_zones(text: str, want: list[tuple[str, str]]) -> None:
    assert labels(text) == want


@pytest.mark.parametrize(
    ("text", "tail"),
    [
        # A dashed number is building and room (and unit) also before a note or a shop's
        # name, and after a door number; after a floor it is a range of rooms.
        ("南湖区塘尾新村14-1227后门", [("houseno", "14"), ("roomno", "1227"), ("assist", "后门")]),
        ("南湖区鹤山路37号6-913", [("roadno", "37号"), ("houseno", "6"), ("roomno", "913")]),
        (
            "南湖区鹤山路37号6-2-913好又多超市",
            [("roadno", "37号"), ("houseno", "6"), ("cellno", "2"), ("roomno", "913"),
             ("poi", "好又多超市")],
        ),
        ("嘉兴商城16楼807-811", [("floorno", "16楼"), ("roomno", "807-811")]),
        # A door number of four or five digits closing the address right after a named
        # place is a room (a stall); after a floor, a number is a room before a name too.
        ("南湖区嘉兴毛衫城2163号", [("poi", "嘉兴毛衫城"), ("roomno", "2163号")]),
        ("南湖区阳光小区12号", [("poi", "阳光小区"), ("houseno", "12号")]),
        (
            "嘉兴商城3楼1062号好又多超市",
            [("floorno", "3楼"), ("roomno", "1062号"), ("subpoi", "好又多超市")],
        ),
        # A letter heading a room number is part of it; before 国道 it names a road.
        ("南湖区嘉兴工具市场D1071", [("poi", "嘉兴工具市场"), ("roomno", "D1071")]),
        ("嘉兴商城5楼B416", [("floorno", "5楼"), ("roomno", "B416")]),
        ("南湖区平步大道G107国道", [("road", "平步大道"), ("road", "G107国道")]),
        # A room number before a shop's name, after a building or unit: room and shop.
        (
            "南湖区锦东家园12幢3098嘉兴金豪科技有限公司",
            [("houseno", "12幢"), ("roomno", "3098"), ("subpoi", "嘉兴金豪科技有限公司")],
        ),
    ],
)  # fmt: skip
def test_dashed_numbers_inside_the_address(text: str, tail: list[tuple[str, str]]) -> None:
    assert labels(text)[-len(tail) :] == tail
