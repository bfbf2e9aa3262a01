/* onemap 一张图: the page's behaviour on top of the Leaflet map that folium writes.
 *
 * Loaded in <head> before Leaflet, so nothing here touches `L` until onemap.start() runs at
 * the end of the page. Every request goes to this service (same origin); services that are
 * not there yet (geocode, statistics) or refuse the key are reported in the page, never
 * thrown. The API key (when the page has one) travels in the X-API-Key header only.
 */
(function () {
  "use strict";

  var LEVELS = ["district", "street", "community", "grid", "micro_grid"];
  var LEVEL_NAMES = {
    district: "区县", street: "街道(乡镇)", community: "社区(村)", grid: "网格", micro_grid: "微网格"
  };
  var STATUS_COLOURS = {
    "new": "#d7301f", dispatched: "#fc8d59", in_progress: "#2b8cbe",
    resolved: "#41ab5d", closed: "#969696", overdue: "#7a0177"
  };
  var STATUS_NAMES = {
    "new": "新上报", dispatched: "已派遣", in_progress: "处置中",
    resolved: "已办结", closed: "已关闭", overdue: "已超时"
  };
  var RAMP = ["#fff5eb", "#fdd0a2", "#fd8d3c", "#d94801", "#7f2704"];

  var state = {
    config: null, map: null, handles: {}, stats: null, statsMax: 0, statsItems: null,
    statsField: "total", labels: {}, labelCache: {}, version: null
  };

  function config() {
    if (!state.config) {
      var node = document.getElementById("onemap-config");
      state.config = node ? JSON.parse(node.textContent) : {};
      var key = state.config.key;
      try {
        if (key) { window.sessionStorage.setItem("onemap.key", key); }
        else { key = window.sessionStorage.getItem("onemap.key"); }
      } catch (e) { /* storage may be disabled: the key from the page still works */ }
      state.config.key = key || null;
    }
    return state.config;
  }

  function headers(extra) {
    var h = extra || {};
    if (config().key) { h["X-API-Key"] = config().key; }
    return h;
  }

  /* Options for the vector tile layers' fetch(), read when folium creates them. */
  function fetchOptions() {
    return { headers: headers(), credentials: "same-origin" };
  }

  function escapeHtml(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  /* GET or POST JSON; resolves {ok, status, body} and never rejects. */
  function request(url, options) {
    var opts = options || {};
    var init = { method: opts.method || "GET", headers: headers(opts.headers), credentials: "same-origin" };
    if (opts.body !== undefined) {
      init.body = JSON.stringify(opts.body);
      init.headers["Content-Type"] = "application/json";
    }
    return fetch(url, init).then(function (response) {
      if (response.status === 204) { return { ok: true, status: 204, body: null }; }
      return response.json().then(function (body) {
        return { ok: response.ok, status: response.status, body: body };
      }, function () { return { ok: response.ok, status: response.status, body: null }; });
    }, function () { return { ok: false, status: 0, body: null }; });
  }

  function why(answer) {
    if (answer.status === 0) { return "服务无法连接"; }
    var error = answer.body && answer.body.error;
    if (error && error.kind && window.onemapMessages) {  // the service's kind, said in Chinese
      return escapeHtml(window.onemapMessages.errorText(answer));
    }
    if (answer.status === 401) { return "需要有效的访问密钥"; }
    if (answer.status === 403) { return "当前密钥无权使用此功能"; }
    if (answer.status === 404 || answer.status === 405) { return "该服务尚未开通"; }
    if (answer.status === 503) { return "服务暂不可用，请稍后重试"; }
    var message = answer.body && answer.body.error && answer.body.error.message;
    return message ? escapeHtml(message) : "请求失败 (" + answer.status + ")";
  }


  /* -- styles ----------------------------------------------------------------------------- */
  function gridStyle(props) {
    if (props.kind === "dedicated") {
      return { weight: 1.2, color: "#c2185b", fill: true, fillColor: "#f8bbd0", fillOpacity: 0.25 };
    }
    return { weight: 0.9, color: "#e07b00", fill: false };
  }

  function choroplethStyle(props) {
    var value = state.stats ? state.stats[props.code] : undefined;
    if (value === undefined || !state.statsMax) { return []; }
    var step = Math.min(RAMP.length - 1, Math.floor((value / state.statsMax) * RAMP.length));
    return { weight: 0.5, color: "#7f2704", fill: true, fillColor: RAMP[step], fillOpacity: 0.7 };
  }

  /* -- data version: new edits change every tile URL ---------------------------------------- */
  function tileUrl(name, version) {
    return config().templates[name].replace("{v}", String(version));
  }

  function checkVersion() {
    request(config().urls.tilejson).then(function (answer) {
      var version = answer.ok && answer.body ? answer.body["onemap:data_version"] : null;
      if (version == null || version === state.version) { return; }
      state.version = version;
      Object.keys(config().templates).forEach(function (name) {
        var vector = state.handles[name];
        if (vector && vector.setUrl) { vector.setUrl(tileUrl(name, version)); }
      });
      loadLabels();
      setVersionText();
    });
  }

  function setVersionText() {
    var node = document.getElementById("onemap-version");
    if (node) { node.textContent = "数据版本 " + state.version; }
  }

  /* -- labels ----------------------------------------------------------------------------- */
  var LABEL_ZOOMS = { district: [4, 11], street: [11, 13], community: [14, 15], grid: [16, 19] };
  var LABEL_LEVELS = ["district", "street", "community", "grid"];

  /* A level's label points, fetched once per data version and only when first needed. */
  function labelsOf(level) {
    var entry = state.labelCache[level];
    if (entry && entry.version === state.version) { return entry.promise; }
    var promise = request(config().urls.labels + "?level=" + level).then(function (answer) {
      var items = answer.ok && answer.body ? answer.body.items || [] : [];
      state.labels[level].items = items;
      drawLabels(level);
      return items;
    });
    state.labelCache[level] = { version: state.version, promise: promise };
    return promise;
  }

  function loadLabels() {
    var zoom = state.map.getZoom();
    LABEL_LEVELS.forEach(function (level) {
      var range = LABEL_ZOOMS[level];
      if (zoom >= range[0] && zoom <= range[1]) { labelsOf(level); }
    });
  }

  function drawLabels(level) {
    var group = state.labels[level];
    var zoom = state.map.getZoom();
    var range = LABEL_ZOOMS[level];
    group.clearLayers();
    if (zoom < range[0] || zoom > range[1] || !state.map.hasLayer(state.labelsRoot)) { return; }
    var view = state.map.getBounds().pad(0.2);
    (group.items || []).forEach(function (item) {
      var where = L.latLng(item.lat, item.lon);
      if (!view.contains(where)) { return; }
      L.marker(where, {
        interactive: false, keyboard: false,
        icon: L.divIcon({ className: "onemap-label onemap-label-" + level, html: escapeHtml(item.name), iconSize: null })
      }).addTo(group);
    });
  }

  function redrawLabels() { LABEL_LEVELS.forEach(drawLabels); }

  /* -- reports: clusters and heat, empty until reports exist -------------------------------- */
  function reportColour(item) {
    if (item.sla === "overdue") { return STATUS_COLOURS.overdue; }
    return STATUS_COLOURS[item.kind] || "#636363";
  }

  /* A report's popup: its category and status, then its photo (Open311 media), fetched with
     the key as a blob (an <img> cannot send the key header); a link elsewhere stays a link. */
  function reportPopup(item) {
    var node = document.createElement("div");
    node.className = "onemap-report";
    node.innerHTML = escapeHtml(item.name || "事件") + " · " + escapeHtml(STATUS_NAMES[item.kind] || item.kind || "") +
      '<div class="onemap-photo">照片：查询中…</div>';
    return node;
  }

  function loadPhoto(item, node) {
    var slot = node.querySelector(".onemap-photo");
    request(config().urls.requests + "/" + encodeURIComponent(item.code) + ".json").then(function (answer) {
      var doc = answer.ok && answer.body ? answer.body[0] : null;
      var url = doc && doc.media_url;
      if (!url) { slot.textContent = answer.ok ? "照片：无" : "照片：" + why(answer); return; }
      if (url.indexOf(window.location.origin + "/") !== 0) {
        slot.innerHTML = '照片：<a href="' + escapeHtml(url) + '" target="_blank" rel="noopener">外部链接</a>';
        return;
      }
      fetch(url, { headers: headers(), credentials: "same-origin" }).then(function (r) {
        if (!r.ok) { throw new Error(String(r.status)); }
        return r.blob();
      }).then(function (blob) {
        var img = document.createElement("img");
        img.alt = "事件照片";
        img.className = "onemap-photo-img";
        img.src = URL.createObjectURL(blob);
        slot.textContent = "";
        slot.appendChild(img);
      }).catch(function () { slot.textContent = "照片：无法加载"; });
    });
  }

  function loadReports() {
    var cluster = state.handles.cluster;
    var heat = state.handles.heat;
    var wanted = (cluster && state.map.hasLayer(cluster)) || (heat && state.map.hasLayer(heat));
    if (!wanted || state.map.getZoom() < 8) { return; }
    var b = state.map.getBounds();
    var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(5); });
    request(config().urls.reports + "?bbox=" + bbox.join(",")).then(function (answer) {
      var items = answer.ok && answer.body ? answer.body.items || [] : [];
      if (cluster) {
        cluster.clearLayers();
        cluster.addLayers(items.map(function (item) {
          var colour = reportColour(item);
          var content = reportPopup(item);
          return L.circleMarker([item.lat, item.lon], {
            radius: 6, color: "#fff", weight: 1, fillColor: colour, fillOpacity: 0.9
          }).bindPopup(content, { maxWidth: 320 }).once("popupopen", function () { loadPhoto(item, content); });
        }));
      }
      if (heat) { heat.setLatLngs(items.map(function (item) { return [item.lat, item.lon, 1]; })); }
      var note = document.getElementById("onemap-reports-note");
      if (note) { note.textContent = answer.ok ? (items.length ? "当前视图 " + items.length + " 件" : "暂无事件数据") : "事件数据不可用"; }
    });
  }

  /* -- statistics choropleth from /v1/stats/areas, empty until reports exist ---------------- */
  function statValue(item, field) {
    var v = item[field];
    if (typeof v === "number") { return v; }
    if (field === "total" && item.by_status && typeof item.by_status === "object") {
      return Object.keys(item.by_status).reduce(function (sum, k) { return sum + (Number(item.by_status[k]) || 0); }, 0);
    }
    return undefined;
  }

  function applyStats() {
    var field = state.statsField || "total";
    var stats = {};
    var max = 0;
    (state.statsItems || []).forEach(function (raw) {
      var item = raw.properties || raw;
      var value = statValue(item, field);
      if (item.code && value !== undefined) { stats[item.code] = value; max = Math.max(max, value); }
    });
    state.stats = stats;
    state.statsMax = max;
    var choropleth = state.handles.choropleth;
    if (choropleth && choropleth.redraw && state.map.hasLayer(choropleth)) { choropleth.redraw(); }
    return max;
  }

  function loadStats() {
    var note = document.getElementById("onemap-stats-note");
    request(config().urls.stats + "?level=grid").then(function (answer) {
      var body = answer.body || {};
      state.statsItems = Array.isArray(body) ? body : body.areas || body.items || body.features || [];
      var max = applyStats();
      if (note) {
        note.textContent = !answer.ok ? "统计服务：" + why(answer).replace(/<[^>]*>/g, "")
          : (max ? "最大值 " + max : "暂无统计数据");
      }
    });
  }

  function onStatsField(event) {
    state.statsField = event.target.value;
    var max = applyStats();
    var note = document.getElementById("onemap-stats-note");
    if (note && state.statsItems) { note.textContent = max ? "最大值 " + max : "暂无统计数据"; }
  }

  /* -- click: the chain of areas, the team, open reports ------------------------------------ */
  function chainHtml(body) {
    var rows = LEVELS.map(function (level) {
      var area = body.areas ? body.areas[level] : null;
      var text = area ? '<a href="#" class="onemap-area-link" data-code="' + escapeHtml(area.code) + '">' +
        escapeHtml(area.name) + '</a> <span class="onemap-code">' + escapeHtml(area.code) + "</span>" : "—";
      return "<tr><th>" + LEVEL_NAMES[level] + "</th><td>" + text + "</td></tr>";
    });
    var deepest = null;
    LEVELS.forEach(function (level) { if (body.areas && body.areas[level]) { deepest = body.areas[level]; } });
    var team = deepest && deepest.team;
    if (team) {
      var who = [team.name, team.leader, team.phone].filter(Boolean).map(escapeHtml).join(" · ");
      rows.push("<tr><th>责任团队</th><td>" + who + "</td></tr>");
    }
    return { html: rows.join(""), deepest: deepest };
  }

  function onClick(event) {
    var lat = event.latlng.lat, lon = event.latlng.lng;
    var where = lon.toFixed(6) + ", " + lat.toFixed(6);
    var popup = L.popup({ maxWidth: 360, className: "onemap-popup" }).setLatLng(event.latlng)
      .setContent('<div class="onemap-chain">查询中…</div>').openOn(state.map);
    var url = config().urls.lookup + "?lon=" + lon + "&lat=" + lat;
    var tries = 0;
    function locate() { return request(url); }
    function retryWhileLoading(answer) {  // the index may still be loading (503): wait a little
      if (answer.status !== 503 || ++tries > 4) { return answer; }
      return new Promise(function (resolve) { window.setTimeout(resolve, 1000); }).then(locate).then(retryWhileLoading);
    }
    locate().then(retryWhileLoading).then(function (answer) {
      if (!answer.ok || !answer.body || !answer.body.areas) {
        popup.setContent('<div class="onemap-chain"><b>' + where + "</b><br>归属查询：" + why(answer) + "</div>");
        return;
      }
      var chain = chainHtml(answer.body);
      var head = answer.body.covered ? "" : '<div class="onemap-warn">该点不在任何网格内，由所在社区兜底负责</div>';
      popup.setContent('<div class="onemap-chain">' + head + "<table>" + chain.html +
        '</table><div class="onemap-open" id="onemap-open">未结事件：查询中…</div></div>');
      if (window.onemapLeaders) { window.onemapLeaders.linkChain(popup, answer.body); }
      if (!chain.deepest) { return; }
      request(config().urls.reports + "?open=true&area=" + encodeURIComponent(chain.deepest.code)).then(function (r) {
        var node = document.getElementById("onemap-open");
        if (!node) { return; }
        node.textContent = r.ok && r.body ? "未结事件：" + (r.body.items || []).length + " 件" : "未结事件：暂无数据";
      });
    });
  }

  /* -- search: area names and standard addresses through the viewer's lookup -------------- */
  /* Jump straight to the target zoom (no animation): a flight from the city view would
   * load every zoom level's tiles on the way. */
  function jumpTo(hit) {
    if (hit.bbox) {
      state.map.fitBounds([[hit.bbox[1], hit.bbox[0]], [hit.bbox[3], hit.bbox[2]]],
        { animate: false, maxZoom: hit.zoom });
    } else {
      state.map.setView([hit.lat, hit.lon], hit.zoom, { animate: false });
    }
  }

  function showHit(hit, output) {
    state.map.closePopup();  // a popup from an earlier click would point at nothing here
    jumpTo(hit);
    output.textContent = hit.name;
    if (hit.kind === "address") {
      L.popup().setLatLng([hit.lat, hit.lon]).setContent(escapeHtml(hit.name)).openOn(state.map);
    }
    if (hit.kind === "area" && window.onemapLeaders) { window.onemapLeaders.showProfile(hit.code); }
  }

  function search(text, output) {
    text = text.trim();
    if (!text) { return; }
    output.textContent = "搜索中…";
    request(config().urls.search + "?limit=8&q=" + encodeURIComponent(text)).then(function (answer) {
      if (!answer.ok) { output.innerHTML = "搜索：" + why(answer); return; }
      var hits = (answer.body.areas || []).concat(answer.body.addresses || []);
      if (!hits.length) { output.textContent = "未找到匹配的区划或标准地址"; return; }
      var exact = hits.filter(function (h) { return h.name === text; })[0];
      // 百福弄社区 names 百福弄社区居委会: one area starting with the text at the outermost
      // level it reaches (its grids come later) is what was meant.
      var starts = (answer.body.areas || []).filter(function (h) { return h.name.indexOf(text) === 0; });
      if (!exact && starts.length && (starts.length === 1 || starts[0].level !== starts[1].level)) {
        exact = starts[0];
      }
      if (exact || hits.length === 1) { showHit(exact || hits[0], output); return; }
      output.innerHTML = "请选择：";
      hits.slice(0, 8).forEach(function (hit) {
        var link = L.DomUtil.create("a", "onemap-candidate", output);
        link.href = "#";
        link.textContent = hit.name;
        link.addEventListener("click", function (e) { e.preventDefault(); showHit(hit, output); });
      });
    });
  }

  function searchControl() {
    var Search = L.Control.extend({
      options: { position: "topleft" },
      onAdd: function () {
        var box = L.DomUtil.create("div", "onemap-search");
        box.innerHTML = '<input type="search" placeholder="搜索地址或区划名称" aria-label="搜索">' +
          '<button type="button">搜索</button><div class="onemap-search-out"></div>';
        L.DomEvent.disableClickPropagation(box);
        var input = box.querySelector("input");
        var output = box.querySelector(".onemap-search-out");
        box.querySelector("button").addEventListener("click", function () { search(input.value, output); });
        input.addEventListener("keydown", function (e) { if (e.key === "Enter") { search(input.value, output); } });
        return box;
      }
    });
    return new Search();
  }

  /* -- legend ------------------------------------------------------------------------------- */
  function legendControl() {
    var Legend = L.Control.extend({
      options: { position: "bottomright" },
      onAdd: function () {
        var box = L.DomUtil.create("div", "onemap-legend");
        var lines = [
          ["区县界", "border:2.5px solid #5b2c83"], ["街道(乡镇)界", "border:2px solid #1f5fa8"],
          ["社区(村)界", "border:1px solid #2e8b57"], ["基础网格", "border:1px solid #e07b00"],
          ["专属网格", "border:1px solid #c2185b;background:#f8bbd0"], ["微网格", "border:1px solid #9e9e9e"]
        ].map(function (row) { return '<div><i style="' + row[1] + '"></i>' + row[0] + "</div>"; });
        var dots = Object.keys(STATUS_NAMES).map(function (k) {
          return '<span class="onemap-dot" style="background:' + STATUS_COLOURS[k] + '"></span>' + STATUS_NAMES[k];
        });
        var ramp = RAMP.map(function (c) { return '<i class="onemap-ramp" style="background:' + c + '"></i>'; });
        box.innerHTML = "<h4>图例</h4>" + lines.join("") +
          '<div><span class="onemap-dot" style="background:#333"></span>标准地址</div>' +
          '<h5>事件状态</h5><div class="onemap-dots">' + dots.join(" ") + "</div>" +
          '<div class="onemap-note" id="onemap-reports-note">暂无事件数据</div>' +
          '<h5>网格事件统计 <select id="onemap-stats-field" aria-label="统计指标">' +
          '<option value="total">事件数</option><option value="overdue">超时数</option></select></h5>' +
          "<div>少 " + ramp.join("") + " 多</div>" +
          '<div class="onemap-note" id="onemap-stats-note">开启图层后加载</div>' +
          '<div class="onemap-note" id="onemap-version"></div>';
        L.DomEvent.disableClickPropagation(box);
        box.querySelector("#onemap-stats-field").addEventListener("change", onStatsField);
        return box;
      }
    });
    return new Legend();
  }

  /* -- start ---------------------------------------------------------------------------------- */
  /* handles: folium's map, layer control and layers, by role (see api/map_page.py). */
  function start(handles) {
    var cfg = config();
    state.handles = handles;
    state.map = handles.map;
    state.version = cfg.version;
    var map = state.map;
    state.labelsRoot = L.layerGroup().addTo(map);
    LABEL_LEVELS.forEach(function (level) {
      state.labels[level] = L.layerGroup().addTo(state.labelsRoot);
    });
    var control = handles.control;
    if (control) { control.addOverlay(state.labelsRoot, "名称标注"); }
    searchControl().addTo(map);
    legendControl().addTo(map);
    setVersionText();
    map.on("click", onClick);
    map.on("moveend", function () { loadLabels(); redrawLabels(); loadReports(); });
    map.on("overlayadd", function (e) {
      if (e.layer === handles.choropleth) { loadStats(); }
      if (e.layer === handles.cluster || e.layer === handles.heat) { loadReports(); }
      if (e.layer === state.labelsRoot) { redrawLabels(); }
    });
    map.on("overlayremove", function (e) { if (e.layer === state.labelsRoot) { redrawLabels(); } });
    loadLabels();
    loadReports();
    window.setInterval(function () {  // new edits, new reports, new statistics
      checkVersion();
      loadReports();
      if (handles.choropleth && map.hasLayer(handles.choropleth)) { loadStats(); }
    }, cfg.refresh_s * 1000);
    if (window.onemapLeaders) { window.onemapLeaders.start(state); }
    document.body.setAttribute("data-onemap-ready", "true");
  }

  window.onemap = {
    start: start,
    request: request,
    escapeHtml: escapeHtml,
    why: why,
    config: config,
    jumpTo: jumpTo,
    fetchOptions: fetchOptions,
    gridStyle: gridStyle,
    choroplethStyle: choroplethStyle,
    checkVersion: checkVersion,
    why: why,
    state: state
  };
})();
