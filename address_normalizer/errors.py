"""Errors raised on bad address input.

The API layer maps :class:`AddressInputError` to HTTP 422; it is a ``ValueError`` so plain
Python callers can catch it without importing this package.
"""

from __future__ import annotations

MAX_LENGTH = 200


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


class BuildCancelledError(Exception):
    """Raised inside a long build (an :class:`~address_normalizer.AddressIndex`) when the
    caller's ``cancelled`` callback says the result is no longer wanted."""
