"""The PyPI Open311 client ``georeport`` 0.3.1: services, a service definition, and reading
a request back, in JSON and XML. It sends no key on reads: it logs in with HTTP Basic from a
``.netrc`` (``requests`` reads it), or reads anonymously when ``ONEMAP_OPEN311_PUBLIC_READS``
is on. 0.3.1 has no submit call: the request is posted the spec's way with ``requests`` (the
client's own HTTP library) and the client's ``api_key``."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from georeport import GeoReport

from tests.clients.conftest import City


@pytest.fixture
def netrc(served_city: City, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    host = urlsplit(served_city.base).hostname
    path = tmp_path / "netrc"
    path.write_text(f"machine {host} login georeport password {served_city.editor}\n")
    path.chmod(0o600)
    monkeypatch.setenv("NETRC", str(path))


def test_georeport_lists_services_posts_and_reads_back(served_city: City, netrc: None) -> None:
    assert version("georeport") == "0.3.1"
    dispatcher = served_city.admin
    for fmt in ("json", "xml"):
        client = GeoReport(f"{served_city.base}/open311/v2", api_key=dispatcher, output_format=fmt)
        services = client.get_service_list()
        codes = [s["service_code"] for s in services]
        assert "noise" in codes and len(codes) == 8, fmt
        definition = client.get_service_definition("noise")
        assert definition["service_code"] == "noise"
    json_client = GeoReport(f"{served_city.base}/open311/v2", api_key=dispatcher)
    address = served_city.get("/v1/addresses", limit=1)["items"][0]
    posted = requests.post(f"{json_client.root_address}/requests.json",
                           data={"api_key": json_client.api_key, "service_code": "noise",
                                 "lat": address["lat"], "long": address["lon"],
                                 "description": "广场舞噪声，电话13900001111",
                                 "attribute[urgency]": "urgent"}, timeout=30)  # fmt: skip
    assert posted.status_code == 201, posted.text
    request_id = posted.json()[0]["service_request_id"]
    found = json_client.get_service_request(request_id)
    assert found["service_code"] == "noise" and "139****1111" in found["description"]
    xml_found = GeoReport(f"{served_city.base}/open311/v2", output_format="xml")
    assert xml_found.get_service_request(request_id)["service_request_id"] == request_id
    listed = json_client.get_service_requests(service_code="noise")
    assert request_id in [r["service_request_id"] for r in listed]


def test_georeport_without_any_key_is_refused(served_city: City) -> None:
    client = GeoReport(f"{served_city.base}/open311/v2")
    with pytest.raises(requests.HTTPError) as refused:
        client.get_service_list()
    assert refused.value.response.status_code == 401
