"""What a mapping officer does in QGIS, as a PyQGIS script: run by Debian's ``python3`` (the one
``python3-qgis`` is built for, not the project's venv) with ``QT_QPA_PLATFORM=offscreen``.

``python3 qgis_session.py BASE_URL KEY STEP`` prints one JSON object of what QGIS saw. Steps:

* ``read``: connect to ``/ogc`` with an "API Header" auth config and again with Basic; load
  every collection, count its features both ways (numberMatched, and by fetching them all).
* ``edit``: rename a micro-grid and move one of its vertices a little towards its centre
  (inside its parent), ``commitChanges()``; then drag a vertex of another micro-grid into its
  sibling and draw a new micro-grid over a sibling: both commits must fail, and what QGIS
  reports (``commitErrors()`` and its message log) is printed.
* ``tiles``: add the micro-grid vector tile layer from its TileJSON with the auth config and
  render it; print the count of painted pixels.

The test (``test_qgis.py``) checks the answers against the server's own ``/v1`` API.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from typing import Any

from qgis.core import (  # type: ignore[import-not-found]
    Qgis,
    QgsApplication,
    QgsAuthMethodConfig,
    QgsBlockingNetworkRequest,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsDataSourceUri,
    QgsFeature,
    QgsFeatureRequest,
    QgsGeometry,
    QgsMapRendererParallelJob,
    QgsMapSettings,
    QgsPointXY,
    QgsProject,
    QgsRectangle,
    QgsVectorDataProvider,
    QgsVectorLayer,
    QgsVectorTileLayer,
)
from qgis.PyQt.QtCore import QEventLoop, QSize, QUrl  # type: ignore[import-not-found]
from qgis.PyQt.QtGui import QColor  # type: ignore[import-not-found]
from qgis.PyQt.QtNetwork import QNetworkRequest  # type: ignore[import-not-found]

COLLECTIONS = ["districts", "streets", "communities", "grids", "micro_grids"]
NEW_NAME = "测试微网格(QGIS改名)"


def auth_config(method: str, key: str) -> str:
    """Store an auth config in QGIS's (throw-away) auth database; its id."""
    config = QgsAuthMethodConfig(method)
    config.setName(f"onemap {method}")
    if method == "APIHeader":
        config.setConfig("X-API-Key", key)
    else:
        config.setConfig("username", "qgis")
        config.setConfig("password", key)
    manager = QgsApplication.authManager()
    ok = manager.storeAuthenticationConfig(config)
    if isinstance(ok, tuple):
        ok, config = ok
    if not ok or not config.id():
        raise SystemExit(f"QGIS refused the {method} auth config")
    return str(config.id())


def layer(base: str, collection: str, authcfg: str) -> QgsVectorLayer:
    uri = QgsDataSourceUri()
    uri.setParam("url", f"{base}/ogc")
    uri.setParam("typename", collection)
    uri.setAuthConfigId(authcfg)
    vector = QgsVectorLayer(uri.uri(False), collection, "OAPIF")
    if not vector.isValid():
        raise SystemExit(f"QGIS could not load {collection}: {vector.error().summary()}")
    return vector


def capabilities(vector: QgsVectorLayer) -> list[str]:
    caps = vector.dataProvider().capabilities()
    names = {"AddFeatures": QgsVectorDataProvider.AddFeatures,
             "DeleteFeatures": QgsVectorDataProvider.DeleteFeatures,
             "ChangeAttributeValues": QgsVectorDataProvider.ChangeAttributeValues,
             "ChangeGeometries": QgsVectorDataProvider.ChangeGeometries}  # fmt: skip
    return sorted(n for n, flag in names.items() if caps & flag)


