"""Bad input raises AddressInputError (a ValueError) naming the field."""

import pytest

from address_normalizer import AddressInputError, check_typed_text, compare, normalize, parse


@pytest.mark.parametrize("bad", ["", "   ", "路" * 201, None, 12, b"bytes"])
@pytest.mark.parametrize("func", [normalize, parse])
def test_bad_input_is_rejected(func, bad) -> None:
    with pytest.raises(AddressInputError) as info:
        func(bad)
    assert info.value.field == "address"


def test_error_is_a_value_error() -> None:
    assert issubclass(AddressInputError, ValueError)


def test_two_hundred_characters_are_fine() -> None:
    assert parse("路" * 200).normalized


def test_compare_checks_both_sides() -> None:
    with pytest.raises(AddressInputError):
        compare("文三路1号", "")


@pytest.mark.parametrize(
    ("text", "reason"),
    [("\x00上海路1号", "binary"), ("上海路\x1b[0m", "binary"), ("\ue000号", "binary"),
     ("！？……——", "no letters"), ("   ·  ", "no letters")],
)  # fmt: skip
def test_typed_text_refuses_binary_and_content_free_text(text: str, reason: str) -> None:
    with pytest.raises(AddressInputError) as info:
        check_typed_text(text, "full_text")
    assert info.value.field == "full_text" and reason.split()[0] in info.value.message.lower()


@pytest.mark.parametrize("text", ["上海路1号\t3幢", "No. 5 Lane 弄", "一", "①号楼"])
def test_typed_text_accepts_what_people_type(text: str) -> None:
    assert check_typed_text(text) == text
