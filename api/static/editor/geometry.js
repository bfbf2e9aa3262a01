// Geometry helpers of the boundary editor: which vertices get a handle, and how the edited
// shape goes back to the service with every untouched vertex exactly as it was.
//
// Boundaries are densified (a vertex every few metres along straight edges), so a handle per
// vertex buries the real corners. A vertex gets a handle when the boundary turns there (more
// than TURN_M off the line between its neighbours, by Douglas-Peucker) or when a neighbour or
// child has a corner there (where areas meet). The other vertices ride along: an edge whose
// two handles did not move keeps its vertices bit for bit, so an edit changes only the edges
// the user moved (and children follow only those).
(function () {
  "use strict";
  const TURN_M = 0.3;
  const M_PER_DEG_LAT = 110900;

  function key(lng, lat) { return lng + "," + lat; }

  // Douglas-Peucker on one open run of [lng, lat] points: the indexes it keeps.
  function keptIndexes(points, toleranceM) {
    const n = points.length;
    if (n <= 2) { return points.map((_, i) => i); }
    const lat0 = points[0][1] * Math.PI / 180;
    const mx = M_PER_DEG_LAT * Math.cos(lat0);
    const xy = points.map((p) => [p[0] * mx, p[1] * M_PER_DEG_LAT]);
    const keep = new Array(n).fill(false);
    keep[0] = keep[n - 1] = true;
    const stack = [[0, n - 1]];
    while (stack.length) {
      const [a, b] = stack.pop();
      let worst = -1;
      let far = 0;
      const [ax, ay] = xy[a];
      const [bx, by] = xy[b];
      const len = Math.hypot(bx - ax, by - ay);
      for (let i = a + 1; i < b; i++) {
        const [px, py] = xy[i];
        const d = len === 0 ? Math.hypot(px - ax, py - ay)
          : Math.abs((bx - ax) * (ay - py) - (ax - px) * (by - ay)) / len;
        if (d > far) { far = d; worst = i; }
      }
      if (worst >= 0 && far > toleranceM) {
        keep[worst] = true;
        stack.push([a, worst], [worst, b]);
      }
    }
    return keep.reduce((out, k, i) => (k ? out.concat([i]) : out), []);
  }

  // Corners of a closed ring ([lng, lat], first == last): indexes into the open ring.
  function ringCorners(ring) {
    const all = ring.slice(0, ring.length - 1);
    const n = all.length;
    if (n <= 3) { return all.map((_, i) => i); }
    // Start at the south-west-most vertex (always a corner of the hull) and split the ring at
    // the vertex farthest from it, so both halves are open runs for Douglas-Peucker.
    let start = 0;
    all.forEach((p, i) => {
      const s = all[start];
      if (p[0] < s[0] || (p[0] === s[0] && p[1] < s[1])) { start = i; }
    });
    const open = all.slice(start).concat(all.slice(0, start));
    let far = 0;
    let best = 0;
    open.forEach((p, i) => {
      const d = Math.hypot(p[0] - open[0][0], p[1] - open[0][1]);
      if (d > best) { best = d; far = i; }
    });
    const first = keptIndexes(open.slice(0, far + 1), TURN_M);
    const second = keptIndexes(open.slice(far).concat([open[0]]), TURN_M).map((i) => i + far);
    const kept = new Set(first.concat(second.filter((i) => i < n)).map((i) => (i + start) % n));
    return Array.from(kept).sort((a, b) => a - b);
  }

  function polygonsOf(geometry) {
    if (!geometry) { return []; }
    if (geometry.type === "Polygon") { return [geometry.coordinates]; }
    if (geometry.type === "MultiPolygon") { return geometry.coordinates; }
    return [];
  }

  // Every corner of some geometries, as "lng,lat" keys: where areas meet or turn.
  function cornerKeys(geometries) {
    const keys = new Set();
    geometries.forEach((g) => polygonsOf(g).forEach((poly) => poly.forEach((ring) => {
      ringCorners(ring).forEach((i) => keys.add(key(ring[i][0], ring[i][1])));
    })));
    return keys;
  }

  // The editable form of a geometry: handles (Leaflet latlngs, nested as L.polygon wants) and
  // the vertices riding between consecutive handles, by the pair of handles they lie between.
  function editable(geometry, nodes) {
    const spans = new Map();
    const latlngs = polygonsOf(geometry).map((poly) => poly.map((ring) => {
      const open = ring.slice(0, ring.length - 1);
      const corners = new Set(ringCorners(ring));
      open.forEach((p, i) => { if (nodes.has(key(p[0], p[1]))) { corners.add(i); } });
      const handles = Array.from(corners).sort((a, b) => a - b);
      handles.forEach((h, j) => {
        const next = handles[(j + 1) % handles.length];
        const between = [];
        for (let i = (h + 1) % open.length; i !== next; i = (i + 1) % open.length) { between.push(open[i]); }
        spans.set(key(open[h][0], open[h][1]) + "|" + key(open[next][0], open[next][1]), between);
      });
      return handles.map((i) => L.latLng(open[i][1], open[i][0]));
    }));
    return { latlngs: latlngs, spans: spans };
  }

  function ringsOfLayer(latlngs) {
    // L.Polygon#getLatLngs: [ring, ...] for a polygon, [[ring, ...], ...] for a multipolygon.
    if (!latlngs.length) { return []; }
    return Array.isArray(latlngs[0][0]) ? latlngs : [latlngs];
  }

  // The GeoJSON geometry of the edited layer, full precision (Leaflet's toGeoJSON rounds to 6
  // decimals, which would move every vertex by up to 5 cm), with the riding vertices back.
  function geometryOf(layer, spans) {
    const polygons = ringsOfLayer(layer.getLatLngs()).map((poly) => poly.map((ring) => {
      const coords = [];
      ring.forEach((ll, j) => {
        const next = ring[(j + 1) % ring.length];
        coords.push([ll.lng, ll.lat]);
        const between = spans && spans.get(key(ll.lng, ll.lat) + "|" + key(next.lng, next.lat));
        if (between) { between.forEach((p) => coords.push([p[0], p[1]])); }
      });
      coords.push(coords[0].slice());
      return coords;
    }));
    return polygons.length === 1 ? { type: "Polygon", coordinates: polygons[0] }
      : { type: "MultiPolygon", coordinates: polygons };
  }

  // A geometry with only its corners (for drawing context shapes whose shared vertices follow
  // a dragged handle as straight edges).
  function cornersOnly(geometry) {
    const polygons = polygonsOf(geometry).map((poly) => poly.map((ring) => {
      const idx = ringCorners(ring);
      const out = idx.map((i) => ring[i]);
      out.push(out[0]);
      return out;
    }));
    return polygons.length === 1 ? { type: "Polygon", coordinates: polygons[0] }
      : { type: "MultiPolygon", coordinates: polygons };
  }

  const SHANGHAI = new Intl.DateTimeFormat("zh-CN", {
    timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
  });

  // An ISO 8601 instant as Beijing time (the service stores UTC).
  function shanghai(iso) { return iso ? SHANGHAI.format(new Date(iso)) : ""; }

  window.onemapEditorGeometry = {
    key: key,
    cornerKeys: cornerKeys,
    cornersOnly: cornersOnly,
    editable: editable,
    geometryOf: geometryOf,
    polygonsOf: polygonsOf,
    shanghai: shanghai,
  };
})();