def read(base: str, key: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for method in ("APIHeader", "Basic"):
        authcfg = auth_config(method, key)
        counts: dict[str, Any] = {}
        for collection in COLLECTIONS:
            vector = layer(base, collection, authcfg)
            fetched = sum(1 for _ in vector.getFeatures(QgsFeatureRequest().setNoAttributes()))
            counts[collection] = {"feature_count": vector.featureCount(), "fetched": fetched,
                                  "capabilities": capabilities(vector)}  # fmt: skip
        out[method] = counts
    return out


def _log() -> list[str]:
    messages: list[str] = []
    QgsApplication.messageLog().messageReceived.connect(
        lambda message, tag, level: messages.append(f"{tag}: {message}")
    )
    return messages


def _moved_towards_centre(geometry: QgsGeometry, share: float) -> QgsGeometry:
    moved = QgsGeometry(geometry)
    centre = geometry.centroid().asPoint()
    vertex = geometry.vertexAt(1)  # not the first: QGIS keeps a ring closed, but say it plainly
    x = vertex.x() + (centre.x() - vertex.x()) * share
    y = vertex.y() + (centre.y() - vertex.y()) * share
    moved.moveVertex(x, y, 1)
    return moved


def edit(base: str, key: str, code: str, sibling: str) -> dict[str, Any]:
    messages = _log()
    vector = layer(base, "micro_grids", auth_config("APIHeader", key))
    wanted = QgsFeatureRequest().setFilterExpression(f"\"code\" IN ('{code}', '{sibling}')")
    by_code = {f["code"]: f for f in vector.getFeatures(wanted)}
    target, other = by_code[code], by_code[sibling]
    out: dict[str, Any] = {"capabilities": capabilities(vector)}

    vector.startEditing()
    vector.changeAttributeValue(target.id(), vector.fields().indexOf("name"), NEW_NAME)
    moved = _moved_towards_centre(target.geometry(), 0.2)
    vector.changeGeometry(target.id(), moved)
    out["commit_ok"] = vector.commitChanges()
    out["commit_errors"] = list(vector.commitErrors())
    out["moved_vertex"] = [moved.vertexAt(1).x(), moved.vertexAt(1).y()]

    # drag a vertex of the sibling deep into the (edited) micro-grid: an overlap
    vector.startEditing()
    into = target.geometry().centroid().asPoint()
    overlap = QgsGeometry(other.geometry())
    nearest = overlap.closestVertex(QgsPointXY(into))[1]
    overlap.moveVertex(into.x(), into.y(), nearest)  # a ring's first and last move together
    vector.changeGeometry(other.id(), overlap)
    out["overlap_commit_ok"] = vector.commitChanges()
    out["overlap_commit_errors"] = list(vector.commitErrors())
    vector.rollBack()

    # draw a new micro-grid over the sibling
    vector.startEditing()
    new = QgsFeature(vector.fields())
    new.setAttribute("code", code[:15] + "901")
    new.setAttribute("name", "重叠的微网格")
    new.setGeometry(other.geometry())
    vector.addFeature(new)
    out["add_commit_ok"] = vector.commitChanges()
    out["add_commit_errors"] = list(vector.commitErrors())
    vector.rollBack()
    QgsApplication.processEvents()  # deliver log messages queued by the network thread
    out["log"] = messages
    return out


def tiles(base: str, key: str, code: str) -> dict[str, Any]:
    messages = _log()
    authcfg = auth_config("APIHeader", key)
    request = QgsBlockingNetworkRequest()
    request.setAuthCfg(authcfg)
    status = request.get(QNetworkRequest(QUrl(f"{base}/tiles/micro_grids.json")))
    if status != QgsBlockingNetworkRequest.NoError:
        raise SystemExit(f"TileJSON: {request.errorMessage()}")
    tilejson = json.loads(bytes(request.reply().content()).decode())
    uri = QgsDataSourceUri()
    uri.setParam("type", "xyz")
    uri.setParam("url", tilejson["tiles"][0])
    uri.setParam("zmin", str(tilejson.get("minzoom", 0)))
    uri.setParam("zmax", str(tilejson.get("maxzoom", 14)))
    uri.setAuthConfigId(authcfg)
    encoded = bytes(uri.encodedUri()).decode()
    out: dict[str, Any] = {"tilejson_tiles": tilejson["tiles"][0], "uri": encoded}
    # without the key first: QGIS's network cache would otherwise answer from the keyed tiles
    for label, source in (("without_key", encoded.split("&authcfg")[0]), ("with_key", encoded)):
        layer_ = QgsVectorTileLayer(source, "微网格")
        out[f"{label}_valid"] = layer_.isValid()
        out[f"{label}_painted"] = _painted(layer_, base, key, code)
    out["log"] = messages
    return out


def _painted(tile_layer: QgsVectorTileLayer, base: str, key: str, code: str) -> int:
    """Pixels the layer paints over one micro-grid's surroundings, at the layer's max zoom."""
    target = layer(base, "micro_grids", auth_config("APIHeader", key))
    feature = next(
        target.getFeatures(QgsFeatureRequest().setFilterExpression(f"\"code\" = '{code}'"))
    )
    box = feature.geometry().boundingBox()
    box.grow(0.005)
    mercator = QgsCoordinateReferenceSystem("EPSG:3857")
    to_mercator = QgsCoordinateTransform(target.crs(), mercator, QgsProject.instance())
    settings = QgsMapSettings()
    settings.setLayers([tile_layer])
    settings.setDestinationCrs(mercator)
    settings.setExtent(QgsRectangle(to_mercator.transformBoundingBox(box)))
    settings.setOutputSize(QSize(256, 256))
    settings.setBackgroundColor(QColor(255, 255, 255, 0))
    # An event loop, not waitForFinished(): a 401's login prompt is handled on this thread
    # (headless, QGIS's default handler logs it and gives no credentials).
    job = QgsMapRendererParallelJob(settings)
    loop = QEventLoop()
    job.finished.connect(loop.quit)
    job.start()
    loop.exec_()
    image = job.renderedImage()
    image.save(os.environ.get("ONEMAP_QGIS_SNAPSHOT", "/dev/null"), "PNG")
    return sum(1 for y in range(image.height()) for x in range(image.width())
               if QColor.fromRgba(image.pixel(x, y)).alpha() > 0)  # fmt: skip


def main() -> None:
    base, key, step, *rest = sys.argv[1:]
    profile = tempfile.mkdtemp(prefix="qgis-profile-")
    os.environ.setdefault("QGIS_AUTH_DB_DIR_PATH", profile)
    app = QgsApplication([], False, profile)
    app.initQgis()
    QgsApplication.authManager().setMasterPassword("onemap-test", True)
    result: dict[str, Any] = {"qgis_version": Qgis.QGIS_VERSION}
    if step == "read":
        result |= read(base, key)
    elif step == "edit":
        result |= edit(base, key, rest[0], rest[1])
    elif step == "tiles":
        result |= tiles(base, key, rest[0])
    print(json.dumps(result, ensure_ascii=False))
    app.exitQgis()


if __name__ == "__main__":
    main()
