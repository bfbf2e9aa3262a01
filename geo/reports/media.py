"""Photos attached to a report: what is accepted, judged by the bytes and not the file name.

A phone app or an Open311 client may label anything ``photo.jpg``; only the content's magic
numbers decide. JPEG, PNG and WebP are accepted (what phones and browsers produce and every
browser shows); anything else is refused, as is a file over the size limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from geo.errors import InvalidInputError, PayloadTooLargeError

__all__ = ["MEDIA_TYPES", "MediaRecord", "NewMedia", "checked_photo", "sniff_media_type"]

MEDIA_TYPES = ("image/jpeg", "image/png", "image/webp")


def sniff_media_type(data: bytes) -> str | None:
    """The image type the bytes are, by their signature; None for anything else."""
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


@dataclass(frozen=True, slots=True)
class NewMedia:
    """A photo to store with a report: uploaded bytes, or a link the reporter gave."""

    content_type: str | None
    data: bytes | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class MediaRecord:
    """A stored photo (``data`` None when only listing, or for a link)."""

    id: int
    report_id: int
    content_type: str | None
    size: int | None
    url: str | None
    created_at: datetime
    data: bytes | None = None


def checked_photo(data: bytes, *, max_bytes: int, field: str = "media") -> NewMedia:
    """An uploaded photo as stored, or a 4xx naming ``field``: too big, empty or not an image."""
    if len(data) > max_bytes:
        raise PayloadTooLargeError(
            f"{field} is {len(data):,} bytes; photos may be at most {max_bytes:,}", field=field
        )
    if not data:
        raise InvalidInputError(f"{field} is empty", field=field)
    kind = sniff_media_type(data)
    if kind is None:
        raise InvalidInputError(
            f"{field} is not a JPEG, PNG or WebP image (judged by its content)", field=field
        )
    return NewMedia(content_type=kind, data=data)
