"""The one-map page (一张图), written with folium and served with every asset local.

folium writes the Leaflet map, the layer control and the vector-tile, cluster and heat
layers; ``api/static/map/onemap.js`` adds what needs the API at run time (labels, search,
click-to-locate, reports, statistics, version checks). folium's CDN defaults are replaced by
the copies under ``api/static/vendor`` so that the page works on an intranet with no
internet access; the page's Content-Security-Policy then forbids any other origin.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import folium
from branca.element import Element, Figure, MacroElement
from folium.plugins import HeatMap, MarkerCluster, VectorGridProtobuf
from jinja2 import Template

from tiles import LAYERS, LayerSpec, LonLatBox

__all__ = ["ASSETS", "KEY_PLACEHOLDER", "PageOptions", "build_page", "content_security_policy"]

ASSETS = {
    "leaflet_js": "vendor/leaflet-1.9.4/leaflet.js",
    "leaflet_css": "vendor/leaflet-1.9.4/leaflet.css",
    "vectorgrid_js": "vendor/leaflet.vectorgrid-1.3.0/Leaflet.VectorGrid.bundled.min.js",
    "cluster_js": "vendor/leaflet.markercluster-1.5.3/leaflet.markercluster.js",
    "cluster_css": "vendor/leaflet.markercluster-1.5.3/MarkerCluster.css",
    "cluster_default_css": "vendor/leaflet.markercluster-1.5.3/MarkerCluster.Default.css",
    "heat_js": "vendor/leaflet.heat-0.2.0/leaflet-heat.js",
    "messages_js": "shared/messages.js",
    "echarts_js": "vendor/echarts-5.6.0/echarts.common.min.js",
    "onemap_js": "map/onemap.js",
    "leaders_js": "map/leaders.js",
    "onemap_css": "map/onemap.css",
}
"""Every script and stylesheet the page loads, relative to the static mount."""

KEY_PLACEHOLDER = "__ONEMAP_API_KEY__"
"""Stands for the viewer's key in the cached page; :func:`with_key` fills it per request."""

# Overlays in the layer control's order, each with its style and stacking order: coarser
# outlines are drawn over finer ones.
_STYLES: dict[str, tuple[str, int]] = {
    "districts": ('{"weight": 2.5, "color": "#5b2c83", "fill": false}', 8),
    "streets": ('{"weight": 1.8, "color": "#1f5fa8", "fill": false}', 7),
    "communities": ('{"weight": 1, "color": "#2e8b57", "fill": false}', 6),
    "grids": ("onemap.gridStyle", 5),
    "micro_grids": ('{"weight": 0.5, "color": "#9e9e9e", "fill": false}', 4),
    "addresses": (
        '{"radius": 2.5, "fill": true, "fillColor": "#333333", "fillOpacity": 0.8, '
        '"stroke": false}',
        9,
    ),
}
_NAMES = {
    "districts": "区县界",
    "streets": "街道(乡镇)界",
    "communities": "社区(村)界",
    "grids": "网格",
    "micro_grids": "微网格",
    "addresses": "标准地址",
}
# The service's own base map: the districts filled, under everything else.
_BASE_STYLE = '{"weight": 0, "fill": true, "fillColor": "#f6f3fa", "fillOpacity": 1}'
_BASE_Z = 1
_CHOROPLETH_Z = 3


@dataclass(frozen=True, slots=True)
class PageOptions:
    """What varies between pages: where things are, the data version and extent, the basemap."""

    static: str
    root: str
    version: int
    bounds: LonLatBox | None
    basemap_url: str | None = None
    basemap_attribution: str = ""
    basemap_subdomains: str = "abc"
    refresh_s: int = 30
    has_logout: bool = True


