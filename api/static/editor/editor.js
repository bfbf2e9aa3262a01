// onemap boundary editor. Load an area, pick what to do (a mode), edit, preview, and save
// after confirming the exact list of areas and versions the save will change.
//
// Rules that keep a save from touching an area the user never chose:
// - every mode starts from a clean state (no neighbour, no drawing, no stale preview, the
//   loaded shape as stored); loading another area or switching mode resets everything;
// - a neighbour is picked only by clicking a sibling in the modes that need one (移动共同边界,
//   合并); clicks while drawing a line or a polygon pick nothing;
// - 保存 previews the exact request first, lists every area and version it will change in a
//   confirmation, and sends those versions with exact_areas, so the service refuses (409) a
//   save that would change anything else.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const G = window.onemapEditorGeometry;
  const M = window.onemapMessages;
  const config = JSON.parse($("editor-config").textContent || "{}");
  const map = L.map("map", { preferCanvas: false, zoomSnap: 0.5 }).setView([30.75, 120.76], 12);
  const context = window.onemapEditorContext.create(map, config);
  map.pm.setLang("zh");  // Leaflet-Geoman's own drawing hints, in Chinese
  const MODES = {
    edit: "拖动蓝色区域的顶点编辑边界 (下级区域可随之移动)",
    boundary: "点击地图上一个相邻区域, 再拖动顶点: 两个区域的共同边界一起移动",
    split: "在地图上画一条穿过区域的线, 在最后一个点上再单击一次结束",
    merge: "点击地图上要合并进来的相邻区域",
    create: "在本区域内画出新的下级区域 (例如学校的专属网格), 单击第一个点闭合",
  };
  const ACTIONS = { create: "新建", update: "修改", retire: "停用" };
  const ROLES = { edited: "所编辑区域", child: "下级随动", clipped: "让出空间", recoded: "随上级重新编码" };
  const state = {
    key: sessionStorage.getItem("onemap-editor-key"), session: null, area: null, etag: null,
    mode: null, neighbour: null, editable: null, spans: null, drawn: null, repair: null,
    siblings: [], children: [], neighbourChildren: [], dragging: [], dirty: false,
  };
  window.onemapEditor = { map: map, state: state, context: context };

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
    try {
      const response = await fetch(path, init);
      let data = null;
      try { data = await response.json(); } catch (e) { data = null; }
      return { status: response.status, data: data, etag: response.headers.get("ETag") };
    } catch (e) {
      return { status: 0, data: null, etag: null };
    }
  }

  const canEdit = () => Boolean(state.session && state.session.can_edit);

  // -- login: the key's role is read now, so a key that cannot edit is said to be read-only
  // -- at once, not at the first preview.
  async function login(key) {
    state.key = key;
    const answer = await api("GET", "/v1/editor/session");
    if (answer.status !== 200) {
      state.key = null;
      sessionStorage.removeItem("onemap-editor-key");
      $("login").hidden = false;
      $("work").hidden = true;
      status("登录失败: " + M.errorText(answer), "error");
      return;
    }
    sessionStorage.setItem("onemap-editor-key", key);
    state.session = answer.data;
    const s = answer.data;
    const scope = s.scope ? ", 范围 " + s.scope : "";
    document.body.classList.toggle("readonly", !s.can_edit);
    $("who").textContent = s.can_edit
      ? "已登录: " + s.name + " (" + M.role(s.role) + scope + ")"
      : "只读模式: " + s.name + " (" + M.role(s.role) + scope + ") 不能编辑, 可查看边界、下级区域、地址和历史";
    $("who").className = s.can_edit ? "ok" : "readonly-note";
    $("login").hidden = true;
    $("work").hidden = false;
    status(s.can_edit ? "请输入区域编码并载入" : "只读模式: 可载入区域查看", "ok");
  }

  $("login").addEventListener("submit", (event) => { event.preventDefault(); login($("key").value.trim()); });

  // -- loading an area and its context ------------------------------------------------------
  async function fetchAll(path, limit) {
    const items = [];
    for (let offset = 0; offset < limit; offset += 1000) {
      const answer = await api("GET", path + "&limit=1000&offset=" + offset);
      if (answer.status !== 200) { break; }
      const page = answer.data.features || answer.data.items || [];
      items.push(...page);
      if (page.length < 1000) { break; }
    }
    return items;
  }

  async function load(code, keepStatus) {
    const answer = await api("GET", "/v1/areas/" + encodeURIComponent(code));
    if (answer.status !== 200) { status(M.errorText(answer), "error"); return false; }
    state.area = answer.data;
    state.etag = answer.etag;
    $("code").value = code;
    const p = state.area.properties;
    const childLevel = { district: "street", street: "community", community: "grid", grid: "micro_grid" }[p.level];
    const [siblings, children, addresses] = await Promise.all([
      p.parent_code ? fetchAll("/v1/areas?parent=" + p.parent_code + "&level=" + p.level, 5000)
        : fetchAll("/v1/areas?level=" + p.level, 5000),
      childLevel ? fetchAll("/v1/areas?parent=" + p.code + "&level=" + childLevel, 5000) : Promise.resolve([]),
      fetchAll("/v1/addresses?area=" + p.code, 5000),
    ]);
    state.siblings = siblings.filter((f) => f.properties.code !== p.code);
    state.children = children;
    context.clear();
    context.drawAreas(state.siblings, "sibling", onSiblingClick);
    context.drawAreas(state.children, "child", null);
    context.drawAddresses(addresses);
    $("current").textContent = M.level(p.level) + " " + p.name + " (" + p.code + ") 版本 " + p.version
      + " · 下级 " + children.length + " 个 · 标准地址 " + addresses.length + " 个";
    $("versions").textContent = "";
    startMode(canEdit() ? "edit" : null, true);
    const bounds = L.geoJSON(state.area).getBounds();
    map.fitBounds(bounds, { padding: [40, 40], animate: false });
    if (!keepStatus) { status(canEdit() ? "已载入. " + MODES.edit : "已载入 (只读)", "ok"); }
    // A count of finished loads, for tests and scripts that must wait until the map is placed.
    document.body.dataset.loads = String(Number(document.body.dataset.loads || 0) + 1);
    return true;
  }

  $("pick").addEventListener("submit", (event) => { event.preventDefault(); load($("code").value.trim()); });

  // -- modes: each starts from the stored shape, with nothing picked and nothing previewed ----
  function clearWork() {
    map.pm.disableDraw();
    if ($("confirm").open) { $("confirm-cancel").click(); }
    if (state.editable) { state.editable.pm.disable(); map.removeLayer(state.editable); }
    if (state.drawn) { map.removeLayer(state.drawn); }
    if (state.neighbour) { context.highlight(state.neighbour.code, false); }
    Object.assign(state, { editable: null, spans: null, drawn: null, neighbour: null, repair: null, dirty: false,
      neighbourChildren: [] });
    ["preview", "problems", "repair", "history"].forEach((n) => context.layers[n].clearLayers());
    ["problems", "changes", "impact"].forEach((id) => { $(id).textContent = ""; });
    $("neighbour").textContent = "";
    $("neighbour-box").hidden = true;
    $("create-box").hidden = true;
    $("apply-repair").hidden = true;
    // Context shapes moved by a drag go back to their stored corners.
    context.layers.siblings.clearLayers();
    context.layers.children.clearLayers();
    context.byCode.clear();
    context.drawAreas(state.siblings, "sibling", onSiblingClick);
    context.drawAreas(state.children, "child", null);
  }

  function startMode(mode, quiet) {
    const discarded = state.dirty;
    clearWork();
    state.mode = mode;
    document.querySelectorAll("#modes button").forEach((b) => b.classList.toggle("active", b.dataset.mode === mode));
    $("mode-hint").textContent = mode ? MODES[mode] : "";
    if (!state.area) { return; }
    showEditable(mode === "edit" || mode === "boundary");
    if (mode === "boundary" || mode === "merge") { $("neighbour-box").hidden = false; }
    if (mode === "split") { map.pm.enableDraw("Line", { snappable: true, snapDistance: 15 }); }
    if (mode === "create") {
      $("create-box").hidden = false;
      $("new-kind").disabled = !["community", "grid"].includes(state.area.properties.level);
      map.pm.enableDraw("Polygon", { snappable: true, snapDistance: 15, allowSelfIntersection: false });
    }
    if (!quiet) { status((discarded ? "未保存的修改已放弃. " : "") + MODES[mode], ""); }
  }

  document.querySelectorAll("#modes button").forEach((button) => {
    button.addEventListener("click", () => { if (state.area) { startMode(button.dataset.mode); } });
  });
  $("reset").addEventListener("click", () => { if (state.area) { startMode(state.mode); } });

  function showEditable(editing, geometry) {
    const nodes = G.cornerKeys(state.siblings.concat(state.children).map((f) => f.geometry));
    const shape = G.editable(geometry || state.area.geometry, nodes);
    state.spans = shape.spans;
    state.editable = L.polygon(shape.latlngs, Object.assign({ snapIgnore: true }, context.style.edited)).addTo(map);
    state.editable.bindTooltip(state.area.properties.name, { permanent: true, direction: "center", className: "onemap-label onemap-label-edited" });
    if (!editing) { return; }
    state.editable.pm.enable({ allowSelfIntersection: true, snappable: true, snapDistance: 15, draggable: false });
    state.editable.on("pm:markerdragstart", (e) => {
      // Vertices that children (and the picked neighbour) share with this one move with it.
      const codes = state.children.concat(state.neighbourChildren).map((f) => f.properties.code);
      if (state.neighbour) { codes.push(state.neighbour.code); }
      state.dragging = context.verticesAt(e.markerEvent.target.getLatLng(), codes);
    });
    state.editable.on("pm:markerdrag", (e) => context.moveVertices(state.dragging, e.markerEvent.target.getLatLng()));
    state.editable.on("pm:edit", () => {
      state.dirty = true;
      context.layers.preview.clearLayers();
    });
  }

  async function onSiblingClick(feature) {
    if (state.mode !== "boundary" && state.mode !== "merge") { return; }
    const p = feature.properties;
    if (!sharesBoundary(feature)) {
      status(p.name + " (" + p.code + ") 与本区域不相邻, 不能" + (state.mode === "merge" ? "合并" : "移动共同边界"), "error");
      return;
    }
    if (state.neighbour) { context.highlight(state.neighbour.code, false); }
    state.neighbour = { code: p.code, name: p.name, version: p.version };
    context.highlight(p.code, true);
    if (state.mode === "boundary") { await showNeighbourChildren(p); }
    $("neighbour").textContent = p.name + " (" + p.code + ") 版本 " + p.version;
    status("已选择相邻区域 " + p.name, "ok");
    if (state.mode === "merge") { preview(); }
  }

  // The neighbour's children are drawn too: they follow the shared boundary as well.
  async function showNeighbourChildren(p) {
    state.neighbourChildren.forEach((f) => {
      const entry = context.byCode.get(f.properties.code);
      if (entry) { context.layers.children.removeLayer(entry.layer); context.byCode.delete(f.properties.code); }
    });
    state.neighbourChildren = [];
    const level = { district: "street", street: "community", community: "grid", grid: "micro_grid" }[p.level];
    if (!level) { return; }
    const kids = await fetchAll("/v1/areas?parent=" + p.code + "&level=" + level, 5000);
    if (!state.neighbour || state.neighbour.code !== p.code) { return; }  // picked another meanwhile
    state.neighbourChildren = kids;
    context.drawAreas(kids, "child", null);
  }

  function sharesBoundary(feature) {
    const mine = new Set();
    G.polygonsOf(state.area.geometry).forEach((poly) => poly.forEach((ring) => ring.forEach((c) => mine.add(G.key(c[0], c[1])))));
    return G.polygonsOf(feature.geometry).some((poly) => poly.some((ring) => ring.some((c) => mine.has(G.key(c[0], c[1])))));
  }

  // Clearing the neighbour starts the mode over: its shared vertices may have moved with a drag.
  $("clear-neighbour").addEventListener("click", () => { if (state.area) { startMode(state.mode); } });

  map.on("pm:create", (event) => {
    if (state.drawn) { map.removeLayer(state.drawn); }
    state.drawn = event.layer;
    state.drawn.options.snapIgnore = true;
    state.dirty = true;
    // The drawn line or polygon stays adjustable; each change clears the preview it had.
    state.drawn.pm.enable({ snappable: true, snapDistance: 15 });
    state.drawn.on("pm:edit", () => context.layers.preview.clearLayers());
    if (state.mode === "split" || state.mode === "create") { preview(); }
  });

  // -- requests: one builder, so the preview and the save send the same edit ---------------
  function options() {
    return { reason: $("reason").value.trim() || "边界调整", follow_children: $("follow").checked, adjust_neighbours: $("adjust").checked };
  }

  function request() {
    const p = state.area.properties;
    const mode = state.mode;
    if (mode === "edit") {
      const feature = { type: "Feature", geometry: G.geometryOf(state.editable, state.spans), properties: {} };
      return {
        preview: ["POST", "/v1/areas/" + p.code + "/preview"],
        commit: ["PUT", "/v1/areas/" + p.code, { "If-Match": state.etag }],
        body: Object.assign({ feature: feature }, options()),
      };
    }
    if (mode === "boundary") {
      if (!state.neighbour) { return { error: "请先点击地图选择相邻区域" }; }
      return {
        flag: true, path: "/v1/areas/boundary",
        body: Object.assign({ codes: [p.code, state.neighbour.code], geometry: G.geometryOf(state.editable, state.spans),
          versions: { [p.code]: p.version, [state.neighbour.code]: state.neighbour.version } }, options()),
      };
    }
    if (mode === "merge") {
      if (!state.neighbour) { return { error: "请先点击地图选择要合并的相邻区域" }; }
      return {
        flag: true, path: "/v1/areas/merge",
        body: Object.assign({ codes: [p.code, state.neighbour.code],
          versions: { [p.code]: p.version, [state.neighbour.code]: state.neighbour.version } }, options()),
      };
    }
    if (mode === "split") {
      if (!state.drawn) { return { error: "请先画一条穿过区域的线" }; }
      return { flag: true, path: "/v1/areas/split",
        body: Object.assign({ code: p.code, version: p.version, line: lineOf(state.drawn) }, options()) };
    }
    if (mode === "create") {
      if (!state.drawn) { return { error: "请先在区域内画出新区域" }; }
      const name = $("new-name").value.trim();
      const props = { name: name, parent_code: p.code };
      if (!$("new-kind").disabled) { props.kind = $("new-kind").value; }
      return { flag: true, path: "/v1/areas", created: true,
        body: Object.assign({ feature: { type: "Feature", geometry: G.geometryOf(state.drawn, null), properties: props } }, options()) };
    }
    return { error: "请先选择一种操作" };
  }

  function lineOf(layer) {
    return { type: "LineString", coordinates: layer.getLatLngs().map((ll) => [ll.lng, ll.lat]) };
  }

  function send(req, previewOnly, extra) {
    const body = Object.assign({}, req.body, extra || {});
    if (req.flag) { return api("POST", req.path, Object.assign(body, { preview: previewOnly })); }
    const [method, path, headers] = previewOnly ? req.preview : req.commit;
    return api(method, path, body, headers);
  }

  function showOutcome(data) {
    const problems = (data.problems && data.problems.features) || data.features || [];
    context.showProblems(problems);
    const list = $("problems");
    list.textContent = "";
    problems.forEach((f) => {
      const item = document.createElement("div");
      item.className = f.properties.severity;
      item.textContent = (f.properties.severity === "error" ? "错误: " : "提示: ") + M.problemText(f);
      list.appendChild(item);
    });
    const repair = problems.find((f) => f.properties.kind === "repair_suggestion" && f.geometry);
    state.repair = repair ? repair.geometry : null;
    $("apply-repair").hidden = !state.repair || !state.editable;
    const changes = data.changes || [];
    context.showPreview(data.areas || [], changes);
    // What the edit would write must be in view (a merged neighbour, children further out).
    const shown = context.layers.preview.getBounds();
    if (shown.isValid() && !map.getBounds().contains(shown)) {
      map.fitBounds(shown, { padding: [30, 30], animate: false });
    }
    const rows = $("changes");
    rows.textContent = "";
    changes.forEach((c) => {
      const row = document.createElement("div");
      row.className = "change change-" + c.role;
      const delta = c.action === "update" ? (c.area_change_m2 >= 0 ? " +" : " ") + Math.round(c.area_change_m2) + " m²" : "";
      row.textContent = ACTIONS[c.action] + " · " + ROLES[c.role] + " · " + (c.name || "") + " (" + c.code + ")"
        + (c.version !== null ? " 版本 " + c.version : "") + delta;
      rows.appendChild(row);
    });
    const impact = data.impact || {};
    const addresses = (impact.addresses && impact.addresses.count) || 0;
    $("impact").textContent = changes.length ? "影响: " + changes.length + " 个区域, " + addresses + " 个标准地址改变归属" : "";
  }

  function refused(answer) {
    const details = answer.data && answer.data.error && answer.data.error.details;
    if (details && details.features) { showOutcome({ problems: { features: details.features } }); }
    status((answer.status === 412 ? "未保存: " : "") + M.errorText(answer), "error");
  }

  async function preview() {
    if (!state.area || !canEdit()) { return null; }
    const req = request();
    if (req.error) { status(req.error, "error"); return null; }
    const answer = await send(req, true);
    if (answer.status !== 200) { refused(answer); return null; }
    showOutcome(answer.data);
    status(answer.data.ok ? "预览通过, 可以保存" : "预览发现问题, 请修改", answer.data.ok ? "ok" : "error");
    return { req: req, data: answer.data };
  }

  $("preview").addEventListener("click", () => { preview(); });

  // The confirmation: every area and version the save carries, before anything is sent.
  function confirmChanges(changes) {
    const dialog = $("confirm");
    const table = $("confirm-table");
    table.textContent = "";
    const head = table.insertRow();
    ["操作", "关系", "区域", "编码", "版本", "面积变化"].forEach((t) => { const th = document.createElement("th"); th.textContent = t; head.appendChild(th); });
    changes.forEach((c) => {
      const row = table.insertRow();
      row.dataset.code = c.code;
      [ACTIONS[c.action], ROLES[c.role], c.name || "", c.code, c.version === null ? "新" : String(c.version),
        c.action === "update" ? Math.round(c.area_change_m2) + " m²" : ""].forEach((t) => { row.insertCell().textContent = t; });
    });
    $("confirm-intro").textContent = "保存将在一个变更集中修改以下 " + changes.length + " 个区域, 不会改动其他区域:";
    dialog.showModal();
    return new Promise((resolve) => {
      const done = (value) => () => { dialog.close(); $("confirm-ok").onclick = null; $("confirm-cancel").onclick = null; resolve(value); };
      $("confirm-ok").onclick = done(true);
      $("confirm-cancel").onclick = done(false);
      dialog.oncancel = (event) => { event.preventDefault(); done(false)(); };
    });
  }

  async function save() {
    if ((state.mode === "edit" || state.mode === "boundary") && !state.dirty) {
      status("没有需要保存的修改: 先拖动顶点", "");
      return;
    }
    const checked = await preview();
    if (!checked) { return; }
    if (!checked.data.ok) { status("预览发现问题, 未保存", "error"); return; }
    const changes = checked.data.changes;
    if (!(await confirmChanges(changes))) { status("已取消, 未保存", ""); return; }
    const versions = {};
    changes.forEach((c) => { if (c.version !== null) { versions[c.code] = c.version; } });
    const answer = await send(checked.req, false, { versions: versions, exact_areas: true });
    if (answer.status !== 200 && answer.status !== 201) { refused(answer); return; }
    const done = answer.data;
    const made = (done.changes || []).filter((c) => c.action === "create" && c.role === "edited").map((c) => c.code);
    const message = state.mode === "split" ? "已拆分为 " + made.join(", ") + ", 变更集 " + done.changeset.id
      : state.mode === "create" ? "已新建 " + made.join(", ") + ", 变更集 " + done.changeset.id
        : "已保存 " + changes.length + " 个区域, 变更集 " + done.changeset.id;
    const next = state.mode === "split" ? made[0]
      : state.mode === "merge" ? done.areas[0].properties.code : state.area.properties.code;
    await load(next, true);
    status(message, "ok");
  }

  $("save").addEventListener("click", () => { save(); });

  // The make_valid repair, drawn in green by the preview, becomes the edited shape on request.
  $("apply-repair").addEventListener("click", () => {
    if (!state.repair || !state.editable) { return; }
    const repaired = state.repair;
    const neighbour = state.neighbour;
    map.removeLayer(state.editable);
    state.editable = null;
    showEditable(true, repaired);
    state.neighbour = neighbour;
    state.dirty = true;
    context.layers.repair.clearLayers();
    $("apply-repair").hidden = true;
    status("已应用修复, 正在检查…", "");
    preview();
  });

  $("history").addEventListener("click", async () => {
    if (!state.area) { return; }
    const answer = await api("GET", "/v1/areas/" + state.area.properties.code + "/history");
    if (answer.status !== 200) { status(M.errorText(answer), "error"); return; }
    const list = $("versions");
    list.textContent = "";
    answer.data.features.forEach((feature) => {
      const item = document.createElement("li");
      const p = feature.properties;
      item.textContent = "版本 " + p.version + " 自 " + G.shanghai(p.valid_from)
        + (p.valid_to ? " 至 " + G.shanghai(p.valid_to) : " (当前)");
      item.addEventListener("click", () => context.showHistory(feature));
      list.appendChild(item);
    });
  });

  if (state.key) { login(state.key); } else { $("login").hidden = false; $("work").hidden = true; }
})();
