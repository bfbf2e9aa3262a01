"""Interactive API documentation at ``/docs``, with Swagger UI served by the service itself.

FastAPI's default page loads Swagger UI from a CDN, which an intranet cannot reach and which
would leak every visit; the same page is built here on the vendored copy, with the online
spec validator switched off.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)

SWAGGER = "vendor/swagger-ui-5.35.0"


@router.get("/docs")
def docs(request: Request) -> HTMLResponse:
    static = request.scope.get("root_path", "").rstrip("/") + "/static"
    return get_swagger_ui_html(
        openapi_url=request.scope.get("root_path", "").rstrip("/") + "/openapi.json",
        title="onemap API",
        swagger_js_url=f"{static}/{SWAGGER}/swagger-ui-bundle.js",
        swagger_css_url=f"{static}/{SWAGGER}/swagger-ui.css",
        swagger_favicon_url=f"{static}/{SWAGGER}/favicon-32x32.png",
        swagger_ui_parameters={"validatorUrl": None},
    )