def content_security_policy(basemap_origin: str | None) -> str:
    """Only this origin (and the basemap's, if one is set) may serve anything to the page."""
    images = "'self' data: blob:" + (f" {basemap_origin}" if basemap_origin else "")
    return (
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
        f"img-src {images}; connect-src 'self'; worker-src 'self' blob:; font-src 'self'; "
        "frame-ancestors 'self'; base-uri 'self'; form-action 'self'"
    )


def _local(
    element: Any, static: str, js: list[tuple[str, str]], css: list[tuple[str, str]]
) -> None:
    """Point a folium element's JS/CSS at this service instead of a CDN."""
    element.default_js = [(name, f"{static}/{ASSETS[path]}") for name, path in js]
    element.default_css = [(name, f"{static}/{ASSETS[path]}") for name, path in css]


def _vector_layer(
    spec: LayerSpec,
    url: str,
    style: str,
    name: str,
    *,
    show: bool,
    z_index: int,
    overlay: bool = True,
) -> Any:
    options = (
        "{"
        f'"minZoom": {spec.minzoom}, "maxNativeZoom": {spec.maxzoom}, "maxZoom": 19, '
        f'"zIndex": {z_index}, "interactive": false, "rendererFactory": L.canvas.tile, '
        # Tiles load for the zoom the map settles on, never for the levels a zoom passes.
        '"updateWhenZooming": false, '
        '"fetchOptions": onemap.fetchOptions(), '
        f'"vectorTileLayerStyles": {{"{spec.name}": {style}}}'
        "}"
    )
    return VectorGridProtobuf(url, name=name, options=options, show=show, overlay=overlay)


