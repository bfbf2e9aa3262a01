"""The boundary editor page ``/editor``: Leaflet with Leaflet-Geoman, served with its assets.

The page is a shell with no data in it; every call it makes goes to the API with the editor's
key, which the editor types once and the page keeps in ``sessionStorage`` (never in a URL or
cookie). So the page itself needs no key, and the API enforces the role and scope of every
edit exactly as for any other client. The optional basemap is the one-map page's
(``ONEMAP_MAP_BASEMAP_URL``); its origin is the only other one the page may load images from.
"""

from __future__ import annotations

import html
import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

router = APIRouter(tags=["editor"])

LEAFLET = "vendor/leaflet-1.9.4"
GEOMAN = "vendor/leaflet-geoman-2.20.2"
SCRIPTS = ("shared/messages.js", "editor/geometry.js", "editor/context.js", "editor/editor.js")


def content_security_policy(basemap_origin: str | None) -> str:
    images = "'self' data:" + (f" {basemap_origin}" if basemap_origin else "")
    return (
        f"default-src 'self'; img-src {images}; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; connect-src 'self'; frame-ancestors 'none'"
    )


PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>onemap 边界编辑</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{static}/{leaflet}/leaflet.css">
<link rel="stylesheet" href="{static}/{geoman}/leaflet-geoman.css">
<link rel="stylesheet" href="{static}/editor/editor.css">
</head><body>
<div id="panel">
  <h1>边界编辑 <small>onemap</small></h1>
  <form id="login" data-testid="login" hidden>
    <label>API 密钥 <input id="key" type="password" autocomplete="off" required></label>
    <button type="submit">登录</button>
  </form>
  <div id="who" data-testid="who"></div>
  <div id="work" hidden>
    <form id="pick"><label>区域编码 <input id="code" inputmode="numeric" maxlength="18"
      placeholder="例如 330402007024001"></label>
      <button type="submit" id="load">载入</button></form>
    <div id="current" data-testid="current"></div>
    <div id="modes" class="edit-only" role="group" aria-label="操作">
      <button type="button" data-mode="edit" id="mode-edit">编辑边界</button>
      <button type="button" data-mode="boundary" id="mode-boundary">移动共同边界</button>
      <button type="button" data-mode="split" id="mode-split">画线拆分</button>
      <button type="button" data-mode="merge" id="mode-merge">合并相邻区域</button>
      <button type="button" data-mode="create" id="mode-create">新建下级区域</button>
    </div>
    <div id="mode-hint" data-testid="mode-hint"></div>
    <div id="neighbour-box" hidden>相邻区域: <span id="neighbour" data-testid="neighbour"></span>
      <button type="button" id="clear-neighbour">清除</button></div>
    <div id="create-box" hidden>
      <label>名称 <input id="new-name" maxlength="200" placeholder="例如 实验小学专属网格"></label>
      <label>网格类型 <select id="new-kind"><option value="dedicated">专属网格</option>
        <option value="basic">基础网格</option></select></label>
    </div>
    <div class="edit-only">
      <label>编辑原因 <input id="reason" value="边界调整" maxlength="200"></label>
      <label><input type="checkbox" id="follow" checked> 下级区域随边界移动</label>
      <label><input type="checkbox" id="adjust"> 自动裁剪相邻区域</label>
      <div class="buttons">
        <button id="preview" type="button">预览</button>
        <button id="save" type="button">保存</button>
        <button id="reset" type="button">放弃修改</button>
        <button id="apply-repair" type="button" hidden>应用修复</button>
      </div>
    </div>
    <div id="status" data-testid="status" role="status"></div>
    <div id="problems" data-testid="problems"></div>
    <div id="changes" data-testid="changes"></div>
    <div id="impact" data-testid="impact"></div>
    <div class="history"><button id="history" type="button">历史版本</button>
      <small>时间为北京时间 (Asia/Shanghai)</small></div>
    <ol id="versions" data-testid="versions"></ol>
  </div>
</div>
<div id="map"></div>
<dialog id="confirm" data-testid="confirm">
  <h2>确认保存</h2>
  <p id="confirm-intro"></p>
  <table id="confirm-table"></table>
  <div class="buttons"><button type="button" id="confirm-ok">确认保存</button>
    <button type="button" id="confirm-cancel">取消</button></div>
</dialog>
<script type="application/json" id="editor-config">{config}</script>
<script src="{static}/{leaflet}/leaflet.js"></script>
<script src="{static}/{geoman}/leaflet-geoman.min.js"></script>
{scripts}
</body></html>
"""


def _basemap(request: Request) -> tuple[dict[str, Any] | None, str | None]:
    """The one-map page's basemap settings, if the service has one configured."""
    settings: Any = getattr(request.app.state, "map_settings", None)
    url = getattr(settings, "map_basemap_url", None)
    if settings is None or not url:
        return None, None
    basemap = {"url": url, "attribution": settings.map_basemap_attribution,
               "subdomains": settings.map_basemap_subdomains}  # fmt: skip
    return basemap, settings.basemap_origin


@router.get("/editor", response_class=HTMLResponse, include_in_schema=False)
def editor(request: Request) -> HTMLResponse:
    """The editor page (the API calls it makes need an editor key; a viewer key reads only)."""
    static = request.scope.get("root_path", "").rstrip("/") + "/static"
    basemap, origin = _basemap(request)
    # The config is JSON inside a non-executed script element: "<" is escaped so no value can
    # close the element.
    config = json.dumps({"basemap": basemap}, ensure_ascii=False).replace("<", "\\u003c")
    scripts = "\n".join(f'<script src="{html.escape(static)}/{s}"></script>' for s in SCRIPTS)
    body = PAGE.format(static=static, leaflet=LEAFLET, geoman=GEOMAN, config=config,
                       scripts=scripts)  # fmt: skip
    headers = {"Content-Security-Policy": content_security_policy(origin),
               "Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
               "X-Content-Type-Options": "nosniff"}  # fmt: skip
    return HTMLResponse(body, headers=headers)
