/* onemap 一张图: the leaders' view on top of the one-map page.
 *
 * A panel with the headline numbers (today, this week, open, overdue, closure rate within
 * deadline), the ranking of streets and the 30-day trend (Apache ECharts, served by onemap),
 * the profile of the area a leader clicks or picks, and the department layers in the layer
 * control. Everything comes from this service with the page's key; a viewer key suffices.
 */
(function () {
  "use strict";

  var METRICS = [
    ["today", "今日上报"], ["this_week", "本周上报"], ["open", "未办结"],
    ["overdue", "已超时"], ["closure_rate_within_deadline", "按期办结率"]
  ];
  var LEVEL_NAMES = { district: "区县", street: "街道", community: "社区", grid: "网格", micro_grid: "微网格" };
  var page = null;  // window.onemap
  var leaders = { state: null, chart: null, thematic: {}, dashboard: null, profile: null };

  function esc(text) { return page.escapeHtml(text); }

  function percent(rate) { return rate == null ? "—" : (rate * 100).toFixed(1) + "%"; }

  function number(value) { return value == null ? "—" : String(value); }

  /* -- the panel ------------------------------------------------------------------------------ */
  function panel() {
    var Panel = L.Control.extend({
      options: { position: "topleft" },
      onAdd: function () {
        var box = L.DomUtil.create("div", "onemap-leaders");
        box.id = "onemap-leaders";
        var cards = METRICS.map(function (m) {
          return '<div class="onemap-card"><span>' + m[1] + '</span><b data-metric="' + m[0] + '">…</b></div>';
        }).join("");
        box.innerHTML = '<h3>领导驾驶舱 <small id="onemap-leaders-window">近30天</small>' +
          '<button type="button" class="onemap-fold" aria-label="收起">–</button></h3>' +
          '<div class="onemap-leaders-body"><div class="onemap-cards">' + cards + "</div>" +
          '<h4>街道排名 <small>按超时、未办结</small></h4><table class="onemap-ranking" id="onemap-ranking">' +
          "<thead><tr><th>街道</th><th>上报</th><th>未办结</th><th>超时</th><th>按期率</th></tr></thead>" +
          "<tbody></tbody></table>" +
          '<h4>近30天趋势</h4><div class="onemap-trend" id="onemap-trend"></div>' +
          '<div class="onemap-profile" id="onemap-profile"></div></div>';
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        box.querySelector(".onemap-fold").addEventListener("click", function () {
          box.classList.toggle("onemap-folded");
        });
        return box;
      }
    });
    return new Panel();
  }

  function loadDashboard() {
    return page.request(page.config().urls.dashboard).then(function (answer) {
      var box = document.getElementById("onemap-leaders");
      if (!answer.ok || !box) {
        if (box) { box.querySelector(".onemap-cards").textContent = "统计：" + page.why(answer).replace(/<[^>]*>/g, ""); }
        return;
      }
      var body = answer.body;
      leaders.dashboard = body;
      METRICS.forEach(function (m) {
        var node = box.querySelector('[data-metric="' + m[0] + '"]');
        var value = body.headline[m[0]];
        if (node) { node.textContent = m[0] === "closure_rate_within_deadline" ? percent(value) : number(value); }
      });
      var rows = body.ranking.slice(0, 10).map(function (r) {
        return '<tr data-code="' + esc(r.code) + '"><td><a href="#">' + esc(r.name || r.code) + "</a></td><td>" +
          r.reported + "</td><td>" + r.open + '</td><td class="onemap-bad">' + r.overdue + "</td><td>" +
          percent(r.closure_rate_within_deadline) + "</td></tr>";
      });
      var tbody = box.querySelector("#onemap-ranking tbody");
      tbody.innerHTML = rows.join("") || '<tr><td colspan="5">暂无事件</td></tr>';
      Array.prototype.forEach.call(tbody.querySelectorAll("tr[data-code]"), function (tr) {
        tr.addEventListener("click", function (e) { e.preventDefault(); showArea(tr.getAttribute("data-code")); });
      });
      drawTrend(body.trend);
      document.body.setAttribute("data-onemap-dashboard", "loaded");
    });
  }

  function drawTrend(trend) {
    var node = document.getElementById("onemap-trend");
    if (!node || !window.echarts) { return; }
    if (!leaders.chart) { leaders.chart = window.echarts.init(node, null, { renderer: "canvas" }); }
    leaders.chart.setOption({
      animation: false,
      grid: { left: 32, right: 8, top: 24, bottom: 22 },
      tooltip: { trigger: "axis" },
      legend: { data: ["上报", "办结"], top: 0, itemHeight: 8, textStyle: { fontSize: 11 } },
      xAxis: { type: "category", data: trend.map(function (d) { return d.date.slice(5); }),
        axisLabel: { fontSize: 10 } },
      yAxis: { type: "value", minInterval: 1, axisLabel: { fontSize: 10 } },
      series: [
        { name: "上报", type: "line", smooth: true, symbolSize: 3, data: trend.map(function (d) { return d.reported; }),
          itemStyle: { color: "#d7301f" } },
        { name: "办结", type: "line", smooth: true, symbolSize: 3, data: trend.map(function (d) { return d.resolved; }),
          itemStyle: { color: "#41ab5d" } }
      ]
    });
  }

  /* -- an area's profile -------------------------------------------------------------------------- */
  function showProfile(code) {
    var node = document.getElementById("onemap-profile");
    if (!node) { return Promise.resolve(); }
    node.innerHTML = "<h4>区域画像</h4>查询中…";
    var url = page.config().urls.profile.replace("{code}", encodeURIComponent(code));
    return page.request(url).then(function (answer) {
      if (!answer.ok) { node.innerHTML = "<h4>区域画像</h4>" + page.why(answer); return; }
      var p = answer.body;
      leaders.profile = p;
      var chain = p.chain.map(function (c) { return esc(c.name); }).concat([esc(p.name)]).join(" › ");
      var team = p.team ? [p.team.name, p.team.leader, p.team.phone].filter(Boolean).map(esc).join(" · ") : "—";
      var facts = [
        ["households", "户数", p.households], ["addresses", "标准地址", p.addresses],
        ["buildings", "建筑", p.buildings], ["enterprises", "企业", p.enterprises],
        ["open", "未办结事件", p.reports.open], ["overdue", "超时事件", p.reports.overdue]
      ].map(function (f) {
        return '<div><span>' + f[1] + '</span><b data-profile="' + f[0] + '">' + number(f[2]) + "</b></div>";
      }).join("");
      var parts = p.parts.slice().sort(function (a, b) { return b.count - a.count; }).slice(0, 8).map(function (x) {
        return "<li>" + esc(x.major_name || "") + " › " + esc(x.name || x.code) + ' <span class="onemap-code">' +
          esc(x.code) + "</span> <b>" + x.count + "</b></li>";
      }).join("");
      var layers = p.layers.map(function (l) { return esc(l.title) + " " + l.count; }).join("，");
      node.innerHTML = '<h4>区域画像 · ' + (LEVEL_NAMES[p.level] || p.level) + '</h4><div class="onemap-profile-name" data-code="' +
        esc(p.code) + '">' + chain + '</div><div class="onemap-profile-team">责任团队：' + team + "</div>" +
        '<div class="onemap-facts">' + facts + "</div>" + (parts ? "<h5>城市部件</h5><ul>" + parts + "</ul>" : "") +
        (layers ? '<div class="onemap-note">专题图层：' + layers + "</div>" : "");
      document.body.setAttribute("data-onemap-profile", p.code);
    });
  }

  /* A ranking row: jump to the street (its outline from /v1/areas) and show its profile. */
  function showArea(code) {
    page.request(page.config().urls.lookup.replace(/\/v1\/lookup$/, "") + "/v1/areas/" + encodeURIComponent(code)).then(function (answer) {
      var geometry = answer.ok && answer.body && answer.body.geometry;
      if (geometry) {
        var bounds = L.geoJSON(geometry).getBounds();
        leaders.state.map.fitBounds(bounds, { animate: false });
      }
    });
    return showProfile(code);
  }

  /* Area names in a clicked point's popup open their profile; the grid's opens at once. */
  function linkChain(popup, body) {
    var root = popup.getElement && popup.getElement();
    if (root) {
      Array.prototype.forEach.call(root.querySelectorAll(".onemap-area-link"), function (a) {
        a.addEventListener("click", function (e) { e.preventDefault(); showProfile(a.getAttribute("data-code")); });
      });
    }
    var deepest = null;
    ["district", "street", "community", "grid"].forEach(function (level) {
      if (body.areas && body.areas[level]) { deepest = body.areas[level]; }
    });
    if (deepest) { showProfile(deepest.code); }
  }

  /* -- department layers ---------------------------------------------------------------------- */
  function layerStyle(layer) {
    var s = layer.style || {};
    var colour = s.color || "#1f78b4";
    if (layer.geometry_type === "point") {
      return { radius: s.radius || 2.5, fill: true, fillColor: colour, fillOpacity: 0.9, color: "#ffffff", weight: 0.5 };
    }
    if (layer.geometry_type === "line") { return { color: colour, weight: s.weight || 2 }; }
    return { color: colour, weight: s.weight || 0.6, fill: true, fillColor: s.fillColor || colour, fillOpacity: 0.45 };
  }

  function loadLayers() {
    return page.request(page.config().urls.layers).then(function (answer) {
      if (!answer.ok) { return; }
      var control = leaders.state.handles.control;
      answer.body.layers.forEach(function (layer) {
        var styles = {};
        styles["layer_" + layer.name] = layerStyle(layer);
        var vector = L.vectorGrid.protobuf(layer.tiles, {
          minZoom: layer.minzoom, maxNativeZoom: 18, maxZoom: 19, zIndex: 10, interactive: false,
          updateWhenZooming: false, rendererFactory: L.canvas.tile,
          fetchOptions: window.onemap.fetchOptions(), vectorTileLayerStyles: styles
        });
        leaders.thematic[layer.name] = vector;
        if (control) {
          control.addOverlay(vector, '<span class="onemap-layer-name" data-layer="' + esc(layer.name) + '">' +
            esc(layer.title) + "</span> <small>" + esc(layer.department) + "</small>");
        }
      });
      document.body.setAttribute("data-onemap-layers", String(answer.body.layers.length));
    });
  }

  function start(state) {
    page = window.onemap;
    leaders.state = state;
    panel().addTo(state.map);
    loadDashboard();
    loadLayers();
    window.setInterval(loadDashboard, (page.config().refresh_s || 30) * 1000);
  }

  window.onemapLeaders = {
    start: start,
    showProfile: showProfile,
    showArea: showArea,
    linkChain: linkChain,
    loadDashboard: loadDashboard,
    data: leaders
  };
})();
