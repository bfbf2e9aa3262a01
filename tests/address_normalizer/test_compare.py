"""compare(): exact, partial and none on hand-made pairs."""

import pytest

from address_normalizer import compare


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("杭州市西湖区文三路12号3幢", "文三路12号三号楼"),
        ("阳光小区3幢2单元301室", "阳光小区三栋二单元301房"),
        ("浙江省嘉兴市南湖区中山路1号", "南湖区中山路１号"),
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
        ("阳光小区3幢2单元301室", "阳光小区3幢"),
        ("文三路12号", "文三路88号"),
    ],
)
def test_partial(a: str, b: str) -> None:
    assert compare(a, b).relation == "partial"


@pytest.mark.parametrize(
    ("a", "b"),
    [("中山路1号阳光小区", "解放路9号春江花园"), ("三墩镇绿城小区", "七星街道金色家园")],
)
def test_none(a: str, b: str) -> None:
    result = compare(a, b)
    assert result.relation == "none"
    assert result.score < 0.5


def test_score_orders_relations() -> None:
    exact = compare("文三路12号3幢", "文三路12号3幢").score
    partial = compare("文三路12号3幢", "文三路12号5幢").score
    assert exact > partial
