"""Masking personal numbers in free text: mobile and landline phones, ID-card numbers.

Citizens put their phone number or ID-card number into a report's description ("请回电
13812345678"), and hotline operators copy it into the address. The record keeps the raw text;
every answer shows the masked form unless a dispatcher asks for the raw text of one report
(and that read is audited). Masking errs towards hiding: an 11-digit lamp-post number that
looks like a mobile number is masked too, which costs a dispatcher one click.

Full-width digits (１３８...) and numbers spoken into a hotline and typed in Chinese numerals
(一三八...) are caught as well: the text is matched in an ASCII-digit form of the same length.

Examples
--------
>>> mask_text("请回电13812345678，身份证330402199001011234")
'请回电138****5678，身份证330***********1234'
>>> mask_text("座机 0573-82345678")
'座机 0573-****5678'
"""

from __future__ import annotations

import re

__all__ = ["mask_contact", "mask_text"]

_ID_18 = re.compile(
    r"(?<![0-9])([1-9][0-9]{2})([0-9]{3}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])"
    r"(?:0[1-9]|[12][0-9]|3[01]))(?=[0-9]{3}[0-9Xx](?![0-9]))"
)
_ID_15 = re.compile(
    r"(?<![0-9])([1-9][0-9]{2})([0-9]{5}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01]))"
    r"(?=[0-9]{3}(?![0-9]))"
)
# Mobile numbers, optionally after +86 / 0086, optionally split 3-4-4 by a space or a dash.
_MOBILE = re.compile(
    r"(?<![0-9])((?:\+?86[- ]?|0086[- ]?)?1[3-9][0-9])([- ]?[0-9]{4})(?=[- ]?[0-9]{4}(?![0-9]))"
)
# Landlines: a 3- or 4-digit area code starting with 0, then 7 or 8 digits.
_LANDLINE = re.compile(r"(?<![0-9])(0[0-9]{2,3}[- ]?)([0-9]{3,4})(?=[0-9]{4}(?![0-9]))")
_PATTERNS = (_ID_18, _ID_15, _MOBILE, _LANDLINE)
# One character for one character, so positions found in the ASCII form hold in the original.
_AS_ASCII = str.maketrans(
    "０１２３４５６７８９〇零一幺二两三四五六七八九",
    "01234567890011223456789",
)


# Every pattern above needs four digits in a row somewhere (the last group of a phone number,
# the tail of an ID-card number): text without such a run has nothing to mask.
_FOUR_DIGITS = re.compile(r"[0-9]{4}")


def mask_text(text: str | None) -> str | None:
    """``text`` with phone and ID-card numbers masked; None stays None.

    ID-card numbers keep their first three and last four characters (15-digit ones their last
    three), mobile numbers their first three and last four digits, landlines their area code
    and last four digits. Separators (spaces, dashes) are kept.
    """
    if not text:
        return text
    ascii_form = text.translate(_AS_ASCII)
    if _FOUR_DIGITS.search(ascii_form) is None:
        return text  # the common case (every answer of a batch): skip the four patterns
    hidden = bytearray(len(text))
    for pattern in _PATTERNS:
        found = False
        for match in pattern.finditer(ascii_form):
            start, end = match.span(2)
            if not any(hidden[start:end]):
                hidden[start:end] = b"\x01" * (end - start)
                found = True
        if found:  # later patterns must not see digits an earlier one hid
            ascii_form = "".join("#" if h else c for c, h in zip(ascii_form, hidden, strict=True))
    if not any(hidden):
        return text
    return "".join("*" if h and c not in "- " else c for c, h in zip(text, hidden, strict=True))


def mask_contact(contact: dict[str, str] | None) -> dict[str, str] | None:
    """A reporter's contact details as a viewer may see them: name initial, masked numbers."""
    if not contact:
        return contact
    shown: dict[str, str] = {}
    for key, value in contact.items():
        if key == "name" and value:
            shown[key] = value[0] + "*" * (len(value) - 1)
        elif key == "email" and "@" in value:
            user, _, domain = value.partition("@")
            shown[key] = (user[:1] + "***@" + domain) if user else value
        else:
            shown[key] = mask_text(value) or value
    return shown
