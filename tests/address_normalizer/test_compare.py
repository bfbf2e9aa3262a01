"""compare(): exact, partial and none on hand-made pairs."""

import pytest

from address_normalizer import compare


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("杭州市西湖区文三路12号3幢", "文三路12号三号楼"),
        ("阳光小区3幢2单元301室", "阳光小区三栋二单元301房"),
        ("浙江省嘉兴市南湖区中山路1号", "南湖区中山路１号"),
        # A unit and room inside the building the other names: the same place (the CCKS 2021
        # convention, and the same point for geocoding).
        ("阳光小区3幢2单元301室", "阳光小区3幢"),
        # 1门 after a building is its stairwell (as written in the north-east), not a gate.
        ("金桥小区17栋1门5楼", "金桥小区17栋"),
        # Place names ending in 门 are places, not gates.
        ("宣武门小区3幢", "宣武门小区三号楼"),
        # The same named place, once with its street and door, once with its district only.
        ("南湖区新兴街道东升路18号宏达机械厂", "南湖区宏达机械厂"),
        # 禾兴街道 is in 南湖区; 溧水县 became 溧水区; 解放街道 is a former township whose
        # name the national list only has elsewhere, which rules nothing out.
        ("禾兴街道中山路1号", "南湖区中山路1号"),
        ("溧水县永阳镇宝塔路8号", "溧水区宝塔路8号"),
        ("解放街道中山路1号", "南湖区中山路1号"),
    ],
)
def test_exact(a: str, b: str) -> None:
    result = compare(a, b)
    assert result.relation == "exact"
    assert result.score >= 0.7


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("文三路12号3幢", "文三路12号5幢"),
        # A building the other address does not name: the other is the whole compound.
        ("阳光小区3幢2单元301室", "阳光小区"),
        ("文三路12号", "文三路88号"),
        # The same compound name on two different roads: related, never the same place.
        ("海棠路桃园小区5号楼", "莲西路桃园小区5号楼"),
        # A gate or entrance of a place is part of it, not the place.
        ("文三路12号阳光小区", "文三路12号阳光小区(东南门)"),
        ("文三路12号阳光小区", "文三路12号阳光小区南门"),
        ("阳光小区3号门", "阳光小区"),
        # Two branches of one name at one address.
        ("中山路88号大洋百货(新街口店)", "中山路88号大洋百货(河西店)"),
        # Two firms in one building, and a firm and the building it is in.
        ("庐山路158号2幢华光贸易公司", "庐山路158号2幢青禾印刷厂"),
        ("庐山路158号2幢华光贸易公司", "庐山路158号2幢"),
        # Opposite a shop is beside it, not in it.
        ("新建北街2号春辉电器斜对面", "新建北街2号春辉电器"),
        # One firm's name in one district, at different buildings.
        ("禾兴街道宏达机械厂5幢", "南湖区嘉兴宏达机械厂3幢"),
        # One firm's name at two doors of one road.
        ("中山路71号宏达公司", "中山路289号宏达公司"),
        # A lane and door inside a village, a part of a compound: inside it, not it.
        ("南湖区东栅村中街四巷7号", "南湖区东栅村"),
        ("春江路春江小区", "春江路42号春江小区东区"),
    ],
)
def test_partial(a: str, b: str) -> None:
    assert compare(a, b).relation == "partial"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("中山路1号阳光小区", "解放路9号春江花园"),
        ("三墩镇绿城小区", "七星街道金色家园"),
        # The same compound name in two districts: two places.
        ("西湖区阳光小区3幢", "余杭区阳光小区3幢"),
        # One name on two roads, nothing else shared: two branches, two compounds.
        ("中山路世纪华联超市", "解放路世纪华联超市"),
        ("海棠路桃园小区", "莲西路桃园小区"),
        # A township (禾兴街道, 南湖区 on the national list) and a district it is not in.
        ("禾兴街道中山路1号", "秀洲区中山路1号"),
    ],
)
def test_none(a: str, b: str) -> None:
    result = compare(a, b)
    assert result.relation == "none"
    assert result.score < 0.5


def test_score_orders_relations() -> None:
    exact = compare("文三路12号3幢", "文三路12号3幢").score
    partial = compare("文三路12号3幢", "文三路12号5幢").score
    assert exact > partial
