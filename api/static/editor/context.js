// What the boundary editor draws around the area being edited: its siblings (one of which may
// be picked as the neighbour), its children, its standard addresses, the names, an optional
// basemap, the preview's proposed shapes, problems and history. Context shapes are drawn with
// their corners only, so a vertex they share with the edited area follows a dragged handle as
// a straight edge; they stay snapping targets for Leaflet-Geoman.
(function () {
  "use strict";
  const G = window.onemapEditorGeometry;
  const STYLE = {
    sibling: { color: "#607d8b", weight: 1.5, fillOpacity: 0.04, snapIgnore: false },
    neighbour: { color: "#e65100", weight: 3, fillColor: "#ffb74d", fillOpacity: 0.35 },
    child: { color: "#2e7d32", weight: 1, dashArray: "4 3", fillOpacity: 0, snapIgnore: false },
    edited: { color: "#1565c0", weight: 3, fillOpacity: 0.15 },
  };
  const PREVIEW = {
    edited: { color: "#0d47a1", weight: 2, dashArray: "2 4", fillOpacity: 0 },
    child: { color: "#1b5e20", weight: 2.5, fillColor: "#66bb6a", fillOpacity: 0.3 },
    clipped: { color: "#e65100", weight: 2.5, fillColor: "#ffcc80", fillOpacity: 0.3 },
    recoded: { color: "#6a1b9a", weight: 2, fillColor: "#ce93d8", fillOpacity: 0.25 },
  };
  const QUIET = { snapIgnore: true, pmIgnore: true };
  const NEW_STYLE = { color: "#0d47a1", weight: 2.5, fillOpacity: 0.35 };
  const NEW_FILLS = ["#4fc3f7", "#fff176", "#f48fb1", "#a5d6a7"];

  function create(map, config) {
    const panes = ["siblings", "children", "addresses", "preview", "problems"];
    panes.forEach((name, i) => { map.createPane(name).style.zIndex = String(410 + i * 5); });
    const layers = {
      siblings: L.featureGroup().addTo(map),
      children: L.featureGroup().addTo(map),
      addresses: L.featureGroup().addTo(map),
      preview: L.featureGroup().addTo(map),
      problems: L.featureGroup().addTo(map),
      repair: L.featureGroup().addTo(map),
      history: L.featureGroup().addTo(map),
    };
    const byCode = new Map(); // code -> {feature, layer, kind}
    const overlays = { "相邻区域": layers.siblings, "下级区域": layers.children, "标准地址": layers.addresses };
    const bases = {};
    if (config.basemap && config.basemap.url) {
      const basemap = L.tileLayer(config.basemap.url, {
        subdomains: config.basemap.subdomains || "abc", attribution: config.basemap.attribution || "",
        maxZoom: 19, ...QUIET,
      });
      bases["底图"] = basemap.addTo(map);
      bases["无底图"] = L.layerGroup();
    }
    L.control.layers(bases, overlays, { collapsed: false }).addTo(map);

    function clear() {
      Object.values(layers).forEach((group) => group.clearLayers());
      byCode.clear();
    }

    function shortName(name) {
      // "百福弄社区第1网格第5微网格" -> "第5微网格": the part after the parent's name.
      const match = /第[0-9一二三四五六七八九十]+[^第]*$/.exec(name || "");
      return match ? match[0] : name;
    }

    function drawAreas(features, kind, onClick) {
      features.forEach((feature) => {
        const shape = { type: "Feature", properties: feature.properties, geometry: G.cornersOnly(feature.geometry) };
        const layer = L.geoJSON(shape, { style: STYLE[kind], pane: kind === "sibling" ? "siblings" : "children" }).getLayers()[0];
        Object.assign(layer.options, kind === "sibling" ? STYLE.sibling : STYLE.child);
        layer.bindTooltip(shortName(feature.properties.name), {
          permanent: true, direction: "center", className: "onemap-label onemap-label-" + kind,
        });
        if (onClick) { layer.on("click", (event) => onClick(feature, event)); }
        (kind === "sibling" ? layers.siblings : layers.children).addLayer(layer);
        byCode.set(feature.properties.code, { feature: feature, layer: layer, kind: kind });
      });
    }

    function drawAddresses(items) {
      items.forEach((item) => {
        const marker = L.circleMarker([item.lat, item.lon], {
          radius: 3, weight: 1, color: "#37474f", fillColor: "#eceff1", fillOpacity: 1,
          pane: "addresses", ...QUIET,
        });
        marker.bindTooltip(item.full_text);
        layers.addresses.addLayer(marker);
      });
    }

    function highlight(code, on) {
      const entry = byCode.get(code);
      if (!entry) { return; }
      entry.layer.setStyle(on ? STYLE.neighbour : STYLE.sibling);
      if (on) { entry.layer.bringToFront(); }
    }

    // Vertices of context shapes at a point (exactly): those follow a dragged handle.
    function verticesAt(latlng, codes) {
      const found = [];
      codes.forEach((code) => {
        const entry = byCode.get(code);
        if (!entry) { return; }
        const walk = (arr) => arr.forEach((item, i) => {
          if (Array.isArray(item)) { walk(item); } else if (item.lat === latlng.lat && item.lng === latlng.lng) {
            found.push({ layer: entry.layer, ring: arr, index: i });
          }
        });
        walk(entry.layer.getLatLngs());
      });
      return found;
    }

    function moveVertices(found, latlng) {
      const touched = new Set();
      found.forEach((v) => { v.ring[v.index] = L.latLng(latlng.lat, latlng.lng); touched.add(v.layer); });
      touched.forEach((layer) => layer.redraw());
    }

    // The shapes the edit would write: children, clipped and re-coded areas by their role;
    // new areas (the parts of a split, a drawn area) filled and labelled with their new code.
    function showPreview(areas, changes) {
      layers.preview.clearLayers();
      const byCode = {};
      changes.forEach((c) => { byCode[c.code] = c; });
      let fresh = 0;
      areas.forEach((feature) => {
        const change = byCode[feature.properties.code] || { role: "edited", action: "update" };
        const isNew = change.action === "create" && change.role === "edited";
        const style = isNew ? Object.assign({}, NEW_STYLE, { fillColor: NEW_FILLS[fresh++ % NEW_FILLS.length] })
          : PREVIEW[change.role];
        const layer = L.geoJSON(feature, { style: style, pane: "preview", ...QUIET }).addTo(layers.preview);
        if (isNew) {
          layer.bindTooltip("新 " + feature.properties.code, { permanent: true, direction: "center", className: "onemap-label onemap-label-new" });
        }
      });
    }

    function showProblems(features) {
      layers.problems.clearLayers();
      layers.repair.clearLayers();
      features.filter((f) => f.geometry).forEach((feature) => {
        const p = feature.properties;
        const target = p.kind === "repair_suggestion" ? layers.repair : layers.problems;
        const style = p.kind === "repair_suggestion"
          ? { color: "#00c853", weight: 3, dashArray: "8 5", fillColor: "#b9f6ca", fillOpacity: 0.3 }
          : { color: p.severity === "error" ? "#d50000" : "#ff8f00", weight: 2, fillOpacity: 0.35 };
        L.geoJSON(feature, {
          style: style, pane: "problems", ...QUIET,
          pointToLayer: (f, latlng) => L.circleMarker(latlng, { radius: 9, color: "#d50000", weight: 3, ...QUIET }),
        }).addTo(target);
      });
    }

    function showHistory(feature) {
      layers.history.clearLayers();
      L.geoJSON(feature, { style: { color: "#6a1b9a", dashArray: "6 4", weight: 2, fillOpacity: 0 }, ...QUIET })
        .addTo(layers.history);
    }

    return {
      layers: layers, byCode: byCode, clear: clear, drawAreas: drawAreas, drawAddresses: drawAddresses,
      highlight: highlight, verticesAt: verticesAt, moveVertices: moveVertices, showPreview: showPreview,
      showProblems: showProblems, showHistory: showHistory, style: STYLE,
    };
  }

  window.onemapEditorContext = { create: create };
})();
