"""Errors raised on bad address input.

The API layer maps :class:`AddressInputError` to HTTP 422; it is a ``ValueError`` so plain
Python callers can catch it without importing this package.
"""

from __future__ import annotations

import unicodedata

MAX_LENGTH = 200
# Control, surrogate, private-use and unassigned code points: what binary data decodes to,
# never part of an address someone typed.
_BINARY = frozenset({"Cc", "Cs", "Co", "Cn"})


class AddressInputError(ValueError):
    """Raised when an address argument is empty, too long or not text.

    Parameters
    ----------
    message : str
        A safe public message naming the problem.
    field : str
        The argument (or request field) that carried the bad value.
    """

    def __init__(self, message: str, field: str = "address") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def check_text(value: object, field: str = "address") -> str:
    """Return ``value`` if it is usable address text, else raise :class:`AddressInputError`.

    Length is checked on the text as given (before normalisation) so that the limit the API
    documents is the one a client can count.
    """
    if not isinstance(value, str):
        raise AddressInputError(f"{field} must be a string", field)
    if not value.strip():
        raise AddressInputError(f"{field} must not be empty", field)
    if len(value) > MAX_LENGTH:
        raise AddressInputError(f"{field} must be at most {MAX_LENGTH} characters", field)
    return value


def check_typed_text(value: object, field: str = "address") -> str:
    """:func:`check_text`, and text a person could have typed as an address.

    For service boundaries: binary data and text with no letter, digit or Chinese character
    are refused there, while the library's own functions stay total over any string.
    """
    text = check_text(value, field)
    if is_binary(text):
        raise AddressInputError(f"{field} must be text, not control or binary characters", field)
    if not any(c.isalnum() for c in text):
        raise AddressInputError(f"{field} holds no letters, digits or Chinese characters", field)
    return text


def is_binary(value: str) -> bool:
    """Whether text holds characters no person types: what binary data decodes to.

    Tabs and line breaks are typed; NUL and other control characters, surrogates, private-use
    and unassigned code points are not (and PostgreSQL refuses NUL in text outright).
    """
    return any(unicodedata.category(c) in _BINARY for c in value if c not in "\t\n\r")


class BuildCancelledError(Exception):
    """Raised inside a long build (an :class:`~address_normalizer.AddressIndex`) when the
    caller's ``cancelled`` callback says the result is no longer wanted."""
