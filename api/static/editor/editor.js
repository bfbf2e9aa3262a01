// onemap boundary editor: pick an area, edit its vertices (Leaflet-Geoman), preview the
// topology problems and impact the service computes, save with If-Match, split, merge,
// browse history. Every call goes to the onemap API with the editor's key.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const map = L.map("map", { preferCanvas: false }).setView([30.75, 120.76], 12);
  const context = L.layerGroup().addTo(map);
  const problemsLayer = L.layerGroup().addTo(map);
  const historyLayer = L.layerGroup().addTo(map);
  const state = { key: sessionStorage.getItem("onemap-editor-key"), area: null, etag: null, layer: null, neighbourVersions: {} };
  window.onemapEditor = { map: map, state: state };

  function status(text, kind) {
    const el = $("status");
    el.textContent = text;
    el.className = kind || "";
  }

  async function api(method, path, body, headers) {
    const init = { method: method, headers: Object.assign({ "X-API-Key": state.key }, headers || {}) };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init);
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    return { status: response.status, data: data, etag: response.headers.get("ETag") };
  }

  function errorText(answer) {
    const error = answer.data && answer.data.error;
    return error ? error.message : "HTTP " + answer.status;
  }

  function showLogin(show) {
    $("login").hidden = !show;
    $("work").hidden = show;
  }

  $("login").addEventListener("submit", async (event) => {
    event.preventDefault();
    state.key = $("key").value.trim();
    const answer = await api("GET", "/v1/changesets?limit=1");
    if (answer.status !== 200) { status("密钥无效: " + errorText(answer), "error"); return; }
    sessionStorage.setItem("onemap-editor-key", state.key);
    showLogin(false);
    status("已登录", "ok");
  });

  function drawContext(features) {
    context.clearLayers();
    L.geoJSON({ type: "FeatureCollection", features: features }, {
      style: { color: "#607d8b", weight: 1, fillOpacity: 0.05 },
      onEachFeature: (feature, layer) => {
        layer.bindTooltip(feature.properties.name + " " + feature.properties.code);
        layer.on("click", () => {
          $("neighbour").value = feature.properties.code;
          state.neighbourVersions[feature.properties.code] = feature.properties.version;
        });
      },
    }).addTo(context);
  }

  async function load(code) {
    problemsLayer.clearLayers(); historyLayer.clearLayers();
    $("problems").textContent = ""; $("impact").textContent = ""; $("versions").textContent = "";
    const answer = await api("GET", "/v1/areas/" + encodeURIComponent(code));
    if (answer.status !== 200) { status(errorText(answer), "error"); return; }
    state.area = answer.data; state.etag = answer.etag; state.neighbourVersions = {};
    const props = state.area.properties;
    if (props.parent_code) {
      const siblings = await api("GET", "/v1/areas?parent=" + props.parent_code + "&level=" + props.level + "&limit=2000");
      if (siblings.status === 200) {
        drawContext(siblings.data.features.filter((f) => f.properties.code !== props.code));
      }
    }
    if (state.layer) { map.removeLayer(state.layer); }
    const group = L.geoJSON(state.area, { style: { color: "#1565c0", weight: 3, fillOpacity: 0.15 } });
    state.layer = group.getLayers()[0];
    state.layer.addTo(map);
    state.layer.pm.enable({ allowSelfIntersection: true, snappable: true });
    map.fitBounds(state.layer.getBounds(), { padding: [40, 40] });
    $("current").textContent = props.name + " (" + props.code + ") 版本 " + props.version;
    status("已载入, 拖动顶点编辑边界", "ok");
  }

  $("pick").addEventListener("submit", (event) => { event.preventDefault(); load($("code").value.trim()); });

  function editedGeometry() { return state.layer.toGeoJSON().geometry; }

  function showOutcome(data) {
    problemsLayer.clearLayers();
    const problems = (data.problems && data.problems.features) || [];
    L.geoJSON({ type: "FeatureCollection", features: problems.filter((f) => f.geometry) }, {
      style: (f) => ({ color: f.properties.severity === "error" ? "#d50000" : "#ff8f00", weight: 2, fillOpacity: 0.35 }),
      pointToLayer: (f, latlng) => L.circleMarker(latlng, { radius: 8, color: "#d50000" }),
    }).addTo(problemsLayer);
    const list = $("problems");
    list.textContent = "";
    problems.forEach((f) => {
      const item = document.createElement("div");
      item.className = f.properties.severity;
      item.textContent = (f.properties.severity === "error" ? "错误: " : "提示: ") + f.properties.message;
      list.appendChild(item);
    });
    const impact = data.impact || {};
    const addresses = (impact.addresses && impact.addresses.count) || 0;
    const micro = (impact.micro_grids && impact.micro_grids.count) || 0;
    const change = Object.entries(impact.area_change_m2 || {}).map(([c, m]) => c + ": " + Math.round(m) + " m²").join(", ");
    $("impact").textContent = "影响: " + addresses + " 个标准地址, " + micro + " 个微网格改变归属; 面积变化 " + change;
  }

  // Every area a write touches goes with the version the editor saw, so a neighbour saved by
  // someone else in between is a 412, never silently overwritten.
  // A neighbour typed rather than clicked is read once, at its first preview, and that version
  // is the one the save is checked against.
  async function versionsOf(code, neighbour) {
    if (!(neighbour in state.neighbourVersions)) {
      const answer = await api("GET", "/v1/areas/" + encodeURIComponent(neighbour));
      if (answer.status === 200) { state.neighbourVersions[neighbour] = answer.data.properties.version; }
    }
    const versions = { [code]: state.area.properties.version };
    if (neighbour in state.neighbourVersions) { versions[neighbour] = state.neighbourVersions[neighbour]; }
    return versions;
  }

  async function editRequest(previewOnly) {
    const code = state.area.properties.code;
    const neighbour = $("neighbour").value.trim();
    const reason = $("reason").value.trim() || "边界调整";
    const adjust = $("adjust").checked;
    if (neighbour) {
      const body = { codes: [code, neighbour], geometry: editedGeometry(), reason: reason,
        adjust_neighbours: adjust, preview: previewOnly,
        versions: await versionsOf(code, neighbour) };
      return api("POST", "/v1/areas/boundary", body);
    }
    const body = { feature: { type: "Feature", geometry: editedGeometry(), properties: {} },
      reason: reason, adjust_neighbours: adjust };
    if (previewOnly) { return api("POST", "/v1/areas/" + code + "/preview", body); }
    return api("PUT", "/v1/areas/" + code, body, { "If-Match": state.etag });
  }

  $("preview").addEventListener("click", async () => {
    if (!state.area) { return; }
    const answer = await editRequest(true);
    if (answer.status !== 200) { status(errorText(answer), "error"); return; }
    showOutcome(answer.data);
    status(answer.data.ok ? "预览通过, 可以保存" : "预览发现问题, 请修改", answer.data.ok ? "ok" : "error");
  });

  $("save").addEventListener("click", async () => {
    if (!state.area) { return; }
    const answer = await editRequest(false);
    if (answer.status === 412) { status("区域已被他人修改, 请重新载入: " + errorText(answer), "error"); return; }
    if (answer.status !== 200) {
      if (answer.data && answer.data.error && answer.data.error.details) { showOutcome({ problems: answer.data.error.details }); }
      status("未保存: " + errorText(answer), "error");
      return;
    }
    showOutcome(answer.data);
    const code = state.area.properties.code;
    await load(code);
    status("已保存, 变更集 " + answer.data.changeset.id, "ok");
  });

  $("split").addEventListener("click", () => {
    if (!state.area) { return; }
    status("在地图上画一条穿过区域的线, 双击结束", "");
    map.pm.enableDraw("Line", { snappable: false });
  });

  map.on("pm:create", async (event) => {
    if (event.shape !== "Line") { return; }
    const line = event.layer.toGeoJSON().geometry;
    map.removeLayer(event.layer);
    const body = { code: state.area.properties.code, line: line, reason: $("reason").value || "拆分",
      version: state.area.properties.version, preview: true };
    const preview = await api("POST", "/v1/areas/split", body);
    if (preview.status !== 200) { status(errorText(preview), "error"); return; }
    showOutcome(preview.data);
    if (!preview.data.ok || !window.confirm("拆分为 " + preview.data.areas.length + " 个区域, 确认?")) { return; }
    body.preview = false;
    const done = await api("POST", "/v1/areas/split", body);
    if (done.status !== 200) { status(errorText(done), "error"); return; }
    status("已拆分为 " + done.data.areas.map((a) => a.properties.code).join(", "), "ok");
    await load(done.data.areas[0].properties.code);
  });

  $("merge").addEventListener("click", async () => {
    const neighbour = $("neighbour").value.trim();
    if (!state.area || !neighbour) { status("先点击地图选择相邻区域", "error"); return; }
    const code = state.area.properties.code;
    const body = { codes: [code, neighbour], reason: $("reason").value || "合并",
      versions: await versionsOf(code, neighbour), preview: true };
    const preview = await api("POST", "/v1/areas/merge", body);
    if (preview.status !== 200) { status(errorText(preview), "error"); return; }
    showOutcome(preview.data);
    if (!preview.data.ok || !window.confirm("与 " + neighbour + " 合并, 确认?")) { return; }
    body.preview = false;
    const answer = await api("POST", "/v1/areas/merge", body);
    if (answer.status === 412) { status("区域已被他人修改, 请重新载入: " + errorText(answer), "error"); return; }
    if (answer.status !== 200) { status(errorText(answer), "error"); return; }
    status("已合并, 变更集 " + answer.data.changeset.id, "ok");
    await load(answer.data.areas[0].properties.code);
  });

  $("history").addEventListener("click", async () => {
    if (!state.area) { return; }
    const answer = await api("GET", "/v1/areas/" + state.area.properties.code + "/history");
    if (answer.status !== 200) { status(errorText(answer), "error"); return; }
    const list = $("versions");
    list.textContent = "";
    answer.data.features.forEach((feature) => {
      const item = document.createElement("li");
      const p = feature.properties;
      item.textContent = "版本 " + p.version + " 自 " + p.valid_from.slice(0, 19) + (p.valid_to ? " 至 " + p.valid_to.slice(0, 19) : " (当前)");
      item.addEventListener("click", () => {
        historyLayer.clearLayers();
        L.geoJSON(feature, { style: { color: "#6a1b9a", dashArray: "6 4", weight: 2, fillOpacity: 0 } }).addTo(historyLayer);
      });
      list.appendChild(item);
    });
  });

  showLogin(!state.key);
})();
