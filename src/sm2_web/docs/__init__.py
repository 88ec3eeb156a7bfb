"""The API documentation page at ``/schema``: Swagger UI served from the app itself.

Litestar's own render plugins load their scripts from CDNs and start them with an inline
script, both of which the app's Content-Security-Policy (``default-src 'self'``) refuses. This
page has no inline script or style: Swagger UI's release files (``static/``, from the
``swagger-ui-dist`` package, Apache-2.0) and ``docs.js``, which starts it, come from
``/schema/assets``. Swagger UI's stylesheet draws its icons from ``data:`` URLs, which the CSP
refuses too: it is served with each icon moved to a file of its own under ``/schema/assets``.
Upgrade by replacing ``swagger-ui-bundle.js`` and ``swagger-ui.css``.
"""

from __future__ import annotations

import hashlib
import html
import re
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from litestar import Request, Response, Router, get
from litestar.datastructures import CacheControlHeader
from litestar.exceptions import NotFoundException
from litestar.openapi.plugins import OpenAPIRenderPlugin
from litestar.static_files import create_static_files_router

ASSETS_DIR = Path(__file__).parent / "static"
ASSETS_PATH = "/assets"
"""Under the OpenAPI router's own path (``/schema``)."""
_YEAR = 365 * 24 * 3600


_CACHED = CacheControlHeader(max_age=_YEAR, public=True)
_DATA_SVG = re.compile(r"""url\((["']?)data:image/svg\+xml;charset=utf-8,(.*?)\1\)""")
STYLESHEET = "swagger-ui.css"


@cache
def _fingerprint(name: str) -> str:
    if name == STYLESHEET:
        return hashlib.sha256(_stylesheet()[0].encode()).hexdigest()[:12]
    return hashlib.sha256((ASSETS_DIR / name).read_bytes()).hexdigest()[:12]


@cache
def _stylesheet() -> tuple[str, dict[str, bytes]]:
    """Swagger UI's stylesheet with its ``data:`` icons as files: (css, icon name → SVG)."""
    icons: dict[str, bytes] = {}

    def to_file(match: re.Match[str]) -> str:
        svg = re.sub(r"\\(.)", r"\1", unquote(match.group(2))).encode()  # CSS escapes (\")
        name = hashlib.sha256(svg).hexdigest()[:16] + ".svg"
        icons[name] = svg
        return f'url("icons/{name}")'

    css = _DATA_SVG.sub(to_file, (ASSETS_DIR / STYLESHEET).read_text(encoding="utf-8"))
    return css, icons


@get(f"{ASSETS_PATH}/{STYLESHEET}", include_in_schema=False, cache_control=_CACHED)
async def swagger_stylesheet() -> Response[str]:
    return Response(_stylesheet()[0], media_type="text/css; charset=utf-8")


@get(f"{ASSETS_PATH}/icons/{{name:str}}", include_in_schema=False, cache_control=_CACHED)
async def swagger_icon(name: str) -> Response[bytes]:
    svg = _stylesheet()[1].get(name)
    if svg is None:
        raise NotFoundException()
    return Response(svg, media_type="image/svg+xml")


class SwaggerPage(OpenAPIRenderPlugin):
    """Swagger UI at ``/schema`` (and ``/schema/swagger``), working under the app's CSP."""

    def __init__(self) -> None:
        super().__init__(path=["/", "/swagger"], favicon="", style="")

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        base = request.app.openapi_config.path if request.app.openapi_config else "/schema"

        def asset(name: str) -> str:
            return html.escape(f"{base}{ASSETS_PATH}/{name}?v={_fingerprint(name)}")

        title = html.escape(str(openapi_schema.get("info", {}).get("title", "API")))
        spec = html.escape(self.get_openapi_json_route(request))
        page = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" type="image/png" href="{asset("favicon-32x32.png")}">
<link rel="stylesheet" href="{asset(STYLESHEET)}">
<link rel="stylesheet" href="{asset("docs.css")}">
</head>
<body>
<div id="swagger-ui" data-spec-url="{spec}"></div>
<script src="{asset("swagger-ui-bundle.js")}"></script>
<script src="{asset("docs.js")}"></script>
</body>
</html>
"""
        return page.encode()

    def receive_router(self, router: Router) -> None:
        router.register(swagger_stylesheet)
        router.register(swagger_icon)
        router.register(
            create_static_files_router(
                path=ASSETS_PATH,
                directories=[ASSETS_DIR],
                name="api-docs:assets",
                include_in_schema=False,
                cache_control=_CACHED,
            )
        )
