"""Report photos in both stores: stored with their report, listed without bytes, read back
byte for byte, audited; and what counts as a photo is judged by the content."""

from __future__ import annotations

import pytest

from geo.errors import InvalidInputError, NotFoundError, PayloadTooLargeError
from geo.reports import NewMedia, checked_photo, sniff_media_type
from geo.stores import Store
from tests.geo.stores.test_report_store import IN_A, report, store, submit

__all__ = ["store"]  # the seeded fixture, shared with the report store tests

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 40
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 30


@pytest.mark.parametrize(("data", "kind"), [(PNG, "image/png"), (JPEG, "image/jpeg"),
                                            (WEBP, "image/webp"), (b"GIF89a" + PNG, None),
                                            (b"<svg/>", None), (b"", None)])  # fmt: skip
def test_a_photo_is_what_its_bytes_say(data: bytes, kind: str | None) -> None:
    assert sniff_media_type(data) == kind


def test_photos_are_checked_for_size_and_content() -> None:
    assert checked_photo(PNG, max_bytes=1000).content_type == "image/png"
    with pytest.raises(PayloadTooLargeError):
        checked_photo(PNG, max_bytes=10)
    with pytest.raises(InvalidInputError) as refused:
        checked_photo(b"%PDF-1.7 photo.jpg", max_bytes=1000)
    assert refused.value.field == "media"


def test_photos_are_stored_with_their_report(store: Store) -> None:
    [report_id] = submit(store, report(IN_A))
    media = [NewMedia("image/png", PNG), NewMedia(None, url="https://example.invalid/a.jpg")]
    stored = store.add_report_media(report_id, media, actor="tester", key_id="k1")
    assert [m.size for m in stored] == [len(PNG), None]
    listed = store.list_report_media([report_id, 999])
    assert list(listed) == [report_id]
    assert [(m.content_type, m.url, m.data) for m in listed[report_id]] == [
        ("image/png", None, None), (None, "https://example.invalid/a.jpg", None)]  # fmt: skip
    photo = store.get_report_media(report_id, stored[0].id)
    assert photo.data == PNG and photo.content_type == "image/png"
    with pytest.raises(NotFoundError):
        store.get_report_media(report_id + 1, stored[0].id)
    with pytest.raises(NotFoundError):
        store.add_report_media(report_id + 1, media, actor="tester", key_id="k1")
    audit = store.list_audit(limit=5, offset=0, target=str(report_id)).items
    assert any(a["action"] == "reports.media" for a in audit)
