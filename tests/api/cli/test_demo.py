"""The README's first command, end to end: ``onemap demo`` builds the city and serves it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.live_server import free_port

STARTUP_LIMIT_S = 120


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Path]]:
    data_dir = tmp_path_factory.mktemp("demo")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONEMAP_")}
    command = [
        sys.executable,
        "-m",
        "api",
        "demo",
        "--data-dir",
        str(data_dir),
        "--port",
        str(port),
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
        cwd=data_dir,
    )  # fmt: skip
    base, admin_key = f"http://127.0.0.1:{port}", ""
    deadline = time.monotonic() + STARTUP_LIMIT_S
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("admin key: "):
                admin_key = line.removeprefix("admin key: ").strip()
                break
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        yield base, admin_key, data_dir
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_demo_serves_the_real_districts_within_two_minutes(demo: tuple[str, str, Path]) -> None:
    base, admin_key, _ = demo
    assert admin_key.startswith("om_")
    answer = httpx.get(f"{base}/v1/areas?level=district", headers={"X-API-Key": admin_key})
    assert answer.status_code == 200
    names = {f["properties"]["code"]: f["properties"]["name"] for f in answer.json()["features"]}
    assert names == {
        "330402": "南湖区", "330411": "秀洲区", "330421": "嘉善县", "330424": "海盐县",
        "330481": "海宁市", "330482": "平湖市", "330483": "桐乡市",
    }  # fmt: skip


def test_demo_keeps_its_data_and_key_in_the_data_dir(demo: tuple[str, str, Path]) -> None:
    base, admin_key, data_dir = demo
    assert (data_dir / "onemap.db").exists()
    assert (data_dir / "demo-admin.key").read_text("utf-8").strip() == admin_key
    assert httpx.get(f"{base}/v1/areas?level=district").status_code == 401


def test_demo_adds_its_layers_and_reports_once_serving(demo: tuple[str, str, Path]) -> None:
    base, admin_key, _ = demo
    headers = {"X-API-Key": admin_key}
    deadline = time.monotonic() + 300
    layers: list[str] = []
    while time.monotonic() < deadline:
        layers = [
            x["name"] for x in httpx.get(f"{base}/v1/layers", headers=headers).json()["layers"]
        ]
        if (
            len(layers) == 5
            and httpx.get(f"{base}/v1/reports?limit=1", headers=headers).json()["total"]
        ):
            break
        time.sleep(2)
    assert sorted(layers) == ["buildings", "enterprises", "hydrants", "manholes", "street_lamps"]
    headline = httpx.get(f"{base}/v1/stats/dashboard", headers=headers).json()["headline"]
    assert headline["open"] > 0