def build_page(opts: PageOptions) -> str:
    """The page's HTML, with :data:`KEY_PLACEHOLDER` where the viewer's key goes."""
    figure = Figure(title="一张图 · 网格化管理")
    box = opts.bounds or LonLatBox(120.0, 30.2, 121.5, 31.1)
    m = folium.Map(
        location=[(box.south + box.north) / 2, (box.west + box.east) / 2],
        zoom_start=10,
        tiles=None,
        control_scale=True,
        prefer_canvas=True,
        min_zoom=4,
        max_zoom=19,
    )
    m.add_to(figure)
    _local(m, opts.static, [("leaflet", "leaflet_js")], [("leaflet_css", "leaflet_css")])
    m.fit_bounds([[box.south, box.west], [box.north, box.east]])
    templates = {
        name: f"{opts.root}/tiles/{name}/{{z}}/{{x}}/{{y}}.mvt?v={{v}}" for name in _STYLES
    }
    handles: dict[str, Any] = {}
    base = _vector_layer(
        LAYERS["districts"],
        templates["districts"].replace("{v}", str(opts.version)),
        _BASE_STYLE,
        "行政区底图",
        show=not opts.basemap_url,
        z_index=_BASE_Z,
        overlay=False,
    )
    _local(base, opts.static, [("vectorGrid", "vectorgrid_js")], [])
    handles["base"] = base.add_to(m)
    templates["base"] = templates["districts"]
    if opts.basemap_url:
        folium.TileLayer(
            opts.basemap_url,
            attr=opts.basemap_attribution or "basemap",
            name="在线底图",
            overlay=False,
            control=True,
            max_zoom=19,
            subdomains=opts.basemap_subdomains,
        ).add_to(m)
    for name, (style, z_index) in _STYLES.items():
        spec = LAYERS[name]
        url = templates[name].replace("{v}", str(opts.version))
        layer = _vector_layer(spec, url, style, _NAMES[name], show=True, z_index=z_index)
        _local(layer, opts.static, [("vectorGrid", "vectorgrid_js")], [])
        handles[name] = layer.add_to(m)

    grids = LAYERS["grids"]
    templates["choropleth"] = templates["grids"]
    choropleth = _vector_layer(
        grids,
        templates["grids"].replace("{v}", str(opts.version)),
        "onemap.choroplethStyle",
        "网格事件统计",
        show=False,
        z_index=_CHOROPLETH_Z,
    )
    _local(choropleth, opts.static, [("vectorGrid", "vectorgrid_js")], [])
    handles["choropleth"] = choropleth.add_to(m)

    cluster = MarkerCluster(name="事件聚合", show=True)
    _local(
        cluster,
        opts.static,
        [("markerclusterjs", "cluster_js")],
        [("markerclustercss", "cluster_css"), ("markerclusterdefaultcss", "cluster_default_css")],
    )
    cluster.add_to(m)
    heat = HeatMap([], name="事件热力", show=False, radius=18, blur=14, min_opacity=0.3)
    _local(heat, opts.static, [("leaflet-heat.js", "heat_js")], [])
    heat.add_to(m)
    # The stacking order is fixed per layer (zIndex) rather than by the control's order.
    control = folium.LayerControl(collapsed=False, position="topright", autoZIndex=False)
    control.add_to(m)

    config = {
        "key": KEY_PLACEHOLDER,
        "version": opts.version,
        "templates": templates,
        "refresh_s": opts.refresh_s,
        "urls": {
            "tilejson": f"{opts.root}/tiles/districts.json",
            "labels": f"{opts.root}/map/labels.json",
            "reports": f"{opts.root}/map/reports.json",
            "requests": f"{opts.root}/open311/v2/requests",
            "locate": f"{opts.root}/v1/locate",
            "geocode": f"{opts.root}/v1/geocode",
            "stats": f"{opts.root}/v1/stats/areas",
            "lookup": f"{opts.root}/v1/lookup",
            "search": f"{opts.root}/v1/lookup/search",
            "dashboard": f"{opts.root}/v1/stats/dashboard",
            "profile": f"{opts.root}/v1/stats/areas/{{code}}/profile",
            "layers": f"{opts.root}/v1/layers",
            "parts": f"{opts.root}/v1/parts/classes",
        },
    }
    header = figure.header
    header.add_child(Element('<link rel="icon" href="data:,">'))  # no favicon request
    header.add_child(
        Element(f'<link rel="stylesheet" href="{opts.static}/{ASSETS["onemap_css"]}"/>')
    )
    header.add_child(
        Element(
            '<script type="application/json" id="onemap-config">'
            + json.dumps(config, ensure_ascii=False).replace("</", "<\\/")
            + "</script>"
        )
    )
    # The service's errors in Chinese (by their kind and params), shared with the editor.
    for script in ("messages_js", "echarts_js", "onemap_js", "leaders_js"):
        header.add_child(Element(f'<script src="{opts.static}/{ASSETS[script]}"></script>'))
    logout = f' <a href="{opts.root}/map/logout">退出</a>' if opts.has_logout else ""
    figure.html.add_child(Element(f'<div class="onemap-title">一张图 · 网格化管理{logout}</div>'))
    # The last child of the map, so its script runs once every layer exists; it hands the
    # layers over by variable (folium declares the control with `let`, not on `window`).
    handles.update(map=m, control=control, cluster=cluster, heat=heat)
    _Start(handles).add_to(m)
    html: str = figure.render()
    return html.replace("<html>", '<html lang="zh-CN">', 1)


class _Start(MacroElement):
    """``onemap.start({map: ..., control: ..., districts: ..., ...})`` with folium's names."""

    _template = Template(
        "{% macro script(this, kwargs) %}onemap.start({ "
        "{% for key, element in this.handles.items() %}"
        "{{ key|tojson }}: {{ element.get_name() }},"
        "{% endfor %}});{% endmacro %}"
    )

    def __init__(self, handles: dict[str, Any]) -> None:
        super().__init__()
        self._name = "OnemapStart"
        self.handles = handles


def with_key(html: str, key: str | None) -> str:
    """The cached page with the viewer's key (JSON-escaped, ``</`` made harmless) filled in."""
    value = "null" if key is None else json.dumps(key).replace("</", "<\\/")
    return html.replace(f'"{KEY_PLACEHOLDER}"', value, 1)
