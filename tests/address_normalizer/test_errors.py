"""Bad input raises AddressInputError (a ValueError) naming the field."""

import pytest

from address_normalizer import AddressInputError, compare, normalize, parse


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
