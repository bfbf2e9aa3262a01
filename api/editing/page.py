"""The boundary editor page ``/editor``: Leaflet with Leaflet-Geoman, served with its assets.

The page is a shell with no data in it; every call it makes goes to the API with the editor's
key, which the editor types once and the page keeps in ``sessionStorage`` (never in a URL or
cookie). So the page itself needs no key, and the API enforces the role and scope of every
edit exactly as for any other client.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

router = APIRouter(tags=["editor"])

LEAFLET = "vendor/leaflet-1.9.4"
GEOMAN = "vendor/leaflet-geoman-2.20.2"
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'"
)

PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>onemap 边界编辑</title>
<link rel="stylesheet" href="{static}/{leaflet}/leaflet.css">
<link rel="stylesheet" href="{static}/{geoman}/leaflet-geoman.css">
<link rel="stylesheet" href="{static}/editor/editor.css">
</head><body>
<div id="panel">
  <h1>边界编辑 <small>onemap</small></h1>
  <form id="login" data-testid="login">
    <label>API 密钥 (editor) <input id="key" type="password" autocomplete="off" required></label>
    <button type="submit">登录</button>
  </form>
  <div id="work" hidden>
    <form id="pick"><label>区域编码 <input id="code" inputmode="numeric" maxlength="18"
      placeholder="例如 330402007024001"></label>
      <button type="submit" id="load">载入</button></form>
    <div id="current" data-testid="current"></div>
    <label>相邻区域 <input id="neighbour" inputmode="numeric" maxlength="18"
      placeholder="点击地图上的相邻区域"></label>
    <label>编辑原因 <input id="reason" value="边界调整" maxlength="200"></label>
    <label><input type="checkbox" id="adjust"> 自动裁剪相邻区域</label>
    <div class="buttons">
      <button id="preview" type="button">预览</button>
      <button id="save" type="button">保存</button>
      <button id="split" type="button">画线拆分</button>
      <button id="merge" type="button">与相邻区域合并</button>
      <button id="history" type="button">历史版本</button>
    </div>
    <div id="status" data-testid="status" role="status"></div>
    <div id="problems" data-testid="problems"></div>
    <div id="impact" data-testid="impact"></div>
    <ol id="versions" data-testid="versions"></ol>
  </div>
</div>
<div id="map"></div>
<script src="{static}/{leaflet}/leaflet.js"></script>
<script src="{static}/{geoman}/leaflet-geoman.min.js"></script>
<script src="{static}/editor/editor.js"></script>
</body></html>
"""


@router.get("/editor", response_class=HTMLResponse, include_in_schema=False)
def editor(request: Request) -> HTMLResponse:
    """The editor page (the API calls it makes need an editor key)."""
    static = request.scope.get("root_path", "").rstrip("/") + "/static"
    body = PAGE.format(static=static, leaflet=LEAFLET, geoman=GEOMAN)
    headers = {"Content-Security-Policy": CSP, "Cache-Control": "no-store",
               "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff"}  # fmt: skip
    return HTMLResponse(body, headers=headers)
