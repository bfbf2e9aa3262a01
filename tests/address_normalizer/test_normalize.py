"""Normalisation rules, one concrete case each, and idempotence as a property."""

from hypothesis import given, settings
from hypothesis import strategies as st

from address_normalizer import normalize
from address_normalizer.numerals import chinese_to_int
from address_normalizer.text import PLAIN_RANGES, _fold, clean

ADDRESS_CHARS = st.sampled_from(
    list("浙江省杭州市西湖区文三路街道镇村社区小区幢栋座号楼单元室房户层一二三四五六七八九十百零两")
    + list("0123456789０１２３ABCａｂ -—#（）,，、⻄⻓⾦")
)


def test_full_width_digits_and_letters_become_ascii() -> None:
    assert normalize("文三路１２号Ａ座") == "文三路12号A幢"


def test_radical_look_alikes_become_characters() -> None:
    assert normalize("⻄湖⻓⾦路1号") == "西湖长金路1号"


def test_whitespace_and_punctuation_are_dropped() -> None:
    assert normalize(" 文三路, 12号（东门）") == "文三路12号东门"


def test_hyphen_kept_between_numbers_only() -> None:
    assert normalize("阳光小区12-3-1001") == "阳光小区12-3-1001"
    assert normalize("浙江-杭州-西湖区") == "西湖区"


def test_numerals_before_building_unit_room() -> None:
    assert normalize("三号楼二单元一零二室") == "3幢2单元102室"


def test_positional_numerals() -> None:
    assert normalize("十二幢") == "12幢"
    assert normalize("二十三组") == "23组"


def test_numerals_inside_names_stay() -> None:
    for name in ("三墩镇", "七星街道", "十八里桥", "第三网格", "六和路"):
        assert normalize(name) == name


def test_building_synonyms() -> None:
    assert normalize("5栋") == normalize("5号楼") == normalize("5座") == "5幢"


def test_room_synonyms() -> None:
    assert normalize("302房") == normalize("302户") == "302室"


def test_floor_synonyms() -> None:
    assert normalize("五楼") == normalize("5F") == "5层"


def test_province_and_city_dropped_before_district() -> None:
    assert normalize("浙江省嘉兴市南湖区中山路1号") == "南湖区中山路1号"
    assert normalize("中国浙江杭州西湖区") == "西湖区"


def test_prefix_kept_without_district() -> None:
    assert normalize("嘉兴市中山路1号") == "嘉兴市中山路1号"


def test_plain_characters_fold_to_themselves() -> None:
    # clean() returns text made only of these characters unchanged, without folding each one.
    ranges = PLAIN_RANGES
    chars = [
        chr(c)
        for lo, hi in zip(ranges[::3], ranges[2::3], strict=True)
        for c in range(ord(lo), ord(hi) + 1)
    ]
    assert len(chars) == 6592 + 20992 + 10 + 26
    assert [ch for ch in chars if _fold(ch) != ch] == []
    assert clean("嘉兴市南湖区A12") == ("嘉兴市南湖区A12", [0, 1, 2, 3, 4, 5, 6, 7, 8])
    assert clean("嘉兴 南湖-a１") == ("嘉兴南湖A1", [0, 1, 3, 4, 6, 7])


def test_chinese_to_int() -> None:
    assert chinese_to_int("一零二") == 102
    assert chinese_to_int("二百零五") == 205
    assert chinese_to_int("十") == 10
    assert chinese_to_int("十十") is None


@settings(max_examples=300, deadline=None)
@given(st.text(ADDRESS_CHARS, min_size=1, max_size=40).filter(str.strip))
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    if once:
        assert normalize(once) == once
